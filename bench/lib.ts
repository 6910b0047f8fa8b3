/** Benchmark plumbing: databases, child processes, memory sampling, results. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { parseConfig, type Config } from '../src/config.ts';
import { migrateToLatest, type DbHandle } from '../src/db/kysely.ts';
import { openPglite } from '../src/db/pglite.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { DbJobQueue } from '../src/jobs/db-queue.ts';
import { systemClock } from '../src/lib/clock.ts';
import { silentLogger } from '../src/lib/log.ts';
import type { Mailer } from '../src/mail/mailer.ts';
import { createProcessCaches } from '../src/runtime/caches.ts';
import { createServices, type Services } from '../src/services.ts';

export interface Result {
  name: string;
  scale: number;
  figure: number;
  unit: string;
  baseline: number | null;
  baselineUnit?: string;
  /** figure ÷ baseline, oriented so that > 1 means Quire is better (or, for costs, see `detail`). */
  ratio: number | null;
  peakRssMb: number;
  detail?: Record<string, unknown>;
}

export const SCALES: Record<string, number> = { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 };

/** Counts database time across every query of a handle. */
export class DbTimer {
  ms = 0;
  queries = 0;
  readonly onQuery = (ms: number) => {
    this.ms += ms;
    this.queries++;
  };
  reset() {
    this.ms = 0;
    this.queries = 0;
  }
}

export interface BenchDb {
  handle: DbHandle;
  kind: 'pglite' | 'postgres';
  timer: DbTimer;
  /** The benchmark's own database (PostgreSQL only), for COPY and statistics. */
  url?: string;
  close(): Promise<void>;
}

/** PostgreSQL (DATABASE_URL, in a fresh schema) or PGlite in memory. */
export async function openBenchDb(): Promise<BenchDb> {
  const timer = new DbTimer();
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    // A database of its own on that server: nothing else's activity counts in its statistics.
    const name = `quire_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    const url = u.toString();
    const handle = openPostgres(url, { max: 10, onQuery: timer.onQuery });
    await migrateToLatest(handle.db);
    return {
      handle,
      kind: 'postgres',
      timer,
      url,
      close: async () => {
        await handle.close();
        const c = new pg.Client({ connectionString: serverUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const handle = await openPglite(undefined, { onQuery: timer.onQuery });
  await migrateToLatest(handle.db);
  return { handle, kind: 'pglite', timer, close: () => handle.close() };
}

export function benchConfig(extra: Record<string, string> = {}): Config {
  return parseConfig({
    SECRET: 'b'.repeat(40),
    PUBLIC_URL: 'https://news.example.org',
    SIGNUP_RATE_LIMIT: '10000000',
    RESEND_RATE_PER_SECOND: '10000',
    ...extra,
  });
}

export function benchServices(db: BenchDb, mailer: Mailer, config: Config = benchConfig()): Services {
  return createServices({
    config,
    db: db.handle.db,
    dbKind: db.kind,
    clock: systemClock,
    mailer,
    queue: (repos) => new DbJobQueue(repos.jobs, systemClock),
    log: silentLogger,
    secret: config.secret!,
    passwordIterations: 1000,
    caches: createProcessCaches(),
  });
}

/** Starts the fake provider in its own process; resolves with its URL. */
export async function startProviderProcess(
  ratePerSecond = 0,
): Promise<{ url: string; child: ChildProcess; stats(): Promise<Record<string, number>>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/fake-provider.ts'), String(ratePerSecond)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url: string = await new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`fake provider exited with ${code}`)));
  });
  return {
    url,
    child,
    stats: async () => (await fetch(`${url}/_stats`)).json() as Promise<Record<string, number>>,
    stop: () =>
      new Promise((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** process.memoryUsage() in whole MB, as JSON (BENCH_MEMLOG lines). */
export function memoryMb(m: NodeJS.MemoryUsage = process.memoryUsage()): string {
  return JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v / 1048576)])));
}

/** Samples RSS every 20 ms while `fn` runs; returns its result and the peak in MB. */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  let n = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak && process.env.BENCH_MEMLOG && n++ % 5 === 0) console.log(memoryMb(m));
    peak = Math.max(peak, m.rss);
  }, 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakRssMb: Math.round(peak / 1024 / 1024) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * CPU time (ms) of every PostgreSQL server process on this machine, by pid (Linux /proc; empty
 * elsewhere). The difference of two snapshots is the database's CPU over that interval, waits for
 * locks, disks and a free core excluded; processes that started in between count from zero.
 */
export function postgresCpuSnapshot(): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  const tick = 1000 / 100; // USER_HZ
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const open = stat.indexOf('('),
        close = stat.lastIndexOf(')');
      if (stat.slice(open + 1, close) !== 'postgres') continue;
      const f = stat.slice(close + 2).split(' ');
      out.set(Number(pid), (Number(f[11]) + Number(f[12])) * tick);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function postgresCpuMsSince(before: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of postgresCpuSnapshot()) ms += t - (before.get(pid) ?? 0);
  return ms;
}

/**
 * Starts counting this process's CPU and PostgreSQL's; the function it returns gives each in µs
 * per unit of work done since (PostgreSQL's only on PostgreSQL: PGlite runs inside this process).
 */
export function cpuMeter(kind: BenchDb['kind']): (units: number) => { quireUs: number; postgresUs?: number } {
  const pg0 = kind === 'postgres' ? postgresCpuSnapshot() : null;
  const node0 = process.cpuUsage();
  return (units) => {
    const n = process.cpuUsage(node0);
    return { quireUs: Math.round((n.user + n.system) / units), ...(pg0 ? { postgresUs: Math.round((postgresCpuMsSince(pg0) * 1000) / units) } : {}) };
  };
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A newsletter with `count` active subscribers, inserted set-based. Returns the newsletter id. */
export async function seedList(s: Services, slug: string, count: number): Promise<number> {
  const n = await s.newsletters.create({ slug, name: `Bench ${slug}`, fromEmail: 'news@example.org', language: 'zh-CN' }, null);
  for (let from = 1; from <= count; from += 200_000) {
    const to = Math.min(count, from + 199_999);
    await sql`
      INSERT INTO subscribers (newsletter_id, email, email_normalized, name, status, source, confirmed_at)
      SELECT ${n.id}, 'reader' || i || '@example.org', 'reader' || i || '@example.org', 'Reader ' || i, 'active', 'import', now()
      FROM generate_series(${from}::int, ${to}::int) AS i`.execute(s.db);
  }
  return n.id;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

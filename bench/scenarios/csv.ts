/** CSV import of the list size: rows per second and peak RSS, against COPY of the same rows. */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { benchServices, cpuMeter, gc, withPeakRss, type BenchDb, type Result } from '../lib.ts';

const COUNTRIES = ['CN', 'FR', 'KE', 'BR', 'IN'];
const ROLES = ['procurement officer', 'researcher', 'policy adviser'];

/** `wide`: also tags and three attribute columns (organisation, country, role), as a real list has. */
function* csvChunks(rows: number, wide = false): Generator<string> {
  yield wide ? 'email,name,tags,organisation,country,role\n' : 'email,name\n';
  const per = 5000;
  for (let i = 0; i < rows; i += per) {
    let chunk = '';
    for (let j = i; j < Math.min(rows, i + per); j++)
      chunk += wide
        ? `Import.${j}@Example.org,Imported ${j},"speaker;${2020 + (j % 7)}",Organisation ${j % 1000},${COUNTRIES[j % 5]},${ROLES[j % 3]}\n`
        : `Import.${j}@Example.org,Imported ${j}\n`;
    yield chunk;
  }
}

function csvStream(rows: number, wide = false): ReadableStream<Uint8Array> {
  const it = csvChunks(rows, wide);
  const enc = new TextEncoder();
  return new ReadableStream({
    pull(ctl) {
      const n = it.next();
      if (n.done) ctl.close();
      else ctl.enqueue(enc.encode(n.value));
    },
  });
}

export async function csvScenario(db: BenchDb, scale: number): Promise<Result[]> {
  const rows = scale; // the list size itself
  const s = benchServices(db, new OutboxMailer(new OutboxRepository(db.handle.db), systemClock));
  await s.newsletters.create({ slug: 'csv', name: 'CSV bench', fromEmail: 'news@example.org' }, null);
  await s.users.createUser('csv@example.org', 'bench password 1', 'editor', 'bench');
  const token = await s.users.createToken('csv@example.org', 'bench');
  const app = createApp(() => s);
  gc();
  const rssBefore = Math.round(process.memoryUsage().rss / 1024 / 1024);
  // Where the time goes: both cores are busy during an import, so CPU per row (ours and the
  // database's) is the steadier figure to compare runs with.
  let cpu: { quireUs: number; postgresUs?: number } | undefined;
  const { value, peakRssMb } = await withPeakRss(async () => {
    const perRow = cpuMeter(db.kind);
    const t0 = performance.now();
    const res = await app.request('/api/v1/newsletters/csv/subscribers/import?consentNote=bench', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: csvStream(rows),
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as { imported: number };
    if (res.status !== 200 || body.imported !== rows) throw new Error(`import failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    const rate = rows / ((performance.now() - t0) / 1000);
    cpu = perRow(rows);
    return rate;
  });

  const wide = await importRun(s, app, token, rows, true, db);

  // Baseline: COPY of the same rows into a bare table (PostgreSQL), or one set-based INSERT (PGlite).
  let baselineRate: number;
  let baselineKind: string;
  await sql`CREATE TABLE copy_baseline (email text, name text)`.execute(s.db);
  if (db.kind === 'postgres') {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const t0 = performance.now();
    await pipeline(Readable.from(csvChunks(rows)), client.query(copyFrom('COPY copy_baseline FROM STDIN WITH (FORMAT csv, HEADER true)')));
    baselineRate = rows / ((performance.now() - t0) / 1000);
    await client.end();
    baselineKind = 'rows/s (COPY … FROM STDIN)';
  } else {
    const t0 = performance.now();
    await sql`INSERT INTO copy_baseline SELECT 'import.' || i || '@example.org', 'Imported ' || i FROM generate_series(1, ${rows}::int) AS i`.execute(s.db);
    baselineRate = rows / ((performance.now() - t0) / 1000);
    baselineKind = 'rows/s (one INSERT … SELECT; PGlite has no COPY FROM STDIN)';
  }
  return [
    {
      name: 'csv import: rows per second',
      scale,
      figure: value,
      unit: 'rows/s',
      baseline: baselineRate,
      baselineUnit: baselineKind,
      ratio: value / baselineRate,
      peakRssMb,
      detail: {
        rows,
        seconds: Math.round((rows / value) * 100) / 100,
        rssBeforeMb: rssBefore,
        rssGrowthMb: peakRssMb - rssBefore,
        quireCpuUsPerRow: cpu?.quireUs,
        postgresCpuUsPerRow: cpu?.postgresUs,
        bars: '100 000 rows under 5 s, RSS flat',
      },
    },
    {
      name: 'csv import with tags and 3 attribute columns: rows per second',
      scale,
      figure: wide.rate,
      unit: 'rows/s',
      baseline: value,
      baselineUnit: 'rows/s (the same import, email and name only)',
      ratio: wide.rate / value,
      peakRssMb: wide.peakRssMb,
      detail: {
        rows,
        seconds: Math.round((rows / wide.rate) * 100) / 100,
        quireCpuUsPerRow: wide.cpu.quireUs,
        postgresCpuUsPerRow: wide.cpu.postgresUs,
        bars: '100 000 rows under 5 s',
      },
    },
  ];
}

/** One import of `rows` rows with tags and attributes into a newsletter of its own. */
async function importRun(
  s: ReturnType<typeof benchServices>,
  app: ReturnType<typeof createApp>,
  token: string,
  rows: number,
  wide: boolean,
  db: BenchDb,
): Promise<{ rate: number; peakRssMb: number; cpu: { quireUs: number; postgresUs?: number } }> {
  await s.newsletters.create({ slug: 'csv-wide', name: 'CSV bench, wide', fromEmail: 'news@example.org' }, null);
  gc();
  let cpu: { quireUs: number; postgresUs?: number } = { quireUs: 0 };
  const { value, peakRssMb } = await withPeakRss(async () => {
    const perRow = cpuMeter(db.kind);
    const t0 = performance.now();
    const res = await app.request('/api/v1/newsletters/csv-wide/subscribers/import?consentNote=bench', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: csvStream(rows, wide),
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as { imported: number };
    if (res.status !== 200 || body.imported !== rows) throw new Error(`wide import failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    const rate = rows / ((performance.now() - t0) / 1000);
    cpu = perRow(rows);
    return rate;
  });
  return { rate: value, peakRssMb, cpu };
}

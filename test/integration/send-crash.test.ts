/**
 * Kill and restart: a real `quire tick` process is killed with SIGKILL in the middle of sending
 * an issue to 3 000 recipients, then started again. Every recipient must reach the provider
 * exactly once. On PGlite the restart frees the dead process's leases at once (it holds the data
 * directory); on PostgreSQL, where other workers may be alive, the dead worker's batch is reclaimed
 * when its short lease runs out (the heartbeat stopped with it): every recipient is sent within
 * 60 s of the restart.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { migrateToLatest } from '../../src/db/kysely.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { DbHandle } from '../../src/db/kysely.ts';
import { TEST_DATABASE_URL } from '../helpers/db.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { createServices } from '../../src/services.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';

const RECIPIENTS = 3000;
const SECRET = 'k'.repeat(40);

const kinds = TEST_DATABASE_URL ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

describe.each(kinds)('a send killed mid-way and restarted (%s)', (kind) => {
  let dir: string;
  let fake: FakeResend;
  let issueId: number;
  /** On PostgreSQL: a database of this test's own. */
  let pgUrl = '';
  const pgName = `quire_crash_${Date.now().toString(36)}_${process.pid}`;
  const open = (): Promise<DbHandle> => (kind === 'pglite' ? openPglite(path.join(dir, 'db')) : Promise.resolve(openPostgres(pgUrl, { max: 2 })));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-crash-'));
    fake = await startFakeResend();
    if (kind === 'postgres') {
      const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
      await sql.raw(`CREATE DATABASE ${pgName}`).execute(admin.db);
      await admin.close();
      const u = new URL(TEST_DATABASE_URL!);
      u.pathname = `/${pgName}`;
      pgUrl = u.toString();
    }
    const handle = await open();
    await migrateToLatest(handle.db);
    const config = parseConfig({ SECRET, PUBLIC_URL: 'https://news.example.test' });
    const s = createServices({
      config,
      db: handle.db,
      dbKind: kind,
      clock: systemClock,
      mailer: new OutboxMailer(new OutboxRepository(handle.db), systemClock),
      queue: { enqueue: async () => {} },
      log: silentLogger,
      secret: SECRET,
      passwordIterations: 1000,
    });
    const n = await s.newsletters.create({ slug: 'crash', name: 'Crash test', fromEmail: 'news@example.org' }, null);
    await sql`
      INSERT INTO subscribers (newsletter_id, email, email_normalized, name, status, source)
      SELECT ${n.id}, 'r' || i || '@example.org', 'r' || i || '@example.org', 'Reader ' || i, 'active', 'import'
      FROM generate_series(1, ${RECIPIENTS}) AS i`.execute(handle.db);
    const issue = await s.issues.create(
      'crash',
      { title: 'Crash issue', sections: [{ title: 'S', articles: [{ title: 'A', body: 'Hello {{name}}' }] }] },
      null,
    );
    issueId = issue.id;
    const { user } = await s.users.createUser('editor@example.org', 'editor password 1', 'editor', 'test');
    const admin = { id: user.id, email: user.email, role: user.role };
    await s.sending.schedule(issue.id, { sendAt: new Date(Date.now() + 500).toISOString(), acknowledge: true }, admin);
    await handle.close();
    await new Promise((r) => setTimeout(r, 600));
  });

  afterAll(async () => {
    await fake?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (kind === 'postgres') {
      const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
      await sql.raw(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`).execute(admin.db);
      await admin.close();
    }
  });

  const env = () => ({
    ...process.env,
    DATABASE_URL: kind === 'postgres' ? pgUrl : '',
    DATA_DIR: dir,
    SECRET,
    PUBLIC_URL: 'https://news.example.test',
    RESEND_API_KEY: 're_test',
    RESEND_BASE_URL: fake.url,
    // Slow enough that the kill lands mid-send: 30 batches at 40 requests per second.
    RESEND_RATE_PER_SECOND: '40',
    LOG_LEVEL: 'error',
  });

  it('delivers every recipient exactly once', async () => {
    const child = spawn(process.execPath, [path.resolve('bin/quire.js'), 'tick'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // After 800 recipients, the next request is held at the provider and the worker is killed
    // while it waits: it dies holding that batch's lease, with nothing of the batch recorded.
    let watch: ReturnType<typeof setInterval> | undefined;
    fake.onAccepted = () => {
      if (fake.stats.accepted < 800 || watch) return;
      fake.fail({ kind: 'slow', ms: 20_000 }, 1);
      const seen = fake.stats.requests;
      watch = setInterval(() => {
        if (fake.stats.requests > seen && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      }, 5);
    };
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    clearInterval(watch);
    fake.onAccepted = undefined;
    expect(code, stderr).toBeNull(); // killed, not finished
    const beforeRestart = fake.stats.accepted;
    expect(beforeRestart).toBeGreaterThanOrEqual(800);
    expect(beforeRestart).toBeLessThan(RECIPIENTS);

    // Restart: `quire tick` again, as cron would, until the issue is sent. On PGlite the stale
    // data-directory lock is taken over and the leases freed; on PostgreSQL the killed worker's
    // lease runs out within JOB_LEASE_MS and the batch is claimed again.
    const issueStatus = async () => {
      const h = await open();
      try {
        return (await h.db.selectFrom('issues').select('status').where('id', '=', issueId).executeTakeFirstOrThrow()).status;
      } finally {
        await h.close();
      }
    };
    const restartedAt = Date.now();
    const tickOnce = () =>
      new Promise<{ code: number; err: string }>((resolve) =>
        execFile(process.execPath, [path.resolve('bin/quire.js'), 'tick'], { env: env(), timeout: 120_000 }, (err, _out, errOut) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, err: errOut }),
        ),
      );
    for (;;) {
      const again = await tickOnce();
      expect(again.code, again.err).toBe(0);
      if ((await issueStatus()) === 'sent' || Date.now() - restartedAt > 90_000) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const recoveredInMs = Date.now() - restartedAt;
    expect(recoveredInMs).toBeLessThan(60_000);

    const counts = [...fake.stats.perRecipient.values()];
    expect(fake.stats.perRecipient.size).toBe(RECIPIENTS);
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    expect(fake.stats.accepted).toBe(RECIPIENTS);

    const handle = await open();
    try {
      const rows = await handle.db
        .selectFrom('deliveries')
        .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
        .where('issue_id', '=', issueId)
        .groupBy('status')
        .execute();
      expect(rows.map((r) => [r.status, Number(r.n)])).toEqual([['sent', RECIPIENTS]]);
      const issue = await handle.db.selectFrom('issues').select('status').where('id', '=', issueId).executeTakeFirstOrThrow();
      expect(issue.status).toBe('sent');
    } finally {
      await handle.close();
    }
  }, 180_000);
});

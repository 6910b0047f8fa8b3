/**
 * Kill and restart: a real `quire tick` process is killed with SIGKILL in the middle of sending
 * an issue to 3 000 recipients, then started again. Every recipient must reach the provider
 * exactly once.
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
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { createServices } from '../../src/services.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';

const RECIPIENTS = 3000;
const SECRET = 'k'.repeat(40);

describe('a send killed mid-way and restarted', () => {
  let dir: string;
  let fake: FakeResend;
  let issueId: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-crash-'));
    fake = await startFakeResend();
    const handle = await openPglite(path.join(dir, 'db'));
    await migrateToLatest(handle.db);
    const config = parseConfig({ SECRET, PUBLIC_URL: 'https://news.example.test' });
    const s = createServices({
      config,
      db: handle.db,
      dbKind: 'pglite',
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
  });

  const env = () => ({
    ...process.env,
    DATABASE_URL: '',
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
    fake.onAccepted = () => {
      if (fake.stats.accepted >= 800 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    };
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    fake.onAccepted = undefined;
    expect(code, stderr).toBeNull(); // killed, not finished
    const beforeRestart = fake.stats.accepted;
    expect(beforeRestart).toBeGreaterThanOrEqual(800);
    expect(beforeRestart).toBeLessThan(RECIPIENTS);

    // Restart: the stale lock is taken over and the unfinished batches are picked up again.
    const again = await new Promise<{ code: number; out: string; err: string }>((resolve) =>
      execFile(process.execPath, [path.resolve('bin/quire.js'), 'tick'], { env: env(), timeout: 120_000 }, (err, out, errOut) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut }),
      ),
    );
    expect(again.code, again.err).toBe(0);

    const counts = [...fake.stats.perRecipient.values()];
    expect(fake.stats.perRecipient.size).toBe(RECIPIENTS);
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    expect(fake.stats.accepted).toBe(RECIPIENTS);

    const handle = await openPglite(path.join(dir, 'db'));
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

// Waiting for a provider slot is a delay, not an attempt; a send batch given up for good fails
// its recipients with the reason and lets the issue finish (issue 23, item 12) — on Node's job
// table here, on the Workers queue in test/workers/dead-letter.test.ts and test/unit/cloudflare-queue.test.ts.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../../src/jobs/db-queue.ts';
import { Defer } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.each(dbKinds)('deferred and given-up jobs (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(() => h.close());

  const deps = (handlers: Record<string, (p: Record<string, unknown>) => Promise<void>>) => ({
    repo: h.services.repos.jobs,
    clock: h.clock,
    handlers,
    giveUps: h.services.jobGiveUps,
    queue: h.services.queue,
    log: silentLogger,
  });

  it('a job deferred twenty times still has all its attempts', async () => {
    await h.services.repos.jobs.insert([{ kind: 'wait.slot', payload: {} }], h.clock.now());
    let runs = 0;
    const handlers = {
      'wait.slot': async () => {
        runs++;
        if (runs <= 20) throw new Defer('waiting for a provider rate slot', 2_000);
      },
    };
    for (let i = 0; i < 21; i++) {
      await runDueJobs(deps(handlers));
      h.clock.advance(2_000);
    }
    expect(runs).toBe(21);
    const row = await h.db.db.selectFrom('jobs').selectAll().where('kind', '=', 'wait.slot').executeTakeFirstOrThrow();
    expect(row.done_at).not.toBeNull();
    expect(row.failed_at).toBeNull();
    expect(row.attempts).toBe(1);
  });

  it('a send batch that fails for good marks its recipients failed with the reason, and the issue finishes', async () => {
    await h.api('POST', '/api/v1/newsletters', { json: { slug: 'dl', name: 'Dead letters', fromEmail: 'news@example.org' } });
    await addSubscribers(h, 'dl', 3);
    const issue = await (
      await h.api('POST', '/api/v1/newsletters/dl/issues', { json: { title: 'Given up', sections: [{ title: 'S', articles: [{ title: 'A', body: 'Hi' }] }] } })
    ).json();
    const at = new Date(h.clock.now().getTime() + 60_000).toISOString();
    expect((await h.api('POST', `/api/v1/issues/${issue.id}/schedule`, { json: { sendAt: at, acknowledge: true } })).status).toBe(200);
    h.clock.advance(61_000);
    await h.tick();
    // send.start fans out; then every send.batch fails with an error that is not the provider's.
    await runDueJobs(deps({ 'send.start': (p) => h.services.sending.runStart(p), 'send.batch': async () => {} }), { maxJobs: 1 });
    await sql`UPDATE jobs SET max_attempts = 2 WHERE kind = 'send.batch' AND done_at IS NULL`.execute(h.db.db);
    const broken = {
      'send.batch': async () => {
        throw new Error('the database refused the ledger write');
      },
    };
    for (let i = 0; i < 4; i++) {
      await runDueJobs(deps(broken));
      h.clock.advance(10 * 60_000);
    }
    const got = await (await h.api('GET', `/api/v1/issues/${issue.id}`)).json();
    expect(got.status).toBe('sent');
    const rows = await h.db.db.selectFrom('deliveries').select(['status', 'error']).where('issue_id', '=', issue.id).execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'failed' && r.error?.includes('the database refused the ledger write'))).toBe(true);
  });
});

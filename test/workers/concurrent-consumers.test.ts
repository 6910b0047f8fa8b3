// Several queue consumer invocations at once, each with the same send batches (Cloudflare
// delivers at least once; max_concurrency runs them side by side): every recipient reaches the
// provider exactly once and the issue finishes (issue 23, item 12).
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.ts';
import worker from '../../src/worker.ts';
import { dbAvailable, vars } from './request-services.ts';

const RECIPIENTS = 250; // three batches of up to 100

type Stats = { accepted: number; recipients: number; duplicates: number };
const read = async () => (await fetch(`${vars.RESEND_BASE_URL}/_stats`)).json() as Promise<Stats>;

describe.skipIf(!dbAvailable)('concurrent queue consumers', () => {
  it('send each recipient once when four invocations run the same batches side by side', async () => {
    const h = openPostgres(vars.HYPERDRIVE.connectionString, { max: 1 });
    let issueId: number;
    try {
      const n = await sql<{
        id: number;
      }>`INSERT INTO newsletters (slug, name, from_email) VALUES ('cc', 'Concurrent brief', 'news@example.org') RETURNING id`.execute(h.db);
      const nid = n.rows[0]!.id;
      await sql`
        INSERT INTO subscribers (newsletter_id, email, email_normalized, status, source)
        SELECT ${nid}, 'cc' || i || '@example.org', 'cc' || i || '@example.org', 'active', 'import' FROM generate_series(1, ${RECIPIENTS}) AS i`.execute(h.db);
      const content = JSON.stringify({
        title: 'Concurrent',
        language: 'en',
        sections: [{ title: 'News', articles: [{ title: 'A', body: 'Hello', sources: [] }] }],
        footer: {},
      });
      // Scheduled in the future, so the Cron Trigger of another test file does not start it.
      const issue = await sql<{ id: number }>`
        INSERT INTO issues (newsletter_id, number, title, status, content, send_at)
        VALUES (${nid}, 1, 'Concurrent', 'scheduled', ${content}::jsonb, now() + interval '1 day') RETURNING id`.execute(h.db);
      issueId = issue.rows[0]!.id;
    } finally {
      await h.close();
    }
    const base = await read();

    // send.start renders and fans out (its batch messages also go to the real queue, whose own
    // consumer runs them too); then four invocations at once, each with every batch.
    const start = createMessageBatch('quire-jobs', [{ id: 'start', timestamp: new Date(), attempts: 1, body: { kind: 'send.start', payload: { issueId } } }]);
    const c0 = createExecutionContext();
    // The fan-out needs the issue due: make it so, then start.
    const h2 = openPostgres(vars.HYPERDRIVE.connectionString, { max: 1 });
    await sql`UPDATE issues SET send_at = now() WHERE id = ${issueId}`.execute(h2.db);
    await h2.close();
    await worker.queue(start as never, env as never, c0);
    expect((await getQueueResult(start, c0)).explicitAcks).toEqual(['start']);

    const batches = [0, 1, 2];
    const runs = Array.from({ length: 4 }, async (_, k) => {
      const b = createMessageBatch(
        'quire-jobs',
        batches.map((batch) => ({ id: `b${k}-${batch}`, timestamp: new Date(), attempts: 1, body: { kind: 'send.batch', payload: { issueId, batch } } })),
      );
      const ctx = createExecutionContext();
      await worker.queue(b as never, env as never, ctx);
      return getQueueResult(b, ctx);
    });
    const results = await Promise.all(runs);
    for (const r of results) expect(r.retryMessages).toEqual([]);

    let now = await read();
    for (let i = 0; i < 100 && now.accepted - base.accepted < RECIPIENTS; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await read();
    }
    expect({ accepted: now.accepted - base.accepted, recipients: now.recipients - base.recipients, duplicates: now.duplicates - base.duplicates }).toEqual({
      accepted: RECIPIENTS,
      recipients: RECIPIENTS,
      duplicates: 0,
    });
    const check = openPostgres(vars.HYPERDRIVE.connectionString, { max: 1 });
    try {
      let status = '';
      for (let i = 0; i < 50 && status !== 'sent'; i++) {
        status = (await sql<{ status: string }>`SELECT status FROM issues WHERE id = ${issueId}`.execute(check.db)).rows[0]!.status;
        if (status !== 'sent') await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe('sent');
      const sent = await sql<{ n: string }>`SELECT count(*) AS n FROM deliveries WHERE issue_id = ${issueId} AND status = 'sent'`.execute(check.db);
      expect(Number(sent.rows[0]!.n)).toBe(RECIPIENTS);
    } finally {
      await check.close();
    }
  });
});

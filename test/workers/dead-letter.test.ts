// The dead-letter queue is consumed: a send batch the queue gave up on becomes failed recipients
// with the reason, and the issue finishes instead of staying `sending` forever (issue 23, item 12).
import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.ts';
import worker from '../../src/worker.ts';
import { dbAvailable, vars } from './request-services.ts';

describe.skipIf(!dbAvailable)('the dead-letter queue consumer', () => {
  it('fails what is left of a dead-lettered send batch, with the reason, and finishes the issue', async () => {
    const h = openPostgres(vars.HYPERDRIVE.connectionString, { max: 1 });
    let issueId: number;
    try {
      const content = JSON.stringify({ title: 'Stuck', sections: [], footer: {} });
      const issue = await sql<{ id: number }>`
        INSERT INTO issues (newsletter_id, number, title, status, content, started_at)
        SELECT id, 900, 'Stuck issue', 'sending', ${content}::jsonb, now() FROM newsletters WHERE slug = 'wk' RETURNING id`.execute(h.db);
      issueId = issue.rows[0]!.id;
      await sql`
        INSERT INTO deliveries (issue_id, subscriber_id, email, batch, status)
        SELECT ${issueId}, s.id, s.email, 0, 'queued' FROM subscribers s
        JOIN newsletters n ON n.id = s.newsletter_id WHERE n.slug = 'wk' ORDER BY s.id LIMIT 5`.execute(h.db);
    } finally {
      await h.close();
    }
    const batch = createMessageBatch('quire-jobs-dead', [
      { id: 'dead-1', timestamp: new Date(), attempts: 1, body: { kind: 'send.batch', payload: { issueId, batch: 0 }, priorAttempts: 8 } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, env as never, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['dead-1']);

    const check = openPostgres(vars.HYPERDRIVE.connectionString, { max: 1 });
    try {
      const rows = await sql<{ status: string; error: string }>`SELECT status, error FROM deliveries WHERE issue_id = ${issueId}`.execute(check.db);
      expect(rows.rows).toHaveLength(5);
      expect(rows.rows.every((r) => r.status === 'failed' && r.error.includes('gave up after 9 attempts'))).toBe(true);
      const issue = await sql<{ status: string }>`SELECT status FROM issues WHERE id = ${issueId}`.execute(check.db);
      expect(issue.rows[0]!.status).toBe('sent');
    } finally {
      await check.close();
    }
  });
});

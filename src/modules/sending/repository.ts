/** SQL of the send pipeline: the delivery ledger, issue state changes, and provider pacing. */
import { sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { DeliveryStatus, IssueRow } from '../../db/schema.ts';

export const BATCH_SIZE = 100;

export interface BatchRecipient {
  id: string;
  subscriberId: string;
  email: string;
  name: string | null;
}

export interface RenderedForSend {
  subject: string;
  html: string;
  text: string;
  nameFallback: string;
}

export class SendingRepository {
  constructor(private readonly db: Db) {}

  schedule(issueId: number, sendAt: Date, timeZone: string): Promise<IssueRow | undefined> {
    return this.db
      .updateTable('issues')
      .set({ status: 'scheduled', send_at: sendAt, time_zone: timeZone, updated_at: new Date() })
      .where('id', '=', issueId)
      .where('status', 'in', ['draft', 'scheduled'])
      .returningAll()
      .executeTakeFirst();
  }

  async dueIssueIds(now: Date): Promise<number[]> {
    const rows = await this.db.selectFrom('issues').select('id').where('status', '=', 'scheduled').where('send_at', '<=', now).execute();
    return rows.map((r) => r.id);
  }

  /**
   * Moves a scheduled issue to sending and writes one ledger row per active subscriber, in one
   * transaction and one set-based statement. Returns the number of recipients, or null when the
   * issue was not (or no longer) scheduled — e.g. another worker started it first.
   */
  async start(issueId: number, newsletterId: number, rendered: RenderedForSend, now: Date): Promise<number | null> {
    return this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('issues')
        .set({
          status: 'sending',
          started_at: now,
          updated_at: now,
          rendered_subject: rendered.subject,
          rendered_html: rendered.html,
          rendered_text: rendered.text,
          rendered_name_fallback: rendered.nameFallback,
        })
        .where('id', '=', issueId)
        .where('status', '=', 'scheduled')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return null;
      const r = await sql`
        INSERT INTO deliveries (issue_id, subscriber_id, email, name, batch)
        SELECT ${issueId}, s.id, s.email, s.name, ((row_number() OVER (ORDER BY s.id)) - 1) / ${BATCH_SIZE}
        FROM subscribers s
        WHERE s.newsletter_id = ${newsletterId} AND s.status = 'active' AND s.email IS NOT NULL
        ON CONFLICT (issue_id, subscriber_id) DO NOTHING`.execute(trx);
      return Number(r.numAffectedRows ?? 0n);
    });
  }

  async unfinishedBatches(issueId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select('batch')
      .distinct()
      .where('issue_id', '=', issueId)
      .where('status', 'in', ['queued', 'sending'])
      .orderBy('batch')
      .execute();
    return rows.map((r) => r.batch);
  }

  /**
   * Takes the next part of a batch to send, under row locks:
   * - rows left in `sending` by an attempt that may have reached the provider are returned as
   *   they are (same recipients, same idempotency key: the provider deduplicates);
   * - otherwise queued rows whose subscriber is no longer active become `skipped`, and the rest
   *   become `sending`.
   */
  async claim(issueId: number, batch: number, now: Date): Promise<{ recipients: BatchRecipient[]; retry: boolean; skipped: number }> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await sql<{ id: string; subscriber_id: string; email: string; name: string | null; status: DeliveryStatus; subscriber_status: string | null }>`
        SELECT d.id, d.subscriber_id, d.email, d.name, d.status, s.status AS subscriber_status
        FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.issue_id = ${issueId} AND d.batch = ${batch} AND d.status IN ('queued', 'sending')
        ORDER BY d.id
        FOR UPDATE OF d`.execute(trx);
      const toRecipient = (r: (typeof rows.rows)[number]): BatchRecipient => ({ id: String(r.id), subscriberId: String(r.subscriber_id), email: r.email, name: r.name });
      const inFlight = rows.rows.filter((r) => r.status === 'sending');
      if (inFlight.length) return { recipients: inFlight.map(toRecipient), retry: true, skipped: 0 };

      const gone = rows.rows.filter((r) => r.subscriber_status !== 'active');
      const sendable = rows.rows.filter((r) => r.subscriber_status === 'active');
      if (gone.length) {
        for (const reason of new Set(gone.map((r) => r.subscriber_status ?? 'deleted'))) {
          await trx
            .updateTable('deliveries')
            .set({ status: 'skipped', error: `subscriber ${reason} before sending`, updated_at: now })
            .where('id', 'in', gone.filter((r) => (r.subscriber_status ?? 'deleted') === reason).map((r) => r.id))
            .execute();
        }
      }
      if (sendable.length) {
        await trx
          .updateTable('deliveries')
          .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: now }))
          .where('id', 'in', sendable.map((r) => r.id))
          .execute();
      }
      return { recipients: sendable.map(toRecipient), retry: false, skipped: gone.length };
    });
  }

  async markSent(ids: string[], providerIds: string[], now: Date): Promise<void> {
    if (!ids.length) return;
    await sql`
      UPDATE deliveries AS d SET status = 'sent', provider_message_id = v.pid, sent_at = ${now}, error = NULL, updated_at = ${now}
      FROM (SELECT unnest(${ids}::bigint[]) AS id, unnest(${providerIds}::text[]) AS pid) AS v
      WHERE d.id = v.id AND d.status = 'sending'`.execute(this.db);
  }

  async markFailed(ids: string[], error: string, now: Date): Promise<void> {
    if (!ids.length) return;
    await this.db
      .updateTable('deliveries')
      .set({ status: 'failed', error: error.slice(0, 1000), updated_at: now })
      .where('id', 'in', ids)
      .where('status', 'in', ['queued', 'sending'])
      .execute();
  }

  async touchAttempt(ids: string[], error: string, now: Date): Promise<void> {
    if (!ids.length) return;
    await this.db.updateTable('deliveries').set((eb) => ({ error: error.slice(0, 1000), attempts: eb('attempts', '+', 1), updated_at: now })).where('id', 'in', ids).execute();
  }

  /** Marks the issue sent when no ledger row is left unfinished. */
  async finishIfDone(issueId: number, now: Date): Promise<boolean> {
    const r = await sql`
      UPDATE issues SET status = 'sent', sent_at = coalesce(sent_at, ${now}), finished_at = ${now}, updated_at = ${now}
      WHERE id = ${issueId} AND status = 'sending'
        AND NOT EXISTS (SELECT 1 FROM deliveries WHERE issue_id = ${issueId} AND status IN ('queued', 'sending'))`.execute(this.db);
    return Number(r.numAffectedRows ?? 0n) === 1;
  }

  async progress(issueId: number): Promise<Record<DeliveryStatus, number>> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('issue_id', '=', issueId)
      .groupBy('status')
      .execute();
    const out: Record<DeliveryStatus, number> = { queued: 0, sending: 0, sent: 0, skipped: 0, failed: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  failures(issueId: number, limit: number) {
    return this.db
      .selectFrom('deliveries')
      .select(['id', 'email', 'error', 'attempts', 'updated_at'])
      .where('issue_id', '=', issueId)
      .where('status', '=', 'failed')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Failed rows go back to the queue in new batches (so new idempotency keys). Returns the batches. */
  async requeueFailed(issueId: number, now: Date): Promise<number[]> {
    const r = await sql<{ batch: number }>`
      WITH base AS (SELECT coalesce(max(batch), -1) AS b FROM deliveries WHERE issue_id = ${issueId}),
           f AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM deliveries WHERE issue_id = ${issueId} AND status = 'failed')
      UPDATE deliveries AS d SET status = 'queued', error = NULL, batch = base.b + 1 + (f.rn / ${BATCH_SIZE})::int, updated_at = ${now}
      FROM f, base WHERE d.id = f.id
      RETURNING d.batch`.execute(this.db);
    return [...new Set(r.rows.map((x) => x.batch))].sort((a, b) => a - b);
  }

  /** Rows still queued when a paused issue is cancelled: they will never be sent. */
  async skipQueued(issueId: number, reason: string, now: Date): Promise<void> {
    await this.db.updateTable('deliveries').set({ status: 'skipped', error: reason, updated_at: now }).where('issue_id', '=', issueId).where('status', '=', 'queued').execute();
  }

  /**
   * Provider pacing shared by every process (GCRA with no burst): reserves the next request slot
   * and returns when it is. `intervalMs` = 1000 / requests per second.
   */
  async reserveSlot(key: string, nowMs: number, intervalMs: number): Promise<number> {
    const now = new Date(nowMs);
    const interval = `${intervalMs} milliseconds`;
    const r = await sql<{ next_at: Date | string }>`
      INSERT INTO provider_pacing (key, next_at) VALUES (${key}, ${now}::timestamptz + ${interval}::interval)
      ON CONFLICT (key) DO UPDATE SET next_at = greatest(provider_pacing.next_at, ${now}::timestamptz) + ${interval}::interval
      RETURNING next_at`.execute(this.db);
    return new Date(r.rows[0]!.next_at).getTime() - intervalMs;
  }
}

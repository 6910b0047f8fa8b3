/** SQL of the send pipeline: the delivery ledger, issue state changes, and provider pacing. */
import { sql } from 'kysely';
import { ASYNC_COMMIT, executePrepared, PREPARED, type Db } from '../../db/kysely.ts';
import type { DeliveryStatus, IssueRow, NewsletterRow } from '../../db/schema.ts';
import { type AudienceFilter, type CompileContext, compileAudience } from '../segments/repository.ts';

export const BATCH_SIZE = 100;

/**
 * Whether ledger row `d` of `issueId` is in a batch attempt that is in flight (migration 0013), or
 * one an older version marked `sending`. The attempts' ids are read once per statement (an
 * uncorrelated sub-select), not per row: a per-row sub-plan made the planner walk the primary key
 * through every earlier issue's rows for a page of recipients (1.3 s at 1M).
 */
export const inFlight = (issueId: number) =>
  sql<boolean>`(d.status = 'sending' OR (d.status = 'queued' AND d.id = ANY (ARRAY(SELECT unnest(b.ids) FROM delivery_batches b WHERE b.issue_id = ${issueId}))))`;

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

  /** `audience` (a snapshot, see segments/model.ts) replaces the issue's; left as it is when omitted (the monthly slot). */
  schedule(issueId: number, sendAt: Date, timeZone: string, audience?: unknown): Promise<IssueRow | undefined> {
    return this.db
      .updateTable('issues')
      .set({
        status: 'scheduled',
        send_at: sendAt,
        time_zone: timeZone,
        updated_at: new Date(),
        ...(audience !== undefined ? { audience: audience === null ? null : JSON.stringify(audience) } : {}),
      })
      .where('id', '=', issueId)
      .where('status', 'in', ['draft', 'scheduled'])
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Who a send to the newsletter would go to now: the rows `start` would write (active, with an
   * address, in the audience: the same condition).
   */
  async recipientCount(ctx: CompileContext, audience: AudienceFilter | null = null): Promise<number> {
    const r = await sql<{ n: string }>`
      SELECT count(*) AS n FROM subscribers s
      WHERE s.newsletter_id = ${ctx.newsletterId} AND s.status = 'active' AND s.email IS NOT NULL AND ${compileAudience(audience, ctx)}`.execute(this.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  async dueIssueIds(now: Date): Promise<number[]> {
    const rows = await this.db.selectFrom('issues').select('id').where('status', '=', 'scheduled').where('send_at', '<=', now).execute();
    return rows.map((r) => r.id);
  }

  /**
   * Moves a scheduled issue to sending and writes one ledger row per active subscriber of the
   * audience (segment and topics compiled into the same WHERE), in one transaction and one
   * set-based statement. Returns the number of recipients, or null when the
   * issue was not (or no longer) scheduled — e.g. another worker started it first.
   */
  async start(issueId: number, ctx: CompileContext, audience: AudienceFilter | null, rendered: RenderedForSend, now: Date): Promise<number | null> {
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
        WHERE s.newsletter_id = ${ctx.newsletterId} AND s.status = 'active' AND s.email IS NOT NULL AND ${compileAudience(audience, ctx)}
        ON CONFLICT (issue_id, subscriber_id) DO NOTHING`.execute(trx);
      return Number(r.numAffectedRows ?? 0n);
    });
  }

  /**
   * What a batch needs to know each time, in one small row: the issue's state and subject, and its
   * newsletter (settings may change mid-send). Not the rendered bodies: those are large (50–100 KB
   * each) and fixed once the send started, so `renderedForSend` reads them once per process.
   */
  async batchContext(
    issueId: number,
  ): Promise<{ status: IssueRow['status']; startedAt: Date | null; subject: string; rendered: boolean; newsletter: NewsletterRow } | undefined> {
    const [row] = await executePrepared(
      this.db,
      this.db
        .selectFrom('issues as i')
        .innerJoin('newsletters as n', 'n.id', 'i.newsletter_id')
        .selectAll('n')
        .select((eb) => [
          'i.status as issue_status',
          'i.started_at as issue_started_at',
          eb.fn.coalesce('i.rendered_subject', 'i.title').as('issue_subject'),
          eb('i.rendered_html', 'is not', null).as('issue_rendered'),
        ])
        .where('i.id', '=', issueId),
    );
    if (!row) return undefined;
    const { issue_status, issue_started_at, issue_subject, issue_rendered, ...newsletter } = row;
    return {
      status: issue_status,
      startedAt: issue_started_at ? new Date(issue_started_at as unknown as string) : null,
      subject: issue_subject,
      rendered: Boolean(issue_rendered),
      newsletter: newsletter as NewsletterRow,
    };
  }

  async renderedForSend(issueId: number): Promise<RenderedForSend | undefined> {
    const row = await this.db
      .selectFrom('issues')
      .select(['rendered_subject', 'rendered_html', 'rendered_text', 'rendered_name_fallback'])
      .where('id', '=', issueId)
      .executeTakeFirst();
    if (!row || row.rendered_html === null) return undefined;
    return { subject: row.rendered_subject ?? '', html: row.rendered_html, text: row.rendered_text ?? '', nameFallback: row.rendered_name_fallback ?? '' };
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
   * Takes the next part of a batch to send, in one statement under row locks:
   * - an attempt that may have reached the provider is sent again exactly as it was (same
   *   recipients, so the same idempotency key: the provider deduplicates): the ids in the batch's
   *   `delivery_batches` row that are still queued, or rows an older version left in `sending`;
   * - otherwise queued rows whose subscriber is no longer active become `skipped`, and the rest
   *   are recorded as the batch's attempt in flight. The ledger rows themselves stay `queued`
   *   until markSent / markFailed write them once.
   */
  async claim(issueId: number, batch: number, now: Date): Promise<{ recipients: BatchRecipient[]; retry: boolean }> {
    const r = await sql<{ id: string; subscriber_id: string; email: string; name: string | null; retry: boolean }>`${sql.raw(PREPARED)}
      WITH r AS (
        SELECT d.id, d.subscriber_id, d.email, d.name, d.status, s.status AS sub
        FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.issue_id = ${issueId} AND d.batch = ${batch} AND d.status IN ('queued', 'sending') AND ${ASYNC_COMMIT}
        ORDER BY d.id
        FOR UPDATE OF d
      ),
      inflight AS (
        SELECT r.* FROM r
        WHERE r.status = 'sending'
           OR r.id = ANY (coalesce((SELECT ids FROM delivery_batches WHERE issue_id = ${issueId} AND batch = ${batch}), '{}'::bigint[]))
      ),
      fresh AS (SELECT r.* FROM r WHERE NOT EXISTS (SELECT 1 FROM inflight)),
      skipped AS (
        UPDATE deliveries d SET status = 'skipped', error = 'subscriber ' || coalesce(f.sub, 'deleted') || ' before sending', updated_at = ${now}
        FROM fresh f WHERE d.id = f.id AND f.sub IS DISTINCT FROM 'active'
        RETURNING d.id
      ),
      attempt AS (
        INSERT INTO delivery_batches AS b (issue_id, batch, ids, claimed_at)
        SELECT ${issueId}, ${batch}, array_agg(f.id ORDER BY f.id), ${now} FROM fresh f WHERE f.sub = 'active' HAVING count(*) > 0
        ON CONFLICT (issue_id, batch) DO UPDATE SET ids = excluded.ids, claimed_at = excluded.claimed_at
        RETURNING 1
      )
      SELECT id, subscriber_id, email, name, true AS retry FROM inflight
      UNION ALL
      SELECT id, subscriber_id, email, name, false AS retry FROM fresh WHERE sub = 'active'
      ORDER BY id`.execute(this.db);
    return {
      recipients: r.rows.map((x) => ({ id: String(x.id), subscriberId: String(x.subscriber_id), email: x.email, name: x.name })),
      retry: r.rows.some((x) => x.retry),
    };
  }

  /** The provider accepted the batch: its rows are written once, and its attempt is over. */
  async markSent(issueId: number, batch: number, ids: string[], providerIds: string[], now: Date): Promise<void> {
    if (!ids.length) return;
    await sql`${sql.raw(PREPARED)}
      WITH done AS (DELETE FROM delivery_batches WHERE issue_id = ${issueId} AND batch = ${batch})
      UPDATE deliveries AS d SET status = 'sent', provider_message_id = v.pid, sent_at = ${now}, error = NULL, attempts = d.attempts + 1, updated_at = ${now}
      FROM (SELECT unnest(${ids}::bigint[]) AS id, unnest(${providerIds}::text[]) AS pid) AS v
      WHERE d.id = v.id AND d.status IN ('queued', 'sending') AND ${ASYNC_COMMIT}`.execute(this.db);
  }

  async markFailed(issueId: number, batch: number, ids: string[], error: string, now: Date): Promise<void> {
    if (!ids.length) return;
    await sql`
      WITH done AS (DELETE FROM delivery_batches WHERE issue_id = ${issueId} AND batch = ${batch})
      UPDATE deliveries SET status = 'failed', error = ${error.slice(0, 1000)}, attempts = attempts + 1, updated_at = ${now}
      WHERE id = ANY (${ids}::bigint[]) AND status IN ('queued', 'sending')`.execute(this.db);
  }

  /** Every unfinished ledger row of one batch becomes failed with `error`; returns how many. */
  async failUnfinishedBatch(issueId: number, batch: number, error: string, now: Date): Promise<number> {
    const r = await sql`
      WITH done AS (DELETE FROM delivery_batches WHERE issue_id = ${issueId} AND batch = ${batch})
      UPDATE deliveries SET status = 'failed', error = ${error.slice(0, 1000)}, updated_at = ${now}
      WHERE issue_id = ${issueId} AND batch = ${batch} AND status IN ('queued', 'sending')`.execute(this.db);
    return Number(r.numAffectedRows ?? 0n);
  }

  async touchAttempt(ids: string[], error: string, now: Date): Promise<void> {
    if (!ids.length) return;
    await this.db
      .updateTable('deliveries')
      .set((eb) => ({ error: error.slice(0, 1000), attempts: eb('attempts', '+', 1), updated_at: now }))
      .where('id', 'in', ids)
      .execute();
  }

  /** Marks the issue sent when no ledger row is left unfinished. */
  async finishIfDone(issueId: number, now: Date): Promise<boolean> {
    const r = await sql`${sql.raw(PREPARED)}
      UPDATE issues SET status = 'sent', sent_at = coalesce(sent_at, ${now}), published_at = coalesce(published_at, sent_at, ${now}), finished_at = ${now}, updated_at = ${now}
      WHERE id = ${issueId} AND status = 'sending'
        AND NOT EXISTS (SELECT 1 FROM deliveries WHERE issue_id = ${issueId} AND status IN ('queued', 'sending'))`.execute(this.db);
    return Number(r.numAffectedRows ?? 0n) === 1;
  }

  /** Ledger rows by state; `sending` = rows in an attempt that is in flight (or waiting to be retried). */
  async progress(issueId: number): Promise<Record<DeliveryStatus, number>> {
    const rows = await sql<{ status: DeliveryStatus; n: string }>`
      SELECT CASE WHEN ${inFlight(issueId)} THEN 'sending' ELSE d.status END AS status, count(*) AS n
      FROM deliveries d WHERE d.issue_id = ${issueId} GROUP BY 1`.execute(this.db);
    const out: Record<DeliveryStatus, number> = { queued: 0, sending: 0, sent: 0, skipped: 0, failed: 0 };
    for (const r of rows.rows) out[r.status] += Number(r.n);
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
    // Rows of an attempt in flight may have reached the provider: they are left as they are.
    await sql`
      UPDATE deliveries d SET status = 'skipped', error = ${reason}, updated_at = ${now}
      WHERE d.issue_id = ${issueId} AND d.status = 'queued' AND NOT ${inFlight(issueId)}`.execute(this.db);
  }

  /**
   * Provider pacing shared by every process (GCRA with no burst): reserves the next request slot
   * and returns when it is. `intervalMs` = 1000 / requests per second.
   *
   * A request that finds the pacer idle (nothing reserved for the last interval) goes at once, and
   * the slot after it is `coldMs` later than the interval alone: the first request after a pause
   * opens a new connection (TLS with a real provider) and reaches the provider some tens of
   * milliseconds after it left, while the next one, on the warm connection, does not; a limiter
   * counting a sliding second would see them closer than the interval and answer 429.
   */
  async reserveSlot(key: string, nowMs: number, intervalMs: number, coldMs = 0): Promise<number> {
    const now = new Date(nowMs);
    const interval = `${intervalMs} milliseconds`;
    const cold = `${intervalMs + coldMs} milliseconds`;
    const r = await sql<{ last_slot: Date | string }>`
      INSERT INTO provider_pacing AS p (key, next_at, last_slot) VALUES (${key}, ${now}::timestamptz + ${cold}::interval, ${now})
      ON CONFLICT (key) DO UPDATE SET
        next_at = CASE WHEN p.next_at < ${now}::timestamptz - ${interval}::interval THEN ${now}::timestamptz + ${cold}::interval
                       ELSE greatest(p.next_at, ${now}::timestamptz) + ${interval}::interval END,
        last_slot = greatest(p.next_at, ${now}::timestamptz)
      RETURNING p.last_slot`.execute(this.db);
    return new Date(r.rows[0]!.last_slot).getTime();
  }
}

/** All SQL about delivery events: the webhook log, facts on the ledger, opens; per-issue statistics in ./stats-repository.ts. */
import { sql, type Transaction } from 'kysely';
import { PREPARED, type Db } from '../../db/kysely.ts';
import type { Database } from '../../db/schema.ts';
import { IssueStatsRepository } from './stats-repository.ts';

export type Fact = 'accepted' | 'delivered' | 'delayed' | 'bounced' | 'complained' | 'failed';

/** A ledger row's facts, as they were before and after applying one. */
export interface FactChange {
  id: string;
  issueId: number;
  subscriberId: string;
  /** The subscriber's soft bounces in a row, as the update found it (a delivery resets only a non-zero count). */
  softBounces: number;
  before: FactState;
  after: FactState;
}

export interface FactState {
  deliveredAt: Date | null;
  bouncedAt: Date | null;
  bounceType: 'hard' | 'soft' | null;
  complainedAt: Date | null;
  failedAt: Date | null;
  firstOpenedAt: Date | null;
}

export interface OpenInput {
  /** The ledger row, by our id (pixel) or the provider's message id (webhook). */
  by: { deliveryId: string } | { providerMessageId: string };
  at: Date;
  client: string;
  source: 'pixel' | 'provider';
  /** likely_human when outside the prefetch window. */
  human: boolean;
  /** > 0: not human within this many ms of delivery (image proxies). */
  prefetchWindowMs: number;
}

export type OpenOutcome = 'recorded' | 'tracking_off' | 'unmatched';

const d0 = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

interface FactRow {
  id: string;
  issue_id: number;
  subscriber_id: string;
  soft_bounces: number | null;
  o_delivered_at: Date | null;
  o_bounced_at: Date | null;
  o_bounce_type: 'hard' | 'soft' | null;
  o_complained_at: Date | null;
  o_failed_at: Date | null;
  o_first_opened_at: Date | null;
  delivered_at: Date | null;
  bounced_at: Date | null;
  bounce_type: 'hard' | 'soft' | null;
  complained_at: Date | null;
  failed_at: Date | null;
  first_opened_at: Date | null;
}

/**
 * The SET of one fact on ledger row `d`. Timestamps only move earlier (least), a hard bounce is
 * never downgraded, so any order of events ends the same.
 */
function factSet(fact: Fact, at: Date, o: { bounceType?: 'hard' | 'soft'; detail?: string | null } = {}) {
  const earliest = (col: string) => sql`${sql.ref(col)} = least(coalesce(${sql.ref(`d.${col}`)}, ${at}::timestamptz), ${at}::timestamptz)`;
  const detail = o.detail ? o.detail.slice(0, 1000) : null;
  switch (fact) {
    case 'accepted':
      return earliest('accepted_at');
    case 'delivered':
      return earliest('delivered_at');
    case 'delayed':
      return sql`delayed_at = greatest(d.delayed_at, ${at}::timestamptz)`;
    case 'complained':
      return earliest('complained_at');
    case 'failed':
      return sql`${earliest('failed_at')}, failure_detail = coalesce(d.failure_detail, ${detail})`;
    case 'bounced': {
      const hard = o.bounceType === 'hard';
      return sql`${earliest('bounced_at')},
        bounce_type = CASE WHEN d.bounce_type = 'hard' OR ${hard} THEN 'hard' ELSE 'soft' END,
        bounce_detail = CASE WHEN ${hard} AND d.bounce_type IS DISTINCT FROM 'hard' THEN ${detail} ELSE coalesce(d.bounce_detail, ${detail}) END`;
    }
  }
}

/**
 * Storing an event whose svix-id is already stored: a replay of a processed event changes nothing
 * (the INSERT returns no row: a duplicate); one whose earlier attempt failed (never processed) is
 * taken again, marked processed with this attempt's outcome.
 */
const RECLAIM_UNPROCESSED = sql`ON CONFLICT (svix_id) DO UPDATE SET attempts = webhook_events.attempts + 1, processed_at = excluded.processed_at, outcome = excluded.outcome, last_error = NULL
        WHERE webhook_events.processed_at IS NULL`;

export class EventsRepository {
  /** The per-issue statistics queries (counters, timeline, the recipients list). */
  readonly stats: IssueStatsRepository;

  constructor(private readonly db: Db | Transaction<Database>) {
    this.stats = new IssueStatsRepository(db);
  }

  /** Runs `fn` in one transaction with a repository bound to it (and the transaction, for other modules' repositories). */
  transaction<T>(fn: (r: EventsRepository, trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return (this.db as Db).transaction().execute((trx) => fn(new EventsRepository(trx), trx));
  }

  // ---- webhook log ------------------------------------------------------------------------------

  /**
   * Stores the event as processed with the outcome it will most likely have (`outcome`), in the
   * caller's transaction; false if it was processed before. Whoever finds another outcome calls
   * setOutcome before the commit: the common case costs no second write.
   */
  async claimWebhookEvent(e: {
    svixId: string;
    type: string;
    emailId: string | null;
    eventAt: Date | null;
    payload: unknown;
    now: Date;
    outcome: string;
  }): Promise<boolean> {
    const r = await sql<{ svix_id: string }>`${sql.raw(PREPARED)}
      INSERT INTO webhook_events (svix_id, type, email_id, event_at, received_at, payload, processed_at, outcome)
      VALUES (${e.svixId}, ${e.type}, ${e.emailId}, ${e.eventAt}, ${e.now}, ${JSON.stringify(e.payload)}::jsonb, ${e.now}, ${e.outcome})
      ${RECLAIM_UNPROCESSED}
      RETURNING svix_id`.execute(this.db);
    return r.rows.length === 1;
  }

  /** Sets the event's outcome; an `erased` one also loses its payload (it names the recipient). */
  async setOutcome(svixId: string, outcome: string): Promise<void> {
    await this.db
      .updateTable('webhook_events')
      .set(outcome === 'erased' ? { outcome, payload: JSON.stringify({ erased: true }) } : { outcome })
      .where('svix_id', '=', svixId)
      .execute();
  }

  /** Whether the ledger row the provider knows as `providerMessageId` belongs to an erased subscriber. */
  async recipientErased(providerMessageId: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('deliveries as d')
      .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
      .select('d.id')
      .where('d.provider_message_id', '=', providerMessageId)
      .where('s.status', '=', 'erased')
      .executeTakeFirst();
    return !!r;
  }

  /** After a failed attempt (its transaction rolled back): keep the raw event and why, unprocessed. */
  async storeFailedWebhookEvent(e: {
    svixId: string;
    type: string;
    emailId: string | null;
    eventAt: Date | null;
    payload: unknown;
    now: Date;
    error: string;
  }): Promise<void> {
    await sql`
      INSERT INTO webhook_events (svix_id, type, email_id, event_at, received_at, payload, processed_at, last_error)
      VALUES (${e.svixId}, ${e.type}, ${e.emailId}, ${e.eventAt}, ${e.now}, ${JSON.stringify(e.payload)}::jsonb, NULL, ${e.error.slice(0, 1000)})
      ON CONFLICT (svix_id) DO UPDATE SET last_error = excluded.last_error WHERE webhook_events.processed_at IS NULL`.execute(this.db);
  }

  /**
   * Deletes up to `limit` raw webhook events received before `before`; returns how many. Safe for
   * deduplication: a replay that old fails the signature's 5-minute timestamp window anyway.
   */
  async deleteWebhookEventsBefore(before: Date, limit: number): Promise<number> {
    const r = await sql`
      DELETE FROM webhook_events WHERE svix_id IN (
        SELECT svix_id FROM webhook_events WHERE received_at < ${before} LIMIT ${limit}
      )`.execute(this.db);
    return Number(r.numAffectedRows ?? 0);
  }

  /** Unmatched events whose provider id now names a ledger row (the webhook beat the pipeline's write). */
  async rematchable(
    since: Date,
    limit: number,
  ): Promise<{ svix_id: string; type: string; email_id: string; event_at: Date | null; received_at: Date; payload: unknown }[]> {
    const r = await sql<{ svix_id: string; type: string; email_id: string; event_at: Date | null; received_at: Date; payload: unknown }>`
      SELECT w.svix_id, w.type, w.email_id, w.event_at, w.received_at, w.payload
      FROM webhook_events w
      WHERE w.outcome = 'unmatched' AND w.received_at >= ${since}
        AND EXISTS (SELECT 1 FROM deliveries d WHERE d.provider_message_id = w.email_id)
      ORDER BY w.received_at LIMIT ${limit}`.execute(this.db);
    return r.rows;
  }

  async countRematchable(since: Date): Promise<number> {
    const r = await sql<{ n: string }>`
      SELECT count(*) AS n FROM webhook_events w
      WHERE w.outcome = 'unmatched' AND w.received_at >= ${since}
        AND EXISTS (SELECT 1 FROM deliveries d WHERE d.provider_message_id = w.email_id)`.execute(this.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Locks an unmatched event for re-application; false when someone else got to it. */
  async claimUnmatched(svixId: string): Promise<boolean> {
    const r = await sql`SELECT 1 FROM webhook_events WHERE svix_id = ${svixId} AND outcome = 'unmatched' FOR UPDATE SKIP LOCKED`.execute(this.db);
    return r.rows.length === 1;
  }

  // ---- ledger facts -----------------------------------------------------------------------------

  /** Records one fact (see factSet) on the ledger row the provider knows as `providerMessageId`. */
  async applyFact(
    providerMessageId: string,
    fact: Fact,
    at: Date,
    o: { bounceType?: 'hard' | 'soft'; detail?: string | null } = {},
  ): Promise<FactChange | null> {
    const r = await sql<FactRow>`${sql.raw(PREPARED)}
      UPDATE deliveries AS d SET ${factSet(fact, at, o)}, last_event_at = greatest(d.last_event_at, ${at}::timestamptz)
      FROM (SELECT id, delivered_at, bounced_at, bounce_type, complained_at, failed_at, first_opened_at
            FROM deliveries WHERE provider_message_id = ${providerMessageId} FOR UPDATE) AS o
      WHERE d.id = o.id
      RETURNING d.id, d.issue_id, d.subscriber_id, (SELECT s.soft_bounce_count FROM subscribers s WHERE s.id = d.subscriber_id) AS soft_bounces,
        o.delivered_at AS o_delivered_at, o.bounced_at AS o_bounced_at, o.bounce_type AS o_bounce_type,
        o.complained_at AS o_complained_at, o.failed_at AS o_failed_at, o.first_opened_at AS o_first_opened_at,
        d.delivered_at, d.bounced_at, d.bounce_type, d.complained_at, d.failed_at, d.first_opened_at`.execute(this.db);
    const row = r.rows[0];
    if (!row) return null;
    return {
      id: String(row.id),
      issueId: row.issue_id,
      subscriberId: String(row.subscriber_id),
      softBounces: Number(row.soft_bounces ?? 0),
      before: {
        deliveredAt: d0(row.o_delivered_at),
        bouncedAt: d0(row.o_bounced_at),
        bounceType: row.o_bounce_type,
        complainedAt: d0(row.o_complained_at),
        failedAt: d0(row.o_failed_at),
        firstOpenedAt: d0(row.o_first_opened_at),
      },
      after: {
        deliveredAt: d0(row.delivered_at),
        bouncedAt: d0(row.bounced_at),
        bounceType: row.bounce_type,
        complainedAt: d0(row.complained_at),
        failedAt: d0(row.failed_at),
        firstOpenedAt: d0(row.first_opened_at),
      },
    };
  }

  /**
   * A provider event that only moves the ledger (accepted, delivered, delayed), stored and applied
   * in one statement outside any transaction: one round trip instead of four (BEGIN, store, apply,
   * COMMIT). Its outcome is decided before it is stored: `unmatched` when no ledger row has the
   * provider id (the tick applies it later), `duplicate` when it was processed before. When the fact
   * would have a consequence for the subscriber (a first delivery after soft bounces resets their
   * count) it stores and changes nothing and answers `needs_transaction`: the caller takes the
   * transactional path, where the subscribers module does that work. So does an event about an
   * erased subscriber (its payload must not be stored).
   */
  async applyLedgerEvent(
    e: { svixId: string; type: string; emailId: string; eventAt: Date | null; payload: unknown; now: Date },
    fact: 'accepted' | 'delivered' | 'delayed',
    at: Date,
  ): Promise<'applied' | 'unmatched' | 'duplicate' | 'needs_transaction'> {
    const r = await sql<{ ok: boolean; outcome: string | null }>`${sql.raw(PREPARED)}
      WITH target AS (
        SELECT d.id, (${fact === 'delivered'}::boolean AND d.delivered_at IS NULL AND d.bounced_at IS NULL
                 AND coalesce(s.soft_bounce_count, 0) <> 0) OR coalesce(s.status = 'erased', false) AS consequence
        FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id WHERE d.provider_message_id = ${e.emailId}
        FOR UPDATE OF d
      ),
      go AS (SELECT NOT coalesce(bool_or(t.consequence), false) AS ok, count(*) > 0 AS matched FROM target t),
      claim AS (
        INSERT INTO webhook_events (svix_id, type, email_id, event_at, received_at, payload, processed_at, outcome)
        SELECT ${e.svixId}, ${e.type}, ${e.emailId}, ${e.eventAt}, ${e.now}, ${JSON.stringify(e.payload)}::jsonb, ${e.now},
               CASE WHEN go.matched THEN 'applied' ELSE 'unmatched' END
        FROM go WHERE go.ok
        ${RECLAIM_UNPROCESSED}
        RETURNING outcome
      ),
      fact AS (
        UPDATE deliveries AS d SET ${factSet(fact, at)}, last_event_at = greatest(d.last_event_at, ${at}::timestamptz)
        FROM target t WHERE d.id = t.id AND EXISTS (SELECT 1 FROM claim)
      )
      SELECT go.ok, (SELECT c.outcome FROM claim c) AS outcome FROM go`.execute(this.db);
    const row = r.rows[0]!;
    if (!row.ok) return 'needs_transaction';
    if (row.outcome === null) return 'duplicate';
    return row.outcome === 'unmatched' ? 'unmatched' : 'applied';
  }

  /** The subscriber of a ledger row known to the provider (for events that do not change the row). */
  async deliveryByProviderId(providerMessageId: string): Promise<{ id: string; issueId: number; subscriberId: string } | null> {
    const r = await this.db
      .selectFrom('deliveries')
      .select(['id', 'issue_id', 'subscriber_id'])
      .where('provider_message_id', '=', providerMessageId)
      .executeTakeFirst();
    return r ? { id: String(r.id), issueId: r.issue_id, subscriberId: String(r.subscriber_id) } : null;
  }

  /**
   * Records an open in one statement: the open row and the ledger's counters, only when the
   * newsletter has open tracking on. likely_human is decided against the delivery time in SQL.
   */
  async recordOpen(o: OpenInput): Promise<OpenOutcome> {
    const where = 'deliveryId' in o.by ? sql`d.id = ${o.by.deliveryId}` : sql`d.provider_message_id = ${o.by.providerMessageId}`;
    const window = `${Math.max(0, Math.round(o.prefetchWindowMs))} milliseconds`;
    const r = await sql<{ tracking: boolean; recorded: boolean }>`
      WITH target AS (
        SELECT d.id, d.issue_id, n.open_tracking,
               ${o.human}::boolean AND (${o.prefetchWindowMs}::int = 0
                 OR greatest(d.sent_at, d.accepted_at, d.delivered_at) IS NULL
                 OR ${o.at}::timestamptz - greatest(d.sent_at, d.accepted_at, d.delivered_at) >= ${window}::interval) AS human
        FROM deliveries d JOIN issues i ON i.id = d.issue_id JOIN newsletters n ON n.id = i.newsletter_id
        WHERE ${where}
          -- an erased subscriber's opens are not recorded (they would say when the person read)
          AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id AND s.status = 'erased')
      ),
      ins AS (
        INSERT INTO delivery_opens (delivery_id, issue_id, at, client, likely_human, source)
        SELECT id, issue_id, ${o.at}, ${o.client}, human, ${o.source} FROM target WHERE open_tracking
        RETURNING delivery_id, likely_human
      ),
      upd AS (
        UPDATE deliveries AS d SET
          open_count = d.open_count + 1,
          first_opened_at = least(coalesce(d.first_opened_at, ${o.at}::timestamptz), ${o.at}::timestamptz),
          human_opened_at = CASE WHEN ins.likely_human THEN least(coalesce(d.human_opened_at, ${o.at}::timestamptz), ${o.at}::timestamptz) ELSE d.human_opened_at END,
          last_event_at = greatest(d.last_event_at, ${o.at}::timestamptz)
        FROM ins WHERE d.id = ins.delivery_id
        RETURNING d.id
      )
      SELECT t.open_tracking AS tracking, EXISTS (SELECT 1 FROM upd) AS recorded FROM target t`.execute(this.db);
    const row = r.rows[0];
    if (!row) return 'unmatched';
    return row.recorded ? 'recorded' : 'tracking_off';
  }
}

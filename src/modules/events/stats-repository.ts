/**
 * The per-issue statistics queries: the counters the triggers keep (issue_stats, issue_timeline),
 * and the ledger page by page with each recipient's strongest fact. Read-only.
 */
import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { Database } from '../../db/schema.ts';
import { inFlight } from '../sending/repository.ts';

/** The counters of `issue_stats` (migrations 0005 and 0016). */
const ISSUE_COUNTERS = [
  'recipients',
  'sent',
  'failed',
  'delivered',
  'bounced_hard',
  'bounced_soft',
  'complained',
  'opened_unique',
  'opened_human',
  'opens_total',
  'unsubscribed',
] as const;
type IssueCounter = (typeof ISSUE_COUNTERS)[number];

export interface RecipientFilter {
  issueId: number;
  state?: RecipientStateFilter;
  q?: string;
  afterId?: string;
  limit: number;
}

export const RECIPIENT_STATE_FILTERS = [
  'queued',
  'sending',
  'sent',
  'skipped',
  'failed',
  'delivered',
  'opened',
  'human_opened',
  'bounced',
  'hard_bounced',
  'soft_bounced',
  'complained',
] as const;
export type RecipientStateFilter = (typeof RECIPIENT_STATE_FILTERS)[number];

const DELIVERED = sql`(d.bounced_at IS NULL AND (d.delivered_at IS NOT NULL OR d.first_opened_at IS NOT NULL OR d.complained_at IS NOT NULL))`;

/** One exclusive state per recipient for lists: the strongest fact wins, whatever the arrival order. */
const state = (issueId: number) => sql<string>`CASE
  WHEN d.complained_at IS NOT NULL THEN 'complained'
  WHEN d.bounce_type = 'hard' THEN 'bounced'
  WHEN d.bounce_type = 'soft' THEN 'soft_bounced'
  WHEN d.status = 'failed' OR d.failed_at IS NOT NULL THEN 'failed'
  WHEN d.first_opened_at IS NOT NULL THEN 'opened'
  WHEN d.delivered_at IS NOT NULL THEN 'delivered'
  WHEN ${inFlight(issueId)} THEN 'sending'
  ELSE d.status END`;

const stateFilters = (issueId: number): Record<RecipientStateFilter, ReturnType<typeof sql>> => ({
  queued: sql`(d.status = 'queued' AND NOT ${inFlight(issueId)})`,
  sending: inFlight(issueId),
  sent: sql`d.status = 'sent'`,
  skipped: sql`d.status = 'skipped'`,
  failed: sql`(d.status = 'failed' OR d.failed_at IS NOT NULL)`,
  delivered: DELIVERED,
  opened: sql`d.first_opened_at IS NOT NULL`,
  human_opened: sql`d.human_opened_at IS NOT NULL`,
  bounced: sql`d.bounced_at IS NOT NULL`,
  hard_bounced: sql`d.bounce_type = 'hard'`,
  soft_bounced: sql`d.bounce_type = 'soft'`,
  complained: sql`d.complained_at IS NOT NULL`,
});

const d0 = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

export class IssueStatsRepository {
  constructor(private readonly db: Db | Transaction<Database>) {}

  /** The issue, when its send started and finished, and the time zone to show those times in. */
  issue(issueId: number) {
    return this.db
      .selectFrom('issues as i')
      .innerJoin('newsletters as n', 'n.id', 'i.newsletter_id')
      .select([
        'i.id',
        'i.newsletter_id',
        'i.started_at',
        'i.sent_at',
        'i.finished_at',
        'i.status',
        'i.time_zone',
        'i.audience',
        'n.time_zone as newsletter_time_zone',
      ])
      .where('i.id', '=', issueId)
      .executeTakeFirst();
  }

  /** The issue's counters: the sum of its shards (migration 0014), undefined before its first ledger row. */
  async counters(issueId: number): Promise<Record<IssueCounter, string> | undefined> {
    const r = await sql<Record<IssueCounter, string>>`
      SELECT ${sql.raw(ISSUE_COUNTERS.map((c) => `sum(${c})::text AS ${c}`).join(', '))}
      FROM issue_stats WHERE issue_id = ${issueId} HAVING count(*) > 0`.execute(this.db);
    return r.rows[0];
  }

  /**
   * Hourly buckets since `from` (a whole UTC hour): sent, delivered, first opens (unique), all
   * opens, likely-human opens. Reads the per-hour counters that triggers on the ledger and the
   * opens keep (migration 0012): a few dozen rows, however many recipients.
   */
  async timeline(issueId: number, from: Date, hours: number) {
    const to = new Date(from.getTime() + hours * 3600_000);
    const r = await this.db
      .selectFrom('issue_timeline')
      .select((eb) => ['hour', ...(['sent', 'delivered', 'unique_opens', 'opens', 'human_opens'] as const).map((c) => eb.fn.sum<string>(c).as(c))])
      .where('issue_id', '=', issueId)
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .groupBy('hour')
      .execute();
    const out: { hour: number; series: string; n: number }[] = [];
    for (const x of r) {
      const hour = Math.floor((new Date(x.hour).getTime() - from.getTime()) / 3600_000);
      const human = Number(x.human_opens);
      for (const [series, n] of [
        ['sent', Number(x.sent)],
        ['delivered', Number(x.delivered)],
        ['uniqueOpens', Number(x.unique_opens)],
        ['humanOpens', human],
        ['machineOpens', Number(x.opens) - human],
      ] as const) {
        if (n !== 0) out.push({ hour, series, n });
      }
    }
    return out;
  }

  /** The earliest send time on the ledger (for issues whose start was not recorded). */
  async firstSentAt(issueId: number): Promise<Date | null> {
    const r = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('sent_at').as('at'))
      .where('issue_id', '=', issueId)
      .executeTakeFirst();
    return d0((r?.at as Date | string | null | undefined) ?? null);
  }

  /** A page of the ledger with each recipient's facts, by id. */
  recipients(f: RecipientFilter) {
    let q = this.db
      .selectFrom('deliveries as d')
      .select([
        'd.id',
        'd.subscriber_id',
        'd.email',
        'd.name',
        'd.status',
        'd.provider_message_id',
        'd.error',
        'd.attempts',
        'd.sent_at',
        'd.accepted_at',
        'd.delivered_at',
        'd.delayed_at',
        'd.bounced_at',
        'd.bounce_type',
        'd.bounce_detail',
        'd.complained_at',
        'd.failed_at',
        'd.failure_detail',
        'd.first_opened_at',
        'd.human_opened_at',
        'd.open_count',
        'd.last_event_at',
        state(f.issueId).as('state'),
      ])
      // A range, not `=`, on purpose, with ORDER BY (issue_id, id): with `=` the planner drops issue_id
      // from the ordering and, taking each issue's rows as spread evenly over the ids, walks the
      // primary key through every earlier issue's rows to fill a page of the newest one (about 1 s
      // for the third 1M-recipient issue). Ordered by (issue_id, id), only the issue's own index
      // range gives the order without sorting.
      .where('d.issue_id', '>=', f.issueId)
      .where('d.issue_id', '<=', f.issueId);
    if (f.state) q = q.where(stateFilters(f.issueId)[f.state] as never);
    if (f.afterId) q = q.where('d.id', '>', f.afterId);
    if (f.q) {
      // Through the subscribers' address-prefix index, then the ledger's (issue_id, subscriber_id)
      // key: no extra index on the ledger. (Erased people are no longer findable, as they should.)
      const p = `${f.q
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      q = q.where(sql<boolean>`d.subscriber_id IN (
        SELECT s.id FROM subscribers s
        WHERE s.newsletter_id = (SELECT i.newsletter_id FROM issues i WHERE i.id = ${f.issueId})
          AND s.email_normalized LIKE ${p} ESCAPE '\\')`);
    }
    return q.orderBy('d.issue_id').orderBy('d.id').limit(f.limit).execute();
  }
}

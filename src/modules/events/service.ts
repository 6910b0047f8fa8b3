/**
 * Delivery events: the open pixel, Resend webhooks (Svix-signed) and per-issue statistics.
 *
 * Webhooks are applied inline, in one transaction with the raw event row: verify → INSERT the
 * event keyed by svix-id (a replay of a processed event stops here with 200) → set the fact on
 * the ledger row → suppress / count soft bounces through the subscribers module → commit. Either
 * the event is stored and applied, or nothing is and we answer 500 so that Svix retries. Events
 * that only move the ledger (sent, delivered, delayed: most of them) are stored and applied by a
 * single statement instead, with the same outcomes. Each event costs a handful of indexed
 * statements at most; no queue is needed to absorb a burst, and the Worker needs none either. An
 * event for a provider id the ledger does not know yet (the webhook raced the pipeline's write) is
 * kept as `unmatched` and applied by the tick once it matches.
 */
import type { Audience } from '../segments/model.ts';
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { CURSOR_ID, encodeCursor, decodeCursor } from '../../lib/cursor.ts';
import type { Logger } from '../../lib/log.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { verifyToken } from '../../lib/tokens.ts';
import { parseOrThrow } from '../../lib/validation.ts';
import { SubscribersRepository } from '../subscribers/repository.ts';
import type { SubscribersService } from '../subscribers/service.ts';
import { classifyUserAgent, likelyHumanOpen, PROXY_PREFETCH_WINDOW_MS, type OpenClient } from './classify.ts';
import { OPEN_TOKEN_PURPOSE } from './pixel.ts';
import type { EventsRepository, Fact, FactChange } from './repository.ts';
import { RECIPIENT_STATE_FILTERS } from './stats-repository.ts';
import { verifySvix, type SvixHeaders } from './svix.ts';
import { type Message, msg } from '../../i18n/index.ts';
import { redactAddresses } from '../../lib/redact.ts';

/** Above this complaint rate the stats warn; mailbox providers start refusing mail at 0.3 %. */
export const COMPLAINT_RATE_WARNING = 0.001;
export const COMPLAINT_RATE_LIMIT = 0.003;
/** Unmatched webhook events are retried for this long. */
const REMATCH_WINDOW_MS = 24 * 3600_000;

/** `erased`: the email's recipient was erased; the event is kept only as its id, type and time (no payload, no fact). */
export type WebhookOutcome = 'applied' | 'duplicate' | 'unmatched' | 'ignored' | 'tracking_off' | 'no_email_id' | 'erased';

/** Resend event types and the ledger fact each one sets. */
const FACTS: Record<string, Fact | 'opened' | 'suppressed'> = {
  'email.sent': 'accepted',
  'email.delivered': 'delivered',
  'email.delivery_delayed': 'delayed',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.failed': 'failed',
  'email.suppressed': 'suppressed',
  'email.opened': 'opened',
};

const recipientsQuery = z.object({
  status: z.enum(RECIPIENT_STATE_FILTERS).optional(),
  q: z.string().max(254).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

const timelineQuery = z.object({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(72),
});

export interface EventsDeps {
  repo: EventsRepository;
  subscribers: SubscribersService;
  queue: JobQueue;
  clock: Clock;
  config: Config;
  /** Whether the transport reports deliveries, bounces and complaints (the outbox does not). */
  mailer: Pick<Mailer, 'reportsDeliveryEvents'>;
  secret: string;
  log: Logger;
}

interface ParsedEvent {
  svixId: string;
  type: string;
  emailId: string | null;
  eventAt: Date | null;
  payload: Record<string, unknown>;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown, max = 500): string | null => (typeof v === 'string' && v.length ? v.slice(0, max) : null);
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** Resend: `data.bounce.type` "Permanent" = hard; "Transient" / "Undetermined" / missing = soft. */
export function bounceTypeOf(data: Record<string, unknown>): { type: 'hard' | 'soft'; detail: string | null } {
  const b = obj(data.bounce);
  const type = (str(b.type) ?? '').toLowerCase();
  const sub = str(b.subType ?? b.sub_type);
  const hard =
    type === 'permanent' || type === 'hard' || (type !== 'transient' && /^(noemail|nosuchuser|suppressed|onaccountsuppressionlist)$/i.test(sub ?? ''));
  const text = [str(b.type), sub, str(b.message, 800)].filter(Boolean).join(' · ');
  // Providers quote the recipient in their text: it is stored without any address.
  const detail = text ? redactAddresses(text) : null;
  return { type: hard ? 'hard' : 'soft', detail };
}

export class EventsService {
  constructor(private readonly d: EventsDeps) {}

  private now() {
    return this.d.clock.now();
  }

  // ---- open pixel -------------------------------------------------------------------------------

  /** Records a pixel load; never throws (the pixel answers the same GIF whatever happens). */
  async recordPixelOpen(token: string, userAgent: string | undefined): Promise<'recorded' | 'tracking_off' | 'unmatched' | 'invalid' | 'error'> {
    const now = this.now();
    const v = verifyToken(this.d.secret, OPEN_TOKEN_PURPOSE, token, now);
    if (!v || !/^\d{1,18}$/.test(v.subject)) return 'invalid';
    const client = classifyUserAgent(userAgent);
    try {
      return await this.d.repo.recordOpen({ by: { deliveryId: v.subject }, at: now, client, source: 'pixel', ...humanRule(client) });
    } catch (e) {
      this.d.log.error('open pixel: could not record', { deliveryId: v.subject, error: e instanceof Error ? e.message : String(e) });
      return 'error';
    }
  }

  // ---- Resend webhooks --------------------------------------------------------------------------

  /** Verifies, stores and applies one webhook. Throws 401 (bad signature) or 400 (not JSON). */
  async ingestResend(headers: SvixHeaders, rawBody: string): Promise<WebhookOutcome> {
    const now = this.now();
    const v = verifySvix(this.d.config.resend.webhookSecret, headers, rawBody, now);
    if (!v.ok) throw new AppError('unauthorized', msg('webhook.signature', { reason: v.reason }));
    let payload: Record<string, unknown>;
    try {
      payload = obj(JSON.parse(rawBody));
    } catch {
      throw new AppError('bad_request', msg('webhook.notJson'));
    }
    const data = obj(payload.data);
    const at = new Date(str(payload.created_at) ?? str(data.created_at) ?? '');
    const e: ParsedEvent = {
      svixId: v.id,
      type: str(payload.type, 100) ?? 'unknown',
      emailId: str(data.email_id, 200),
      eventAt: Number.isNaN(at.getTime()) ? v.timestamp : at,
      payload,
    };
    try {
      const kind = FACTS[e.type];
      if (e.emailId && (kind === 'accepted' || kind === 'delivered' || kind === 'delayed')) {
        // Most events only move the ledger: one statement, no transaction (see applyLedgerEvent).
        const outcome = await this.d.repo.applyLedgerEvent({ ...e, emailId: e.emailId, now }, kind, e.eventAt ?? now);
        if (outcome !== 'needs_transaction') return outcome;
      }
      return await this.d.repo.transaction(async (repo, trx) => {
        if (!(await repo.claimWebhookEvent({ ...e, now, outcome: 'applied' }))) return 'duplicate';
        const outcome = await this.apply(repo, trx, e);
        if (outcome !== 'applied') await repo.setOutcome(e.svixId, outcome);
        return outcome;
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.d.log.error('webhook: could not apply', { svixId: e.svixId, type: e.type, error: message });
      await this.d.repo.storeFailedWebhookEvent({ ...e, now, error: message }).catch(() => {});
      throw err;
    }
  }

  /** Applies one event inside the caller's transaction; the subscribers module shares it. */
  private async apply(repo: EventsRepository, trx: Transaction<Database>, e: ParsedEvent): Promise<Exclude<WebhookOutcome, 'duplicate'>> {
    // An erased recipient's events add nothing: the tombstone already blocks the address, and the
    // payload (which names them) is dropped by setOutcome before the transaction commits.
    if (e.emailId && (await repo.recipientErased(e.emailId))) return 'erased';
    const kind = FACTS[e.type];
    if (!kind) return 'ignored';
    if (!e.emailId) return 'no_email_id';
    const at = e.eventAt ?? this.now();
    const data = obj(e.payload.data);
    const subscribers = this.d.subscribers.withRepo(new SubscribersRepository(trx));

    if (kind === 'opened') {
      const r = await repo.recordOpen({ by: { providerMessageId: e.emailId }, at, client: 'provider', source: 'provider', ...humanRule('provider') });
      return r === 'recorded' ? 'applied' : r;
    }
    if (kind === 'suppressed') {
      // The provider refused to send: the address is on its suppression list (an earlier hard
      // bounce or complaint). Counted as failed; the subscriber is suppressed like a hard bounce.
      const said = str(obj(data.suppressed).message ?? obj(data.suppressed).type, 800);
      const message = said ? redactAddresses(said) : null;
      const change = await repo.applyFact(e.emailId, 'failed', at, { detail: `suppressed by the provider${message ? `: ${message}` : ''}` });
      if (!change) return 'unmatched';
      await subscribers.suppress(change.subscriberId, 'hard_bounce', { event: e.type, issueId: change.issueId, deliveryId: change.id, provider: 'resend' });
      return 'applied';
    }

    const bounce = kind === 'bounced' ? bounceTypeOf(data) : null;
    const reason = kind === 'failed' ? str(obj(data.failed).reason, 800) : null;
    const failure = reason ? redactAddresses(reason) : null;
    const change = await repo.applyFact(e.emailId, kind, at, {
      ...(bounce ? { bounceType: bounce.type, detail: bounce.detail } : {}),
      ...(failure ? { detail: failure } : {}),
    });
    if (!change) return 'unmatched';
    await this.consequences(subscribers, kind, change, e, bounce?.detail ?? null);
    return 'applied';
  }

  /** What a newly recorded fact means for the subscriber. */
  private async consequences(subscribers: SubscribersService, kind: Fact, c: FactChange, e: ParsedEvent, detail: string | null): Promise<void> {
    const about = { event: e.type, issueId: c.issueId, deliveryId: c.id, svixId: e.svixId, ...(detail ? { detail } : {}) };
    if (kind === 'complained') {
      await subscribers.suppress(c.subscriberId, 'complaint', about);
    } else if (kind === 'bounced') {
      if (c.after.bounceType === 'hard') {
        if (c.before.bounceType !== 'hard') await subscribers.suppress(c.subscriberId, 'hard_bounce', about);
      } else if (c.before.bouncedAt === null) {
        // Counted once per email: another soft-bounce event for the same email is not "in a row".
        await subscribers.recordSoftBounce(c.subscriberId, about);
      }
    } else if (kind === 'delivered') {
      if (c.before.deliveredAt === null && c.after.bouncedAt === null && c.softBounces > 0) await subscribers.resetSoftBounces(c.subscriberId);
    }
  }

  /** Tick: are there unmatched events whose email is now on the ledger? */
  async enqueueRematch(now: Date): Promise<number> {
    const n = await this.d.repo.countRematchable(new Date(now.getTime() - REMATCH_WINDOW_MS));
    if (n === 0) return 0;
    await this.d.queue.enqueue([{ kind: 'events.rematch', payload: {}, dedupeKey: 'events.rematch' }]);
    return 1;
  }

  /** Job: applies unmatched events that now match, each in its own transaction. */
  async rematch(): Promise<number> {
    const rows = await this.d.repo.rematchable(new Date(this.now().getTime() - REMATCH_WINDOW_MS), 1000);
    let applied = 0;
    for (const w of rows) {
      const e: ParsedEvent = {
        svixId: w.svix_id,
        type: w.type,
        emailId: w.email_id,
        eventAt: w.event_at ? new Date(w.event_at) : null,
        payload: obj(w.payload),
      };
      const outcome = await this.d.repo.transaction(async (repo, trx) => {
        if (!(await repo.claimUnmatched(w.svix_id))) return 'duplicate';
        const o = await this.apply(repo, trx, e);
        await repo.setOutcome(w.svix_id, o);
        return o;
      });
      if (outcome === 'applied') applied++;
    }
    return applied;
  }

  // ---- statistics -------------------------------------------------------------------------------

  private async issueOr404(issueId: number) {
    if (!Number.isSafeInteger(issueId) || issueId > 2_147_483_647) throw notFound(msg('issue.what', { id: String(issueId) }));
    const issue = await this.d.repo.stats.issue(issueId);
    if (!issue) throw notFound(msg('issue.what', { id: issueId }));
    return issue;
  }

  /**
   * The issue's numbers: its counters (kept by triggers on the ledger and the consent events, one
   * row per writing connection, summed). `unsubscribed` = recipients of this issue whose unsubscribe
   * event falls between this issue's start and the next issue's start.
   *
   * Every rate is a share of the emails sent (`rates`), opens included, so that they read the same
   * whatever the transport. `deliveryEvents` says whether the transport reports deliveries, bounces
   * and complaints at all: with the outbox it does not, the delivered, bounce and complaint rates
   * are null (unknown, not 0 %), and a `no_delivery_events` warning says so.
   */
  async stats(issueId: number) {
    const issue = await this.issueOr404(issueId); // 404 for an unknown issue
    const c = await this.d.repo.stats.counters(issueId);
    const n = (v: string | number | bigint | undefined) => Number(v ?? 0);
    // Recipients who unsubscribed between this issue's start and the next issue's (kept by a trigger on the consent events, migration 0016).
    const unsubscribed = n(c?.unsubscribed);
    const delivered = n(c?.delivered);
    const sent = n(c?.sent);
    const complained = n(c?.complained);
    const bounced = { hard: n(c?.bounced_hard), soft: n(c?.bounced_soft) };
    const opened = { unique: n(c?.opened_unique), total: n(c?.opens_total), likelyHuman: n(c?.opened_human) };
    const deliveryEvents = this.d.mailer.reportsDeliveryEvents;
    const base = delivered > 0 ? delivered : sent;
    const complaintRate = base > 0 ? complained / base : 0;
    const overSent = (x: number) => (sent > 0 ? x / sent : null);
    /** `code` for programs (stable), `said` for people. */
    const warnings: { code: string; said: Message }[] = [];
    const rate = (x: number) => (x * 100).toFixed(2);
    if (complaintRate >= COMPLAINT_RATE_LIMIT) {
      warnings.push({ code: 'complaint_rate_critical', said: msg('stats.complaintCritical', { rate: rate(complaintRate) }) });
    } else if (complaintRate > COMPLAINT_RATE_WARNING) {
      warnings.push({ code: 'complaint_rate_high', said: msg('stats.complaintHigh', { rate: rate(complaintRate) }) });
    }
    if (!deliveryEvents) warnings.push({ code: 'no_delivery_events', said: msg('statsUx.noDeliveryEvents') });
    if (this.d.config.mailTransport === 'resend' && !this.d.config.resend.webhookSecret && sent > 0) {
      warnings.push({ code: 'webhooks_not_configured', said: msg('stats.webhooksNotConfigured') });
    }
    const startedAt = issue.started_at ? new Date(issue.started_at) : null;
    const finishedAt = issue.finished_at ? new Date(issue.finished_at) : null;
    return {
      issueId,
      recipients: n(c?.recipients),
      sent,
      delivered,
      failed: n(c?.failed),
      bounced,
      complained,
      opened,
      unsubscribed,
      complaintRate,
      deliveryEvents,
      rates: {
        delivered: deliveryEvents ? overSent(delivered) : null,
        bounced: deliveryEvents ? overSent(bounced.hard + bounced.soft) : null,
        complained: deliveryEvents ? overSent(complained) : null,
        opened: overSent(opened.unique),
        unsubscribed: overSent(unsubscribed),
      },
      send: {
        startedAt: startedAt?.toISOString() ?? null,
        finishedAt: finishedAt?.toISOString() ?? null,
        durationMs: startedAt && finishedAt ? finishedAt.getTime() - startedAt.getTime() : null,
        timeZone: issue.time_zone ?? issue.newsletter_time_zone,
      },
      // Who the send was for (issue 24): the segment's name as scheduled, the topics; null: the whole list.
      audience: audienceSummary(issue.audience),
      warnings,
    };
  }

  /** Hourly buckets from the issue's start, for charts. Hours with nothing are zeros. */
  async timeline(issueId: number, query: Record<string, string | undefined>) {
    const { hours } = parseOrThrow(timelineQuery, query);
    const issue = await this.issueOr404(issueId);
    const known = issue.started_at ?? issue.sent_at;
    const start = known ? new Date(known) : await this.d.repo.stats.firstSentAt(issueId);
    if (!start) return { issueId, from: null, hours, buckets: [] };
    const from = new Date(Math.floor(start.getTime() / 3600_000) * 3600_000);
    const rows = await this.d.repo.stats.timeline(issueId, from, hours);
    const buckets = Array.from({ length: hours }, (_, h) => ({
      at: new Date(from.getTime() + h * 3600_000).toISOString(),
      sent: 0,
      delivered: 0,
      uniqueOpens: 0,
      opens: 0,
      humanOpens: 0,
    }));
    for (const r of rows) {
      const b = buckets[r.hour];
      if (!b) continue;
      if (r.series === 'sent') b.sent += r.n;
      else if (r.series === 'delivered') b.delivered += r.n;
      else if (r.series === 'uniqueOpens') b.uniqueOpens += r.n;
      else {
        b.opens += r.n;
        if (r.series === 'humanOpens') b.humanOpens += r.n;
      }
    }
    return { issueId, from: from.toISOString(), hours, buckets };
  }

  /** The ledger, page by page, with each recipient's event state. */
  async recipients(issueId: number, query: Record<string, string | undefined>) {
    const q = parseOrThrow(recipientsQuery, query);
    await this.issueOr404(issueId);
    const afterId = q.cursor ? decodeCursor(q.cursor, { id: CURSOR_ID }).id : undefined;
    const rows = await this.d.repo.stats.recipients({
      issueId,
      limit: q.limit + 1,
      ...(q.status ? { state: q.status } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(afterId ? { afterId: String(afterId) } : {}),
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: String(r.id),
        subscriberId: String(r.subscriber_id),
        email: r.email,
        name: r.name,
        status: r.status,
        state: r.state,
        providerMessageId: r.provider_message_id,
        error: r.error,
        attempts: r.attempts,
        sentAt: iso(r.sent_at),
        acceptedAt: iso(r.accepted_at),
        deliveredAt: iso(r.delivered_at),
        delayedAt: iso(r.delayed_at),
        bouncedAt: iso(r.bounced_at),
        bounceType: r.bounce_type,
        bounceDetail: r.bounce_detail,
        complainedAt: iso(r.complained_at),
        failedAt: iso(r.failed_at),
        failureDetail: r.failure_detail,
        firstOpenedAt: iso(r.first_opened_at),
        humanOpenedAt: iso(r.human_opened_at),
        opens: r.open_count,
        lastEventAt: iso(r.last_event_at),
      })),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ id: String(last.id) }) : null,
    };
  }
}

/** The likely-human rule of `classify.ts`, split into what SQL needs (it knows the delivery time). */
function humanRule(client: OpenClient): { human: boolean; prefetchWindowMs: number } {
  const human = likelyHumanOpen(client, null);
  const windowed = human && !likelyHumanOpen(client, 0);
  return { human, prefetchWindowMs: windowed ? PROXY_PREFETCH_WINDOW_MS : 0 };
}

/** An issue's stored audience as the stats say it: `{segment: {id, name} | null, topics: [{id, key, name}]}`, or null for the whole list. */
function audienceSummary(v: unknown): { segment: { id: number; name: string } | null; topics: { id: number; key: string; name: string }[] } | null {
  if (!v || typeof v !== 'object') return null;
  const a = v as Audience;
  return { segment: a.segment ? { id: a.segment.id, name: a.segment.name } : null, topics: a.topics ?? [] };
}

/**
 * Subscribers and consent: double opt-in signup, confirmation, unsubscribe, preferences and
 * suppression. Every change appends a consent event. The list as admins manage it (import,
 * export, erasure) is SubscriberListService (list-service.ts); the emails, SubscriberMail (mail.ts).
 *
 * Policies (see the report / README):
 * - Signup answers the same for new, pending, active, unsubscribed, suppressed and erased addresses.
 *   A pending address gets at most one confirmation email per 10 minutes; an active or suppressed
 *   one gets no email at all; an unsubscribed one goes back through double opt-in (resubscribe).
 * - Confirmation tokens expire after 7 days and name the pending period they were issued for, so a
 *   token from an earlier subscription can never re-activate an address that unsubscribed since.
 * - Resubscribing from the preferences page (reached through a link only the mailbox owner has)
 *   goes straight back to active: it is the person's own action.
 */
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { NewsletterRow, SubscriberRow } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { hmacBase64url } from '../../lib/crypto.ts';
import type { Logger } from '../../lib/log.ts';
import { signToken, verifyToken } from '../../lib/tokens.ts';
import { parseAddress, parseOrThrow, personNameSchema, subscriberEmailSchema } from '../../lib/validation.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { i18n, msg } from '../../i18n/index.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { NewslettersRepository } from '../newsletters/repository.ts';
import type { OutboxRepository } from '../outbox/repository.ts';
import type { RateLimitsRepository } from '../rate-limits/repository.ts';
import type { AuthUser } from '../users/service.ts';
import type { EventSource, SubscribersRepository } from './repository.ts';
import { type TurnstileVerifier, TurnstileUnavailable } from './turnstile.ts';

export const CONFIRM_TOKEN_TTL_MS = 7 * 24 * 3600_000;
export const CONFIRMATION_RESEND_INTERVAL_MS = 10 * 60_000;
export const ADDRESS_RATE_LIMIT_PER_HOUR = 10;
const SIGNUP_NEWSLETTER_CACHE_TTL_MS = 60_000;
const SIGNUP_NEWSLETTER_CACHE_SIZE = 1_000;

export const languageTag = z
  .string()
  .max(35)
  .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$/, { message: 'validation.languageTag' });

export const signupSchema = z.object({
  email: subscriberEmailSchema,
  name: personNameSchema.nullish(),
  consent: z.literal(true, { message: 'validation.consent' }),
  language: languageTag.nullish(),
  /** The topics chosen on the form (ids or keys); absent: never chose, so every topic. */
  topics: z
    .array(z.union([z.number().int().min(1).max(2_147_483_647), z.string().min(1).max(64)]))
    .max(50)
    .optional(),
});

/** A newsletter's topics as one subscriber has them (segments module, issue 24). */
export interface TopicChoice {
  id: number;
  key: string;
  name: string;
  received: boolean;
}

/** What the subscribers module needs of topics: implemented by SegmentsService. */
export interface TopicChoices {
  of(subscriberId: string, newsletterId: number): Promise<TopicChoice[]>;
  /** The ids of the newsletter's topics named by id or key; throws a 422 naming an unknown one. */
  resolve(newsletterId: number, wanted: readonly (number | string)[], field: string): Promise<number[]>;
  /** Records the choice over every topic of the newsletter; true when it changed. */
  choose(subscriberId: string, newsletterId: number, chosen: number[]): Promise<boolean>;
}

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'soft_bounce_threshold';

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export type ConfirmState = { kind: 'invalid' } | { kind: 'ready' | 'already'; subscriber: SubscriberRow; newsletter: NewsletterRow };

export type LinkState = { kind: 'invalid' } | { kind: 'ok'; subscriber: SubscriberRow; newsletter: NewsletterRow };

export interface SubscribersServiceDeps {
  repo: SubscribersRepository;
  newsletters: NewslettersRepository;
  rateLimits: RateLimitsRepository;
  audit: AuditRepository;
  outbox: OutboxRepository;
  queue: JobQueue;
  mailer: Mailer;
  clock: Clock;
  config: Config;
  secret: string;
  log: Logger;
  /** Topics (absent in tests that build the service alone: then there are none). */
  topics?: TopicChoices;
  /** Cloudflare Turnstile (turnstile.ts), when configured: signups must carry a valid token. */
  turnstile?: TurnstileVerifier | undefined;
}

export class SubscribersService {
  /** slug → newsletter id for signups (see signupNewsletterId). */
  private readonly signupNewsletters: Map<string, { id: number; until: number }>;

  constructor(
    private readonly d: SubscribersServiceDeps,
    cache?: Map<string, { id: number; until: number }>,
  ) {
    this.signupNewsletters = cache ?? new Map();
  }

  /** The same service on another repository, e.g. one bound to a caller's transaction (webhook events). */
  withRepo(repo: SubscribersRepository): SubscribersService {
    return new SubscribersService({ ...this.d, repo }, this.signupNewsletters);
  }

  private get repo() {
    return this.d.repo;
  }
  private now() {
    return this.d.clock.now();
  }

  /** HMAC of an address under the app secret: tombstones and per-address rate-limit keys. */
  addressHash(normalized: string): string {
    return hmacBase64url(this.d.secret, `quire-address\n${normalized}`);
  }

  /**
   * The newsletter id behind a slug for the signup path, cached per process: slugs never change
   * and newsletters are not deleted, so a hit stays true (the TTL only bounds the map's memory of
   * the past). Misses are not cached, so a newsletter created a moment ago is found at once. The
   * first lookup also makes sure a consent text exists; its current version is read by the signup
   * statement itself, so a new wording counts from the next signup, in every process.
   */
  async signupNewsletterId(slug: string): Promise<number> {
    const hit = this.signupNewsletters.get(slug);
    const now = Date.now();
    if (hit && hit.until > now) return hit.id;
    const n = await this.newsletterBySlug(slug);
    await this.consentText(n);
    if (this.signupNewsletters.size >= SIGNUP_NEWSLETTER_CACHE_SIZE) this.signupNewsletters.clear();
    this.signupNewsletters.set(slug, { id: n.id, until: now + SIGNUP_NEWSLETTER_CACHE_TTL_MS });
    return n.id;
  }

  async newsletterBySlug(slug: string): Promise<NewsletterRow> {
    const n = /^[a-z0-9][a-z0-9-]{0,62}$/.test(slug) ? await this.d.newsletters.findBySlug(slug) : undefined;
    if (!n) throw notFound(msg('newsletter.what', { slug: slug.slice(0, 64) }));
    return n;
  }

  /** The consent text shown now; version 1 (the default wording, in the newsletter's language) is created on first use. */
  async consentText(n: NewsletterRow): Promise<{ version: number; text: string }> {
    const cur = await this.repo.currentConsentText(n.id);
    if (cur) return cur;
    return this.repo.addFirstConsentText(n.id, i18n(n.language).t('consent.default', { newsletter: n.name }), this.now());
  }

  async setConsentText(slug: string, input: unknown, actor: AuthUser): Promise<{ version: number; text: string }> {
    const n = await this.newsletterBySlug(slug);
    const v = parseOrThrow(z.object({ text: z.string().trim().min(1).max(2_000) }), input);
    const r = await this.repo.addConsentText(n.id, v.text, this.now());
    await this.d.audit.record({ userId: actor.id, actor: actor.email, action: 'consent_text.create', target: slug, detail: { version: r.version } });
    return r;
  }

  async consentTexts(slug: string) {
    const n = await this.newsletterBySlug(slug);
    await this.consentText(n);
    return (await this.repo.consentTexts(n.id)).map((t) => ({ version: t.version, text: t.text, createdAt: new Date(t.created_at).toISOString() }));
  }

  // ---------------------------------------------------------------- signup

  /**
   * A signup from the form or the public API. Resolves the same way whatever the address's state
   * (no enumeration); throws only for an unknown newsletter, invalid input or a rate limit.
   * Email goes out from a job, so the answer neither waits on nor reveals anything about sending.
   *
   * One statement does it all (repository `signup`: rate limits per IP then per address, insert or
   * find, resubscribe, consent event, confirmation claim, and the confirmation job when jobs live in
   * the database): each round trip to the database costs more than the rest of the request, and a
   * consent change and its confirmation job commit together. The newsletter id is cached.
   */
  /**
   * With Turnstile on, a signup carries the widget's token (`turnstileToken` in JSON, the widget's
   * own `cf-turnstile-response` in the form): without a valid one nothing is stored; when
   * Cloudflare cannot be asked, the signup is refused too (fail closed) and says so.
   */
  private async checkTurnstile(body: Record<string, unknown>, meta: RequestMeta): Promise<void> {
    const raw = body.turnstileToken ?? body['cf-turnstile-response'];
    const token = typeof raw === 'string' ? raw.trim() : '';
    let ok = false;
    if (token) {
      try {
        ok = await this.d.turnstile!.verify(token, meta.ip);
      } catch (e) {
        if (!(e instanceof TurnstileUnavailable)) throw e;
        this.d.log.warn(e.message);
        throw new AppError('unavailable', msg('audienceMove.turnstileUnavailable'), { fields: [{ field: 'turnstileToken', message: 'could not be checked' }] });
      }
    }
    if (!ok) throw AppError.validation([{ field: 'turnstileToken', said: msg(token ? 'audienceMove.turnstileFailed' : 'audienceMove.turnstileMissing') }]);
  }

  async signup(slug: string, input: unknown, source: 'form' | 'api', meta: RequestMeta): Promise<void> {
    const newsletterId = await this.signupNewsletterId(slug);
    const body = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
    // Honeypot: a field people never see; whatever fills it gets a success and nothing is stored.
    if (body.website) return;
    const v = parseOrThrow(signupSchema, input);
    if (this.d.turnstile) await this.checkTurnstile(body, meta);
    // Topics are checked before anything is written (an unknown one is a 422), and only read when given.
    const topicIds = v.topics !== undefined && this.d.topics ? await this.d.topics.resolve(newsletterId, v.topics, 'topics') : null;
    const addr = parseAddress(v.email)!;
    const now = this.now();
    const ipMax = this.d.config.signupRateLimit;
    const inDb = this.d.queue.sameDatabase;
    const signup = {
      newsletterId,
      email: addr.email,
      norm: addr.normalized,
      name: v.name ?? null,
      language: v.language ?? null,
      source,
      ip: meta.ip,
      userAgent: meta.userAgent,
      now,
      resendIntervalMs: CONFIRMATION_RESEND_INTERVAL_MS,
      limits: {
        ipKey: `signup:ip:${meta.ip ?? 'unknown'}`,
        ipMax,
        addressKey: `signup:address:${this.addressHash(addr.normalized)}`,
        addressMax: ADDRESS_RATE_LIMIT_PER_HOUR,
        windowMs: 3600_000,
      },
      job: inDb ? { kind: 'mail.confirm', dedupePrefix: 'mail.confirm:' } : null,
    };
    let r: Awaited<ReturnType<SubscribersRepository['signup']>>;
    try {
      r = await this.repo.signup(signup);
    } catch (e) {
      // The newsletter was deleted after its id was cached here (its rows are gone with it).
      if ((e as { code?: unknown } | null)?.code === '23503') {
        this.signupNewsletters.delete(slug);
        throw notFound(msg('newsletter.what', { slug: slug.slice(0, 64) }));
      }
      throw e;
    }
    if (r.kind === 'limited') {
      const retryAfter = Math.max(1, Math.ceil((r.resetAt.getTime() - now.getTime()) / 1000));
      const said = msg(r.which === 'ip' ? 'signup.rateLimitedIp' : 'signup.rateLimitedAddress');
      throw new AppError('rate_limited', said, { retryAfter }, { 'Retry-After': String(retryAfter) });
    }
    // Lost a race with a concurrent signup of the same address: now it is there to find.
    if (r.kind === 'raced') r = await this.repo.signup({ ...signup, limits: null });
    if (r.kind !== 'done' || !r.confirmId) return;
    // A new, pending or returning address (one that gets a confirmation) takes the topics chosen;
    // an active one keeps its own (changed in the preferences, behind the mailbox's link).
    if (topicIds && this.d.topics) await this.d.topics.choose(r.confirmId, newsletterId, topicIds);
    if (inDb) {
      if (r.jobInserted) inDb.inserted();
    } else await this.enqueueConfirmation(r.confirmId, now);
  }

  /** Enqueues a confirmation email unless one was sent in the last 10 minutes. */
  async queueConfirmation(id: string, now: Date): Promise<void> {
    if (!(await this.repo.claimConfirmationSend(id, now, CONFIRMATION_RESEND_INTERVAL_MS))) return;
    await this.enqueueConfirmation(id, now);
  }

  private enqueueConfirmation(id: string, now: Date): Promise<void> {
    return this.d.queue.enqueue([{ kind: 'mail.confirm', payload: { subscriberId: id }, dedupeKey: `mail.confirm:${id}:${now.getTime()}` }]);
  }

  // ---------------------------------------------------------------- confirm

  confirmToken(s: SubscriberRow): string {
    const since = Math.floor(new Date(s.pending_since!).getTime() / 1000).toString(36);
    return signToken(this.d.secret, 'confirm', `${s.id}-${since}`, new Date(this.now().getTime() + CONFIRM_TOKEN_TTL_MS));
  }

  async confirmState(token: string): Promise<ConfirmState> {
    const v = verifyToken(this.d.secret, 'confirm', token, this.now());
    const m = v && /^(\d{1,18})-([0-9a-z]{1,10})$/.exec(v.subject);
    if (!m) return { kind: 'invalid' };
    const s = await this.repo.findById(m[1]!);
    if (!s) return { kind: 'invalid' };
    const newsletter = await this.d.newsletters.findById(s.newsletter_id);
    if (!newsletter) return { kind: 'invalid' };
    if (s.status === 'active') return { kind: 'already', subscriber: s, newsletter };
    if (s.status === 'pending' && s.pending_since && Math.floor(new Date(s.pending_since).getTime() / 1000) === parseInt(m[2]!, 36)) {
      return { kind: 'ready', subscriber: s, newsletter };
    }
    return { kind: 'invalid' };
  }

  async confirm(token: string, meta: RequestMeta): Promise<ConfirmState> {
    const state = await this.confirmState(token);
    if (state.kind !== 'ready') return state;
    const now = this.now();
    const s = state.subscriber;
    const moved = await this.repo.transition(
      String(s.id),
      ['pending'],
      { status: 'active', confirmed_at: now, pending_since: null, unsubscribed_at: null },
      now,
      {
        pendingSince: new Date(s.pending_since!),
      },
    );
    if (!moved) return this.confirmState(token);
    await this.repo.addEvents([
      {
        subscriberId: String(s.id),
        newsletterId: s.newsletter_id,
        at: now,
        type: 'confirm',
        source: 'link',
        ip: meta.ip,
        userAgent: meta.userAgent,
        consentTextVersion: s.consent_text_version,
      },
    ]);
    if (state.newsletter.welcome_enabled) {
      await this.d.queue.enqueue([{ kind: 'mail.welcome', payload: { subscriberId: String(s.id) }, dedupeKey: `mail.welcome:${s.id}:${now.getTime()}` }]);
    }
    return { kind: 'already', subscriber: moved, newsletter: state.newsletter };
  }

  // ---------------------------------------------------------------- unsubscribe and preferences

  private async linkState(purpose: 'unsubscribe' | 'preferences', token: string): Promise<LinkState> {
    const v = verifyToken(this.d.secret, purpose, token, this.now());
    if (!v || !/^\d{1,18}$/.test(v.subject)) return { kind: 'invalid' };
    const s = await this.repo.findById(v.subject);
    if (!s || s.status === 'erased') return { kind: 'invalid' };
    const newsletter = await this.d.newsletters.findById(s.newsletter_id);
    return newsletter ? { kind: 'ok', subscriber: s, newsletter } : { kind: 'invalid' };
  }

  unsubscribeState(token: string): Promise<LinkState> {
    return this.linkState('unsubscribe', token);
  }

  /** Unsubscribes at once; idempotent (a second call changes nothing and records nothing). */
  async unsubscribe(token: string, source: 'one-click' | 'link', meta: RequestMeta): Promise<LinkState> {
    const state = await this.linkState('unsubscribe', token);
    if (state.kind !== 'ok') return state;
    const changed = await this.unsubscribeRow(state.subscriber, source, meta);
    return changed ? { ...state, subscriber: changed } : state;
  }

  private async unsubscribeRow(s: SubscriberRow, source: EventSource, meta: RequestMeta): Promise<SubscriberRow | undefined> {
    const now = this.now();
    const moved = await this.repo.transition(String(s.id), ['active', 'pending'], { status: 'unsubscribed', unsubscribed_at: now, pending_since: null }, now);
    if (!moved) return undefined;
    await this.repo.addEvents([
      { subscriberId: String(s.id), newsletterId: s.newsletter_id, at: now, type: 'unsubscribe', source, ip: meta.ip, userAgent: meta.userAgent },
    ]);
    if (s.status === 'active') {
      const n = await this.d.newsletters.findById(s.newsletter_id);
      if (n?.goodbye_enabled)
        await this.d.queue.enqueue([{ kind: 'mail.goodbye', payload: { subscriberId: String(s.id) }, dedupeKey: `mail.goodbye:${s.id}:${now.getTime()}` }]);
    }
    return moved;
  }

  async preferencesState(token: string) {
    const state = await this.linkState('preferences', token);
    if (state.kind !== 'ok' || !state.subscriber.email_normalized) return { kind: 'invalid' as const };
    const rows = await this.repo.findAllByAddress(state.subscriber.email_normalized);
    const topics: Record<string, TopicChoice[]> = {};
    if (this.d.topics) for (const r of rows) topics[String(r.subscriber.id)] = await this.d.topics.of(String(r.subscriber.id), r.subscriber.newsletter_id);
    return { kind: 'ok' as const, subscriber: state.subscriber, newsletter: state.newsletter, rows, topics };
  }

  /**
   * Saves the preferences form: name and language (for every newsletter of this address), and
   * which newsletters to receive. Ticking an unsubscribed one resubscribes it straight away.
   */
  async savePreferences(token: string, input: Record<string, unknown>, meta: RequestMeta) {
    const state = await this.preferencesState(token);
    if (state.kind !== 'ok') return state;
    const v = parseOrThrow(
      z.object({
        name: personNameSchema.optional(),
        language: z.union([z.literal(''), languageTag]).optional(),
        subscribed: z.array(z.string().max(20)).max(1000).default([]),
        /** Per subscriber row shown with topics: the topic ids ticked (a row not in it is left as it is). */
        topics: z.record(z.string().max(20), z.array(z.string().max(12)).max(50)).optional(),
      }),
      input,
    );
    const now = this.now();
    const wanted = new Set(v.subscribed);
    for (const { subscriber: s } of state.rows) {
      const id = String(s.id);
      const patch: Record<string, unknown> = {};
      const fields: string[] = [];
      if (v.name !== undefined && v.name !== s.name) {
        patch.name = v.name;
        fields.push('name');
      }
      const lang = v.language === undefined ? undefined : v.language || null;
      if (lang !== undefined && lang !== s.language) {
        patch.language = lang;
        fields.push('language');
      }
      if (fields.length) {
        await this.repo.update(id, patch, now);
        await this.repo.addEvents([
          {
            subscriberId: id,
            newsletterId: s.newsletter_id,
            at: now,
            type: 'preferences',
            source: 'preferences',
            ip: meta.ip,
            userAgent: meta.userAgent,
            detail: { fields },
          },
        ]);
      }
      const ticked = v.topics?.[id];
      const choices = state.topics[id] ?? [];
      if (ticked && choices.length && this.d.topics) {
        // Unticking a topic is not unsubscribing: the subscription's status is left as it is.
        const chosen = choices.filter((c) => ticked.includes(String(c.id))).map((c) => c.id);
        const before = choices.filter((c) => c.received).map((c) => c.id);
        if (chosen.length !== before.length || chosen.some((x) => !before.includes(x))) {
          await this.d.topics.choose(id, s.newsletter_id, chosen);
          await this.repo.addEvents([
            {
              subscriberId: id,
              newsletterId: s.newsletter_id,
              at: now,
              type: 'preferences',
              source: 'preferences',
              ip: meta.ip,
              userAgent: meta.userAgent,
              detail: { fields: ['topics'], topics: choices.filter((c) => chosen.includes(c.id)).map((c) => c.key) },
            },
          ]);
        }
      }
      if (wanted.has(id) && s.status === 'unsubscribed') {
        const moved = await this.repo.transition(id, ['unsubscribed'], { status: 'active', unsubscribed_at: null, confirmed_at: now }, now);
        if (moved) {
          await this.repo.addEvents([
            {
              subscriberId: id,
              newsletterId: s.newsletter_id,
              at: now,
              type: 'resubscribe',
              source: 'preferences',
              ip: meta.ip,
              userAgent: meta.userAgent,
              consentTextVersion: s.consent_text_version,
            },
          ]);
        }
      } else if (!wanted.has(id) && (s.status === 'active' || s.status === 'pending')) {
        await this.unsubscribeRow(s, 'preferences', meta);
      }
    }
    return this.preferencesState(token);
  }

  // ---------------------------------------------------------------- delivery feedback (sending pipeline, webhooks)

  /** Of these subscriber ids, those that may receive an issue now (active). Call at send time. */
  sendableIds(ids: string[]): Promise<Set<string>> {
    return this.repo.sendableIds(ids);
  }

  /** Stops all mail to this subscriber (hard bounce, complaint, too many soft bounces). Idempotent. */
  async suppress(subscriberId: string, reason: SuppressionReason, detail: Record<string, unknown> = {}, source: EventSource = 'webhook'): Promise<boolean> {
    const s = await this.repo.findById(subscriberId);
    if (!s) return false;
    const now = this.now();
    const moved = await this.repo.transition(
      subscriberId,
      ['pending', 'active', 'unsubscribed'],
      { status: 'suppressed', suppression_reason: reason, pending_since: null },
      now,
    );
    if (!moved) return false;
    const type = reason === 'hard_bounce' ? 'suppress_bounce' : reason === 'complaint' ? 'suppress_complaint' : 'suppress_soft_bounce';
    await this.repo.addEvents([{ subscriberId, newsletterId: s.newsletter_id, at: now, type, source, detail: { ...detail, previousStatus: s.status } }]);
    return true;
  }

  /** Counts a soft bounce; at SOFT_BOUNCE_THRESHOLD in a row the subscriber is suppressed. */
  async recordSoftBounce(subscriberId: string, detail: Record<string, unknown> = {}): Promise<{ count: number; suppressed: boolean }> {
    const count = await this.repo.incrementSoftBounces(subscriberId, this.now());
    if (count === null) return { count: 0, suppressed: false };
    if (count >= this.d.config.softBounceThreshold) {
      return { count, suppressed: await this.suppress(subscriberId, 'soft_bounce_threshold', { ...detail, softBounces: count }) };
    }
    return { count, suppressed: false };
  }

  /** A delivery succeeded: soft bounces start counting from zero again. */
  async resetSoftBounces(subscriberId: string): Promise<void> {
    await this.repo.resetSoftBounces(subscriberId, this.now());
  }
}

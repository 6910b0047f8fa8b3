/**
 * Subscribers and consent: double opt-in signup, confirmation, unsubscribe, preferences,
 * suppression, the admin list/import/export and erasure. Every change appends a consent event.
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
import type { NewsletterRow, SubscriberEventRow, SubscriberRow, SubscriberStatus } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import type { JobHandlers, JobQueue } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { hmacBase64url } from '../../lib/crypto.ts';
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import type { Logger } from '../../lib/log.ts';
import { preferencesUrl, signToken, unsubscribeUrl, verifyToken } from '../../lib/tokens.ts';
import { issueMessage, parseAddress, parseOrThrow, personNameSchema, subscriberEmailSchema } from '../../lib/validation.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { i18n, msg } from '../../i18n/index.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { NewslettersRepository } from '../newsletters/repository.ts';
import type { OutboxRepository } from '../outbox/repository.ts';
import type { RateLimitsRepository } from '../rate-limits/repository.ts';
import type { AuthUser } from '../users/service.ts';
import { csvLine, readSubscriberCsv, type CsvRow } from './csv.ts';
import type { EventSource, ImportOutcome, SubscribersRepository } from './repository.ts';

/** react-email and React take ~1.5 s to import: loaded on the first transactional email, not at start-up (the CLI). */
const transactional = () => import('../../../emails/transactional/index.ts');

export const CONFIRM_TOKEN_TTL_MS = 7 * 24 * 3600_000;
export const CONFIRMATION_RESEND_INTERVAL_MS = 10 * 60_000;
export const ADDRESS_RATE_LIMIT_PER_HOUR = 10;
export const IMPORT_MAX_BYTES = 200 * 1024 * 1024;
export const IMPORT_CHUNK_ROWS = 1_000;
/**
 * Chunk statements an import runs at once. Three, not two: with two, the reader waited whenever
 * both were running and its core idled; with three it parses the next chunk meanwhile. 100 000 rows
 * on 2 cores: 4.2–5.0 s against 5.0–5.2 s (runs alternated, 2026-12-01).
 */
export const IMPORT_CHUNKS_IN_FLIGHT = 3;
const SIGNUP_NEWSLETTER_CACHE_TTL_MS = 60_000;
const SIGNUP_NEWSLETTER_CACHE_SIZE = 1_000;

const languageTag = z
  .string()
  .max(35)
  .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$/, { message: 'validation.languageTag' });

export const signupSchema = z.object({
  email: subscriberEmailSchema,
  name: personNameSchema.nullish(),
  consent: z.literal(true, { message: 'validation.consent' }),
  language: languageTag.nullish(),
});

export const adminCreateSchema = z.object({
  email: subscriberEmailSchema,
  name: personNameSchema.nullish(),
  language: languageTag.nullish(),
  status: z.enum(['active', 'pending']).default('active'),
  consentNote: z.string().trim().min(1, { message: 'validation.consentNote' }).max(2_000),
});

const listQuerySchema = z.object({
  status: z.enum(['pending', 'active', 'unsubscribed', 'suppressed', 'erased']).optional(),
  q: z.string().max(254).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

const consentNoteSchema = z.string().trim().min(1, { message: 'validation.consentNoteImport' }).max(2_000);

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'soft_bounce_threshold';

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/** The public JSON shape of a subscriber (DESIGN.md). */
export function toSubscriber(r: SubscriberRow, newsletterSlug?: string) {
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: String(r.id),
    ...(newsletterSlug ? { newsletter: newsletterSlug } : {}),
    email: r.email,
    name: r.name,
    status: r.status,
    language: r.language,
    source: r.source,
    consentTextVersion: r.consent_text_version,
    suppressionReason: r.suppression_reason,
    softBounceCount: r.soft_bounce_count,
    createdAt: iso(r.created_at),
    confirmedAt: iso(r.confirmed_at),
    unsubscribedAt: iso(r.unsubscribed_at),
    updatedAt: iso(r.updated_at),
  };
}

export function toEvent(e: SubscriberEventRow) {
  return {
    at: new Date(e.at).toISOString(),
    type: e.type,
    source: e.source,
    ip: e.ip,
    userAgent: e.user_agent,
    consentTextVersion: e.consent_text_version,
    detail: e.detail,
  };
}

/** `Name <address>` for a From header, with nothing that could break the header. */
function fromHeader(n: NewsletterRow): string {
  const name = (n.from_name ?? n.name).replace(/[\u0000-\u001f\u007f"<>\\]/g, '').trim();
  return name ? `${name} <${n.from_email}>` : n.from_email;
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
  async signup(slug: string, input: unknown, source: 'form' | 'api', meta: RequestMeta): Promise<void> {
    const newsletterId = await this.signupNewsletterId(slug);
    const body = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
    // Honeypot: a field people never see; whatever fills it gets a success and nothing is stored.
    if (body.website) return;
    const v = parseOrThrow(signupSchema, input);
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
    if (inDb) {
      if (r.jobInserted) inDb.inserted();
    } else await this.enqueueConfirmation(r.confirmId, now);
  }

  /** Enqueues a confirmation email unless one was sent in the last 10 minutes. */
  private async queueConfirmation(id: string, now: Date): Promise<void> {
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
    return { kind: 'ok' as const, subscriber: state.subscriber, newsletter: state.newsletter, rows };
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

  // ---------------------------------------------------------------- admin

  async list(slug: string, query: Record<string, string | undefined>) {
    const n = await this.newsletterBySlug(slug);
    const q = parseOrThrow(listQuerySchema, query);
    const before = q.cursor ? decodeCursor<{ id: string }>(q.cursor).id : undefined;
    if (before !== undefined && !/^\d{1,18}$/.test(String(before))) throw new AppError('bad_request', msg('error.cursor'));
    const rows = await this.repo.list({
      newsletterId: n.id,
      limit: q.limit + 1,
      ...(q.status ? { status: q.status } : {}),
      ...(q.q?.trim() ? { q: q.q } : {}),
      ...(before ? { beforeId: String(before) } : {}),
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map((r) => toSubscriber(r, n.slug)), nextCursor: rows.length > q.limit && last ? encodeCursor({ id: String(last.id) }) : null };
  }

  async create(slug: string, input: unknown, actor: AuthUser, meta: RequestMeta) {
    const n = await this.newsletterBySlug(slug);
    const v = parseOrThrow(adminCreateSchema, input);
    const addr = parseAddress(v.email)!;
    if (v.status === 'active' && (await this.repo.isTombstoned(this.addressHash(addr.normalized)))) {
      throw new AppError('conflict', msg('subscriber.erased'));
    }
    const now = this.now();
    const consent = await this.consentText(n);
    const row = await this.repo.insert({
      newsletterId: n.id,
      email: addr.email,
      norm: addr.normalized,
      name: v.name ?? null,
      language: v.language ?? null,
      status: v.status,
      source: 'admin',
      consentTextVersion: consent.version,
      now,
      confirmedAt: v.status === 'active' ? now : null,
    });
    if (!row) throw new AppError('conflict', msg('subscriber.exists'));
    const id = String(row.id);
    await this.repo.addEvents([
      {
        subscriberId: id,
        newsletterId: n.id,
        at: now,
        type: 'admin_create',
        source: 'admin',
        ip: meta.ip,
        userAgent: meta.userAgent,
        consentTextVersion: consent.version,
        detail: { consentNote: v.consentNote, status: v.status, by: actor.email },
      },
    ]);
    if (v.status === 'pending') await this.queueConfirmation(id, now);
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscriber.create',
      target: `subscriber:${id}`,
      detail: { newsletter: n.slug, status: v.status },
    });
    return this.get(id);
  }

  private async rowOr404(id: string): Promise<SubscriberRow> {
    const s = await this.repo.findById(id);
    if (!s) throw notFound(msg('subscriber.what'));
    return s;
  }

  async get(id: string) {
    const s = await this.rowOr404(id);
    const n = await this.d.newsletters.findById(s.newsletter_id);
    const events = await this.repo.events([String(s.id)]);
    return { ...toSubscriber(s, n?.slug), events: events.map(toEvent) };
  }

  /** Everything held about the person behind this subscriber: every newsletter, every event, stored mail. */
  async exportPerson(id: string) {
    const s = await this.rowOr404(id);
    const rows = s.email_normalized
      ? await this.repo.findAllByAddress(s.email_normalized)
      : [{ subscriber: s, newsletterSlug: (await this.d.newsletters.findById(s.newsletter_id))?.slug ?? '', newsletterName: '' }];
    const events = await this.repo.events(rows.map((r) => String(r.subscriber.id)));
    const mail = s.email ? await this.d.outbox.list({ to: s.email, limit: 1000 }) : [];
    return {
      exportedAt: this.now().toISOString(),
      email: s.email,
      subscriptions: rows.map((r) => ({
        ...toSubscriber(r.subscriber, r.newsletterSlug),
        newsletterName: r.newsletterName,
        events: events.filter((e) => String(e.subscriber_id) === String(r.subscriber.id)).map(toEvent),
      })),
      storedEmails: mail.map((m) => ({ id: m.id, subject: m.subject, from: m.from_header, createdAt: new Date(m.created_at).toISOString(), text: m.text })),
    };
  }

  /**
   * Erasure: the address leaves every table (all its newsletters, event IPs/user agents/details,
   * stored outbox copies) in one transaction; an anonymous row per subscription, its event types
   * and dates, and a keyed hash of the address (so imports cannot bring it back) remain.
   */
  async erase(id: string, actor: AuthUser) {
    const s = await this.rowOr404(id);
    const now = this.now();
    if (s.status === 'erased' || !s.email_normalized) return { id: String(s.id), status: 'erased' as const, erased: 0 };
    const norm = s.email_normalized;
    const addresses = [...new Set([norm, (s.email ?? norm).toLowerCase()])];
    const erased = await this.repo.transaction(async (t) => {
      const rows = await t.subscribers.eraseAddress(norm, this.addressHash(norm), now);
      await t.subscribers.addEvents(
        rows.map((r) => ({ subscriberId: String(r.id), newsletterId: r.newsletter_id, at: now, type: 'erase' as const, source: 'admin' as const })),
      );
      for (const a of addresses) await t.outbox.deleteByAddress(a);
      await t.audit.record({
        userId: actor.id,
        actor: actor.email,
        action: 'subscriber.erase',
        target: `subscriber:${s.id}`,
        detail: { subscriptions: rows.length },
      });
      return rows.length;
    });
    return { id: String(s.id), status: 'erased' as const, erased };
  }

  /** `onProgress` (optional) hears rows read and imported so far after each chunk (the admin import's live progress). */
  async import(
    slug: string,
    body: ReadableStream<Uint8Array> | null,
    consentNoteInput: unknown,
    actor: AuthUser,
    onProgress?: (p: { rows: number; imported: number }) => void | Promise<void>,
  ) {
    const n = await this.newsletterBySlug(slug);
    const r = consentNoteSchema.safeParse(consentNoteInput ?? '');
    if (!r.success) throw AppError.validation([{ field: 'consentNote', said: issueMessage(r.error.issues[0]!) }]);
    const consentNote = r.data;
    if (!body) throw new AppError('validation_failed', msg('csv.noBody'), { fields: [{ field: '(body)', message: 'is empty' }] });
    const consent = await this.consentText(n);
    const now = this.now();
    const counts: Record<ImportOutcome, number> = { imported: 0, already_subscribed: 0, pending: 0, unsubscribed: 0, suppressed: 0, erased: 0 };
    // Reading and parsing the next chunk overlaps the database's work on the previous ones: up to
    // IMPORT_CHUNKS_IN_FLIGHT statements at once (chunks never share an address: the reader drops
    // repeats), and the reader waits while that many are running, so memory stays bounded.
    const inFlight = new Set<Promise<void>>();
    const state: { failure: { error: unknown } | null } = { failure: null };
    const rethrow = () => {
      if (state.failure) throw state.failure.error;
    };
    const importChunk = async (rows: CsvRow[]) => {
      const got = await this.repo.importChunk(
        n.id,
        rows.map((x) => ({ email: x.email, norm: x.normalized, name: x.name, language: x.language, hash: this.addressHash(x.normalized) })),
        { now, consentNote, consentTextVersion: consent.version },
      );
      for (const k of Object.keys(counts) as ImportOutcome[]) counts[k] += got[k];
    };
    let read: Awaited<ReturnType<typeof readSubscriberCsv>>;
    try {
      read = await readSubscriberCsv(body, {
        maxBytes: IMPORT_MAX_BYTES,
        chunkSize: IMPORT_CHUNK_ROWS,
        onChunk: async (rows) => {
          rethrow();
          const p: Promise<void> = importChunk(rows)
            .catch((error: unknown) => void (state.failure ??= { error }))
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          while (inFlight.size >= IMPORT_CHUNKS_IN_FLIGHT) await Promise.race(inFlight);
          rethrow();
        },
        ...(onProgress ? { onProgress: (rows: number) => onProgress({ rows, imported: counts.imported }) } : {}),
      });
    } finally {
      await Promise.all(inFlight); // never leave a statement running past the request
    }
    rethrow();
    const { imported, ...rest } = counts;
    const result = { imported, skipped: { duplicate: read.duplicates, ...rest }, errors: read.errors, errorCount: read.errorCount, total: read.total };
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscribers.import',
      target: n.slug,
      detail: { consentNote, imported, skipped: result.skipped, errorCount: read.errorCount, total: read.total },
    });
    return result;
  }

  /** The newsletter's list as CSV, streamed in keyset batches (erased rows have nothing to export). */
  async exportCsv(slug: string, actor: AuthUser): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
    const n = await this.newsletterBySlug(slug);
    await this.d.audit.record({ userId: actor.id, actor: actor.email, action: 'subscribers.export', target: n.slug });
    const enc = new TextEncoder();
    const repo = this.repo;
    const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : '');
    let after = '0';
    let headerSent = false;
    const stream = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        if (!headerSent) {
          headerSent = true;
          ctl.enqueue(
            enc.encode(
              `\uFEFF${csvLine(['email', 'name', 'status', 'language', 'subscribed_at', 'confirmed_at', 'unsubscribed_at', 'source', 'consent_text_version'])}`,
            ),
          );
          return;
        }
        const rows = await repo.exportBatch(n.id, after, 1000);
        if (rows.length === 0) return ctl.close();
        after = String(rows[rows.length - 1]!.id);
        ctl.enqueue(
          enc.encode(
            rows
              .map((s) =>
                csvLine([
                  s.email,
                  s.name,
                  s.status,
                  s.language,
                  iso(s.created_at),
                  iso(s.confirmed_at),
                  iso(s.unsubscribed_at),
                  s.source,
                  s.consent_text_version,
                ]),
              )
              .join(''),
          ),
        );
      },
    });
    return { filename: `${n.slug}-subscribers.csv`, stream };
  }

  // ---------------------------------------------------------------- transactional email (jobs)

  private async loadForMail(payload: Record<string, unknown>, statuses: SubscriberStatus[]) {
    const id = String(payload.subscriberId ?? '');
    const s = await this.repo.findById(id);
    if (!s?.email || !statuses.includes(s.status)) return null;
    const n = await this.d.newsletters.findById(s.newsletter_id);
    return n ? { s, n, lang: s.language ?? n.language } : null;
  }

  async sendConfirmation(payload: Record<string, unknown>): Promise<void> {
    const x = await this.loadForMail(payload, ['pending']);
    if (!x?.s.pending_since) return;
    const { s, n, lang } = x;
    const mail = await (await transactional()).renderConfirmEmail({
      lang,
      newsletterName: n.name,
      confirmUrl: `${this.d.config.publicUrl}/confirm/${this.confirmToken(s)}`,
    });
    const sentAt = s.last_confirmation_sent_at ? new Date(s.last_confirmation_sent_at).getTime() : 0;
    await this.d.mailer.send(
      {
        from: fromHeader(n),
        to: [s.email!],
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        ...(n.reply_to ? { replyTo: [n.reply_to] } : {}),
        tags: [{ name: 'kind', value: 'confirm' }],
      },
      { idempotencyKey: `confirm:${s.id}:${sentAt}` },
    );
  }

  async sendWelcome(payload: Record<string, unknown>): Promise<void> {
    const x = await this.loadForMail(payload, ['active']);
    if (!x) return;
    const { s, n, lang } = x;
    const base = this.d.config.publicUrl;
    const unsub = unsubscribeUrl(base, this.d.secret, String(s.id));
    const mail = await (await transactional()).renderWelcomeEmail({
      lang,
      newsletterName: n.name,
      archiveUrl: `${base}/archive/${n.slug}`,
      unsubscribeUrl: unsub,
      preferencesUrl: preferencesUrl(base, this.d.secret, String(s.id)),
    });
    await this.d.mailer.send(
      {
        from: fromHeader(n),
        to: [s.email!],
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        ...(n.reply_to ? { replyTo: [n.reply_to] } : {}),
        headers: { 'List-Unsubscribe': `<${unsub}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        tags: [{ name: 'kind', value: 'welcome' }],
      },
      { idempotencyKey: `welcome:${s.id}:${s.confirmed_at ? new Date(s.confirmed_at).getTime() : 0}` },
    );
  }

  async sendGoodbye(payload: Record<string, unknown>): Promise<void> {
    const x = await this.loadForMail(payload, ['unsubscribed']);
    if (!x) return;
    const { s, n, lang } = x;
    const mail = await (await transactional()).renderGoodbyeEmail({ lang, newsletterName: n.name, signupUrl: `${this.d.config.publicUrl}/n/${n.slug}` });
    await this.d.mailer.send(
      { from: fromHeader(n), to: [s.email!], subject: mail.subject, html: mail.html, text: mail.text, tags: [{ name: 'kind', value: 'goodbye' }] },
      { idempotencyKey: `goodbye:${s.id}:${s.unsubscribed_at ? new Date(s.unsubscribed_at).getTime() : 0}` },
    );
  }

  jobHandlers(): JobHandlers {
    return {
      'mail.confirm': (p) => this.sendConfirmation(p),
      'mail.welcome': (p) => this.sendWelcome(p),
      'mail.goodbye': (p) => this.sendGoodbye(p),
    };
  }
}

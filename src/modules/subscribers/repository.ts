/** All SQL about subscribers, their consent record, consent texts and erasure tombstones. */
import { sql, type Transaction } from 'kysely';
import { PREPARED, type Db } from '../../db/kysely.ts';
import type { Database, SubscriberEventRow, SubscriberRow, SubscriberStatus, SubscribersTable } from '../../db/schema.ts';
import type { Updateable } from 'kysely';
import { AuditRepository } from '../audit/repository.ts';
import { OutboxRepository } from '../outbox/repository.ts';
import { RATE_LIMIT_SHARDS } from '../rate-limits/repository.ts';

/** How a change came about (the consent record's "how"). */
export type EventSource = 'form' | 'api' | 'import' | 'one-click' | 'link' | 'preferences' | 'admin' | 'webhook' | 'cli' | 'system';

export type EventType =
  | 'signup'
  | 'confirm'
  | 'unsubscribe'
  | 'resubscribe'
  | 'import'
  | 'admin_create'
  | 'admin_edit'
  | 'preferences'
  | 'suppress_bounce'
  | 'suppress_complaint'
  | 'suppress_soft_bounce'
  | 'erase';

export interface NewEvent {
  subscriberId: string;
  newsletterId: number;
  at: Date;
  type: EventType;
  source: EventSource;
  ip?: string | null;
  userAgent?: string | null;
  consentTextVersion?: number | null;
  detail?: Record<string, unknown> | null;
}

/** One parsed CSV row ready for the database. */
export interface ImportRow {
  email: string;
  norm: string;
  name: string | null;
  language: string | null;
  /** HMAC of the normalised address, to match erasure tombstones. */
  hash: string;
}

export type ImportOutcome = 'imported' | 'already_subscribed' | 'pending' | 'unsubscribed' | 'suppressed' | 'erased';

export interface AddressRow {
  subscriber: SubscriberRow;
  newsletterSlug: string;
  newsletterName: string;
}

/** SQL predicate for "may receive an issue": the sending pipeline can use it in INSERT … SELECT. */
export const SENDABLE_STATUS: SubscriberStatus = 'active';

/** Escapes LIKE wildcards so a search for "a_b" means exactly that. */
function likePrefix(s: string): string {
  return s.replace(/[\\%_]/g, (m) => '\\' + m) + '%';
}

export class SubscribersRepository {
  constructor(private readonly db: Db | Transaction<Database>) {}

  /** Runs `fn` in one transaction with repositories bound to it. */
  transaction<T>(fn: (r: { subscribers: SubscribersRepository; outbox: OutboxRepository; audit: AuditRepository }) => Promise<T>): Promise<T> {
    return (this.db as Db).transaction().execute((trx) =>
      fn({ subscribers: new SubscribersRepository(trx), outbox: new OutboxRepository(trx as unknown as Db), audit: new AuditRepository(trx as unknown as Db) }),
    );
  }

  findById(id: string): Promise<SubscriberRow | undefined> {
    if (!/^\d{1,18}$/.test(id)) return Promise.resolve(undefined);
    return this.db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByAddress(newsletterId: number, norm: string): Promise<SubscriberRow | undefined> {
    return this.db.selectFrom('subscribers').selectAll().where('newsletter_id', '=', newsletterId).where('email_normalized', '=', norm).executeTakeFirst();
  }

  /** Every row of this address, in every newsletter (the person's preferences page). */
  async findAllByAddress(norm: string): Promise<AddressRow[]> {
    const rows = await this.db
      .selectFrom('subscribers as s')
      .innerJoin('newsletters as n', 'n.id', 's.newsletter_id')
      .selectAll('s')
      .select(['n.slug as newsletter_slug', 'n.name as newsletter_name'])
      .where('s.email_normalized', '=', norm)
      .orderBy('n.id')
      .execute();
    return rows.map(({ newsletter_slug, newsletter_name, ...s }) => ({ subscriber: s as SubscriberRow, newsletterSlug: newsletter_slug, newsletterName: newsletter_name }));
  }

  /** Inserts a new row; undefined when the address is already in this newsletter. */
  insert(row: {
    newsletterId: number;
    email: string;
    norm: string;
    name: string | null;
    language: string | null;
    status: SubscriberStatus;
    source: string;
    consentTextVersion: number | null;
    now: Date;
    confirmedAt?: Date | null;
  }): Promise<SubscriberRow | undefined> {
    return this.db
      .insertInto('subscribers')
      .values({
        newsletter_id: row.newsletterId,
        email: row.email,
        email_normalized: row.norm,
        name: row.name,
        language: row.language,
        status: row.status,
        source: row.source,
        consent_text_version: row.consentTextVersion,
        pending_since: row.status === 'pending' ? row.now : null,
        confirmed_at: row.confirmedAt ?? null,
        created_at: row.now,
        updated_at: row.now,
      })
      .onConflict((oc) => oc.columns(['newsletter_id', 'email_normalized']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * A public signup in one statement (one round trip, one commit). In order:
   * - rate limits: one hit on the IP's counter (sharded, see RATE_LIMIT_SHARDS), and, only when the
   *   IP is within its limit, one on the address's; over either, nothing else happens;
   * - finds or inserts the address as pending, or moves an unsubscribed one back to pending;
   * - appends the consent event (signup, repeated signup, resubscribe) with the newsletter's current
   *   consent text version, read here;
   * - claims the confirmation email (at most one per `resendIntervalMs` per pending address) and,
   *   when `job` is given (jobs live in this database), inserts its job in the same commit.
   * Active, suppressed and erased rows are left alone and recorded nowhere.
   *
   * The IP limit is exact for requests one after another; concurrent ones each see the others'
   * committed hits only, so a burst may pass a few more than `max` (at most one per request in flight).
   * `raced`: a concurrent signup inserted the address after this statement's snapshot; call again
   * without `limits` (this request's hits are counted).
   */
  async signup(s: {
    newsletterId: number;
    email: string;
    norm: string;
    name: string | null;
    language: string | null;
    source: EventSource;
    ip: string | null;
    userAgent: string | null;
    now: Date;
    resendIntervalMs: number;
    limits: { ipKey: string; ipMax: number; addressKey: string; addressMax: number; windowMs: number } | null;
    job: { kind: string; dedupePrefix: string } | null;
  }): Promise<
    | { kind: 'limited'; which: 'ip' | 'address'; resetAt: Date }
    | { kind: 'raced' }
    | { kind: 'done'; confirmId: string | null; jobInserted: boolean }
  > {
    const resendBefore = new Date(s.now.getTime() - s.resendIntervalMs);
    const l = s.limits;
    const start = l ? new Date(Math.floor(s.now.getTime() / l.windowMs) * l.windowMs) : s.now;
    const limits = l
      ? sql`
      ip_keys AS (SELECT ${l.ipKey}::text || '#' || shard AS key FROM generate_series(0, ${sql.lit(RATE_LIMIT_SHARDS - 1)}) AS shard),
      ip_hit AS (
        INSERT INTO rate_limits (key, window_start, count)
        SELECT key, ${start}::timestamptz, 1 FROM ip_keys ORDER BY random() LIMIT 1
        ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
        RETURNING key, count
      ),
      ip_total AS (
        -- one primary-key probe per shard (the window index would visit every key of the hour)
        SELECT (SELECT count FROM ip_hit) + coalesce((
          SELECT sum((SELECT r.count FROM rate_limits r WHERE r.key = k.key AND r.window_start = ${start}::timestamptz))
          FROM ip_keys k WHERE k.key <> (SELECT key FROM ip_hit)
        ), 0) AS n
      ),
      address_hit AS (
        INSERT INTO rate_limits (key, window_start, count)
        SELECT ${l.addressKey}, ${start}::timestamptz, 1 FROM ip_total WHERE n <= ${l.ipMax}
        ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
        RETURNING count
      ),
      gate AS (
        SELECT (SELECT n FROM ip_total) <= ${l.ipMax} AS ip_ok,
               coalesce((SELECT count FROM address_hit) <= ${l.addressMax}, false) AS address_ok
      ),
      ok AS (SELECT ip_ok AND address_ok AS ok FROM gate),`
      : sql`
      gate AS (SELECT true AS ip_ok, true AS address_ok),
      ok AS (SELECT true AS ok),`;
    const job = s.job
      ? sql`,
      job AS (
        INSERT INTO jobs (kind, payload, dedupe_key, run_at)
        SELECT ${s.job.kind}, jsonb_build_object('subscriberId', id::text), ${s.job.dedupePrefix} || id::text || ':' || ${String(s.now.getTime())}, ${s.now}::timestamptz
        FROM mail
        ON CONFLICT (dedupe_key) WHERE done_at IS NULL AND failed_at IS NULL DO NOTHING
        RETURNING id
      )`
      : sql``;
    const r = await sql<{ ip_ok: boolean; address_ok: boolean; existed: boolean; inserted: boolean; confirm_id: string | null; job_inserted: boolean }>`${sql.raw(PREPARED)}
      WITH ${limits}
      cur AS (
        SELECT id, status FROM subscribers
        WHERE newsletter_id = ${s.newsletterId} AND email_normalized = ${s.norm} AND (SELECT ok FROM ok)
      ),
      consent AS (
        SELECT max(version) AS version FROM consent_texts WHERE newsletter_id = ${s.newsletterId}
      ),
      ins AS (
        INSERT INTO subscribers (newsletter_id, email, email_normalized, name, language, status, source, consent_text_version, pending_since, last_confirmation_sent_at, created_at, updated_at)
        SELECT ${s.newsletterId}, ${s.email}, ${s.norm}, ${s.name}, ${s.language}, 'pending', ${s.source}, consent.version, ${s.now}::timestamptz, ${s.now}::timestamptz, ${s.now}::timestamptz, ${s.now}::timestamptz
        FROM consent, ok WHERE ok.ok AND NOT EXISTS (SELECT 1 FROM cur)
        ON CONFLICT (newsletter_id, email_normalized) DO NOTHING
        RETURNING id
      ),
      resub AS (
        UPDATE subscribers AS s
        SET status = 'pending', pending_since = ${s.now}::timestamptz, consent_text_version = (SELECT version FROM consent),
            name = coalesce(${s.name}::text, s.name), last_confirmation_sent_at = ${s.now}::timestamptz, updated_at = ${s.now}::timestamptz
        WHERE s.id = (SELECT id FROM cur WHERE status = 'unsubscribed') AND s.status = 'unsubscribed'
        RETURNING s.id
      ),
      claim AS (
        UPDATE subscribers AS s SET last_confirmation_sent_at = ${s.now}::timestamptz, updated_at = ${s.now}::timestamptz
        WHERE s.id = (SELECT id FROM cur WHERE status = 'pending') AND s.status = 'pending'
          AND (s.last_confirmation_sent_at IS NULL OR s.last_confirmation_sent_at <= ${resendBefore}::timestamptz)
        RETURNING s.id
      ),
      changed AS (
        SELECT id, 'signup' AS type, NULL::jsonb AS detail FROM ins
        UNION ALL SELECT id, 'signup', '{"repeated":true}'::jsonb FROM cur WHERE status = 'pending'
        UNION ALL SELECT id, 'resubscribe', NULL FROM resub
      ),
      ev AS (
        INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source, ip, user_agent, consent_text_version, detail)
        SELECT id, ${s.newsletterId}, ${s.now}::timestamptz, type, ${s.source}, ${s.ip}, ${s.userAgent}, (SELECT version FROM consent), detail FROM changed
      ),
      mail AS (
        SELECT id FROM ins UNION ALL SELECT id FROM resub UNION ALL SELECT id FROM claim
      )${job}
      SELECT gate.ip_ok, gate.address_ok,
             EXISTS (SELECT 1 FROM cur) AS existed,
             EXISTS (SELECT 1 FROM ins) AS inserted,
             (SELECT id FROM mail LIMIT 1)::text AS confirm_id,
             ${s.job ? sql`EXISTS (SELECT 1 FROM job)` : sql`false`} AS job_inserted
      FROM gate`.execute(this.db);
    const row = r.rows[0]!;
    if (l && Math.random() < 0.002) await this.db.deleteFrom('rate_limits').where('window_start', '<', new Date(s.now.getTime() - 24 * 3600_000)).execute();
    if (!row.ip_ok) return { kind: 'limited', which: 'ip', resetAt: new Date(start.getTime() + l!.windowMs) };
    if (!row.address_ok) return { kind: 'limited', which: 'address', resetAt: new Date(start.getTime() + l!.windowMs) };
    if (!row.existed && !row.inserted) return { kind: 'raced' };
    return { kind: 'done', confirmId: row.confirm_id, jobInserted: row.job_inserted };
  }

  /** Updates a row only if it is (still) in one of `fromStatuses`; undefined otherwise. */
  transition(id: string, fromStatuses: SubscriberStatus[], patch: Updateable<SubscribersTable>, now: Date, extra?: { pendingSince?: Date }): Promise<SubscriberRow | undefined> {
    let q = this.db
      .updateTable('subscribers')
      .set({ ...patch, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', fromStatuses);
    if (extra?.pendingSince) q = q.where(sql<boolean>`floor(extract(epoch from pending_since)) = ${Math.floor(extra.pendingSince.getTime() / 1000)}`);
    return q.returningAll().executeTakeFirst();
  }

  /** A delivery ends a run of soft bounces; writes nothing when there is none (nearly always). */
  async resetSoftBounces(id: string, now: Date): Promise<void> {
    await sql`${sql.raw(PREPARED)} UPDATE subscribers SET soft_bounce_count = 0, updated_at = ${now} WHERE id = ${id} AND soft_bounce_count <> 0`.execute(this.db);
  }

  update(id: string, patch: Updateable<SubscribersTable>, now: Date): Promise<SubscriberRow | undefined> {
    return this.db.updateTable('subscribers').set({ ...patch, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();
  }

  /**
   * Claims the right to send a confirmation email: true at most once per `intervalMs` per row,
   * even under concurrent requests (one conditional UPDATE).
   */
  async claimConfirmationSend(id: string, now: Date, intervalMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('subscribers')
      .set({ last_confirmation_sent_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('last_confirmation_sent_at', 'is', null), eb('last_confirmation_sent_at', '<=', new Date(now.getTime() - intervalMs))]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async addEvents(events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('subscriber_events')
      .values(
        events.map((e) => ({
          subscriber_id: e.subscriberId,
          newsletter_id: e.newsletterId,
          at: e.at,
          type: e.type,
          source: e.source,
          ip: e.ip ?? null,
          user_agent: e.userAgent ?? null,
          consent_text_version: e.consentTextVersion ?? null,
          detail: e.detail ? JSON.stringify(e.detail) : null,
        })),
      )
      .execute();
  }

  events(subscriberIds: string[]): Promise<SubscriberEventRow[]> {
    if (subscriberIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('subscriber_events').selectAll().where('subscriber_id', 'in', subscriberIds).orderBy('id').execute();
  }

  /** A page of a newsletter's subscribers, newest first, keyset-paginated by id. */
  list(o: { newsletterId: number; status?: SubscriberStatus; q?: string; limit: number; beforeId?: string }): Promise<SubscriberRow[]> {
    let q = this.db.selectFrom('subscribers').selectAll().where('newsletter_id', '=', o.newsletterId);
    if (o.status) q = q.where('status', '=', o.status);
    if (o.beforeId) q = q.where('id', '<', o.beforeId);
    if (o.q) {
      const p = likePrefix(o.q.trim().toLowerCase());
      q = q.where((eb) => eb.or([sql<boolean>`email_normalized LIKE ${p} ESCAPE '\\'`, sql<boolean>`lower(name) LIKE ${p} ESCAPE '\\'`]));
    }
    return q.orderBy('id', 'desc').limit(o.limit).execute();
  }

  /** Rows for the CSV export, in id order, after `afterId` (keyset batches keep memory flat). */
  exportBatch(newsletterId: number, afterId: string, limit: number): Promise<SubscriberRow[]> {
    return this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('newsletter_id', '=', newsletterId)
      .where('id', '>', afterId)
      .where('email', 'is not', null)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Of these ids, the ones that may receive an issue now (status active). Call at send time. */
  async sendableIds(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('subscribers').select('id').where('id', 'in', ids).where('status', '=', SENDABLE_STATUS).execute();
    return new Set(rows.map((r) => String(r.id)));
  }

  async countByStatus(newsletterId: number): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('subscribers')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('newsletter_id', '=', newsletterId)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Adds one soft bounce; returns the new count (null when the row does not exist). */
  async incrementSoftBounces(id: string, now: Date): Promise<number | null> {
    const r = await this.db
      .updateTable('subscribers')
      .set((eb) => ({ soft_bounce_count: eb('soft_bounce_count', '+', 1), updated_at: now }))
      .where('id', '=', id)
      .returning('soft_bounce_count')
      .executeTakeFirst();
    return r ? r.soft_bounce_count : null;
  }

  // ---- consent texts ----

  currentConsentText(newsletterId: number): Promise<{ version: number; text: string } | undefined> {
    return this.db
      .selectFrom('consent_texts')
      .select(['version', 'text'])
      .where('newsletter_id', '=', newsletterId)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Adds version 1 unless the newsletter has a consent text already (concurrent first uses create one version, not several). */
  async addFirstConsentText(newsletterId: number, text: string, now: Date): Promise<{ version: number; text: string }> {
    const r = await this.db
      .insertInto('consent_texts')
      .values({ newsletter_id: newsletterId, version: 1, text, created_at: now })
      .onConflict((oc) => oc.columns(['newsletter_id', 'version']).doNothing())
      .returning(['version', 'text'])
      .executeTakeFirst();
    return r ?? (await this.currentConsentText(newsletterId))!;
  }

  /** Adds a version (the next number); concurrent writers retry on the primary key. */
  async addConsentText(newsletterId: number, text: string, now: Date): Promise<{ version: number; text: string }> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.currentConsentText(newsletterId);
      const version = (cur?.version ?? 0) + 1;
      const r = await this.db
        .insertInto('consent_texts')
        .values({ newsletter_id: newsletterId, version, text, created_at: now })
        .onConflict((oc) => oc.columns(['newsletter_id', 'version']).doNothing())
        .returning(['version', 'text'])
        .executeTakeFirst();
      if (r) return r;
      if (attempt > 5) throw new Error('Could not add a consent text version');
    }
  }

  consentTexts(newsletterId: number) {
    return this.db.selectFrom('consent_texts').selectAll().where('newsletter_id', '=', newsletterId).orderBy('version').execute();
  }

  // ---- import ----

  /**
   * Imports one chunk in a single statement: classifies each row against existing subscribers and
   * tombstones, inserts the new ones as active, and writes their `import` events.
   */
  async importChunk(newsletterId: number, rows: ImportRow[], o: { now: Date; consentNote: string; consentTextVersion: number | null }): Promise<Record<ImportOutcome, number>> {
    const out: Record<ImportOutcome, number> = { imported: 0, already_subscribed: 0, pending: 0, unsubscribed: 0, suppressed: 0, erased: 0 };
    if (rows.length === 0) return out;
    const input = JSON.stringify(rows.map((r) => ({ e: r.email, n: r.norm, nm: r.name, l: r.language, h: r.hash })));
    const detail = JSON.stringify({ consentNote: o.consentNote });
    const r = await sql<{ outcome: string; n: string }>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS t(e text, n text, nm text, l text, h text)
      ),
      -- One index probe per row: as a join, the planner (which cannot see how many rows the JSON
      -- holds, nor, mid-import, how many the newsletter has) scanned the newsletter's whole list
      -- for every chunk, so each chunk cost more than the one before.
      classified AS (
        SELECT i.*,
               (SELECT s.status FROM subscribers s WHERE s.newsletter_id = ${newsletterId} AND s.email_normalized = i.n) AS existing,
               EXISTS (SELECT 1 FROM erasure_tombstones t WHERE t.hash = i.h) AS erased
        FROM input i
      ),
      ins AS (
        INSERT INTO subscribers (newsletter_id, email, email_normalized, name, language, status, source, consent_text_version, confirmed_at, created_at, updated_at)
        SELECT ${newsletterId}, e, n, nm, l, 'active', 'import', ${o.consentTextVersion}::integer, ${o.now}::timestamptz, ${o.now}::timestamptz, ${o.now}::timestamptz
        FROM classified WHERE existing IS NULL AND NOT erased
        ON CONFLICT (newsletter_id, email_normalized) DO NOTHING
        RETURNING id, email_normalized
      ),
      ev AS (
        INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source, consent_text_version, detail)
        SELECT id, ${newsletterId}, ${o.now}::timestamptz, 'import', 'import', ${o.consentTextVersion}::integer, ${detail}::jsonb FROM ins
      )
      SELECT CASE
               WHEN ins.id IS NOT NULL THEN 'imported'
               WHEN c.erased THEN 'erased'
               WHEN c.existing = 'active' OR c.existing IS NULL THEN 'already_subscribed'
               ELSE c.existing
             END AS outcome,
             count(*) AS n
      FROM classified c LEFT JOIN ins ON ins.email_normalized = c.n
      GROUP BY 1`.execute(this.db);
    for (const row of r.rows) {
      const k = (row.outcome in out ? row.outcome : 'already_subscribed') as ImportOutcome;
      out[k] += Number(row.n);
    }
    return out;
  }

  // ---- erasure ----

  async isTombstoned(hash: string): Promise<boolean> {
    const r = await this.db.selectFrom('erasure_tombstones').select('hash').where('hash', '=', hash).executeTakeFirst();
    return !!r;
  }

  /**
   * Erasure (call inside `transaction`): every row of the address loses its personal columns and
   * becomes `erased`; their events lose ip, user agent and detail (the one UPDATE the append-only
   * trigger allows, enabled for this transaction only); a tombstone remembers the address's hash.
   * Anonymous facts stay: newsletter, dates, event types and sources, for statistics.
   */
  async eraseAddress(norm: string, hash: string, now: Date): Promise<SubscriberRow[]> {
    await sql`SELECT set_config('quire.erasure', 'on', true)`.execute(this.db);
    const rows = await this.db
      .updateTable('subscribers')
      .set({ email: null, email_normalized: null, name: null, language: null, status: 'erased', suppression_reason: null, updated_at: now })
      .where('email_normalized', '=', norm)
      .returningAll()
      .execute();
    const ids = rows.map((r) => String(r.id));
    if (ids.length) {
      await this.db
        .updateTable('subscriber_events')
        .set({ ip: null, user_agent: null, detail: null })
        .where('subscriber_id', 'in', ids)
        .where((eb) => eb.or([eb('ip', 'is not', null), eb('user_agent', 'is not', null), eb('detail', 'is not', null)]))
        .execute();
    }
    await sql`SELECT set_config('quire.erasure', 'off', true)`.execute(this.db);
    if (ids.length) {
      // The delivery ledger keeps the address as it was at fan-out: blank it, keep the anonymous row
      // (issue statistics still count it).
      await this.db.updateTable('deliveries').set({ email: '', name: null }).where('subscriber_id', 'in', ids).execute();
      // Provider events about those emails carry the address in their raw payload.
      await this.db
        .updateTable('webhook_events')
        .set({ payload: JSON.stringify({ erased: true }) })
        .where('email_id', 'in', (eb) => eb.selectFrom('deliveries').select('provider_message_id').where('subscriber_id', 'in', ids).where('provider_message_id', 'is not', null))
        .execute();
    }
    await this.db.insertInto('erasure_tombstones').values({ hash, newsletter_id: null, erased_at: now }).onConflict((oc) => oc.column('hash').doNothing()).execute();
    return rows;
  }

  /** Erases a row that has no address any more (already erased): only scrubs its events. */
  async scrubEvents(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await sql`SELECT set_config('quire.erasure', 'on', true)`.execute(this.db);
    await this.db.updateTable('subscriber_events').set({ ip: null, user_agent: null, detail: null }).where('subscriber_id', 'in', ids).execute();
    await sql`SELECT set_config('quire.erasure', 'off', true)`.execute(this.db);
  }
}

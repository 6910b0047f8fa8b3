/**
 * All SQL about subscribers, their consent record, consent texts and erasure tombstones. The two
 * long statements have files of their own (signup-statement.ts, import-statement.ts); the rest
 * stays together because the service's transactions bind one repository (`transaction`).
 */
import { type RawBuilder, sql, type Transaction } from 'kysely';
import { PREPARED, type Db } from '../../db/kysely.ts';
import type { Database, SubscriberEventRow, SubscriberRow, SubscriberStatus, SubscribersTable } from '../../db/schema.ts';
import type { Updateable } from 'kysely';
import { AuditRepository } from '../audit/repository.ts';
import { OutboxRepository } from '../outbox/repository.ts';
import { Coalescer } from '../../lib/coalescer.ts';
import { type ImportStatementRow, importStatement } from './import-statement.ts';
import { type SignupRequest, type SignupResult, signupStatement } from './signup-statement.ts';
export type { SignupRequest, SignupResult } from './signup-statement.ts';
export type { AddressRow, EventSource, EventType, ImportOutcome, ImportRow, NewEvent } from './model.ts';
import type { AddressRow, ImportOutcome, ImportRow, NewEvent } from './model.ts';

/**
 * Signup statements one process runs at once; signups arriving meanwhile are grouped. One: under a
 * burst of 16 concurrent clients it measured 1 000–1 100 signups/s (p99 33 ms) against 830–880
 * with two in flight (smaller groups) and about 550 without grouping (2026-11-30, with one
 * database function call per signup; the group is set-based since).
 */
export const SIGNUP_STATEMENTS_IN_FLIGHT = 1;
/** Most signups in one statement. */
const SIGNUP_GROUP_MAX = 64;

/** PostgreSQL regular expressions for smtpCodeOf (src/lib/redact.ts): an enhanced status code, else a reply code. */
const SMTP_ENHANCED = '\\y[245]\\.[0-9]{1,3}\\.[0-9]{1,3}\\y';
const SMTP_REPLY = '\\y[245][0-9]{2}\\y';

/** SQL predicate for "may receive an issue": the sending pipeline can use it in INSERT … SELECT. */
export const SENDABLE_STATUS: SubscriberStatus = 'active';

/** Escapes LIKE wildcards so a search for "a_b" means exactly that. */
function likePrefix(s: string): string {
  return `${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/** What a list (or a bulk change) is narrowed to, besides the newsletter: all of them must hold. */
export interface SubscriberFilter {
  status?: SubscriberStatus | undefined;
  q?: string | undefined;
  /** Has this tag. */
  tag?: string | undefined;
  /** Attribute key → value (compared as text: `attributes->>key`). */
  attributes?: Record<string, string> | undefined;
}

function filterSql(f: SubscriberFilter): RawBuilder<boolean>[] {
  const out: RawBuilder<boolean>[] = [];
  if (f.status) out.push(sql<boolean>`status = ${f.status}`);
  if (f.q?.trim()) {
    const p = likePrefix(f.q.trim().toLowerCase());
    out.push(sql<boolean>`(email_normalized LIKE ${p} ESCAPE '\\' OR lower(name) LIKE ${p} ESCAPE '\\')`);
  }
  // `@>` with a one-element array: the GIN index on tags answers it.
  if (f.tag) out.push(sql<boolean>`tags @> ARRAY[${f.tag}::text]`);
  for (const [k, v] of Object.entries(f.attributes ?? {})) out.push(sql<boolean>`attributes ->> ${k}::text = ${v}::text`);
  return out;
}

export class SubscribersRepository {
  constructor(private readonly db: Db | Transaction<Database>) {}

  /** Runs `fn` in one transaction with repositories bound to it. */
  transaction<T>(fn: (r: { subscribers: SubscribersRepository; outbox: OutboxRepository; audit: AuditRepository }) => Promise<T>): Promise<T> {
    return (this.db as Db).transaction().execute((trx) =>
      fn({
        subscribers: new SubscribersRepository(trx),
        outbox: new OutboxRepository(trx),
        audit: new AuditRepository(trx),
      }),
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
    return rows.map(({ newsletter_slug, newsletter_name, ...s }) => ({
      subscriber: s as SubscriberRow,
      newsletterSlug: newsletter_slug,
      newsletterName: newsletter_name,
    }));
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
   * A public signup, all in one statement and one transaction:
   * - rate limits (when `limits` is given): one hit on the IP's counter shard (the IP's total is the
   *   sum of its RATE_LIMIT_SHARDS shards) and, only when the IP is within its limit, one hit on the
   *   address's counter; over either limit, nothing else happens;
   * - finds or inserts the address as pending, or moves an unsubscribed one back to pending;
   * - appends the consent event (signup, repeated signup, resubscribe) with the newsletter's
   *   current consent text version;
   * - claims the confirmation email (at most one per address per `resendIntervalMs`) and, when `job`
   *   is given, inserts its job.
   * Active, suppressed and erased rows are left alone and recorded nowhere.
   *
   * Concurrent signups of this process are grouped: at most SIGNUP_STATEMENTS_IN_FLIGHT statements
   * run at once, and signups that arrive meanwhile leave together in the next one (one round trip,
   * one commit and one firing of each statement trigger for the group). The statement handles the
   * group set-based but as if its signups came one after another in arrival order: the k-th signup
   * of an IP in a group sees the k hits before it, and a group never holds one address of one
   * newsletter twice. Alone, a signup leaves at once.
   *
   * The IP limit is exact for requests of one process; concurrent ones of two processes each see the
   * other's committed hits only, so a burst may pass a few more than `max`.
   * `raced`: a concurrent signup inserted the address after this statement's snapshot; call again
   * without `limits` (this request's hits are counted).
   */
  signup(s: SignupRequest): Promise<SignupResult> {
    // In a transaction the caller's connection is the one to use: no grouping.
    if (this.db.isTransaction) return signupStatement(this.db, [s]).then((r) => r[0]!);
    return this.signups.submit(s);
  }

  private readonly signups = new Coalescer<SignupRequest, SignupResult>((batch) => this.signupGroup(batch), {
    maxBatch: SIGNUP_GROUP_MAX,
    maxInFlight: SIGNUP_STATEMENTS_IN_FLIGHT,
    key: (s) => `${s.newsletterId}:${s.norm}`,
  });

  /** A group's statement; if it fails, each signup is tried alone, so one bad signup fails alone. */
  private async signupGroup(batch: SignupRequest[]): Promise<(SignupResult | Error)[]> {
    try {
      return await signupStatement(this.db, batch);
    } catch (e) {
      if (batch.length === 1) throw e;
      return Promise.all(
        batch.map((s) =>
          signupStatement(this.db, [s]).then(
            (r) => r[0]!,
            (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
          ),
        ),
      );
    }
  }

  /** Updates a row only if it is (still) in one of `fromStatuses`; undefined otherwise. */
  transition(
    id: string,
    fromStatuses: SubscriberStatus[],
    patch: Updateable<SubscribersTable>,
    now: Date,
    extra?: { pendingSince?: Date },
  ): Promise<SubscriberRow | undefined> {
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
    await sql`${sql.raw(PREPARED)} UPDATE subscribers SET soft_bounce_count = 0, updated_at = ${now} WHERE id = ${id} AND soft_bounce_count <> 0`.execute(
      this.db,
    );
  }

  update(id: string, patch: Updateable<SubscribersTable>, now: Date): Promise<SubscriberRow | undefined> {
    return this.db
      .updateTable('subscribers')
      .set({ ...patch, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
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
  /** With `afterId`, the rows just newer than it, oldest first (the page before, read upwards). */
  list(o: SubscriberFilter & { newsletterId: number; limit: number; beforeId?: string; afterId?: string }): Promise<SubscriberRow[]> {
    let q = this.db.selectFrom('subscribers').selectAll().where('newsletter_id', '=', o.newsletterId);
    for (const p of filterSql(o)) q = q.where(p);
    if (o.beforeId) q = q.where('id', '<', o.beforeId);
    if (o.afterId) q = q.where('id', '>', o.afterId);
    return q
      .orderBy('id', o.afterId ? 'asc' : 'desc')
      .limit(o.limit)
      .execute();
  }

  /**
   * Adds and removes tags on many subscribers in one statement: the ones named by `ids`, or every
   * one the filter matches (erased rows never). Each tag once, in the order first given; rows that
   * would not change are not written. Returns how many changed.
   */
  async changeTags(
    newsletterId: number,
    target: { ids: string[] } | { filter: SubscriberFilter },
    add: string[],
    remove: string[],
    now: Date,
  ): Promise<number> {
    const addJson = JSON.stringify(add);
    const removeJson = JSON.stringify(remove);
    const addArr = sql`ARRAY(SELECT jsonb_array_elements_text(${addJson}::jsonb))`;
    const removeArr = sql`ARRAY(SELECT jsonb_array_elements_text(${removeJson}::jsonb))`;
    let q = this.db
      .updateTable('subscribers')
      .set({
        tags: sql`ARRAY(SELECT x FROM unnest(tags || ${addArr}) WITH ORDINALITY AS u(x, o) WHERE NOT (x = ANY(${removeArr})) GROUP BY x ORDER BY min(o))`,
        updated_at: now,
      })
      .where('newsletter_id', '=', newsletterId)
      .where('status', '<>', 'erased')
      .where(sql<boolean>`(NOT (tags @> ${addArr}) OR tags && ${removeArr})`);
    if ('ids' in target) {
      const ids = target.ids.filter((i) => /^\d{1,18}$/.test(i));
      if (ids.length === 0) return 0;
      q = q.where('id', 'in', ids);
    } else for (const p of filterSql(target.filter)) q = q.where(p);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Sets one subscriber's attributes and tags (whole values, already checked). */
  setProfile(id: string, v: { attributes: Record<string, unknown>; tags: string[] }, now: Date): Promise<SubscriberRow | undefined> {
    return this.db
      .updateTable('subscribers')
      .set({
        attributes: sql`${JSON.stringify(v.attributes)}::jsonb`,
        tags: sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(v.tags)}::jsonb))`,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('status', '<>', 'erased')
      .returningAll()
      .executeTakeFirst();
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
  async importChunk(
    newsletterId: number,
    rows: ImportRow[],
    o: { now: Date; consentNote: string; consentTextVersion: number | null },
  ): Promise<Record<ImportOutcome, number>> {
    const out: Record<ImportOutcome, number> = { imported: 0, already_subscribed: 0, pending: 0, unsubscribed: 0, suppressed: 0, erased: 0 };
    if (rows.length === 0) return out;
    // The statement has already looked every address up, so its INSERT skips ON CONFLICT: a
    // speculative insertion probes the unique index a second time and writes a second WAL record
    // per row (about 12 % of the chunk's database time). An address that a concurrent signup or
    // import inserted after the lookup fails the whole statement with a unique violation, which
    // changes nothing; the chunk then runs again with ON CONFLICT, where such a row counts as
    // already there. Inside a transaction a failed statement would abort it: ON CONFLICT at once.
    let r: ImportStatementRow[];
    try {
      r = await importStatement(this.db, newsletterId, rows, o, !!this.db.isTransaction);
    } catch (e) {
      if ((e as { code?: unknown } | null)?.code !== '23505') throw e;
      r = await importStatement(this.db, newsletterId, rows, o, true);
    }
    for (const row of r) {
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
      .set({
        email: null,
        email_normalized: null,
        name: null,
        language: null,
        status: 'erased',
        suppression_reason: null,
        attributes: sql`'{}'::jsonb`,
        tags: sql`'{}'::text[]`,
        updated_at: now,
      })
      .where('email_normalized', '=', norm)
      .returningAll()
      .execute();
    const ids = rows.map((r) => String(r.id));
    // Admins' notes may quote the person: they go with the address.
    if (ids.length) await this.db.deleteFrom('subscriber_notes').where('subscriber_id', 'in', ids).execute();
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
      // (issue statistics still count it). Provider texts may quote the person: only their SMTP
      // code stays ("5.2.2", else "550"; smtpCodeOf in src/lib/redact.ts says the same).
      const code = (col: 'bounce_detail' | 'failure_detail' | 'error') =>
        sql<string | null>`coalesce(substring(${sql.ref(col)} from ${SMTP_ENHANCED}::text), substring(${sql.ref(col)} from ${SMTP_REPLY}::text))`;
      await this.db
        .updateTable('deliveries')
        .set({ email: '', name: null, bounce_detail: code('bounce_detail'), failure_detail: code('failure_detail'), error: code('error') })
        .where('subscriber_id', 'in', ids)
        .execute();
      // Which topics they chose (migration 0026) says something about the person: it goes.
      await this.db.deleteFrom('subscriber_topics').where('subscriber_id', 'in', ids).execute();
      // Provider events about those emails carry the address in their raw payload.
      await this.db
        .updateTable('webhook_events')
        .set({ payload: JSON.stringify({ erased: true }) })
        .where('email_id', 'in', (eb) =>
          eb.selectFrom('deliveries').select('provider_message_id').where('subscriber_id', 'in', ids).where('provider_message_id', 'is not', null),
        )
        .execute();
    }
    await this.db
      .insertInto('erasure_tombstones')
      .values({ hash, newsletter_id: null, erased_at: now })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
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

/**
 * The list as admins manage it: browse and search, add one person, the consent record of a
 * subscriber, everything held about a person, erasure, CSV import (streamed, chunked) and export.
 * The consent lifecycle itself (signup, confirm, unsubscribe, preferences) is SubscribersService.
 */
import { z } from 'zod';
import type { SubscriberEventRow, SubscriberRow, SubscriberStatus } from '../../db/schema.ts';
import { type Message, msg } from '../../i18n/index.ts';
import { formatLocal } from '../../lib/zoned-time.ts';
import { CURSOR_ID, decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { issueMessage, parseAddress, parseOrThrow, personNameSchema, subscriberEmailSchema } from '../../lib/validation.ts';
import type { AuthUser } from '../users/service.ts';
import { FIELD_KEY } from '../../lib/csv-columns.ts';
import { csvLine, readSubscriberCsv, type CsvRow } from './csv.ts';
import { checkValue, cleanTag, MAX_TAG_LENGTH, MAX_TAGS, MAX_TEXT_VALUE, type SubscriberField } from './fields.ts';
import type { ImportMapping, SubscriberFieldsService } from './fields-service.ts';
import type { ImportOutcome } from './model.ts';
import type { SubscriberFilter } from './repository.ts';
import type { ImportRecord, SubscriberImportsRepository } from './imports-repository.ts';
import { languageTag, type RequestMeta, type SubscribersService, type SubscribersServiceDeps } from './service.ts';

export const IMPORT_MAX_BYTES = 200 * 1024 * 1024;
export const IMPORT_CHUNK_ROWS = 1_000;
/**
 * Chunk statements an import runs at once. Three, not two: with two, the reader waited whenever
 * both were running and its core idled; with three it parses the next chunk meanwhile. 100 000 rows
 * on 2 cores: 4.2–5.0 s against 5.0–5.2 s (runs alternated, 2026-12-01).
 */
export const IMPORT_CHUNKS_IN_FLIGHT = 3;

export const adminCreateSchema = z.object({
  email: subscriberEmailSchema,
  name: personNameSchema.nullish(),
  language: languageTag.nullish(),
  status: z.enum(['active', 'pending']).default('active'),
  consentNote: z.string().trim().min(1, { message: 'validation.consentNote' }).max(2_000),
});

/** Every status a subscriber can have, in the order the admin lists them. */
export const SUBSCRIBER_STATUS_LIST = ['active', 'pending', 'unsubscribed', 'suppressed', 'erased'] as const satisfies readonly SubscriberStatus[];

const listQuerySchema = z.object({
  status: z.enum(SUBSCRIBER_STATUS_LIST).optional(),
  q: z.string().max(254).optional(),
  tag: z.string().max(MAX_TAG_LENGTH).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** A filter as the API takes it (bulk changes): status, search, tag and attribute values. */
const filterSchema = z.object({
  status: z.enum(SUBSCRIBER_STATUS_LIST).optional(),
  q: z.string().max(254).optional(),
  tag: z.string().max(MAX_TAG_LENGTH).optional(),
  attributes: z.record(z.string().regex(FIELD_KEY, { message: 'fields.badKey' }), z.string().max(MAX_TEXT_VALUE)).optional(),
});

const tagListSchema = z.array(z.string().max(MAX_TAG_LENGTH * 2)).max(MAX_TAGS);

export const bulkTagsSchema = z
  .object({
    add: tagListSchema.default([]),
    remove: tagListSchema.default([]),
    ids: z
      .array(z.union([z.string(), z.number()]).transform(String))
      .min(1)
      .max(10_000)
      .optional(),
    filter: filterSchema.optional(),
  })
  .refine((b) => b.add.length + b.remove.length > 0, { message: 'fields.bulkNothing', path: ['add'] })
  .refine((b) => !!b.ids !== !!b.filter, { message: 'fields.bulkTarget', path: ['ids'] });

export const profileSchema = z.object({
  attributes: z.record(z.string().max(40), z.union([z.string(), z.number(), z.null()])).optional(),
  tags: tagListSchema.optional(),
});

/** `attr.country=CN` query parameters as a validated attribute filter (keys the newsletter defines). */
function attributeFilter(query: Record<string, string | undefined>, fields: SubscriberField[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    if (!k.startsWith('attr.') || v === undefined) continue;
    const key = k.slice(5);
    if (!fields.some((f) => f.key === key)) throw AppError.validation([{ field: k.slice(0, 60), said: msg('fields.unknownKey', { key: key.slice(0, 40) }) }]);
    if (v.length > MAX_TEXT_VALUE) throw AppError.validation([{ field: k, said: msg('fields.tooLong', { field: key, max: MAX_TEXT_VALUE }) }]);
    out[key] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Tags as given by a person: each cleaned, each once; a bad one is a 422 naming it. */
function cleanTags(list: string[], field: string): string[] {
  const out: string[] = [];
  for (const raw of list) {
    const t = cleanTag(raw);
    if (!t) throw AppError.validation([{ field, said: msg('fields.badTag', { tag: raw.slice(0, 40) }) }]);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

const consentNoteSchema = z.string().trim().min(1, { message: 'validation.consentNoteImport' }).max(2_000);

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
    attributes: (r.attributes ?? {}) as unknown as Record<string, string | number>,
    tags: r.tags ?? [],
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

const attributeCell = (a: Record<string, unknown>, key: string): string | number | null => {
  const v = a[key];
  return typeof v === 'string' || typeof v === 'number' ? v : v === undefined || v === null ? null : JSON.stringify(v);
};

/** An import as people see it: `stopped` when a running one stopped moving (its process died). */
export type ImportView = Omit<ImportRecord, 'state'> & { state: ImportRecord['state'] | 'stopped' };

/** A running import that has not recorded progress for this long was killed. */
export const IMPORT_STALE_MS = 2 * 60_000;

export class SubscriberListService {
  constructor(
    private readonly d: SubscribersServiceDeps,
    private readonly lifecycle: SubscribersService,
    private readonly imports: SubscriberImportsRepository,
    private readonly fields: SubscriberFieldsService,
  ) {}

  private get repo() {
    return this.d.repo;
  }
  private now() {
    return this.d.clock.now();
  }

  /**
   * A page of the list, newest first. `cursor` is opaque: a `nextCursor` leads to older rows, a
   * `prevCursor` back to newer ones (keyset on id both ways). A cursor that is not one of ours is a 400.
   */
  async list(slug: string, query: Record<string, string | undefined>) {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const q = parseOrThrow(listQuerySchema, query);
    // A cursor is either the next page's ({id}: older than it) or the previous page's ({after}).
    let before: string | undefined;
    let after: string | undefined;
    if (q.cursor) {
      try {
        before = decodeCursor(q.cursor, { id: CURSOR_ID }).id;
      } catch {
        after = decodeCursor(q.cursor, { after: CURSOR_ID }).after;
      }
    }
    const attributes = Object.keys(query).some((k) => k.startsWith('attr.')) ? attributeFilter(query, await this.fields.listFor(n.id)) : undefined;
    const rows = await this.repo.list({
      newsletterId: n.id,
      limit: q.limit + 1,
      ...(q.status ? { status: q.status } : {}),
      ...(q.q?.trim() ? { q: q.q } : {}),
      ...(q.tag?.trim() ? { tag: q.tag.trim() } : {}),
      ...(attributes ? { attributes } : {}),
      ...(before ? { beforeId: before } : {}),
      ...(after && !before ? { afterId: after } : {}),
    });
    const more = rows.length > q.limit;
    // Going back (after), the repository reads upwards from the cursor; the page still shows newest first.
    const page = after && !before ? rows.slice(0, q.limit).reverse() : rows.slice(0, q.limit);
    const first = page[0];
    const last = page[page.length - 1];
    const hasOlder = after && !before ? page.length > 0 : more;
    const hasNewer = after && !before ? more : !!before && page.length > 0;
    return {
      items: page.map((r) => toSubscriber(r, n.slug)),
      nextCursor: hasOlder && last ? encodeCursor({ id: String(last.id) }) : null,
      prevCursor: hasNewer && first ? encodeCursor({ after: String(first.id) }) : null,
    };
  }

  /** How many subscribers the newsletter has, in all and by status (every status, zero when none). */
  async counts(slug: string): Promise<{ total: number; byStatus: Record<SubscriberStatus, number> }> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const got = await this.repo.countByStatus(n.id);
    const byStatus = Object.fromEntries(SUBSCRIBER_STATUS_LIST.map((st) => [st, got[st] ?? 0])) as Record<SubscriberStatus, number>;
    return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
  }

  async create(slug: string, input: unknown, actor: AuthUser, meta: RequestMeta) {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const v = parseOrThrow(adminCreateSchema, input);
    const addr = parseAddress(v.email)!;
    if (v.status === 'active' && (await this.repo.isTombstoned(this.lifecycle.addressHash(addr.normalized)))) {
      throw new AppError('conflict', msg('subscriber.erased'));
    }
    const now = this.now();
    const consent = await this.lifecycle.consentText(n);
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
    if (v.status === 'pending') await this.lifecycle.queueConfirmation(id, now);
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

  /**
   * Sets a subscriber's attributes (merged: a key given `null` or "" is removed) and tags (the whole
   * list, when given), each value checked against its field; recorded as an `admin_edit` event.
   */
  async setProfile(id: string, input: unknown, actor: AuthUser, meta: RequestMeta) {
    const s = await this.rowOr404(id);
    if (s.status === 'erased') throw new AppError('invalid_state', msg('fields.erased'));
    const v = parseOrThrow(profileSchema, input);
    const fields = await this.fields.listFor(s.newsletter_id);
    const attributes: Record<string, unknown> = { ...((s.attributes ?? {}) as Record<string, unknown>) };
    const changed: string[] = [];
    for (const [key, raw] of Object.entries(v.attributes ?? {})) {
      const f = fields.find((x) => x.key === key);
      if (!f) throw AppError.validation([{ field: `attributes.${key}`, said: msg('fields.unknownKey', { key }) }]);
      changed.push(key);
      if (raw === null || (typeof raw === 'string' && !raw.trim())) {
        delete attributes[key];
        continue;
      }
      const c = checkValue(f, raw);
      if (!c.ok) throw AppError.validation([{ field: `attributes.${key}`, said: c.said }]);
      attributes[key] = c.value;
    }
    const tags = v.tags ? cleanTags(v.tags, 'tags') : (s.tags ?? []);
    const now = this.now();
    const row = await this.repo.setProfile(String(s.id), { attributes, tags }, now);
    if (!row) throw new AppError('invalid_state', msg('fields.erased'));
    await this.repo.addEvents([
      {
        subscriberId: String(s.id),
        newsletterId: s.newsletter_id,
        at: now,
        type: 'admin_edit',
        source: 'admin',
        ip: meta.ip,
        userAgent: meta.userAgent,
        detail: { by: actor.email, fields: changed, ...(v.tags ? { tags } : {}) },
      },
    ]);
    return this.get(String(s.id));
  }

  /**
   * Adds and removes tags on many subscribers at once (ids, or a filter), in one statement, with
   * one audit entry. Answers how many subscribers changed.
   */
  async bulkTags(slug: string, input: unknown, actor: AuthUser): Promise<{ updated: number; add: string[]; remove: string[] }> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const v = parseOrThrow(bulkTagsSchema, input);
    const add = cleanTags(v.add, 'add');
    const remove = cleanTags(v.remove, 'remove');
    let target: { ids: string[] } | { filter: SubscriberFilter };
    if (v.ids) target = { ids: v.ids };
    else {
      const f = v.filter!;
      if (f.attributes) {
        const fields = await this.fields.listFor(n.id);
        for (const k of Object.keys(f.attributes))
          if (!fields.some((x) => x.key === k)) throw AppError.validation([{ field: `filter.attributes.${k}`, said: msg('fields.unknownKey', { key: k }) }]);
      }
      target = { filter: { status: f.status, q: f.q, tag: f.tag?.trim() || undefined, attributes: f.attributes } };
    }
    const updated = await this.repo.changeTags(n.id, target, add, remove, this.now());
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscribers.tags',
      target: n.slug,
      detail: { add, remove, updated, ...('ids' in target ? { ids: target.ids.length } : { filter: target.filter }) },
    });
    return { updated, add, remove };
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
      const rows = await t.subscribers.eraseAddress(norm, this.lifecycle.addressHash(norm), now);
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

  /**
   * Imports a CSV, recorded as a job (subscriber_imports: file, progress after each chunk, end) and
   * in the audit log at its start, so an import killed mid-way is seen as stopped at its last count
   * (see `importHistory`). `onProgress` (optional) hears rows read and imported so far after each
   * chunk (the admin import's live progress).
   */
  async import(
    slug: string,
    body: ReadableStream<Uint8Array> | null,
    consentNoteInput: unknown,
    actor: AuthUser,
    onProgress?: (p: { rows: number; imported: number }) => void | Promise<void>,
    file: { name?: string | undefined; expectedRows?: number | undefined } = {},
    how: { mapping?: ImportMapping | null | undefined; saveMapping?: boolean } = {},
  ) {
    const n = await this.lifecycle.newsletterBySlug(slug);
    let fields = await this.fields.listFor(n.id);
    const fieldsCreated: string[] = [];
    const r = consentNoteSchema.safeParse(consentNoteInput ?? '');
    if (!r.success) throw AppError.validation([{ field: 'consentNote', said: issueMessage(r.error.issues[0]!) }]);
    const consentNote = r.data;
    if (!body) throw new AppError('validation_failed', msg('csv.noBody'), { fields: [{ field: '(body)', message: 'is empty' }] });
    const consent = await this.lifecycle.consentText(n);
    const now = this.now();
    const fileName = file.name?.trim().slice(0, 200) || null;
    const jobId = await this.imports.start({ newsletterId: n.id, fileName, startedBy: actor.email, rowsExpected: file.expectedRows ?? null, now });
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscribers.import.start',
      target: n.slug,
      detail: { import: jobId, file: fileName },
    });
    let rowsDone = 0;
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
        rows.map((x) => ({
          email: x.email,
          norm: x.normalized,
          name: x.name,
          language: x.language,
          attributes: x.attributes,
          tags: x.tags,
          hash: this.lifecycle.addressHash(x.normalized),
        })),
        { now, consentNote, consentTextVersion: consent.version },
      );
      for (const k of Object.keys(counts) as ImportOutcome[]) counts[k] += got[k];
      rowsDone += rows.length;
      await this.imports.progress(jobId, rowsDone, counts.imported, this.now());
    };
    const recordFailure = (e: unknown) =>
      this.imports.finish(jobId, {
        state: 'failed',
        rowsRead: rowsDone,
        imported: counts.imported,
        error: e instanceof Error ? e.message : String(e),
        now: this.now(),
      });
    let read: Awaited<ReturnType<typeof readSubscriberCsv>>;
    try {
      read = await readSubscriberCsv(body, {
        maxBytes: IMPORT_MAX_BYTES,
        chunkSize: IMPORT_CHUNK_ROWS,
        mapping: how.mapping ?? null,
        fields,
        // Columns mapped to a key nobody defined yet become text fields (labelled with their header).
        onHeader: async (plan) => {
          const missing = plan.attributes.filter((a) => !a.field);
          if (!missing.length) return;
          const before = new Set(fields.map((f) => f.key));
          fields = await this.fields.defineMissing(n, missing);
          for (const f of fields) if (!before.has(f.key)) fieldsCreated.push(f.key);
        },
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
    } catch (e) {
      await Promise.all(inFlight); // never leave a statement running past the request
      await recordFailure(e);
      throw e;
    }
    await Promise.all(inFlight);
    if (state.failure) await recordFailure(state.failure.error);
    rethrow();
    await this.imports.finish(jobId, { state: 'done', rowsRead: read.total, imported: counts.imported, now: this.now() });
    if (how.saveMapping && how.mapping) await this.fields.saveMapping(n.id, how.mapping);
    const { imported, ...rest } = counts;
    const result = {
      imported,
      skipped: { duplicate: read.duplicates, ...rest },
      errors: read.errors,
      errorCount: read.errorCount,
      notes: read.notes,
      noteCount: read.noteCount,
      total: read.total,
      fieldsCreated,
    };
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscribers.import',
      target: n.slug,
      detail: { consentNote, imported, skipped: result.skipped, errorCount: read.errorCount, noteCount: read.noteCount, total: read.total },
    });
    return result;
  }

  /**
   * The newsletter's recent imports, newest first. One still `running` whose progress has not moved
   * for IMPORT_STALE_MS was killed (its process died; an import in progress records every chunk of
   * 1 000 rows within seconds): it is `stopped`, at its last count.
   */
  async importHistory(slug: string, limit = 10): Promise<ImportView[]> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const now = this.now().getTime();
    return (await this.imports.recent(n.id, limit)).map((r) => ({
      ...r,
      state: r.state === 'running' && now - r.updatedAt.getTime() > IMPORT_STALE_MS ? 'stopped' : r.state,
    }));
  }

  /**
   * The latest import that stopped, or failed part-way, with no finished import after it: what the
   * admin is asked to run again, as a message (`timeZone` for its time). An import refused before
   * its first row (no email column, too large) said so at once and is not repeated here.
   */
  async unfinishedImport(slug: string, timeZone: string): Promise<Message | null> {
    const history = await this.importHistory(slug, 20);
    for (const r of history) {
      if (r.state === 'done') return null;
      if (r.state === 'stopped' || (r.state === 'failed' && r.rowsRead > 0)) {
        const params = {
          file: r.fileName ?? msg('import.unnamedFile'),
          rows: r.rowsRead,
          imported: r.imported,
          expected: r.rowsExpected ?? 0,
          at: `${formatLocal(r.updatedAt, timeZone).replace('T', ' ')} ${timeZone}`,
        };
        if (r.state === 'failed') return msg('import.failedAfter', params);
        return msg(r.rowsExpected && r.rowsExpected > r.rowsRead ? 'import.stoppedOf' : 'import.stoppedAfter', params);
      }
    }
    return null;
  }

  /** The newsletter's list as CSV, streamed in keyset batches (erased rows have nothing to export). */
  async exportCsv(slug: string, actor: AuthUser): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const fields = await this.fields.listFor(n.id);
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
              `\uFEFF${csvLine([
                'email',
                'name',
                'status',
                'language',
                'subscribed_at',
                'confirmed_at',
                'unsubscribed_at',
                'source',
                'consent_text_version',
                'tags',
                ...fields.map((f) => f.key),
              ])}`,
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
                  (s.tags ?? []).join(';'),
                  ...fields.map((f) => attributeCell((s.attributes ?? {}) as Record<string, unknown>, f.key)),
                ]),
              )
              .join(''),
          ),
        );
      },
    });
    return { filename: `${n.slug}-subscribers.csv`, stream };
  }
}

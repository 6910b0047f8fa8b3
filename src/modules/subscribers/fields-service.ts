/**
 * The fields a newsletter defines for its subscribers (key, labels, type, choices, order) and the
 * import mapping it last used. Reading is for viewers; defining, changing and removing fields is for
 * admins (a removed field's values leave every subscriber too).
 */
import { z } from 'zod';
import type { NewsletterRow } from '../../db/schema.ts';
import { msg } from '../../i18n/index.ts';
import { type ColumnTarget, FIELD_KEY } from '../../lib/csv-columns.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { parseOrThrow } from '../../lib/validation.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { SettingsRepository } from '../settings/repository.ts';
import type { AuthUser } from '../users/service.ts';
import { FIELD_TYPES, MAX_FIELDS, type SubscriberField, toField } from './fields.ts';
import type { NewField, SubscriberFieldsRepository } from './fields-repository.ts';
import type { SubscribersService } from './service.ts';

const keySchema = z.string().regex(FIELD_KEY, { message: 'fields.badKey' });
const labelsSchema = z
  .record(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/), z.string().trim().max(100))
  .refine((l) => Object.keys(l).length <= 20);
const choicesSchema = z.array(z.string().trim().min(1).max(100)).max(200);

export const fieldCreateSchema = z.object({
  key: keySchema,
  labels: labelsSchema.default({}),
  type: z.enum(FIELD_TYPES).default('text'),
  choices: choicesSchema.default([]),
  position: z.number().int().min(0).max(10_000).optional(),
});
export const fieldUpdateSchema = z.object({
  labels: labelsSchema.optional(),
  choices: choicesSchema.optional(),
  position: z.number().int().min(0).max(10_000).optional(),
});

/** An import mapping: CSV header → what the column is (the API's `mapping` parameter, the admin's saved choice). */
export const mappingSchema = z.object({
  columns: z
    .record(
      z.string().max(200),
      z.union([
        z.enum(['email', 'name', 'language', 'tags', 'ignore']),
        z.templateLiteral(['attribute:', z.string().regex(FIELD_KEY, { message: 'fields.badKey' })]),
      ]),
    )
    .refine((c) => Object.keys(c).length <= 500, { message: 'fields.tooManyColumns' }),
});
export type ImportMapping = { columns: Record<string, ColumnTarget> };

const mappingSettingKey = (newsletterId: number) => `subscribers.importMapping.${newsletterId}`;

export interface FieldsServiceDeps {
  repo: SubscriberFieldsRepository;
  settings: SettingsRepository;
  audit: AuditRepository;
  clock: Clock;
  lifecycle: SubscribersService;
}

export class SubscriberFieldsService {
  constructor(private readonly d: FieldsServiceDeps) {}

  async list(slug: string): Promise<SubscriberField[]> {
    const n = await this.d.lifecycle.newsletterBySlug(slug);
    return this.listFor(n.id);
  }

  async listFor(newsletterId: number): Promise<SubscriberField[]> {
    return (await this.d.repo.list(newsletterId)).map(toField);
  }

  async create(slug: string, input: unknown, actor: AuthUser): Promise<SubscriberField> {
    const n = await this.d.lifecycle.newsletterBySlug(slug);
    const v = parseOrThrow(fieldCreateSchema, input);
    if (v.type === 'choice' && v.choices.length === 0) throw AppError.validation([{ field: 'choices', said: msg('fields.choicesNeeded') }]);
    const existing = await this.d.repo.list(n.id);
    if (existing.length >= MAX_FIELDS) throw new AppError('conflict', msg('fields.tooMany', { max: MAX_FIELDS }));
    const [row] = await this.d.repo.insertMissing(n.id, [{ ...v, choices: v.type === 'choice' ? [...new Set(v.choices)] : [] }], this.d.clock.now());
    if (!row) throw new AppError('conflict', msg('fields.exists', { key: v.key }));
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscriber_field.create',
      target: n.slug,
      detail: { key: v.key, type: v.type },
    });
    return toField(row);
  }

  async update(slug: string, key: string, input: unknown, actor: AuthUser): Promise<SubscriberField> {
    const n = await this.d.lifecycle.newsletterBySlug(slug);
    const v = parseOrThrow(fieldUpdateSchema, input);
    const cur = await this.d.repo.find(n.id, key);
    if (!cur) throw notFound(msg('fields.what', { key: key.slice(0, 40) }));
    if (cur.type === 'choice' && v.choices && v.choices.length === 0) throw AppError.validation([{ field: 'choices', said: msg('fields.choicesNeeded') }]);
    const patch = { ...v, ...(v.choices ? { choices: cur.type === 'choice' ? [...new Set(v.choices)] : [] } : {}) };
    const row = await this.d.repo.update(n.id, key, patch, this.d.clock.now());
    if (!row) throw notFound(msg('fields.what', { key }));
    await this.d.audit.record({ userId: actor.id, actor: actor.email, action: 'subscriber_field.update', target: n.slug, detail: { key } });
    return toField(row);
  }

  async remove(slug: string, key: string, actor: AuthUser): Promise<{ key: string; cleared: number }> {
    const n = await this.d.lifecycle.newsletterBySlug(slug);
    const r = FIELD_KEY.test(key) ? await this.d.repo.remove(n.id, key) : { removed: false, cleared: 0 };
    if (!r.removed) throw notFound(msg('fields.what', { key: key.slice(0, 40) }));
    await this.d.audit.record({ userId: actor.id, actor: actor.email, action: 'subscriber_field.delete', target: n.slug, detail: { key, cleared: r.cleared } });
    return { key, cleared: r.cleared };
  }

  /** Defines as text the keys an import maps columns to that the newsletter has not defined yet (label: the header, in the newsletter's language). */
  async defineMissing(n: NewsletterRow, wanted: { key: string; header: string }[]): Promise<SubscriberField[]> {
    const have = new Set((await this.d.repo.list(n.id)).map((f) => f.key));
    const lang = n.language ?? 'en';
    const missing: NewField[] = [];
    for (const w of wanted) {
      if (have.has(w.key) || missing.some((m) => m.key === w.key)) continue;
      missing.push({ key: w.key, labels: { [lang]: w.header.trim().slice(0, 100) }, type: 'text', choices: [] });
    }
    if (have.size + missing.length > MAX_FIELDS) throw new AppError('validation_failed', msg('fields.tooMany', { max: MAX_FIELDS }));
    await this.d.repo.insertMissing(n.id, missing, this.d.clock.now());
    return this.listFor(n.id);
  }

  /** The mapping the newsletter's last import through the admin used (pre-filled next time), or null. */
  async savedMapping(newsletterId: number): Promise<ImportMapping | null> {
    const raw = await this.d.settings.get(mappingSettingKey(newsletterId));
    if (!raw) return null;
    try {
      const r = mappingSchema.safeParse(JSON.parse(raw));
      return r.success ? (r.data as ImportMapping) : null;
    } catch {
      return null;
    }
  }

  async saveMapping(newsletterId: number, mapping: ImportMapping): Promise<void> {
    await this.d.settings.set(mappingSettingKey(newsletterId), JSON.stringify(mapping));
  }
}

/** A `mapping` query parameter (JSON) as a mapping; a 422 naming `mapping` when it is not one. */
export function parseMappingParam(raw: string | undefined): ImportMapping | null {
  if (raw === undefined || raw === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw AppError.validation([{ field: 'mapping', said: msg('fields.mappingNotJson') }]);
  }
  const r = mappingSchema.safeParse(json);
  if (!r.success) throw AppError.validation([{ field: 'mapping', said: msg('fields.mappingInvalid') }]);
  const targets = Object.values(r.data.columns);
  for (const one of ['email', 'name', 'language'] as const)
    if (targets.filter((t) => t === one).length > 1) throw AppError.validation([{ field: 'mapping', said: msg('fields.mappingTwice', { column: one }) }]);
  const attrs = targets.filter((t) => t.startsWith('attribute:'));
  if (new Set(attrs).size !== attrs.length) throw AppError.validation([{ field: 'mapping', said: msg('fields.mappingAttributeTwice') }]);
  return r.data as ImportMapping;
}

import { z } from 'zod';
import type { NewsletterRow } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { emailSchema, parseOrThrow, timeZoneSchema } from '../../lib/validation.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { AuthUser } from '../users/service.ts';
import type { NewslettersRepository } from './repository.ts';
import { msg } from '../../i18n/index.ts';

/** The public JSON shape of a newsletter (DESIGN.md). */
export interface Newsletter {
  id: number;
  slug: string;
  name: string;
  fromEmail: string;
  fromName: string | null;
  replyTo: string | null;
  language: string;
  timeZone: string;
  openTracking: boolean;
  /** Send a welcome email when someone confirms. */
  welcomeEnabled: boolean;
  /** Send a goodbye email when someone unsubscribes. */
  goodbyeEnabled: boolean;
  description: string | null;
  organisation: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toNewsletter(r: NewsletterRow): Newsletter {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    fromEmail: r.from_email,
    fromName: r.from_name,
    replyTo: r.reply_to,
    language: r.language,
    timeZone: r.time_zone,
    openTracking: r.open_tracking,
    welcomeEnabled: r.welcome_enabled,
    goodbyeEnabled: r.goodbye_enabled,
    description: r.description,
    organisation: r.organisation,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

const noLineBreaks = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\r\n]/.test(s), { message: 'validation.noLineBreaks' });

const fields = {
  name: noLineBreaks(200),
  fromEmail: emailSchema,
  fromName: noLineBreaks(200).nullable().optional(),
  replyTo: emailSchema.nullable().optional(),
  language: z
    .string()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, { message: 'validation.languageTag' })
    .optional(),
  timeZone: timeZoneSchema.optional(),
  openTracking: z.boolean().optional(),
  welcomeEnabled: z.boolean().describe('send a welcome email after confirmation (default true)').optional(),
  goodbyeEnabled: z.boolean().describe('send a goodbye email after unsubscribing (default false)').optional(),
  description: z.string().max(2_000).nullable().optional(),
  organisation: z.string().max(500).nullable().optional(),
};

export const createNewsletterSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'validation.slug' }),
  ...fields,
});
export const updateNewsletterSchema = z.object(fields).partial().strict();

export class NewslettersService {
  constructor(
    private readonly repo: NewslettersRepository,
    private readonly audit: AuditRepository,
  ) {}

  async list(): Promise<Newsletter[]> {
    return (await this.repo.list()).map(toNewsletter);
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async getRow(slug: string): Promise<NewsletterRow> {
    const row = await this.repo.findBySlug(slug);
    if (!row) throw notFound(msg('newsletter.what', { slug }));
    return row;
  }

  async get(slug: string): Promise<Newsletter> {
    return toNewsletter(await this.getRow(slug));
  }

  async create(input: unknown, actor: AuthUser | null): Promise<Newsletter> {
    const v = parseOrThrow(createNewsletterSchema, input);
    const row = await this.repo.insert({
      slug: v.slug,
      name: v.name,
      from_email: v.fromEmail,
      from_name: v.fromName ?? null,
      reply_to: v.replyTo ?? null,
      ...(v.language ? { language: v.language } : {}),
      ...(v.timeZone ? { time_zone: v.timeZone } : {}),
      ...(v.openTracking !== undefined ? { open_tracking: v.openTracking } : {}),
      ...(v.welcomeEnabled !== undefined ? { welcome_enabled: v.welcomeEnabled } : {}),
      ...(v.goodbyeEnabled !== undefined ? { goodbye_enabled: v.goodbyeEnabled } : {}),
      description: v.description ?? null,
      organisation: v.organisation ?? null,
    });
    if (!row) throw new AppError('conflict', msg('newsletter.slugTaken', { slug: v.slug }));
    await this.audit.record({ userId: actor?.id ?? null, actor: actor?.email ?? 'system', action: 'newsletter.create', target: v.slug });
    return toNewsletter(row);
  }

  async update(slug: string, input: unknown, actor: AuthUser | null): Promise<Newsletter> {
    const v = parseOrThrow(updateNewsletterSchema, input);
    const current = await this.getRow(slug);
    const row = await this.repo.update(current.id, {
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.fromEmail !== undefined ? { from_email: v.fromEmail } : {}),
      ...(v.fromName !== undefined ? { from_name: v.fromName } : {}),
      ...(v.replyTo !== undefined ? { reply_to: v.replyTo } : {}),
      ...(v.language !== undefined ? { language: v.language } : {}),
      ...(v.timeZone !== undefined ? { time_zone: v.timeZone } : {}),
      ...(v.openTracking !== undefined ? { open_tracking: v.openTracking } : {}),
      ...(v.welcomeEnabled !== undefined ? { welcome_enabled: v.welcomeEnabled } : {}),
      ...(v.goodbyeEnabled !== undefined ? { goodbye_enabled: v.goodbyeEnabled } : {}),
      ...(v.description !== undefined ? { description: v.description } : {}),
      ...(v.organisation !== undefined ? { organisation: v.organisation } : {}),
    });
    if (!row) throw notFound(msg('newsletter.what', { slug }));
    await this.audit.record({
      userId: actor?.id ?? null,
      actor: actor?.email ?? 'system',
      action: 'newsletter.update',
      target: slug,
      detail: { fields: Object.keys(v) },
    });
    return toNewsletter(row);
  }
}

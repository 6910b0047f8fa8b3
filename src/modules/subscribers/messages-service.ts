/**
 * The confirmation, welcome and goodbye emails in a newsletter's own words, per language: subject
 * and plain text with {{name}} and {{newsletter}}; a preview; a reset to the catalog's default.
 * The text is plain text, never HTML (the email escapes it); the confirmation email's button and
 * link are part of its frame, so no wording can leave them out. Without a custom text, the default
 * is sent (SubscriberMail asks `customText`).
 */
import { z } from 'zod';
import type { NewsletterRow } from '../../db/schema.ts';
import { i18n, type Lang, LANGUAGES, msg, resolveLanguage } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import { parseOrThrow } from '../../lib/validation.ts';
import type { AuthUser } from '../users/service.ts';
import type { MessageKind, MessagesRepository } from './messages-repository.ts';
import type { SubscribersService, SubscribersServiceDeps } from './service.ts';

export const MESSAGE_KINDS: MessageKind[] = ['confirm', 'welcome', 'goodbye'];
const PLACEHOLDERS = ['name', 'newsletter'];

const kindLang = z.object({ kind: z.enum(['confirm', 'welcome', 'goodbye']), language: z.enum(LANGUAGES as [Lang, ...Lang[]]) });
const textSchema = z.object({
  subject: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((s) => !/[\r\n\u0000-\u001f]/.test(s), { message: 'validation.oneLine' }),
  body: z.string().trim().min(1).max(5_000),
});

export interface MessageView {
  kind: MessageKind;
  language: Lang;
  subject: string;
  body: string;
  /** False while the default is used. */
  custom: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** `{{name}}` and `{{newsletter}}` filled in (nothing else is a placeholder). */
export function fillPlaceholders(text: string, values: { name: string; newsletter: string }): string {
  return text.replace(/\{\{\s*(name|newsletter)\s*\}\}/g, (_, k: 'name' | 'newsletter') => values[k]);
}

export class MessagesService {
  constructor(
    private readonly d: SubscribersServiceDeps,
    private readonly lifecycle: SubscribersService,
    private readonly repo: MessagesRepository,
  ) {}

  /** The default wording, with the placeholders where the catalog puts the name and the newsletter. */
  defaultText(kind: MessageKind, language: Lang): { subject: string; body: string } {
    const t = i18n(language).t;
    const newsletter = '{{newsletter}}';
    const greeting = t('reader.mail.greeting', { name: '{{name}}' });
    if (kind === 'confirm') return { subject: t('mail.confirm.subject', { newsletter }), body: `${greeting}\n\n${t('mail.confirm.body', { newsletter })}` };
    if (kind === 'welcome') return { subject: t('mail.welcome.subject', { newsletter }), body: `${greeting}\n\n${t('mail.welcome.body', { newsletter })}` };
    return { subject: t('mail.goodbye.subject', { newsletter }), body: t('mail.goodbye.body', { newsletter }) };
  }

  /** The three emails in every language Quire speaks, custom or default. */
  async list(slug: string): Promise<{ newsletter: NewsletterRow; items: MessageView[] }> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const stored = await this.repo.list(n.id);
    const items: MessageView[] = [];
    for (const kind of MESSAGE_KINDS)
      for (const language of LANGUAGES) {
        const s = stored.find((x) => x.kind === kind && x.language === language);
        const def = this.defaultText(kind, language);
        items.push({
          kind,
          language,
          subject: s?.subject ?? def.subject,
          body: s?.body ?? def.body,
          custom: !!s,
          updatedAt: s ? s.updatedAt.toISOString() : null,
          updatedBy: s?.updatedBy ?? null,
        });
      }
    return { newsletter: n, items };
  }

  async get(slug: string, kind: unknown, language: unknown): Promise<MessageView> {
    const k = parseOrThrow(kindLang, { kind, language });
    const { items } = await this.list(slug);
    return items.find((x) => x.kind === k.kind && x.language === k.language)!;
  }

  /** Stores a newsletter's wording; a placeholder other than {{name}} and {{newsletter}} is refused. */
  async set(slug: string, kind: unknown, language: unknown, input: unknown, actor: AuthUser): Promise<MessageView> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const k = parseOrThrow(kindLang, { kind, language });
    const v = parseOrThrow(textSchema, input);
    for (const [field, text] of [
      ['subject', v.subject],
      ['body', v.body],
    ] as const) {
      const unknown = [...text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]!).find((p) => !PLACEHOLDERS.includes(p));
      if (unknown !== undefined)
        throw AppError.validation([{ field, said: msg('audienceMove.unknownPlaceholder', { placeholder: `{{${unknown.slice(0, 40)}}}` }) }]);
    }
    await this.repo.put({ newsletterId: n.id, kind: k.kind, language: k.language, subject: v.subject, body: v.body, by: actor.email, now: this.d.clock.now() });
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'message.update',
      target: n.slug,
      detail: { kind: k.kind, language: k.language },
    });
    return this.get(slug, k.kind, k.language);
  }

  /** Back to the catalog's default. */
  async reset(slug: string, kind: unknown, language: unknown, actor: AuthUser): Promise<MessageView> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const k = parseOrThrow(kindLang, { kind, language });
    if (await this.repo.remove(n.id, k.kind, k.language))
      await this.d.audit.record({
        userId: actor.id,
        actor: actor.email,
        action: 'message.reset',
        target: n.slug,
        detail: { kind: k.kind, language: k.language },
      });
    return this.get(slug, k.kind, k.language);
  }

  /**
   * The email as a subscriber would get it (a sample name, links that lead nowhere), with the text
   * stored or, when `draft` is given, the text being edited (checked as `set` checks it).
   */
  async preview(slug: string, kind: unknown, language: unknown, draft?: unknown): Promise<{ subject: string; html: string; text: string }> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const k = parseOrThrow(kindLang, { kind, language });
    const text = draft === undefined ? await this.get(slug, k.kind, k.language) : { ...parseOrThrow(textSchema, draft), custom: true };
    const name = i18n(k.language).t('audienceMove.sampleName');
    const custom = text.custom ? this.fill(text, name, n.name) : null;
    const base = this.d.config.publicUrl;
    const mails = await import('../../../emails/transactional/index.ts');
    const common = { lang: k.language, newsletterName: n.name, postalAddress: n.organisation, custom };
    if (k.kind === 'confirm') return mails.renderConfirmEmail({ ...common, name, confirmUrl: `${base}/n/${n.slug}` });
    if (k.kind === 'welcome')
      return mails.renderWelcomeEmail({
        ...common,
        name,
        archiveUrl: `${base}/archive/${n.slug}`,
        unsubscribeUrl: `${base}/n/${n.slug}`,
        preferencesUrl: `${base}/n/${n.slug}`,
      });
    return mails.renderGoodbyeEmail({ ...common, signupUrl: `${base}/n/${n.slug}` });
  }

  private fill(text: { subject: string; body: string }, name: string, newsletter: string) {
    return { subject: fillPlaceholders(text.subject, { name, newsletter }), body: fillPlaceholders(text.body, { name, newsletter }) };
  }

  /**
   * The custom wording for one subscriber's email, filled in, or null for the default. Their name,
   * else a neutral word ("reader").
   */
  async customText(n: NewsletterRow, kind: MessageKind, lang: string, name: string | null): Promise<{ subject: string; body: string } | null> {
    const language = resolveLanguage(lang, n.language);
    const s = await this.repo.get(n.id, kind, language);
    if (!s) return null;
    return this.fill(s, name?.trim() || i18n(language).t('audienceMove.nameFallback'), n.name);
  }
}

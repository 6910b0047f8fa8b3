import { z } from 'zod';
import { i18n, msg, type StoredMessage } from '../../i18n/index.ts';
import type { Config } from '../../config.ts';
import type { IssueRow, NewsletterRow } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { emailSchema, fieldProblem, parseOrThrow } from '../../lib/validation.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { renderIssue, type RenderedIssue } from '../../mail/render/issue.ts';
import { createPersonaliser } from '../../mail/render/personalise.ts';
import { cleanIssueLinks, keepPlaceholderReports } from '../../content/links.ts';
import { applyStructureOp, notesAfterOp, type PlacedNote, type StructureOp, structureOpSchema } from '../../content/structure-ops.ts';
import { importIssue } from '../../content/import/index.ts';
import { parseVolume, volumeLines } from '../../content/import/volume.ts';
import type { Clock } from '../../lib/clock.ts';
import { fromLocal } from '../../lib/zoned-time.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { NewslettersRepository } from '../newsletters/repository.ts';
import type { AuthUser } from '../users/service.ts';
import { issueContentSchema, statusMessage, type IssueContent, type IssueStatus, type LinkLintEntry } from './model.ts';
import type { IssuesRepository } from './repository.ts';
import { fromHeader } from './email.ts';

/** The public JSON shape of an issue (DESIGN.md), content fields inline. */
export type Issue = IssueContent & {
  id: number;
  newsletter: string;
  number: number;
  status: IssueStatus;
  lint: LinkLintEntry[];
  /** The importer's notes (catalog messages); plain text in rows imported before notes had keys. */
  warnings: StoredMessage[];
  sourceFormat: string | null;
  archiveUrl: string;
  sendAt: string | null;
  timeZone: string | null;
  readyForSlot: boolean;
  /** Who the send is for (issue 24): `{segment?: {id, name, definition}, topics?: [{id, key, name}]}`; null: the whole list. */
  audience: unknown;
  sentAt: string | null;
  /** When it went into the archive: its send time, or the date it was published without a send. */
  publishedAt: string | null;
  /** A sent issue taken off the archive (its record stays). */
  archiveHidden: boolean;
  createdAt: string;
  updatedAt: string;
};

/** A published back issue stays editable: fixing a typo in the archive is no send. */
export const EDITABLE: IssueStatus[] = ['draft', 'scheduled', 'paused', 'published'];

/** Someone else saved the issue since the editor loaded it: nothing is overwritten; `details.updatedAt` is their save. */
const conflictWith = (row: IssueRow) => new AppError('conflict', msg('editorUx.conflict'), { updatedAt: new Date(row.updated_at).toISOString() });

const notEditable = (row: IssueRow) => new AppError('invalid_state', msg('issue.notEditable', { id: row.id, status: statusMessage(row.status) }));

/** YYYY-MM-DD naming a day that exists. */
const isCalendarDate = (s: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
};

/** Midnight of a calendar date in a time zone. */
const midnight = (date: string, tz: string): Date => {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return fromLocal({ year, month, day, hour: 0, minute: 0 }, tz);
};

/** An issue as a subscriber would see it (sample personal parts), with its size and MJML errors. */
export interface IssuePreview {
  html: string;
  text: string;
  subject: string;
  sizeBytes: number;
  errors: string[];
}

export const importSchema = z.object({
  source: z.string().min(1, { message: 'validation.notEmpty' }).max(2_000_000),
  format: z.enum(['markdown', 'text', 'auto']).default('auto'),
  number: z.number().int().positive().optional(),
});
/** `publishedAt`: a date (YYYY-MM-DD, midnight in the newsletter's time zone) or an ISO time with an offset. */
export const publishSchema = z
  .object({
    publishedAt: z.string().max(40).optional(),
  })
  .strict();

/** Extra facts about an import the request body does not carry (the bulk import's file name). */
export interface CreateOptions {
  /** Read for a number or a date when the issue itself prints none ("2023-02 No 12.md"). */
  fileName?: string;
}

export const structuredSchema = issueContentSchema.extend({ number: z.number().int().positive().optional() });
/** When the editor last saw the issue (its `updatedAt`): a save after someone else's is refused (409 `conflict`) instead of overwriting it. */
const expectedUpdatedAtSchema = z.string().datetime({ offset: true }).optional();
export const patchSchema = issueContentSchema
  .partial()
  .extend({ number: z.number().int().positive().optional(), expectedUpdatedAt: expectedUpdatedAtSchema })
  .strict();
/** A structural edit: one op (its fields inline) or the likely fix of importer note `note` (its index), plus `expectedUpdatedAt`. */
export const structureInputSchema = z.union([
  z.object({ note: z.number().int().min(0).max(10_000), expectedUpdatedAt: expectedUpdatedAtSchema }).strict(),
  z.object({ op: z.string(), expectedUpdatedAt: expectedUpdatedAtSchema }).passthrough(),
]);
export const undoSchema = z.object({ expectedUpdatedAt: expectedUpdatedAtSchema }).strict();
export const testSendSchema = z.object({ to: z.array(emailSchema).min(1).max(10) });

export class IssuesService {
  constructor(
    private readonly repo: IssuesRepository,
    private readonly newsletters: NewslettersRepository,
    private readonly audit: AuditRepository,
    private readonly mailer: Mailer,
    private readonly config: Config,
    private readonly clock: Clock,
  ) {}

  archiveUrl(slug: string, number: number): string {
    return `${this.config.publicUrl}/archive/${encodeURIComponent(slug)}/${number}`;
  }

  toIssue(row: IssueRow, newsletter: NewsletterRow): Issue {
    const content = row.content as IssueContent;
    return {
      ...content,
      id: row.id,
      newsletter: newsletter.slug,
      number: row.number,
      status: row.status,
      lint: row.lint as LinkLintEntry[],
      warnings: row.import_warnings as StoredMessage[],
      sourceFormat: row.source_format,
      archiveUrl: this.archiveUrl(newsletter.slug, row.number),
      sendAt: row.send_at ? new Date(row.send_at).toISOString() : null,
      timeZone: row.time_zone,
      readyForSlot: row.ready_for_slot,
      audience: row.audience ?? null,
      sentAt: row.sent_at ? new Date(row.sent_at).toISOString() : null,
      publishedAt: row.published_at ? new Date(row.published_at).toISOString() : null,
      archiveHidden: row.archive_hidden,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  private async newsletterBySlug(slug: string): Promise<NewsletterRow> {
    const n = await this.newsletters.findBySlug(slug);
    if (!n) throw notFound(msg('newsletter.what', { slug }));
    return n;
  }

  /** The issue row and its newsletter, or 404. */
  async load(id: number): Promise<{ row: IssueRow; newsletter: NewsletterRow }> {
    const row = Number.isSafeInteger(id) ? await this.repo.findById(id) : undefined;
    if (!row) throw notFound(msg('issue.what', { id: String(id) }));
    const newsletter = (await this.newsletters.findById(row.newsletter_id))!;
    return { row, newsletter };
  }

  /**
   * From `{source, format}` (Markdown export or PDF text) or from the structured model. An import
   * takes its number and date from what the issue prints (`parseVolume`: its volume line, else its
   * title, else a line at its top with nothing else in it, else the file name) when the caller gave no number and the importer found no date; a
   * number another issue has already keeps the next free one, with a note saying so.
   */
  async create(slug: string, input: unknown, actor: AuthUser | null, opts: CreateOptions = {}): Promise<Issue> {
    const newsletter = await this.newsletterBySlug(slug);
    let content: IssueContent;
    let lint: LinkLintEntry[];
    let warnings: StoredMessage[] = [];
    let sourceFormat: string | null = null;
    let number: number | undefined;
    let numberFromSource = false;
    if (input && typeof input === 'object' && 'source' in input) {
      const v = parseOrThrow(importSchema, input);
      const imported = importIssue(v.source, { format: v.format, language: newsletter.language, newsletterName: newsletter.name });
      ({ content, lint, warnings } = imported);
      sourceFormat = imported.format;
      number = v.number;
      const found = this.fromSource(content, v.source, opts.fileName);
      if (found.date && !content.date) {
        content.date = found.date;
        if (found.monthGuessed) warnings.push(msg('backIssues.monthGuessed', { date: found.date, volume: content.volume ?? '' }));
      }
      if (number === undefined && found.number !== undefined) {
        if (await this.repo.findByNumber(newsletter.id, found.number)) warnings.push(msg('backIssues.numberTaken', { number: found.number }));
        else {
          number = found.number;
          numberFromSource = true;
        }
      }
    } else {
      // Content in the newsletter's language unless the editor says otherwise.
      const withLanguage = input && typeof input === 'object' && !('language' in input) ? { ...input, language: newsletter.language } : input;
      const { number: n, ...rest } = parseOrThrow(structuredSchema, withLanguage);
      ({ content, lint } = cleanIssueLinks(rest));
      number = n;
    }
    let row = await this.repo.insert({ newsletterId: newsletter.id, content, lint, warnings, sourceFormat, ...(number ? { number } : {}) });
    // The source's number, free a moment ago, went to another import: this one takes the next.
    if (!row && numberFromSource) {
      warnings.push(msg('backIssues.numberTaken', { number: number! }));
      row = await this.repo.insert({ newsletterId: newsletter.id, content, lint, warnings, sourceFormat });
    }
    if (!row) throw new AppError('conflict', msg('issue.numberTaken', { number: String(number), slug }));
    await this.audit.record({
      userId: actor?.id ?? null,
      actor: actor?.email ?? 'cli',
      action: 'issue.create',
      target: `${slug}#${row.number}`,
      detail: { id: row.id, sourceFormat },
    });
    return this.toIssue(row, newsletter);
  }

  /** The number and date the issue prints: its volume line first, then its title, the lines at its top, the file name. */
  private fromSource(content: IssueContent, source: string, fileName: string | undefined) {
    const texts = [content.volume, content.title, ...volumeLines(source), fileName?.replace(/\.[a-z0-9]{1,8}$/i, '').replace(/[_]+/g, ' ')];
    const found: ReturnType<typeof parseVolume> = {};
    for (const text of texts) {
      if (!text) continue;
      const f = parseVolume(text);
      if (found.number === undefined && f.number !== undefined) found.number = f.number;
      if (found.date === undefined && f.date !== undefined) {
        found.date = f.date;
        if (f.monthGuessed) found.monthGuessed = true;
      }
    }
    return found;
  }

  async get(id: number): Promise<Issue> {
    const { row, newsletter } = await this.load(id);
    return this.toIssue(row, newsletter);
  }

  async list(slug: string, opts: { status?: IssueStatus[]; limit: number; beforeNumber?: number }): Promise<{ items: Issue[]; next: number | null }> {
    const newsletter = await this.newsletterBySlug(slug);
    const rows = await this.repo.list(newsletter.id, { ...opts, limit: opts.limit + 1 });
    const page = rows.slice(0, opts.limit);
    return { items: page.map((r) => this.toIssue(r, newsletter)), next: rows.length > opts.limit ? page[page.length - 1]!.number : null };
  }

  /** Edits content while the issue is a draft, scheduled or paused; every link is cleaned again. */
  async update(id: number, input: unknown, actor: AuthUser): Promise<Issue> {
    const { row, newsletter, patch, content, lint, number, expected } = await this.applyEdit(id, input);
    const updated = await this.repo.updateContent(id, { content, lint, ...(number !== undefined ? { number } : {}), ...expected }, EDITABLE);
    if (!updated) throw await this.refusedSave(row);
    await this.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'issue.update',
      target: `${newsletter.slug}#${updated.number}`,
      detail: { fields: Object.keys(patch) },
    });
    return this.toIssue(updated, newsletter);
  }

  /**
   * The checks and the content of an edit, shared by `update` (which stores it) and
   * `previewEdit` (which only renders it): validation, the merge over the stored content, link
   * cleaning, and the number not taken by another issue.
   */
  private async applyEdit(id: number, input: unknown) {
    const patch = parseOrThrow(patchSchema, input);
    const { row, newsletter } = await this.load(id);
    const { number, expectedUpdatedAt, ...parsed } = patch;
    // Only the fields the edit carries: the schema's defaults (sections [], footer {}, language) would otherwise wipe stored ones.
    const given = new Set(input && typeof input === 'object' ? Object.keys(input) : []);
    const fields = Object.fromEntries(Object.entries(parsed).filter(([k]) => given.has(k))) as typeof parsed;
    if (!EDITABLE.includes(row.status)) throw notEditable(row);
    const expected = expectedUpdatedAt ? { expectedUpdatedAt: new Date(expectedUpdatedAt) } : {};
    if (expected.expectedUpdatedAt && expected.expectedUpdatedAt.getTime() !== new Date(row.updated_at).getTime()) throw conflictWith(row);
    const merged = parseOrThrow(issueContentSchema, { ...(row.content as IssueContent), ...fields });
    const cleaned = cleanIssueLinks(merged);
    const { content } = cleaned;
    const lint = keepPlaceholderReports(row.lint as LinkLintEntry[], content, cleaned.lint);
    if (number !== undefined && number !== row.number && (await this.repo.findByNumber(newsletter.id, number))) {
      throw new AppError('conflict', msg('issue.numberTaken', { number, slug: newsletter.slug }));
    }
    return { row, newsletter, patch: number !== undefined ? { ...fields, number } : fields, content, lint, number, expected };
  }

  /** Why a conditional save stored nothing: the status moved (409 invalid_state) or someone else saved (409 conflict). */
  private async refusedSave(row: IssueRow): Promise<AppError> {
    const now = (await this.repo.findById(row.id)) ?? row;
    return EDITABLE.includes(now.status) ? conflictWith(now) : notEditable(now);
  }

  /**
   * What the issue would look like with an edit that is not saved: the same checks as `update`,
   * the same rendering as the send and `preview`; nothing is stored.
   */
  async previewEdit(id: number, input: unknown): Promise<IssuePreview & { lint: LinkLintEntry[] }> {
    const { row, newsletter, content, lint, number } = await this.applyEdit(id, input);
    if (!EDITABLE.includes(row.status)) throw notEditable(row);
    const p = await this.previewOf({ ...row, content, number: number ?? row.number }, newsletter);
    return { ...p, lint };
  }

  /**
   * Deletes a draft, or a cancelled issue none of which went out (its ledger is the record of who
   * got what, so an issue that started sending stays); 409 otherwise.
   */
  async remove(id: number, actor: AuthUser): Promise<void> {
    const { row, newsletter } = await this.load(id);
    const gone = await this.repo.deleteUnsent(id);
    if (!gone) throw new AppError('invalid_state', msg('sendux.cannotDelete', { id, status: statusMessage(row.status) }));
    await this.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'issue.delete',
      target: `${newsletter.slug}#${row.number}`,
      detail: { id, title: row.title, status: row.status },
    });
  }

  /** A cancelled issue that never started sending becomes a draft again (no send time, not ready); 409 otherwise. */
  async reopen(id: number, actor: AuthUser): Promise<Issue> {
    const { row, newsletter } = await this.load(id);
    const moved = await this.repo.reopen(id);
    if (!moved) throw new AppError('invalid_state', msg('sendux.cannotReopen', { id, status: statusMessage(row.status) }));
    await this.audit.record({ userId: actor.id, actor: actor.email, action: 'issue.reopen', target: `${newsletter.slug}#${row.number}` });
    return this.toIssue(moved, newsletter);
  }

  /**
   * Files the issue in the archive without a send: nobody is emailed and the delivery ledger is
   * not touched. From a draft (or a cancelled issue none of which went out), dated `publishedAt`,
   * else the issue's own date (midnight in the newsletter's time zone), else now; a published
   * issue takes the new date. A scheduled issue must have its send cancelled first (409). A sent
   * issue is in the archive already, at its send time: publishing it again shows it again after
   * `unpublish` hid it.
   */
  async publish(id: number, input: unknown, actor: AuthUser | null): Promise<Issue> {
    const v = parseOrThrow(publishSchema, input ?? {});
    if (
      v.publishedAt !== undefined &&
      !isCalendarDate(v.publishedAt) &&
      !(/[zZ]|[+-]\d{2}:?\d{2}$/.test(v.publishedAt) && !Number.isNaN(Date.parse(v.publishedAt)))
    ) {
      throw AppError.validation([fieldProblem('publishedAt', 'backIssues.badDate')]);
    }
    const { row, newsletter } = await this.load(id);
    let moved: IssueRow | undefined;
    if (row.status === 'sent') moved = await this.repo.setArchiveHidden(id, false);
    else if (['scheduled', 'sending', 'paused'].includes(row.status)) {
      throw new AppError(
        'invalid_state',
        msg(row.status === 'scheduled' ? 'backIssues.cancelFirst' : 'backIssues.cannotPublish', { id, status: statusMessage(row.status) }),
      );
    } else {
      const date = v.publishedAt ?? (row.content as IssueContent).date;
      const at = !date ? this.clock.now() : isCalendarDate(date) ? midnight(date, newsletter.time_zone) : new Date(date);
      moved = await this.repo.publish(id, at);
    }
    if (!moved) throw new AppError('invalid_state', msg('backIssues.cannotPublish', { id, status: statusMessage(row.status) }));
    await this.audit.record({
      userId: actor?.id ?? null,
      actor: actor?.email ?? 'cli',
      action: 'issue.publish',
      target: `${newsletter.slug}#${moved.number}`,
      detail: { id, from: row.status, publishedAt: moved.published_at ? new Date(moved.published_at).toISOString() : null },
    });
    return this.toIssue(moved, newsletter);
  }

  /**
   * Takes the issue off the archive: a published issue becomes a draft again (no publication
   * date); a sent issue is only hidden, its record (who got it, when) stays. 409 otherwise.
   */
  async unpublish(id: number, actor: AuthUser): Promise<Issue> {
    const { row, newsletter } = await this.load(id);
    const moved = row.status === 'sent' ? await this.repo.setArchiveHidden(id, true) : await this.repo.unpublish(id);
    if (!moved) throw new AppError('invalid_state', msg('backIssues.cannotUnpublish', { id, status: statusMessage(row.status) }));
    await this.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'issue.unpublish',
      target: `${newsletter.slug}#${moved.number}`,
      detail: { id, from: row.status, hidden: moved.status === 'sent' },
    });
    return this.toIssue(moved, newsletter);
  }

  // -------------------------------------------------------------------------------------------
  // Structure tools (issue 20): one op at a time, each undoable until the next save.

  /**
   * Applies a structural edit (`{op…}`, or `{note}`: the likely fix an importer note carries) to
   * the stored content, or to it with `edits` (the editor's unsaved fields) merged first, so a
   * structural action never loses typing. Notes whose place the op touched are dropped (their
   * indexes would name the wrong article), the fixed note too. The content before goes into the
   * audit entry, which is what `undo` restores.
   */
  async restructure(id: number, input: unknown, actor: AuthUser, edits: Record<string, unknown> = {}): Promise<Issue> {
    const parsed = parseOrThrow(structureInputSchema, input);
    const { expectedUpdatedAt, ...rest } = parsed as { expectedUpdatedAt?: string; note?: number };
    const { row, newsletter, content: before, number, expected } = await this.applyEdit(id, { ...edits, ...(expectedUpdatedAt ? { expectedUpdatedAt } : {}) });
    const notes = row.import_warnings as (PlacedNote | string)[];
    let op: StructureOp;
    let kept = notes;
    if ('note' in rest && typeof rest.note === 'number') {
      const note = notes[rest.note];
      const fix = typeof note === 'object' && note ? note.fix : undefined;
      if (!fix) throw new AppError('validation_failed', msg('editorUx.noFix', { note: rest.note + 1 }));
      op = parseOrThrow(structureOpSchema, fix) as StructureOp;
      kept = notes.filter((_, i) => i !== rest.note);
    } else {
      op = parseOrThrow(structureOpSchema, rest) as StructureOp;
    }
    const after = parseOrThrow(issueContentSchema, applyStructureOp(before, op));
    const cleaned = cleanIssueLinks(after);
    const { content } = cleaned;
    const lint = keepPlaceholderReports(row.lint as LinkLintEntry[], content, cleaned.lint);
    const warnings = notesAfterOp(kept, op) as StoredMessage[];
    const updated = await this.repo.updateContent(id, { content, lint, warnings, ...(number !== undefined ? { number } : {}), ...expected }, EDITABLE);
    if (!updated) throw await this.refusedSave(row);
    await this.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'issue.structure',
      target: `${newsletter.slug}#${updated.number}`,
      detail: { id, op, before, warnings: row.import_warnings, after: new Date(updated.updated_at).toISOString() },
    });
    return this.toIssue(updated, newsletter);
  }

  /** The last structural change, while nothing was saved since it (then undo would lose that save). */
  private async undoable(row: IssueRow): Promise<{ before: IssueContent; warnings: StoredMessage[] } | null> {
    const entry = await this.audit.latestFor(['issue.structure', 'issue.structure_undo'], row.id);
    if (entry?.action !== 'issue.structure') return null;
    const d = entry.detail as { before?: IssueContent; warnings?: StoredMessage[]; after?: string } | null;
    if (!d?.before || d.after !== new Date(row.updated_at).toISOString()) return null;
    return { before: d.before, warnings: d.warnings ?? [] };
  }

  /** Whether the issue page offers Undo: an editable issue whose last save was a structural change. */
  async canUndo(id: number): Promise<boolean> {
    const { row } = await this.load(id);
    return EDITABLE.includes(row.status) && (await this.undoable(row)) !== null;
  }

  /** Reverts the last structural change (content and notes as they were before it); 409 when there is none to undo. */
  async undo(id: number, input: unknown, actor: AuthUser): Promise<Issue> {
    const { expectedUpdatedAt } = parseOrThrow(undoSchema, input ?? {});
    const { row, newsletter } = await this.load(id);
    if (!EDITABLE.includes(row.status)) throw notEditable(row);
    if (expectedUpdatedAt && new Date(expectedUpdatedAt).getTime() !== new Date(row.updated_at).getTime()) throw conflictWith(row);
    const last = await this.undoable(row);
    if (!last) throw new AppError('invalid_state', msg('editorUx.nothingToUndo'));
    const cleaned = cleanIssueLinks(parseOrThrow(issueContentSchema, last.before));
    const { content } = cleaned;
    const lint = keepPlaceholderReports(row.lint as LinkLintEntry[], content, cleaned.lint);
    const updated = await this.repo.updateContent(id, { content, lint, warnings: last.warnings, expectedUpdatedAt: new Date(row.updated_at) }, EDITABLE);
    if (!updated) throw await this.refusedSave(row);
    await this.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'issue.structure_undo',
      target: `${newsletter.slug}#${updated.number}`,
      detail: { id },
    });
    return this.toIssue(updated, newsletter);
  }

  /** Renders the email once, with placeholders for the personal parts. */
  async render(row: IssueRow, newsletter: NewsletterRow): Promise<RenderedIssue> {
    return renderIssue({
      content: row.content as IssueContent,
      newsletter: { name: newsletter.name, slug: newsletter.slug, language: newsletter.language, postalAddress: newsletter.organisation },
      number: row.number,
      archiveUrl: this.archiveUrl(newsletter.slug, row.number),
      openPixel: newsletter.open_tracking,
    });
  }

  /** What a subscriber would see; personal links point at the signup page, the name is a sample. */
  async preview(id: number): Promise<IssuePreview> {
    const { row, newsletter } = await this.load(id);
    return this.previewOf(row, newsletter);
  }

  private async previewOf(row: IssueRow, newsletter: NewsletterRow): Promise<IssuePreview> {
    const rendered = await this.render(row, newsletter);
    const signup = `${this.config.publicUrl}/n/${encodeURIComponent(newsletter.slug)}`;
    const personal = createPersonaliser(rendered)({ unsubscribeUrl: signup, preferencesUrl: signup, name: null, openPixelUrl: null });
    return { ...personal, subject: rendered.subject, sizeBytes: rendered.sizeBytes, errors: rendered.errors };
  }

  /** Sends the issue to a few addresses through the configured transport, marked as a test. */
  async testSend(id: number, input: unknown, actor: AuthUser): Promise<{ sent: { to: string; id: string }[] }> {
    const { to } = parseOrThrow(testSendSchema, input);
    const { row, newsletter } = await this.load(id);
    const p = await this.preview(id);
    const sent: { to: string; id: string }[] = [];
    for (const address of to) {
      const r = await this.mailer.send({
        from: fromHeader(newsletter),
        to: [address],
        subject: i18n(newsletter.language).t('mail.testSubject', { subject: p.subject }),
        html: p.html,
        text: p.text,
        ...(newsletter.reply_to ? { replyTo: [newsletter.reply_to] } : {}),
        headers: { 'X-Quire-Test': `issue ${row.id}` },
      });
      sent.push({ to: address, id: r.id });
    }
    await this.audit.record({ userId: actor.id, actor: actor.email, action: 'issue.test_send', target: `${newsletter.slug}#${row.number}`, detail: { to } });
    return { sent };
  }
}

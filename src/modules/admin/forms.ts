/**
 * The admin's forms and query strings as service inputs: plain functions from the posted fields
 * (strings; uploads where a form has one) to what the services take. The services validate; these
 * only read the form the way its page writes it (checkboxes are "on", empty optional fields are absent).
 */
import { splitTags } from '../../lib/csv-columns.ts';
import type { Role } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import type { IssueContent, IssueStatus } from '../issues/model.ts';
import { msg } from '../../i18n/index.ts';

export type Fields = Record<string, string>;
/** A multipart body as `parseBody` gives it: strings and files. */
export type Upload = Record<string, string | File>;

type Article = IssueContent['sections'][number]['articles'][number];

const emptyArticle = (): Article => ({ title: '', body: '', sources: [] });
const opt = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
const orNull = (x: string | undefined) => (x?.trim() ? x.trim() : null);

/** One source per line: a URL, then (after white space) its label. */
function sourcesFromText(val: string): Article['sources'] {
  return val
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const sp = line.search(/\s/);
      return sp < 0 ? { url: line, label: '' } : { url: line.slice(0, sp), label: line.slice(sp + 1).trim() };
    });
}

/** The sections the editor posted (`s.<i>.title`, `s.<i>.a.<j>.<field>`), in index order, gaps dropped. */
function sectionsFromForm(f: Fields): IssueContent['sections'] {
  const sections: { title: string; articles: Article[] }[] = [];
  for (const [k, val] of Object.entries(f)) {
    let m = /^s\.(\d{1,3})\.title$/.exec(k);
    if (m) {
      const si = Number(m[1]);
      sections[si] ??= { title: '', articles: [] };
      sections[si]!.title = val;
      continue;
    }
    m = /^s\.(\d{1,3})\.a\.(\d{1,3})\.(title|body|sources|attribution|imageUrl|imageAlt)$/.exec(k);
    if (!m) continue;
    const si = Number(m[1]);
    const ai = Number(m[2]);
    sections[si] ??= { title: '', articles: [] };
    const arts = sections[si]!.articles;
    arts[ai] ??= emptyArticle();
    const a = arts[ai]!;
    const field = m[3]!;
    if (field === 'title') a.title = val;
    else if (field === 'body') a.body = val.replace(/\r\n/g, '\n');
    else if (field === 'attribution') a.attribution = val.trim() || undefined;
    else if (field === 'imageUrl') a.image = { url: val.trim(), alt: a.image?.alt ?? '' };
    else if (field === 'imageAlt') a.image = { url: a.image?.url ?? '', alt: val };
    else a.sources = sourcesFromText(val);
  }
  return sections
    .filter(Boolean)
    .map((s) => ({ title: s.title, articles: s.articles.filter(Boolean).map((a) => (a.image && !a.image.url ? { ...a, image: undefined } : a)) }));
}

/**
 * The editor's operation (`op`) on the posted sections: `addSection`, `addArticle:<s>`,
 * `remove:<s>:<a>` (one article), `removeImage:<s>:<a>`, `remove:<s>` (a whole section); `save` or
 * anything else changes nothing. Indexes are 0-based, as the form names its fields.
 */
function applyEditorOp(list: IssueContent['sections'], op: string): void {
  let m: RegExpExecArray | null;
  if (op === 'addSection') list.push({ title: '', articles: [emptyArticle()] });
  else if ((m = /^addArticle:(\d+)$/.exec(op)) && list[Number(m[1])]) list[Number(m[1])]!.articles.push(emptyArticle());
  else if ((m = /^remove:(\d+):(\d+)$/.exec(op)) && list[Number(m[1])]) list[Number(m[1])]!.articles.splice(Number(m[2]), 1);
  else if ((m = /^removeImage:(\d+):(\d+)$/.exec(op)) && list[Number(m[1])]?.articles[Number(m[2])]) delete list[Number(m[1])]!.articles[Number(m[2])]!.image;
  else if ((m = /^remove:(\d+)$/.exec(op))) list.splice(Number(m[1]), 1);
}

/** The form fields of the issue editor back into the content model, then the add/remove operation. */
export function contentFromForm(f: Fields, current: IssueContent): Partial<IssueContent> & { number?: number } {
  let list = sectionsFromForm(f);
  // Sections the form did not carry (none, in practice) keep their stored content.
  if (list.length === 0 && !Object.keys(f).some((k) => k.startsWith('s.'))) list = current.sections;
  applyEditorOp(list, f.op ?? 'save');
  const footer = {
    ...current.footer,
    disclaimer: opt(f['footer.disclaimer']),
    editor: opt(f['footer.editor']),
    contact: opt(f['footer.contact']),
    organisation: opt(f['footer.organisation']),
  };
  const number = f.number && /^\d{1,9}$/.test(f.number) ? Number(f.number) : undefined;
  return {
    title: (f.title ?? current.title).trim(),
    volume: opt(f.volume),
    date: opt(f.date),
    intro: f.intro !== undefined ? f.intro.replace(/\r\n/g, '\n') || undefined : current.intro,
    sections: list,
    footer,
    ...(number ? { number } : {}),
  };
}

/** Where the editor returns after a save: the article whose image went, the editor after an add/remove, else the top. */
export function editorAnchor(op: string | undefined): string {
  const o = op ?? 'save';
  const image = /^removeImage:(\d+):(\d+)$/.exec(o);
  return image ? `#s${image[1]}a${image[2]}` : o.startsWith('add') || o.startsWith('remove') ? '#editor' : '';
}

const ISSUE_STATUSES: readonly IssueStatus[] = ['draft', 'scheduled', 'sending', 'sent', 'cancelled', 'paused', 'published'];

/** The issue list's filter: one known status (else all) and the number to continue before. */
export function issueListQuery(q: { status?: string | undefined; cursor?: string | undefined }): {
  status: IssueStatus | '';
  beforeNumber: number | undefined;
} {
  const status = q.status ?? '';
  const cursor = Number(q.cursor);
  return {
    status: (ISSUE_STATUSES as readonly string[]).includes(status) ? (status as IssueStatus) : '',
    beforeNumber: cursor > 0 ? cursor : undefined,
  };
}

export const ISSUE_UPLOAD_MAX_BYTES = 2_000_000;

/** The new-issue form: pasted source or an uploaded file (which wins; a .md name means Markdown). */
export async function issueSourceForm(body: Upload, fallbackSlug: string): Promise<{ slug: string; source: string; format: string }> {
  const slug = typeof body.newsletter === 'string' ? body.newsletter : fallbackSlug;
  let source = typeof body.source === 'string' ? body.source : '';
  let format = typeof body.format === 'string' && ['auto', 'markdown', 'text'].includes(body.format) ? body.format : 'auto';
  const file = body.file;
  if (file && typeof file !== 'string' && file.size > 0) {
    if (file.size > ISSUE_UPLOAD_MAX_BYTES) throw new AppError('payload_too_large', msg('upload.tooLarge', { mb: ISSUE_UPLOAD_MAX_BYTES / 1_000_000 }));
    source = await file.text();
    if (format === 'auto' && /\.(md|markdown)$/i.test(file.name)) format = 'markdown';
  }
  return { slug, source, format };
}

/** Test recipients: addresses separated by commas, semicolons or white space. */
export function testRecipients(f: Fields): string[] {
  return (f.to ?? '')
    .split(/[,;\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

export function scheduleForm(f: Fields): { sendAt: string; timeZone?: string } {
  return { sendAt: f.sendAt ?? '', ...(f.timeZone ? { timeZone: f.timeZone } : {}) };
}

/** The warnings ticked on the send confirmation: one checkbox `ack.<warning id>` each. */
export const acknowledgedWarnings = (f: Fields): string[] =>
  Object.keys(f)
    .filter((k) => k.startsWith('ack.') && f[k] === 'on')
    .map((k) => k.slice(4));

export const readyForm = (f: Fields): { ready: boolean } => ({ ready: f.ready === 'true' });

const SUBSCRIBER_STATUSES = ['pending', 'active', 'unsubscribed', 'suppressed', 'erased'];

/** The subscriber list's search (at most an address long), one known status, and the cursor. */
export function subscriberListQuery(q: { q?: string | undefined; status?: string | undefined; cursor?: string | undefined; tag?: string | undefined }): {
  q: string;
  status: string;
  cursor: string | undefined;
  tag: string;
} {
  const status = q.status ?? '';
  return {
    q: (q.q ?? '').slice(0, 254),
    status: SUBSCRIBER_STATUSES.includes(status) ? status : '',
    cursor: q.cursor || undefined,
    tag: (q.tag ?? '').trim().slice(0, 64),
  };
}

/** Tags typed in a form: separated by commas or semicolons (as in a CSV), each once. */
export const tagsFromText = (text: string | undefined): string[] => splitTags(text ?? '');

/** The bulk tag form: the checked subscribers, tags to add and to remove, and the list page to go back to. */
export function bulkTagsForm(body: Record<string, string | File | (string | File)[]>): { ids: string[]; add: string[]; remove: string[]; back: string } {
  const all = (k: string) => [body[k] ?? []].flat().filter((x): x is string => typeof x === 'string');
  const back = all('back')[0] ?? '';
  return {
    ids: all('ids').slice(0, 10_000),
    add: tagsFromText(all('add')[0]),
    remove: tagsFromText(all('remove')[0]),
    back: /^\/admin\/subscribers(\?[^\s]*)?$/.test(back) ? back : '/admin/subscribers',
  };
}

/** A field form: `label.LANG` inputs (blank ones left out), choices one per line, and for a new field its key and type. */
export function fieldForm(f: Fields): { key: string; type: string; labels: Record<string, string>; choices: string[] } {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) if (k.startsWith('label.') && v.trim()) labels[k.slice(6)] = v.trim();
  const choices = (f.choices ?? '')
    .split(/\r?\n/)
    .map((c) => c.trim())
    .filter(Boolean);
  return { key: (f.key ?? '').trim(), type: f.type ?? 'text', labels, choices };
}

/** The person page's attributes and tags form: `attr.KEY` fields and the tag text. */
export function profileForm(f: Fields): { attributes: Record<string, string | null>; tags: string[] } {
  const attributes: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(f)) if (k.startsWith('attr.')) attributes[k.slice(5)] = v.trim() ? v : null;
  return { attributes, tags: tagsFromText(f.tags) };
}

/** The add-a-subscriber form: the service validates (an invalid address is a validation error, a known one a conflict); active (the admin vouches for consent) unless pending is chosen (a confirmation email asks the person). */
export function subscriberAddForm(f: Fields): {
  email: string;
  name: string | null;
  language: string | null;
  consentNote: string;
  status: 'active' | 'pending';
} {
  return {
    email: f.email ?? '',
    name: orNull(f.name),
    language: orNull(f.language),
    consentNote: f.consentNote ?? '',
    status: f.status === 'pending' ? 'pending' : 'active',
  };
}

/** The subscriber import form: the newsletter, the CSV (null when none was chosen or it is empty) and the consent note. */
export function subscriberImportForm(body: Upload, fallbackSlug: string): { slug: string; file: File | null; consentNote: unknown } {
  const slug = typeof body.newsletter === 'string' ? body.newsletter : fallbackSlug;
  const file = body.file;
  return { slug, file: !file || typeof file === 'string' || file.size === 0 ? null : file, consentNote: body.consentNote };
}

/** The query of a streamed import (the page's script): newsletter, consent note, file name, rows it counted. */
export function subscriberStreamQuery(
  q: Record<string, string | undefined>,
  fallbackSlug: string,
): { slug: string; consentNote: unknown; fileName: string | undefined; rows: number | null; mapping: string | undefined; saveMapping: boolean } {
  const rows = Number(q.rows);
  return {
    slug: q.newsletter || fallbackSlug,
    consentNote: q.consentNote,
    fileName: q.fileName?.slice(0, 200) || undefined,
    rows: Number.isSafeInteger(rows) && rows > 0 ? rows : null,
    // The mapping step's choice (JSON, validated by the service's parser); remembered when asked.
    mapping: q.mapping || undefined,
    saveMapping: q.saveMapping === '1',
  };
}

/** Erasure is confirmed by typing the address (any case). */
export const eraseConfirmed = (f: Fields, email: string | null): boolean => !!email && (f.confirm ?? '').trim().toLowerCase() === email.toLowerCase();

export function newsletterCreateForm(f: Fields): { slug: string; name: string; fromEmail: string; language?: string; timeZone?: string } {
  return {
    slug: (f.slug ?? '').trim(),
    name: f.name ?? '',
    fromEmail: f.fromEmail ?? '',
    ...(f.language?.trim() ? { language: f.language.trim() } : {}),
    ...(f.timeZone ? { timeZone: f.timeZone } : {}),
  };
}

/** The settings form: unchecked boxes are absent (false), empty optional fields clear (null). */
export function newsletterUpdateForm(f: Fields) {
  return {
    name: f.name ?? '',
    fromEmail: f.fromEmail ?? '',
    fromName: orNull(f.fromName),
    replyTo: orNull(f.replyTo),
    ...(f.language?.trim() ? { language: f.language.trim() } : {}),
    ...(f.timeZone ? { timeZone: f.timeZone } : {}),
    openTracking: f.openTracking === 'on',
    welcomeEnabled: f.welcomeEnabled === 'on',
    goodbyeEnabled: f.goodbyeEnabled === 'on',
    description: orNull(f.description),
    organisation: orNull(f.organisation),
  };
}

export const consentTextForm = (f: Fields): { text: string } => ({ text: f.text ?? '' });

/** The send slot: the n-th weekday of the month or a day of the month, at a local time. */
export function slotForm(f: Fields) {
  const time = f.time ?? '';
  const rule =
    f.kind === 'weekdayOfMonth'
      ? { kind: 'weekdayOfMonth', week: Number(f.week), weekday: Number(f.weekday), time }
      : { kind: 'dayOfMonth', day: Number(f.day), time };
  return { rule, ...(f.timeZone ? { timeZone: f.timeZone } : {}), reminderDaysBefore: Number(f.reminderDaysBefore ?? 3), enabled: f.enabled === 'on' };
}

const ROLES: readonly Role[] = ['viewer', 'editor', 'admin'];

/** A role from the form; anything unknown is the least one. */
export const roleFromForm = (value: string | undefined): Role => (ROLES.includes(value as Role) ? (value as Role) : 'viewer');

export function userForm(f: Fields): { email: string; password: string; role: Role } {
  return { email: f.email ?? '', password: f.password ?? '', role: roleFromForm(f.role) };
}

/** A role change (an unknown role is refused, not read as viewer) and whether the admin confirmed changing their own. */
export function roleChangeForm(f: Fields): { role: Role; confirmSelf: boolean } {
  if (!ROLES.includes(f.role as Role)) throw new AppError('validation_failed', msg('user.badRole'));
  return { role: f.role as Role, confirmSelf: f.confirmSelf === 'yes' };
}

/** A new API token: its owner and a name of at most 100 characters. */
export const tokenForm = (f: Fields): { email: string; name: string } => ({ email: f.email ?? '', name: (f.name ?? '').trim().slice(0, 100) });

export const AUDIT_PAGE = 100;

/** The audit log's page: before an id (digits only) and filtered by an action (at most 100 characters). */
export function auditQuery(q: { before?: string | undefined; action?: string | undefined }): {
  action: string;
  query: { limit: number; beforeId?: string; action?: string };
} {
  const action = (q.action ?? '').slice(0, 100);
  const before = q.before;
  return {
    action,
    query: { limit: AUDIT_PAGE + 1, ...(before && /^\d{1,18}$/.test(before) ? { beforeId: before } : {}), ...(action ? { action } : {}) },
  };
}

/** What an editor button asks for beyond a save: a structural op (its fields inline), an importer note's fix, or undo. */
export type EditorAction = { kind: 'op'; op: Record<string, unknown> } | { kind: 'note'; note: number } | { kind: 'undo' } | null;

/**
 * The editor's structure buttons (`op` values, 0-based as the fields are named): `split:s:a:p`,
 * `makeTitle:s:a:p`, `makeSubheading:s:a:p`, `mergePrevious:s:a`, `up:s:a`, `down:s:a`, `moveTo:s:a`
 * (target section in `moveTo.s.a`, 0-based, to its end), `remove:s:a`, `addArticle:s`,
 * `addSection`, `remove:s`, `sectionUp:s`, `sectionDown:s`, `note:i` (the fix of importer note i),
 * `undo`. The positions are read as posted; `applyStructureOp` checks them. Anything else: null.
 */
export function editorAction(f: Fields, sections: IssueContent['sections']): EditorAction {
  const o = f.op ?? '';
  const n = (x: string | undefined) => Number(x);
  let m: RegExpExecArray | null;
  if (o === 'undo') return { kind: 'undo' };
  if ((m = /^note:(\d{1,5})$/.exec(o))) return { kind: 'note', note: n(m[1]) };
  if ((m = /^(split|makeTitle|makeSubheading):(\d{1,5}):(\d{1,5}):(\d{1,5})$/.exec(o)))
    return { kind: 'op', op: { op: m[1], section: n(m[2]), article: n(m[3]), paragraph: n(m[4]) } };
  if ((m = /^mergePrevious:(\d{1,5}):(\d{1,5})$/.exec(o))) return { kind: 'op', op: { op: 'mergePrevious', section: n(m[1]), article: n(m[2]) } };
  if ((m = /^(up|down):(\d{1,5}):(\d{1,5})$/.exec(o))) {
    const [s, a] = [n(m[2]), n(m[3])];
    return { kind: 'op', op: { op: 'moveArticle', section: s, article: a, to: { section: s, index: m[1] === 'up' ? Math.max(0, a - 1) : a + 1 } } };
  }
  if ((m = /^moveTo:(\d{1,5}):(\d{1,5})$/.exec(o))) {
    const [s, a] = [n(m[1]), n(m[2])];
    const raw = f[`moveTo.${s}.${a}`] ?? '';
    const to = /^\d{1,5}$/.test(raw) ? Number(raw) : -1;
    // A move within the section goes to its end; to another section, after its last article.
    const index = to === s ? Math.max(0, (sections[s]?.articles.length ?? 1) - 1) : (sections[to]?.articles.length ?? 0);
    return { kind: 'op', op: { op: 'moveArticle', section: s, article: a, to: { section: to, index } } };
  }
  if ((m = /^remove:(\d{1,5}):(\d{1,5})$/.exec(o))) return { kind: 'op', op: { op: 'deleteArticle', section: n(m[1]), article: n(m[2]) } };
  if ((m = /^addArticle:(\d{1,5})$/.exec(o))) return { kind: 'op', op: { op: 'addArticle', section: n(m[1]), index: sections[n(m[1])]?.articles.length ?? 0 } };
  if (o === 'addSection') return { kind: 'op', op: { op: 'addSection', index: sections.length } };
  if ((m = /^remove:(\d{1,5})$/.exec(o))) return { kind: 'op', op: { op: 'deleteSection', section: n(m[1]) } };
  if ((m = /^(sectionUp|sectionDown):(\d{1,5})$/.exec(o))) {
    const s = n(m[2]);
    return { kind: 'op', op: { op: 'moveSection', section: s, to: m[1] === 'sectionUp' ? Math.max(0, s - 1) : s + 1 } };
  }
  return null;
}

/** Where the editor returns after a structural change: the article (or section) the change left in view. */
export function structureAnchor(op: Record<string, unknown>): string {
  const num = (x: unknown) => (typeof x === 'number' ? x : 0);
  const s = num(op.section);
  const a = num(op.article);
  switch (op.op) {
    case 'split':
      return `#s${s}a${a + 1}`;
    case 'mergePrevious':
      return `#s${s}a${Math.max(0, a - 1)}`;
    case 'makeTitle':
    case 'makeSubheading':
      return `#s${s}a${a}`;
    case 'moveArticle': {
      const to = (op.to ?? {}) as { section?: unknown; index?: unknown };
      return `#s${num(to.section)}a${num(to.index)}`;
    }
    case 'addArticle':
      return `#s${s}a${num(op.index)}`;
    case 'deleteArticle':
    case 'deleteSection':
      return `#s${s}`;
    case 'addSection':
      return `#s${num(op.index)}`;
    case 'moveSection':
      return `#s${num(op.to)}`;
  }
  return '#editor';
}

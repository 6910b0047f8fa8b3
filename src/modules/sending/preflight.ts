/**
 * What an editor must look at before an issue goes out: the open warnings of a send. Each is a
 * message with a stable id (`<n>:<key>`), so a confirmation page can ask for each to be ticked and
 * the server can tell whether every warning it would show now was ticked (a warning that appeared
 * since the page was drawn has a new id and is not acknowledged by an old page).
 */
import { type Message, msg, type StoredMessage } from '../../i18n/index.ts';
import type { IssueContent, LinkLintEntry } from '../issues/model.ts';
import { GMAIL_CLIP_BYTES } from '../../mail/render/issue.ts';

export interface SendWarning {
  id: string;
  said: Message;
}

export interface PreflightFacts {
  content: IssueContent;
  lint: LinkLintEntry[];
  /** The importer's notes stored on the issue. */
  importNotes: StoredMessage[];
  /** The newsletter's postal address (settings). */
  newsletterOrganisation: string | null;
  /** The rendered email's HTML size in bytes, when known: Gmail clips over 102 KB. */
  sizeBytes?: number;
}

/** RFC 2606 names: a link there was never filled in. */
const EXAMPLE_HOST = /(^|\.)(example\.(com|net|org)|[^.]+\.example)$/i;
const URLS = /https?:\/\/[^\s<>()"'\]]+/gi;

function exampleHost(url: string): string | null {
  try {
    const host = new URL(url).hostname;
    return EXAMPLE_HOST.test(host) ? host : null;
  } catch {
    return null;
  }
}

/** Every link the issue carries: sources, images, and URLs in its Markdown texts. */
function linksOf(c: IssueContent): string[] {
  const out: string[] = [];
  const scan = (text: string | undefined) => {
    for (const m of (text ?? '').matchAll(URLS)) out.push(m[0].replace(/[.,;:!?]+$/, ''));
  };
  scan(c.intro);
  for (const s of c.sections)
    for (const a of s.articles) {
      scan(a.body);
      scan(a.attribution);
      for (const src of a.sources) out.push(src.url);
      if (a.image) out.push(a.image.url);
    }
  for (const v of Object.values(c.footer)) scan(v);
  return out;
}

/**
 * The open warnings, in this order: placeholder links (`#`, empty: dropped from the email), links
 * to example domains, articles without a title, each importer note, no postal address, an email
 * Gmail would clip (over 102 KB).
 */
export function sendWarnings(f: PreflightFacts): SendWarning[] {
  const said: Message[] = [];
  const placeholders = f.lint.filter((l) => l.changes.some((c) => typeof c !== 'string' && c.key === 'link.placeholder'));
  if (placeholders.length) said.push(msg('sendux.warn.placeholderLinks', { count: placeholders.length }));
  const examples = [...new Set(linksOf(f.content).filter((u) => exampleHost(u)))];
  if (examples.length) said.push(msg('sendux.warn.exampleLinks', { count: examples.length, links: examples.slice(0, 5).join(' ') }));
  const untitled = f.content.sections.reduce((n, s) => n + s.articles.filter((a) => !a.title.trim()).length, 0);
  if (untitled) said.push(msg('sendux.warn.untitledArticles', { count: untitled }));
  for (const note of f.importNotes) said.push(msg('sendux.warn.importNote', { note }));
  if (!f.newsletterOrganisation?.trim() && !f.content.footer.organisation?.trim()) said.push(msg('sendux.warn.noPostalAddress'));
  if (f.sizeBytes !== undefined && f.sizeBytes > GMAIL_CLIP_BYTES) said.push(msg('editorUx.warn.gmailClip', { size: Math.round(f.sizeBytes / 1024) }));
  return said.map((m, i) => ({ id: `${i}:${m.key}`, said: m }));
}

/** The warnings not acknowledged: all of them unless `all`, else those whose id is not in `ticked`. */
export const openWarnings = (warnings: SendWarning[], ack: { all?: boolean; ticked?: readonly string[] }): SendWarning[] =>
  ack.all ? [] : warnings.filter((w) => !ack.ticked?.includes(w.id));

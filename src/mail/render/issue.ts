/**
 * Renders an issue once: model → view → MJML → HTML, plus the text part and subject.
 * The email output carries `%%QUIRE_…%%` placeholders that personalise.ts fills per recipient.
 * The web archive output is the same page with no personal links at all.
 */
import type { IssueContent } from '../../modules/issues/model.ts';
import { type ArchiveNav, escapeHtml, issueMjml, type ChromeStrings, type IssueView, type IssueViewSection } from '../../../emails/newsletter/issue.mjml.ts';
import { chromeStrings } from './chrome.ts';
import { isAllowedUrl, markdownToHtml, markdownToText } from './markdown.ts';
import { compileMjml } from './mjml.ts';
import { NAME_TOKEN, OPEN_PIXEL_URL_TOKEN, PREFERENCES_URL_TOKEN, UNSUBSCRIBE_URL_TOKEN } from './personalise.ts';
import { issueText, sectionNumber, type IssueTextContext } from './text.ts';

export {
  NAME_TOKEN,
  OPEN_PIXEL_URL_TOKEN,
  PLACEHOLDERS,
  PREFERENCES_URL_TOKEN,
  UNSUBSCRIBE_URL_TOKEN,
} from './personalise.ts';

export interface RenderIssueInput {
  content: IssueContent;
  /** `postalAddress`: the newsletter's organisation and postal address; the footer shows it when the issue names none of its own. */
  newsletter: { name: string; slug: string; language?: string; postalAddress?: string | null };
  number?: number | null;
  /** Public URL of this issue's web version (`/archive/:slug/:number`). */
  archiveUrl: string;
  /** Adds a 1×1 open-tracking image whose src is OPEN_PIXEL_URL_TOKEN. */
  openPixel?: boolean;
}

export interface RenderedIssue {
  html: string;
  text: string;
  subject: string;
  /** UTF-8 bytes of `html`; Gmail clips messages over ~102 KB. */
  sizeBytes: number;
  /** MJML validation errors (soft: the HTML is still produced). */
  errors: string[];
  /** What {{name}} becomes for subscribers without a name; pass on to createPersonaliser. */
  nameFallback: string;
}

export interface RenderWebArchiveInput extends Omit<RenderIssueInput, 'openPixel'> {
  /** Signup page shown instead of the personal links; default `/n/:slug` (same origin). */
  signupUrl?: string;
  /** The archive list the page links back to; default `/archive/:slug` (same origin). */
  listUrl?: string;
  /** The previous and next issue in the archive, with their labels. */
  nav?: ArchiveNav;
  /** The archive's RSS feed, announced in the page's head. */
  feedUrl?: string;
}

/** Gmail clips the HTML part beyond this size, hiding the footer and its unsubscribe link. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

// The editor may write {{name}} (spaces allowed) in markdown; it becomes the name placeholder.
const EDITOR_NAME = /\{\{\s*name\s*\}\}/g;

/**
 * Defuses placeholder look-alikes typed by an editor (or pasted from elsewhere), so that only
 * the template decides where personal values go. A zero-width non-joiner keeps the text looking
 * the same while breaking the token.
 */
function defuseTokens<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/%%QUIRE_/g, '%%QUIRE\u200c_') as T;
  if (Array.isArray(value)) return value.map(defuseTokens) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, defuseTokens(v)])) as T;
  }
  return value;
}

/** A valid-looking BCP 47 tag, else "en"; it goes into the lang attribute. */
function languageTag(content: IssueContent, newsletter: RenderIssueInput['newsletter']): string {
  const tag = (content.language || newsletter.language || 'en').trim();
  return /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i.test(tag) ? tag : 'en';
}

function metaLine(content: IssueContent, number: number | null | undefined, s: ChromeStrings): string {
  const parts: string[] = [];
  // A volume such as "2023年第2期 总第12期" already says which issue this is.
  if (content.volume?.trim()) parts.push(content.volume.trim());
  else if (number != null) parts.push(s.issueNumber(number));
  if (content.date) parts.push(s.formatDate(content.date));
  return parts.join(' · ');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

function subjectOf(content: IssueContent): string {
  const title = oneLine(content.title);
  const volume = content.volume ? oneLine(content.volume) : '';
  return volume && !title.includes(volume) ? `${title} | ${volume}` : title;
}

function preheaderOf(content: IssueContent, s: ChromeStrings, nameText: string): string {
  const intro = content.intro ? oneLine(markdownToText(content.intro, { width: 0 })).replace(EDITOR_NAME, nameText) : '';
  if (intro) return truncate(intro, 120);
  const titles = content.sections.map((sec) => oneLine(sec.title)).filter(Boolean);
  const sep = s.colon === '：' ? '、' : ' · ';
  return truncate(`${s.inThisIssue}${titles.join(sep)}`, 120);
}

/** Builds the template's view; {{name}} becomes `nameHtml` in HTML fragments, `nameText` in text. */
function buildView(
  content: IssueContent,
  input: RenderIssueInput,
  s: ChromeStrings,
  mode: { browserUrl: string | null; links: IssueView['links']; nameHtml: string; nameText: string },
): IssueView {
  const md = (source: string) => markdownToHtml(source).replace(EDITOR_NAME, mode.nameHtml);
  // The web version's article anchors are the archive's public addresses (`/archive/s/3#a-2-1`, search results link them).
  const articleId = mode.links.kind === 'archive' ? (i: number, j: number) => `a-${i + 1}-${j + 1}` : (i: number, j: number) => `s${i + 1}-${j + 1}`;
  const sections: IssueViewSection[] = content.sections.map((section, i) => ({
    id: `s${i + 1}`,
    number: sectionNumber(i),
    title: section.title,
    articles: section.articles.map((article, j) => ({
      id: articleId(i, j),
      title: article.title,
      bodyHtml: article.body.trim() ? md(article.body) : '',
      // Only web images; a mailto: or data: "image" is dropped rather than shown broken.
      ...(article.image && /^https?:\/\//i.test(article.image.url.trim()) ? { image: { url: article.image.url.trim(), alt: article.image.alt } } : {}),
      ...(article.attribution ? { attribution: article.attribution } : {}),
      sources: article.sources.map((src) => ({
        url: isAllowedUrl(src.url) ? src.url.trim() : null,
        label: src.label,
      })),
    })),
  }));
  return {
    lang: languageTag(content, input.newsletter),
    strings: s,
    newsletterName: input.newsletter.name,
    title: content.title,
    documentTitle: content.volume?.trim() && !content.title.includes(content.volume.trim()) ? s.fullTitle(content.title, content.volume.trim()) : content.title,
    meta: metaLine(content, input.number, s),
    preheader: preheaderOf(content, s, mode.nameText),
    browserUrl: mode.browserUrl,
    introHtml: content.intro?.trim() ? md(content.intro) : null,
    sections,
    footer: {
      disclaimerHtml: content.footer.disclaimer?.trim() ? md(content.footer.disclaimer) : null,
      editor: content.footer.editor?.trim() || null,
      contact: content.footer.contact?.trim() || null,
      organisation: content.footer.organisation?.trim() || null,
    },
    links: mode.links,
  };
}

/**
 * Drops MJML's indentation (a third of its output) to keep well under Gmail's clipping limit.
 * Newlines stay, so whitespace between inline elements keeps its meaning; <pre> is left alone.
 */
function tidyHtml(html: string): string {
  return html
    .split(/(<pre\b[\s\S]*?<\/pre>)/i)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\n[ \t]+/g, '\n').replace(/\n{2,}/g, '\n')))
    .join('');
}

const OPEN_PIXEL_TAG = `<img src="${OPEN_PIXEL_URL_TOKEN}" width="1" height="1" alt="" border="0" style="display:block;border:0;outline:none;width:1px;height:1px;">`;

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Every email carries a postal address: the issue's own footer line, else the newsletter's (its settings). */
function withPostalAddress(content: IssueContent, postalAddress: string | null | undefined): IssueContent {
  if (content.footer.organisation?.trim() || !postalAddress?.trim()) return content;
  return { ...content, footer: { ...content.footer, organisation: postalAddress.trim() } };
}

async function render(
  input: RenderIssueInput,
  mode: { browserUrl: string | null; links: IssueView['links']; nameHtml: string; nameText: string; pixel: boolean; head?: (view: IssueView) => string },
): Promise<RenderedIssue> {
  const content = withPostalAddress(defuseTokens(input.content), input.newsletter.postalAddress);
  const s = chromeStrings(content.language || input.newsletter.language);
  const view = buildView(content, input, s, mode);
  const compiled = await compileMjml(issueMjml(view));
  let html = tidyHtml(compiled.html);
  if (mode.pixel) html = html.replace(/<\/body>/i, `${OPEN_PIXEL_TAG}\n</body>`);
  if (mode.head) {
    const head = mode.head(view);
    html = html.replace(/<\/head>/i, () => `${head}\n</head>`);
  }

  const textContext: IssueTextContext = {
    strings: s,
    newsletterName: input.newsletter.name,
    meta: view.meta,
    archiveUrl: input.archiveUrl || null,
    links: view.links,
    transform: (t) => t.replace(EDITOR_NAME, mode.nameText),
  };
  return {
    html,
    text: issueText(content, textContext),
    subject: subjectOf(content),
    sizeBytes: byteLength(html),
    errors: compiled.errors,
    nameFallback: s.nameFallback,
  };
}

/** The email version: placeholders for the personal links and name, optional open pixel. */
export function renderIssue(input: RenderIssueInput): Promise<RenderedIssue> {
  return render(input, {
    browserUrl: input.archiveUrl || null,
    links: { kind: 'email', unsubscribeUrl: UNSUBSCRIBE_URL_TOKEN, preferencesUrl: PREFERENCES_URL_TOKEN },
    nameHtml: NAME_TOKEN,
    nameText: NAME_TOKEN,
    pixel: Boolean(input.openPixel),
  });
}

/**
 * The public web version (`GET /archive/:slug/:number`): same page, no placeholders, no pixel;
 * a link back to the archive list on top; the footer links to the signup page instead of
 * personal unsubscribe/preferences links.
 */
export function renderWebArchive(input: RenderWebArchiveInput): Promise<RenderedIssue> {
  const s = chromeStrings(input.content.language || input.newsletter.language);
  const signupUrl = input.signupUrl ?? `/n/${encodeURIComponent(input.newsletter.slug)}`;
  const listUrl = input.listUrl ?? `/archive/${encodeURIComponent(input.newsletter.slug)}`;
  return render(input, {
    browserUrl: null,
    links: { kind: 'archive', signupUrl, listUrl, ...(input.nav ? { nav: input.nav } : {}) },
    nameHtml: escapeHtml(s.nameFallback),
    nameText: s.nameFallback,
    pixel: false,
    head: (view) => webHead(input, view),
  });
}

/**
 * What a shared link and a feed reader need in the web version's head: a description (the intro,
 * else the first article, as plain text), the canonical address, Open Graph, the feed.
 */
function webHead(input: RenderWebArchiveInput, view: IssueView): string {
  const c = input.content;
  const firstBody = c.sections.flatMap((sec) => sec.articles).find((a) => a.body.trim())?.body ?? '';
  const description = truncate(
    oneLine(markdownToText(c.intro?.trim() ? c.intro : firstBody, { width: 0 })).replace(EDITOR_NAME, view.strings.nameFallback),
    160,
  );
  const image = view.sections.flatMap((sec) => sec.articles).find((a) => a.image)?.image;
  const meta = (attr: 'name' | 'property', key: string, value: string) => `<meta ${attr}="${key}" content="${escapeHtml(value)}">`;
  return [
    description ? meta('name', 'description', description) : '',
    input.archiveUrl ? `<link rel="canonical" href="${escapeHtml(input.archiveUrl)}">` : '',
    input.feedUrl ? `<link rel="alternate" type="application/rss+xml" title="${escapeHtml(input.newsletter.name)}" href="${escapeHtml(input.feedUrl)}">` : '',
    meta('property', 'og:type', 'article'),
    meta('property', 'og:title', view.documentTitle),
    description ? meta('property', 'og:description', description) : '',
    input.archiveUrl ? meta('property', 'og:url', input.archiveUrl) : '',
    meta('property', 'og:site_name', input.newsletter.name),
    meta('property', 'og:locale', view.lang.replace('-', '_')),
    image ? meta('property', 'og:image', image.url) : '',
    image?.alt ? meta('property', 'og:image:alt', image.alt) : '',
  ]
    .filter(Boolean)
    .join('\n');
}

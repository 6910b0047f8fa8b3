/**
 * The archive search's text rules, pure: what an article's search document holds, how text and
 * queries are normalised, the grams the index narrows by, and the snippet with its highlights.
 *
 * Matching is by substring after normalisation (NFKC, lower case, spaces collapsed), so Chinese
 * without word spaces matches as well as English: "采购" finds 绿色采购, "procure" finds
 * "Procurement". A query's words (split on white space) must all match.
 */
import { markdownToText } from '../../mail/render/markdown.ts';
import type { IssueContent } from '../issues/model.ts';
import type { ArchiveDocument, SearchTerm } from './repository.ts';

/** Longest query accepted (characters); more is a 400 for the API, a message on the page. */
export const MAX_QUERY_LENGTH = 200;
/** Words of a query beyond this many are ignored. */
export const MAX_QUERY_TERMS = 8;
/** Grams asked of the index per word: any subset of a word's grams is a valid filter. */
const MAX_GRAMS_PER_TERM = 12;

export function normalise(s: string): string {
  // Control characters (a NUL cannot even reach the database) count as spaces.
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u0000-\u001f\u007f\s]+/g, ' ')
    .trim();
}

/** The distinct two-character grams of normalised text, leaving out pairs with a space. */
export function gramsOf(norm: string): string[] {
  const chars = Array.from(norm);
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) {
    const a = chars[i]!;
    const b = chars[i + 1]!;
    if (a !== ' ' && b !== ' ') out.add(a + b);
  }
  return [...out];
}

/** A query's words, normalised and deduplicated; a word of one character has no grams (a scan). */
export function queryTerms(q: string): SearchTerm[] {
  const words = [...new Set(normalise(q).split(' ').filter(Boolean))].slice(0, MAX_QUERY_TERMS);
  return words.map((text) => {
    const grams = gramsOf(text);
    if (grams.length <= MAX_GRAMS_PER_TERM) return { text, grams };
    const step = grams.length / MAX_GRAMS_PER_TERM;
    return { text, grams: Array.from({ length: MAX_GRAMS_PER_TERM }, (_, i) => grams[Math.floor(i * step)]!) };
  });
}

const plain = (markdown: string) => markdownToText(markdown, { width: 0 }).replace(/\s+/g, ' ').trim();

/** One document per article (1-based section and article, as the anchors `#a-S-A` count). */
export function documentsOf(content: IssueContent): ArchiveDocument[] {
  const docs: ArchiveDocument[] = [];
  content.sections.forEach((section, i) => {
    section.articles.forEach((article, j) => {
      const body = [plain(article.body), article.attribution?.trim() ?? '', ...article.sources.map((s) => s.label.trim())].filter(Boolean).join(' ');
      const title = article.title.trim();
      const textNorm = normalise(`${title} ${body}`);
      docs.push({ section: i + 1, article: j + 1, title, body, titleNorm: normalise(title), textNorm, grams: gramsOf(textNorm) });
    });
  });
  return docs;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

export interface Snippet {
  /** Plain text, about `width` characters around the first match, with … where cut. */
  text: string;
  /** The same text, HTML-escaped, each matched word wrapped in `<mark>`. */
  html: string;
}

/**
 * The passage around the first match in `body` (its beginning when only the title matched), the
 * query's words marked. Matches are found on the normalised form, character by character, so the
 * original text (its case, its full-width letters) is what the reader sees.
 */
export function snippetOf(body: string, terms: SearchTerm[], width = 120): Snippet {
  const chars = Array.from(body);
  // Normalise per character so positions in the normalised text map back to the original.
  const normChars = chars.map((c) => (/\s/.test(c) ? ' ' : c.normalize('NFKC').toLowerCase()));
  const marked = new Array<boolean>(chars.length).fill(false);
  let first = -1;
  for (const t of terms) {
    const needle = Array.from(t.text);
    for (let i = 0; i + needle.length <= chars.length; i++) {
      let ok = true;
      for (let k = 0; k < needle.length && ok; k++) ok = normChars[i + k] === needle[k];
      if (!ok) continue;
      for (let k = 0; k < needle.length; k++) marked[i + k] = true;
      if (first < 0 || i < first) first = i;
    }
  }
  let start = first < 0 || chars.length <= width ? 0 : Math.max(0, Math.min(first - Math.floor(width / 3), chars.length - width));
  let end = Math.min(chars.length, start + width);
  // In text with spaces, start and end at a word's edge (a few characters' leeway, never past the match).
  if (start > 0 && chars[start - 1] !== ' ') {
    const space = chars.indexOf(' ', start);
    if (space >= 0 && space - start < 15 && space < first) start = space + 1;
  }
  if (end < chars.length && chars[end] !== ' ') {
    const space = chars.lastIndexOf(' ', end);
    if (space > start && end - space < 15) end = space;
  }
  let text = '';
  let html = '';
  let open = false;
  for (let i = start; i < end; i++) {
    if (marked[i] && !open) {
      html += '<mark>';
      open = true;
    } else if (!marked[i] && open) {
      html += '</mark>';
      open = false;
    }
    text += chars[i];
    html += escapeHtml(chars[i]!);
  }
  if (open) html += '</mark>';
  const before = start > 0 ? '…' : '';
  const after = end < chars.length ? '…' : '';
  return { text: before + text + after, html: before + html + after };
}

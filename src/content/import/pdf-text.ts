/**
 * Reads text extracted from a PDF (copy-paste or pdftotext) into blocks.
 *
 * Extraction keeps the PDF's visual lines: a Chinese sentence is cut wherever the column ended,
 * often with a blank line after every line. Blank lines therefore cannot tell paragraphs apart;
 * instead a line continues the previous one when the previous one is "full" (about as wide as
 * its neighbours, so the text ran to the column edge) and did not end a sentence. Short lines
 * standing alone are titles; lines repeated across the file are page headers.
 */
import {
  type Block,
  CONTACT_LINE,
  EDITOR_LINE,
  comparable,
  displayWidth,
  endsMidClause,
  endsSentence,
  escapeMarkdown,
  isAttribution,
  isEmailLine,
  isHeadingLike,
  isTocMarker,
  isUrlLine,
  isVolumeLine,
  joinLines,
  listItemMarkdown,
  looksLikeSectionName,
  TITLE_WORDS,
  tidySpaces,
} from './text.ts';

interface Line {
  text: string;
  /** Width as laid out, counting the spaces justification put between characters. */
  width: number;
  /** Leading spaces in the source: a first-line indent starts a paragraph. */
  indent: number;
  /** Blank lines before this one. */
  gap: number;
  /** A form feed came before this line. */
  page: boolean;
}

/** A line this wide relative to its neighbours ran to the column edge. */
const FULL_LINE = 0.8;

/** What the PDF-text reader found besides the blocks: running headers and footers it left out. */
export interface PdfTextRead {
  blocks: Block[];
  /** Lines repeated on several pages with a changing page number (or the newsletter's name): not content. */
  runningLines: { text: string; count: number; texts: string[] }[];
}

export function pdfTextToBlocks(source: string): Block[] {
  return readPdfText(source).blocks;
}

export function readPdfText(source: string): PdfTextRead {
  const all = readLines(source);
  const running = runningLines(all);
  // Page headers and footers go, but their blank lines and page breaks stay with the next line.
  const lines: Line[] = [];
  let carry = null as { gap: number; page: boolean } | null;
  let keptName = false;
  for (const l of all) {
    const key = runningKey(l.text);
    const isName = key === running.nameKey;
    if ((running.keys.has(key) && !(isName && !keptName)) || PAGE_NUMBER.test(l.text)) {
      const before = carry;
      carry = { gap: Math.max(before?.gap ?? 0, l.gap), page: (before?.page ?? false) || l.page };
      continue;
    }
    if (isName) keptName = true;
    lines.push(carry ? { ...l, gap: Math.max(l.gap, carry.gap), page: l.page || carry.page } : l);
    carry = null;
  }
  // Double-spaced text puts a blank line after every line; text of one-line paragraphs (a title
  // right over its one-line text, blank lines between them) has as many blank lines, but also
  // lines set right under each other: there a blank line is a paragraph break.
  const gaps = lines.slice(1).map((l) => l.gap);
  const tight = gaps.filter((g) => g === 0).length;
  const typicalGap = tight >= 3 && tight >= 0.25 * gaps.length ? 0 : (mostCommon(gaps) ?? 0);
  // Word's "plain text" and similar exports do not wrap: one line is one paragraph.
  // Wrapped text ends its long lines anywhere; unwrapped text ends every long line a sentence.
  const long = lines.filter((l) => l.width > 100);
  const unwrapped = long.length >= 2 && long.filter((l) => endsSentence(l.text)).length >= 0.8 * long.length;
  const headers = repeatedShortLines(lines);
  // The issue number and date stand on their own lines on a front page.
  const frontPage = new Set(lines.slice(0, 10).filter((l) => isVolumeLine(l.text)));
  const standaloneMemo = new Map<Line, boolean>();
  const standalone = (l: Line) => {
    let v = standaloneMemo.get(l);
    if (v === undefined) standaloneMemo.set(l, (v = isStandalone(l)));
    return v;
  };
  const isStandalone = (l: Line) =>
    frontPage.has(l) ||
    isUrlLine(l.text) ||
    isEmailLine(l.text) ||
    isAttribution(l.text) ||
    EDITOR_LINE.test(l.text) ||
    CONTACT_LINE.test(l.text) ||
    isTocMarker(l.text) ||
    headers.has(comparable(l.text)) ||
    (looksLikeSectionName(l.text) && isHeadingLike(l.text));

  const blocks: Block[] = [];
  let para: { lines: Line[]; text: string; item: boolean } | null = null;
  let urls: string[] = [];
  let list: string[] = [];

  const flushPara = () => {
    if (!para) return;
    const text = escapeMarkdown(para.text);
    if (para.item) {
      list.push(listItemMarkdown(text) ?? text);
    } else {
      flushList();
      blocks.push({ kind: 'text', text });
    }
    para = null;
  };
  const flushList = () => {
    if (list.length > 0) blocks.push({ kind: 'list', markdown: list.join('\n') });
    list = [];
  };
  const flushUrls = () => {
    if (urls.length > 0) blocks.push({ kind: 'urls', links: urls.map((url) => ({ url, label: '' })) });
    urls = [];
  };
  const flushAll = () => {
    flushPara();
    flushList();
    flushUrls();
  };

  /** The lines after `i` that may belong to the same sentence: they show the column width. */
  const lookahead = (i: number): Line[] => {
    const ahead: Line[] = [];
    for (const next of lines.slice(i + 1, i + 3)) {
      if (next.gap > typicalGap || next.indent >= 2 || standalone(next) || listItemMarkdown(next.text) !== null) break;
      ahead.push(next);
      if (endsSentence(next.text)) break;
    }
    return ahead;
  };

  for (const [i, line] of lines.entries()) {
    const pageBreak = line.page || line.gap >= Math.max(2, typicalGap + 1);
    const paragraphBreak = pageBreak || line.gap > typicalGap;
    if (pageBreak) {
      flushAll();
      if (blocks.length > 0 && blocks.at(-1)?.kind !== 'break') blocks.push({ kind: 'break' });
    }

    if (isUrlLine(line.text)) {
      if (para && !paragraphBreak && /[：:]$/.test(para.text)) {
        // "…标准可参照：<URL>" — the link belongs to the sentence.
        para.text = joinLines(para.text, line.text);
        para.lines.push(line);
        continue;
      }
      flushPara();
      flushList();
      urls.push(line.text.trim());
      continue;
    }
    const lastUrl = urls.at(-1);
    if (lastUrl !== undefined && line.gap <= typicalGap && continuesUrl(lastUrl, line.text)) {
      urls[urls.length - 1] = lastUrl + line.text.trim();
      continue;
    }
    flushUrls();

    const item = listItemMarkdown(line.text) !== null;
    const ahead = para && !unwrapped && !paragraphBreak && !item && !standalone(line) ? lookahead(i) : [];
    if (para && !unwrapped && !paragraphBreak && !item && !standalone(line) && continues(para, line, ahead, typicalGap, standalone)) {
      if (!(para.lines.length === 1 && !para.item && headlineBeforeText(para.lines[0]!, [line, ...ahead]))) {
        para.text = joinLines(para.text, line.text);
        para.lines.push(line);
        continue;
      }
      // A headline set on the line right above its text, without a blank line between them.
      flushPara();
      const last = blocks.at(-1);
      if (last?.kind === 'text') last.headline = true;
    }
    flushPara();
    if (!item) flushList();
    para = { lines: [line], text: line.text, item };
    if (standalone(line)) flushPara();
  }
  flushAll();
  return { blocks, runningLines: running.found };
}

/**
 * A short line that starts a paragraph, has no punctuation of a sentence and is clearly narrower
 * than the column the next lines fill is a headline over its text, not the text's first line.
 */
function headlineBeforeText(line: Line, ahead: Line[]): boolean {
  const next = ahead[0];
  if (!next || ahead.length < 2 || line.indent >= 2) return false;
  const a = line.text;
  if (/[，。、；：,.;:！？!?]/.test(a) || endsMidClause(a) || !isHeadingLike(a)) return false;
  if (count(a, /[《（(“"]/g) !== count(a, /[》）)”"]/g)) return false;
  // Much narrower than the column; or as narrow as the next line, itself the (indented) first
  // line of a paragraph: a paragraph's own first line is the only short one.
  const column = Math.max(...ahead.map((l) => l.width));
  const narrow = line.width < 0.7 * column;
  const besideFirstLine = line.width < 0.92 * column && next.width <= line.width + 2 && next.width < 0.95 * column;
  if (!narrow && !besideFirstLine) return false;
  const b = next.text;
  if (/\p{Script=Han}/u.test(a)) return /^[\p{Script=Han}\d“"《（(]/u.test(b);
  // Latin: the text starts a sentence, and the line does not end on a word that needs more.
  return /^[A-Z0-9“"‘]/.test(b) && !/\b(the|a|an|of|and|or|to|in|on|for|with|by|at|from)$/i.test(a) && a.split(/\s+/).length <= 14;
}

/** Should `line` be joined to the paragraph being built? */
function continues(
  para: { lines: Line[]; text: string; item: boolean },
  line: Line,
  ahead: Line[],
  typicalGap: number,
  standalone: (l: Line) => boolean,
): boolean {
  const previous = para.lines.at(-1)!;
  if (standalone(previous)) return false;
  // A first-line indent starts a new paragraph; a hanging indent continues a list item.
  if (line.indent >= 2 && !para.item) return false;
  if (line.indent >= 2 && para.item) return true;
  const a = previous.text;
  const full = isFull(previous, [...para.lines.slice(-3), line, ...ahead]);
  if (endsSentence(a)) {
    // Chinese sentences end at the line end only when the paragraph does; Latin text wraps anywhere.
    return !/[。！？；…]$/.test(a.replace(/[”’」』）》\s]+$/, '')) && full;
  }
  if (endsMidClause(a)) return true;
  // Lines set closer together than usual belong together (a title wrapped onto two lines).
  if (line.gap < typicalGap) return true;
  // After a colon comes either more of the sentence or a title / list: only a long line continues.
  if (/[：:]$/.test(a)) return line.width >= FULL_LINE * previous.width;
  // An opened 《title》 or bracket has not been closed yet.
  if (count(para.text, /[《（(]/g) > count(para.text, /[》）)]/g)) return true;
  return full;
}

/** The line ran to the column edge: about as wide as the widest line around it. */
function isFull(line: Line, around: Line[]): boolean {
  return line.width >= FULL_LINE * Math.max(line.width, ...around.map((l) => l.width));
}

function count(s: string, re: RegExp): number {
  return s.match(re)?.length ?? 0;
}

/** A URL cut by the line end: the next line is more URL, not words. */
function continuesUrl(url: string, next: string): boolean {
  const t = next.trim();
  if (!/^[A-Za-z0-9\-._~%!$&'()*+,;=:@/?#]+$/.test(t) || isUrlLine(t)) return false;
  // A path cut anywhere: the rest ends the way a page's address does ("84756.htm", "…_881.html").
  if (/^[\w\-.%]+\.(?:s?html?|php|aspx?|jsp|pdf|cgi)$/i.test(t) && /\/[^/]*$/.test(url.replace(/^[a-z]+:\/\/[^/]+/i, ''))) return true;
  // An address or a site of its own: "mailto:…", "name@host", "example.org" — never more of the URL.
  if (/^mailto:/i.test(t) || isEmailLine(t) || /^[a-z0-9-]+(\.[a-z0-9-]+)+\/?$/i.test(t)) return false;
  return /[/?&=%#]/.test(t) || /[/?&=%#\-_.]$/.test(url);
}

function readLines(source: string): Line[] {
  const lines: Line[] = [];
  let gap = 0;
  let page = false;
  for (const rawLine of source.replace(/\r\n?/g, '\n').split('\n')) {
    if (rawLine.includes('\f')) page = true;
    const raw = rawLine.replace(/\f/g, '');
    const text = tidySpaces(raw);
    if (text === '') {
      gap++;
      continue;
    }
    const indent = /^[ \u3000]*/.exec(raw.replace(/\t/g, '    '))![0].length;
    lines.push({ text, width: displayWidth(raw.trim().replace(/\s+/g, ' ')), indent, gap, page });
    gap = 0;
    page = false;
  }
  return lines;
}

/** A line that is only a page number: "3", "- 3 -", "Page 3 of 8", "第 3 页", "3/8". */
const PAGE_NUMBER = /^[-–—·\s]*(?:(?:page|p\.|第)\s*)?\d{1,3}\s*(?:[页頁]|\/\s*\d{1,3}|of\s+\d{1,3})?[-–—·\s]*$/i;

/** A page number beside a running line's words: "第2页", "第 2 頁", "Page 2", "p. 2", "2 |", "| 2", "· 2". */
const PAGE_MARK = /\s*(?:第\s*\d{1,3}\s*[页頁]|\bpage\s*\d{1,3}(?:\s*of\s*\d{1,3})?|\bp\.\s*\d{1,3}|^\s*\d{1,3}\s*[|·•–—-]|[|·•–—-]\s*\d{1,3}\s*$)\s*/i;

/** Lines compared with their numbers masked: "SPP Brief · 3" and "SPP Brief · 4" are one running line. */
function runningKey(text: string): string {
  return comparable(text).replace(/\d+/g, '#');
}

/**
 * Running headers and footers: a short line repeated on several pages whose number changes
 * ("Riverside Weekly — page 2"), or the document's first line repeated when it is the
 * newsletter's name. Section names repeated on every page are left to the structure reader.
 */
function runningLines(lines: Line[]): { keys: Set<string>; nameKey: string | undefined; found: { text: string; count: number; texts: string[] }[] } {
  const groups = new Map<string, { texts: Set<string>; raw: string[]; count: number; first: string }>();
  for (const l of lines) {
    // A URL's tail cut by the line end ("40248.html") is no running line either.
    if (displayWidth(l.text) > 80 || isUrlLine(l.text) || !/\p{L}/u.test(l.text) || /^[\w\-.%/?&=#~]*[./_][\w\-.%/?&=#~]*$/.test(l.text.trim())) continue;
    const key = runningKey(l.text);
    if (key === '') continue;
    const g = groups.get(key) ?? { texts: new Set<string>(), raw: [], count: 0, first: l.text };
    g.texts.add(comparable(l.text));
    g.raw.push(l.text);
    g.count++;
    groups.set(key, g);
  }
  const firstKey = lines[0] ? runningKey(lines[0].text) : '';
  const keys = new Set<string>();
  let nameKey: string | undefined;
  const found: { text: string; count: number; texts: string[] }[] = [];
  for (const [key, g] of groups) {
    const numbered = g.count >= 2 && g.texts.size >= 2 && /#/.test(key) && !isVolumeLine(g.first);
    const nameRepeated = key === firstKey && g.count >= 3 && TITLE_WORDS.test(g.first) && !looksLikeSectionName(g.first);
    // The name with a page number ("简报 · 第2页", "Review | Page 3"): a page's running line, even
    // when the extract kept it on one page only.
    const namePaged = key !== firstKey && firstKey !== '' && PAGE_MARK.test(g.first) && runningKey(g.first.replace(PAGE_MARK, '')) === firstKey;
    if (!numbered && !nameRepeated && !namePaged) continue;
    // The first occurrence of the name is the front page's title: it stays.
    if (nameRepeated && !numbered) nameKey = key;
    keys.add(key);
    found.push({ text: g.first, count: nameRepeated && !numbered ? g.count - 1 : g.count, texts: g.raw });
  }
  return { keys, nameKey, found };
}

/** Short non-URL lines that occur more than once: running page headers. */
function repeatedShortLines(lines: Line[]): Set<string> {
  const counts = new Map<string, number>();
  for (const l of lines) {
    if (!isHeadingLike(l.text, 40)) continue;
    const key = comparable(l.text);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return new Set([...counts].filter(([key, n]) => n > 1 && key !== '').map(([key]) => key));
}

function mostCommon(values: number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | undefined;
  for (const [v, n] of counts) if (best === undefined || n > counts.get(best)!) best = v;
  return best;
}

/**
 * Text helpers shared by the Markdown and PDF-text importers: the block model both produce,
 * CJK-aware line joining, and the small classifiers (URL line, list item, attribution…).
 */

/** Small memo for the pure helpers the structure reader calls on the same lines again and again. */
const caches: Map<string, unknown>[] = [];

/** Empties the memos (the bench does, so that every timed import starts cold). */
export function clearTextCaches(): void {
  for (const c of caches) c.clear();
}

function memo<T>(limit: number, f: (s: string) => T): (s: string) => T {
  const cache = new Map<string, T>();
  caches.push(cache as Map<string, unknown>);
  return (s) => {
    let v = cache.get(s);
    if (v === undefined) {
      if (cache.size >= limit) cache.clear();
      v = f(s);
      cache.set(s, v);
    }
    return v;
  };
}

/** What a format-specific reader hands to the structure builder, in document order. */
export type Block =
  /**
   * A paragraph or a short standalone line, as Markdown inline text. `headline`: a short line the
   * reader cut off the text after it although no blank line separated them (a guess worth a note).
   */
  | { kind: 'text'; text: string; headline?: boolean }
  /** An explicit Markdown heading (`#`…`######` or setext). */
  | { kind: 'heading'; text: string; level: number }
  /** A Markdown list, ready to paste into a body. */
  | { kind: 'list'; markdown: string }
  /** Lines that are nothing but links: the sources of the article before them. */
  | { kind: 'urls'; links: { url: string; label: string }[] }
  | { kind: 'image'; url: string; alt: string }
  /** Quotes, code, tables, HTML: kept verbatim in the body. */
  | { kind: 'raw'; markdown: string }
  /** A page break or a thematic break: whatever follows starts afresh. */
  | { kind: 'break' };

/** East Asian wide characters (ideographs, kana, hangul, CJK and full-width punctuation). */
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3040-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u;
/** Curly quotes, dashes and ellipsis are set full-width in Chinese text. */
const WIDE_IN_CJK = /[\u2018\u2019\u201C\u201D\u2014\u2026]/;

export function isWide(ch: string | undefined): boolean {
  return ch !== undefined && WIDE.test(ch);
}

/** Width in half-width cells, the unit PDF line lengths are compared in. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) || WIDE_IN_CJK.test(ch) ? 2 : 1;
  return w;
}

/**
 * Joins two pieces of one sentence that a line break separated: no space around CJK text or
 * after a hyphen, one space between Latin words.
 */
export function joinLines(a: string, b: string): string {
  const left = a.replace(/\s+$/, '');
  const right = b.replace(/^\s+/, '');
  if (left === '') return right;
  if (right === '') return left;
  const last = [...left].pop();
  const first = [...right][0];
  const glue = isWide(last) || isWide(first) || WIDE_IN_CJK.test(last ?? '') || last === '-' || last === '/' ? '' : ' ';
  return left + glue + right;
}

/** Collapses runs of spaces; removes the spaces PDF justification puts between CJK characters. */
export function tidySpaces(s: string): string {
  return s
    .replace(/[\t\u00A0\u3000 ]+/g, ' ')
    .replace(
      /(?<=[\p{Script=Han}\u3000-\u303F\uFF00-\uFF60\u201C\u201D\u2018\u2019])\s+(?=[\p{Script=Han}\u3000-\u303F\uFF00-\uFF60\u201C\u201D\u2018\u2019])/gu,
      '',
    )
    .trim();
}

/** Closing quotes and brackets that may follow the punctuation ending a sentence. */
const CLOSERS = /[\s"'\u2019\u201D\u300D\u300F\u3011\uFF09)\u300B\u3009\]]+$/;

/** True when the text ends a sentence (。！？… or Latin . ! ?). */
export function endsSentence(s: string): boolean {
  return /[。！？!?.…；;]$/.test(s.replace(CLOSERS, ''));
}

/** True when a line ends in the middle of a clause (comma, enumeration comma, open bracket…). */
export function endsMidClause(s: string): boolean {
  return /[，、,（(《“‘\-–—]$/.test(s.trimEnd());
}

/** Markdown inline text as a reader sees it: link texts kept, link targets and markup dropped. */
export const visibleText = memo(20_000, (markdown: string): string => visibleTextOf(markdown));

function visibleTextOf(markdown: string): string {
  return markdown
    .replace(/^\s{0,3}#{1,6}\s+/, '')
    .replace(/!?\[((?:[^\]\\]|\\.)*)\]\([^)]*\)/g, '$1')
    .replace(/<((?:https?:|mailto:)[^>]+)>/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?![\w*])/g, '$1$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!>])/g, '$1')
    .trim();
}

/**
 * A line that could be a title: short, one sentence at most, not ending like prose.
 * 80 half-width cells is about 40 Chinese characters or a long English headline.
 */
export function isHeadingLike(text: string, maxWidth = 80): boolean {
  const t = visibleText(text);
  if (t === '' || !/[\p{L}\p{N}]/u.test(t)) return false;
  if (displayWidth(t) > maxWidth || t.includes('\n')) return false;
  if (/[。]/.test(t) || /[。．.，,、；;]$/.test(t)) return false;
  if (/[：:]$/.test(t) && !isSubpartLabel(t)) return false;
  return !LIST_ITEM.test(t) && !isUrlLine(t) && !isAttribution(t);
}

/** Private-use code points: PDF fonts map their bullet glyphs (e.g. U+F070) there; they render as boxes. */
export const PRIVATE_USE = /[\uE000-\uF8FF]/gu;

/**
 * Lines starting with private-use glyphs become list items (`bullet` marker); private-use
 * characters elsewhere are dropped. Returns the text and how many glyphs were replaced.
 */
export function replacePrivateUse(source: string, bullet: string): { text: string; count: number } {
  let count = 0;
  const text = source
    .replace(/^([ \t\u3000]*)[\uE000-\uF8FF]+[ \t\u3000]*(?=\S)/gmu, (_m, indent: string) => {
      count++;
      return `${indent}${bullet} `;
    })
    .replace(PRIVATE_USE, () => {
      count++;
      return '';
    });
  return { text, count };
}

/**
 * Labels of the parts of one article: "第1部分：", "第一部分", "一、", "（二）", "相关建议：", "Part 2:",
 * "Key findings". Such a line is a sub-heading inside its article, never an article or a section.
 */
const SUBPART =
  /^(?:第\s*[一二三四五六七八九十\d]+\s*(?:部分|节|章)|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|(?:相关|主要|政策|工作)?(?:建议|发现|结论|背景|做法|成效|启示|亮点|要点|下一步(?:工作)?)\s*[：:]?$|(?:part|section|chapter|step)\s+(?:\d+|[ivx]+|one|two|three|four|five)\b|(?:key|main)\s+(?:findings|points|takeaways|messages|recommendations)\b|(?:background|recommendations|next steps|conclusions?|what(?:'|’)s next)\s*[:：]?$)/iu;

export function isSubpartLabel(text: string): boolean {
  const t = visibleText(text).replace(/^#+\s*/, '');
  if (t === '' || displayWidth(t) > 60 || /[。！？!?]$/.test(t)) return false;
  return SUBPART.test(t);
}

/** A list item marker at the start of a line: bullets, `1.`, `1、`, `(1)`, `01 ` (PDF numbering). */
// A bare number only counts when zero-padded ("01 ") or followed by Chinese text, so that an
// English line starting "20 countries…" stays prose.
const LIST_ITEM = /^\s*(?:([-*+•●⚫▪■◆◇○◦·‣➢➤►])\s|(\d{1,2})[.、)）](?!\d)|[(（](\d{1,2})[)）]|(0\d|\d{1,2}(?=\s+\p{Script=Han}))(?=\s))\s*/u;

/** Rewrites a list line as Markdown (`- x` or `1. x`); null when it is not a list item. */
export function listItemMarkdown(line: string): string | null {
  const m = LIST_ITEM.exec(line);
  if (!m) return null;
  const rest = line.slice(m[0].length).trim();
  if (rest === '') return null;
  const number = m[2] ?? m[3] ?? m[4];
  return number === undefined ? `- ${rest}` : `${number}. ${rest}`;
}

const URL_START = /^(?:https?:\/{0,2}|https?\/\/|www\.)/i;

/** The line is a URL and nothing else (possibly in angle brackets). */
export function isUrlLine(line: string): boolean {
  const t = line.trim().replace(/^<(.*)>$/, '$1');
  return URL_START.test(t) && !/\s/.test(t);
}

export function isEmailLine(line: string): boolean {
  return /^<?(?:mailto:)?[^\s@<>]+@[^\s@<>]+\.[a-z]{2,}>?$/i.test(line.trim());
}

/** "（摘自：同一个地球网络网页）", "——摘自 …", "Source: …". */
const ATTRIBUTION = /^[（(]?\s*[-—–]*\s*(摘自|摘编自|来源|资料来源|信息来源|转自|编译自|source|sources|adapted from|excerpted from|via)\s*[：:]?/i;

export function isAttribution(text: string): boolean {
  const t = visibleText(text);
  return ATTRIBUTION.test(t) && displayWidth(t) <= 90 && !/[。.!?](?!$)/.test(t.replace(/[）)。.]+$/, ''));
}

/** The attribution as stored: without its brackets, leading dashes or final full stop. */
export function attributionText(text: string): string {
  return visibleText(text)
    .replace(/^[（(]\s*(.*?)\s*[）)]?[。.]?$/, '$1')
    .replace(/^[-—–]+\s*/, '')
    .replace(/[。.]$/, '')
    .trim();
}

/** The name on an editor line, without its label ("编辑：王璟" → "王璟"): the footer prints its own label. */
export function editorName(text: string): string {
  return visibleText(text).replace(EDITOR_LINE, '').trim() || visibleText(text);
}

export const EDITOR_LINE = /^(编辑|责任编辑|主编|执行编辑|编者|编辑部|editor|editors|edited by)\s*[：:]/i;
export const CONTACT_LINE =
  /^(?:联系(?:我们|方式|人|电话|邮箱)?|电话|邮箱|电子邮[件箱]|地址|网址|网站|contact(?: us)?|e-?mail|phone|tel|address|web(?:site)?)(?:\s+(?:contact(?: us)?|e-?mail|phone|tel|address|web(?:site)?))?\s*[：:]\s*/i;

/** A short line that holds an e-mail address or a URL and is not a sentence: a contact. */
export function holdsContact(text: string): boolean {
  const t = visibleText(text);
  return displayWidth(t) <= 100 && !/[。！？!?]$/.test(t) && /[^\s@<>]+@[^\s@<>]+\.[a-z]{2,}|(?:https?:\/\/|www\.)\S+/i.test(t);
}
/**
 * A postal address on a line of its own: a street and number, a postcode, or a Chinese address
 * ("1 Market Square, Riverside RV1 2AB", "北京市海淀区中关村大街1号 100081").
 */
export function isAddressLine(text: string): boolean {
  const t = visibleText(text).trim();
  if (t === '' || displayWidth(t) > 120 || /[。！？!?]$/.test(t)) return false;
  return (
    /\b\d{1,5}[a-z]?,?\s+(?:[A-Z][\w'’-]*\s+){1,4}(?:street|st|road|rd|square|sq|avenue|ave|lane|ln|way|place|pl|drive|dr|boulevard|blvd|court|ct|parade|terrace|row|hill|quay|strasse|straße|laan|gracht|weg)\b/i.test(
      t,
    ) ||
    /\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/.test(t) ||
    /\b(?:P\.?O\.? Box|Postbus)\s*\d+/i.test(t) ||
    /(?:省|市|区|县|路|街|道)\S*?\d+号|邮编|邮政编码|\d{6}$/.test(t)
  );
}

export const DISCLAIMER =
  /(来源于|汇编|免责|版权|不代表|仅供参考|转载|退订|取消订阅|内部资料|内部交流|not for publication|for internal use|confidential|disclaimer|copyright|©|all rights reserved|unsubscribe|you are receiving|you received this|compiled by|opinions expressed)/i;

/** "2023年第2期", "总第12期", "Issue 12", "Vol. 3 No. 4". */
export const VOLUME =
  /(第\s*[\d一二三四五六七八九十百零〇]+\s*期|[总總]第\s*[\d一二三四五六七八九十百零〇]+|(?<![\p{L}])(vol(ume)?|issue|no|number|edition|nr|n\.?º|número|numéro|numero|ausgabe|heft|nummer|édition|edición)\.?\s*#?\s*\d+)/iu;

/** A line that is only an issue number or a date, as on a front page. */
export function isVolumeLine(text: string): boolean {
  const t = visibleText(text);
  return displayWidth(t) <= 30 && (VOLUME.test(t) || findDate(t) !== undefined);
}

/** "目录", "目 录", "Contents", "In this issue". */
export function isTocMarker(text: string): boolean {
  return /^(目录|本期目录|本期导读|本期要目|contents|tableofcontents|inthisissue)[:：]?$/i.test(visibleText(text).replace(/\s+/g, ''));
}

/**
 * Section names newsletters commonly use; a hint next to repetition and Markdown levels. Short
 * (up to eight CJK characters or five words) and named like a rubric ("政策动态", "资源推荐",
 * "Council news", "Upcoming events"), or an English line in capitals ("COUNCIL NEWS").
 */
export function looksLikeSectionName(text: string): boolean {
  const t = visibleText(text).trim();
  if (/最新(进展|动态|消息|资讯)$|^(新闻|要闻|动态|活动|资源|简讯|快讯)(速递|动态|预告)?$/.test(t)) return true;
  const han = t.match(/\p{Script=Han}/gu)?.length ?? 0;
  if (han > 0) {
    return (
      han <= 8 &&
      !/[《》“”：:，,。]/.test(t) &&
      /(动态|实践|推荐|进展|资讯|聚焦|观察|速递|要闻|简讯|活动预告|活动|预告|公告|快讯|视点|前沿|专栏|综述|一览|纵览|概览|交流|信息|要览|传真|园地|天地|之窗|之声|广角|视野|课堂|集锦|掠影|风采|回顾|荟萃)$/.test(
        t,
      )
    );
  }
  const words = t.split(/\s+/);
  if (words.length > 5 || /[.:;,!?]$/.test(t)) return false;
  if (/^(news|latest news|updates|latest updates|events|upcoming events|resources|publications|highlights|in brief|announcements|opportunities|jobs)$/i.test(t))
    return true;
  // "COUNCIL NEWS", "RESEARCH HIGHLIGHTS": rubrics set in capitals.
  if (/^[A-Z][A-Z&'’ -]+$/.test(t) && t.replace(/[^A-Z]/g, '').length >= 4) return true;
  return /^(?:[\w&'’-]+ ){0,3}(news|updates|events|resources|publications|highlights|in brief|announcements|opportunities|notices|briefs|calendar|spotlight|round-?up|update|report|corner|diary|noticeboard)$/i.test(
    t,
  );
}

/** Words that make a front-page line the newsletter's name. */
export const TITLE_WORDS = /(简报|通讯|快讯|周报|月报|季报|期刊|newsletter|bulletin|digest|weekly|monthly|briefing|brief|gazette)/i;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** An ISO date written in the text ("2023年3月15日", "2023-03-15", "March 15, 2023", "15 March 2023"). */
export function findDate(text: string): string | undefined {
  const iso = (y: number, m: number, d: number): string | undefined =>
    m >= 1 && m <= 12 && d >= 1 && d <= 31 ? `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` : undefined;
  let m = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?/.exec(text);
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /\b([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b/i.exec(text);
  if (m && MONTHS.includes(m[1]!.toLowerCase())) return iso(Number(m[3]), MONTHS.indexOf(m[1]!.toLowerCase()) + 1, Number(m[2]));
  m = /\b(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})\b/i.exec(text);
  if (m && MONTHS.includes(m[2]!.toLowerCase())) return iso(Number(m[3]), MONTHS.indexOf(m[2]!.toLowerCase()) + 1, Number(m[1]));
  return undefined;
}

/** A URL in running text, up to the first space or CJK character. */
export const URL_IN_TEXT = /(?:https?:\/{0,2}|https?\/\/|www\.)[^\s\p{Script=Han}\u3000-\u303F\uFF00-\uFFEF\u201C-\u201F]*/giu;

/** Letters and digits only, NFKC-folded and lower-cased, URLs and link targets removed. */
export const comparable = memo(20_000, (s: string): string =>
  s
    .normalize('NFKC')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(URL_IN_TEXT, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, ''),
);

/** Character bigrams of a comparable form, with their counts. */
const bigramsOf = memo(20_000, (x: string): Map<string, number> => {
  const grams = new Map<string, number>();
  for (let i = 0; i < x.length - 1; i++) {
    const g = x.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  return grams;
});

/** Dice coefficient on character bigrams of the comparable forms: 1 = same text. */
export function similarity(a: string, b: string): number {
  const x = comparable(a);
  const y = comparable(b);
  if (x === y) return x === '' ? 0 : 1;
  if (x.length < 2 || y.length < 2) return 0;
  // Two texts of very different lengths cannot reach the thresholds callers use (≥ 0.75).
  if (Math.min(x.length, y.length) / Math.max(x.length, y.length) < 0.3) return (2 * Math.min(x.length, y.length)) / (x.length + y.length);
  const gx = bigramsOf(x);
  const gy = bigramsOf(y);
  let shared = 0;
  for (const [g, n] of gy) shared += Math.min(n, gx.get(g) ?? 0);
  return (2 * shared) / (x.length - 1 + y.length - 1);
}

/** Escapes what would turn extracted plain text into unintended Markdown. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([*`\\])/g, '\\$1').replace(/^([#>])/, '\\$1');
}

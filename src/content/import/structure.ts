/**
 * Turns the blocks of either reader into an issue: front page (title, volume, date, intro),
 * table of contents (used to recognise sections and articles, not copied), sections, articles
 * with their sources and attribution, and the footer.
 *
 * Sections and articles are recognised, in order of preference, by:
 * 1. a table of contents: entries found again in the body are articles, the others are section
 *    names (in the seeds the section names only appear in the contents);
 * 2. explicit Markdown heading levels (`##` section, `###` article);
 * 3. heuristics for plain text: lines repeated across the file or named like sections
 *    ("…最新进展", "News") are sections, other short standalone lines are article titles.
 *
 * Text that fits nowhere else goes to the intro or the nearest article, never away.
 *
 * Longer than the project's ~400 lines on purpose: one pass over the blocks with one state (the
 * open section and article, the pending title, the contents entries still unmatched); cut into
 * files, each part would need that whole state passed around.
 */
import { i18n, type Message, msg } from '../../i18n/index.ts';
import type { IssueContent } from '../../modules/issues/model.ts';
import {
  type Block,
  CONTACT_LINE,
  DISCLAIMER,
  EDITOR_LINE,
  TITLE_WORDS,
  attributionText,
  comparable,
  displayWidth,
  endsSentence,
  findDate,
  isAttribution,
  isEmailLine,
  isHeadingLike,
  isTocMarker,
  isVolumeLine,
  isWide,
  joinLines,
  looksLikeSectionName,
  similarity,
  visibleText,
} from './text.ts';

type Link = { url: string; label: string };

/** A block as the builder sees it. */
type Item =
  /** A title-like line: explicit heading (level ≥ 1) or a short standalone line (level 0). */
  | { type: 'heading'; text: string; level: number }
  /** Body Markdown; `plain` when it is a paragraph of prose (not a list, quote or code). */
  | { type: 'para'; markdown: string; plain: boolean }
  | { type: 'urls'; links: Link[] }
  | { type: 'image'; url: string; alt: string }
  | { type: 'attribution'; text: string; links: Link[]; markdown: string }
  | { type: 'break' };

interface DraftArticle {
  title: string;
  body: string[];
  sources: Link[];
  attribution?: string;
  image?: { url: string; alt: string };
  /** Opened by text that followed a title placed after its article; merged back if it stays untitled. */
  provisional: boolean;
}
interface DraftSection {
  title: string;
  articles: DraftArticle[];
}

/** Two titles at least this similar are the same title (TOC entry vs. body heading). */
const SAME_TITLE = 0.75;
/** Wider lines are prose even without a full stop; the TOC may hold longer titles. */
const TITLE_WIDTH = 80;
const TOC_TITLE_WIDTH = 120;

export function buildIssue(blocks: Block[], language: string): { content: IssueContent; warnings: Message[] } {
  const warnings: Message[] = [];
  let items = joinBrokenParagraphs(blocks.map(toItem));

  // ---- front page
  const front = readFrontPage(items);
  items = items.slice(front.consumed);

  // ---- table of contents
  const toc = readToc(items);
  items = items.slice(toc.consumed);

  // ---- footer, read backwards from the end
  const footer = readFooter(items);
  items = items.slice(0, items.length - footer.consumed);

  const explicitLevels = [...new Set(items.flatMap((it) => (it.type === 'heading' && it.level > 0 ? [it.level] : [])))].sort((a, b) => a - b);
  const mode: 'toc' | 'levels' | 'heuristic' = toc.entries.length > 0 ? 'toc' : explicitLevels.length > 0 ? 'levels' : 'heuristic';
  if (mode === 'heuristic') items = mergeAdjacentTitles(items);
  const tocEntries = classifyTocEntries(toc.entries, items);
  const repeated = mode === 'heuristic' ? sectionHeaders(items) : new Set<string>();

  // Heading levels: with two or more, the first is the section level and the next the article
  // level; with one level, headings are articles (or sections, when bold lines act as articles).
  const boldArticles = explicitLevels.length === 1 && items.some((it) => it.type === 'heading' && it.level === 0 && isBoldOnly(it.text));
  const sectionLevel = explicitLevels.length >= 2 || boldArticles ? explicitLevels[0] : undefined;
  const articleLevel = explicitLevels.length >= 2 ? explicitLevels[1] : boldArticles ? 0 : explicitLevels[0];

  // ---- body
  const sections: DraftSection[] = [];
  const intro: string[] = [...front.intro];
  let section: DraftSection | undefined;
  let article: DraftArticle | undefined;
  /** Why the current article takes no more text: a URL block / break / new section, or its title came last. */
  let closed: 'open' | 'closed' | 'titled-after' = 'open';
  /** A paragraph of this article ended with a colon: short lines after it are its sub-headings. */
  let colon = false;
  /** Articles opened since the last URL block or page break. */
  let page: DraftArticle[] = [];
  let pendingLabel = '';

  const openSection = (title: string) => {
    section = { title, articles: [] };
    sections.push(section);
    article = undefined;
  };
  const openArticle = (title: string, provisional = false) => {
    if (!section) openSection('');
    article = { title, body: [], sources: [], provisional };
    section!.articles.push(article);
    page.push(article);
    closed = 'open';
    colon = false;
  };
  const hasContent = (a: DraftArticle) => a.body.length > 0 || a.attribution !== undefined;
  /** An untitled article that followed a trailing title belongs to the article before it. */
  const resolveProvisional = () => {
    const last = page.at(-1);
    const before = page.at(-2);
    if (!last?.provisional || last.title !== '' || !before) return;
    before.body.push(...last.body);
    before.sources.push(...last.sources);
    before.attribution ??= last.attribution;
    for (const s of sections) s.articles = s.articles.filter((a) => a !== last);
    page.pop();
    article = before;
  };
  const addBody = (markdown: string, plainText: string) => {
    if (!article && !section) {
      intro.push(markdown);
      return;
    }
    if (!article || (mode === 'heuristic' && closed !== 'open')) openArticle('', closed === 'titled-after');
    article!.body.push(markdown);
    colon ||= /[：:]$/.test(plainText);
  };
  const addSub = (text: string, level: number) => {
    // Inside an article a heading must rank below the article's own title: h4 at the most.
    const markdown = level > 0 ? `${'#'.repeat(Math.min(Math.max(level, 4), 6))} ${text}` : `**${visibleText(text)}**`;
    if (article) article.body.push(markdown);
    else intro.push(markdown);
  };

  const unmatched = new Set(tocEntries.filter((e) => e.role === 'article'));
  for (const [index, item] of items.entries()) {
    switch (item.type) {
      case 'break':
        if (mode === 'heuristic' && article && hasContent(article)) {
          resolveProvisional();
          closed = 'closed';
          page = [];
        }
        break;

      case 'urls': {
        resolveProvisional();
        const links = dedupe(item.links).map((l) => ({ ...l, label: l.label || pendingLabel }));
        pendingLabel = '';
        const targets = page.filter((a) => a.sources.length === 0);
        if (links.length > 1 && targets.length === page.length && links.length === targets.length) {
          // One link per article of the page, in order: the usual layout of a page-end link list.
          targets.forEach((a, k) => {
            a.sources.push(links[k]!);
          });
        } else if (article) {
          article.sources = dedupe([...article.sources, ...links]);
        } else {
          intro.push(links.map((l) => l.url).join('\n\n'));
          warnings.push(msg('import.linksInIntro'));
        }
        if (mode === 'heuristic') closed = 'closed';
        page = [];
        break;
      }

      case 'image':
        if (article && !article.image) article.image = { url: item.url, alt: item.alt };
        else addBody(`![${item.alt}](${item.url})`, item.alt);
        break;

      case 'attribution':
        if (!article) {
          intro.push(item.markdown);
        } else if (article.attribution === undefined) {
          article.attribution = item.text;
          article.sources = dedupe([...article.sources, ...item.links]);
        } else if (comparable(article.attribution) !== comparable(item.text)) {
          article.body.push(item.markdown);
        }
        break;

      case 'para':
        addBody(item.markdown, item.plain ? visibleText(item.markdown) : '');
        break;

      case 'heading': {
        const text = visibleText(item.text);
        if (article && comparable(text) === comparable(article.title)) break; // title repeated on the page
        if (item.level === 0 && !isPlainTitle(item) && mode !== 'toc') {
          addBody(item.text, text); // too long for a title: prose without a full stop
        } else if (mode === 'toc') {
          const entry = bestMatch(text, [...unmatched]);
          const sectionEntry = bestMatch(
            text,
            tocEntries.filter((e) => e.role === 'section'),
          );
          if (entry) {
            unmatched.delete(entry);
            if (!section || section.title !== entry.section) openSection(entry.section);
            openArticle(text);
          } else if (sectionEntry && similarity(text, sectionEntry.text) >= 0.9) {
            if (section?.title !== sectionEntry.text) openSection(sectionEntry.text);
          } else if (item.level > 0 || isHeadingLike(item.text, TITLE_WIDTH)) {
            addSub(text, item.level);
          } else {
            addBody(item.text, text);
          }
        } else if (mode === 'levels') {
          if (item.level === 0) {
            if (boldArticles && isBoldOnly(item.text)) openArticle(text);
            else addBody(item.text, text);
          } else if (item.level === sectionLevel || (sectionLevel !== undefined && item.level < sectionLevel)) {
            openSection(text);
          } else if (item.level === articleLevel) {
            openArticle(text);
          } else {
            addSub(text, item.level);
          }
        } else if (repeated.has(comparable(text))) {
          if (section && comparable(section.title) === comparable(text)) break; // running page header
          resolveProvisional();
          // A page header extracted after the page's first paragraph: that paragraph is on this page.
          const moving = article && article.title === '' && closed === 'open' && page.length === 1 && page[0] === article ? article : undefined;
          const previous = section;
          openSection(text);
          if (moving && previous) {
            previous.articles = previous.articles.filter((a) => a !== moving);
            section!.articles.push(moving);
            article = moving;
          }
        } else if (colon && article?.title && closed === 'open') {
          addSub(text, 0);
        } else if (article && article.title === '' && hasContent(article) && closed === 'open') {
          // Extracted PDF text often puts a title after the text it heads.
          article.title = text;
          article.provisional = false;
          closed = 'titled-after';
        } else if (article?.title && closed === 'open' && items[index + 1]?.type === 'urls') {
          pendingLabel = text; // a caption for the link list that follows
        } else {
          openArticle(text);
        }
        break;
      }
    }
  }
  resolveProvisional();

  // ---- assemble
  for (const entry of unmatched) warnings.push(msg('import.contentsEntryMissing', { text: entry.text }));
  const kept = sections
    .map((s) => ({ ...s, articles: s.articles.filter((a) => a.title !== '' || hasContent(a) || a.sources.length > 0) }))
    .filter((s) => s.articles.length > 0);
  for (const s of sections) {
    if (s.articles.length === 0 && s.title !== '' && !kept.some((k) => comparable(k.title) === comparable(s.title))) {
      intro.push(s.title);
      warnings.push(msg('import.emptySection', { title: s.title }));
    }
  }
  const untitled = kept.flatMap((s) => s.articles).filter((a) => a.title === '').length;
  if (untitled > 0) warnings.push(msg('import.untitledArticles', { count: untitled }));

  let title = front.title;
  if (!title) {
    title = kept.flatMap((s) => s.articles).find((a) => a.title)?.title ?? kept.find((s) => s.title)?.title ?? i18n(language).t('import.untitledIssue');
    warnings.push(msg('import.titleGuessed', { title }));
  }

  const content: IssueContent = {
    title,
    language,
    sections: kept.map((s) => ({
      title: s.title,
      articles: s.articles.map((a) => ({
        title: a.title,
        body: a.body.join('\n\n'),
        sources: a.sources.map((l) => ({ url: l.url, label: l.label || a.title })),
        ...(a.attribution !== undefined ? { attribution: a.attribution } : {}),
        ...(a.image ? { image: a.image } : {}),
      })),
    })),
    footer: {
      ...(footer.disclaimer.length > 0 ? { disclaimer: footer.disclaimer.join('\n\n') } : {}),
      ...(footer.editor.length > 0 ? { editor: footer.editor.join(' · ') } : {}),
      ...(footer.contact.length > 0 ? { contact: footer.contact.join(' · ') } : {}),
    },
  };
  if (front.volume) content.volume = front.volume;
  if (front.date) content.date = front.date;
  if (intro.length > 0) content.intro = intro.join('\n\n');
  return { content, warnings };
}

function toItem(block: Block): Item {
  switch (block.kind) {
    case 'heading':
      return { type: 'heading', text: block.text, level: block.level };
    case 'text':
      if (isAttribution(block.text)) {
        return { type: 'attribution', text: attributionText(block.text), links: markdownLinks(block.text), markdown: block.text };
      }
      if (isHeadingLike(block.text, TOC_TITLE_WIDTH) || isTocMarker(block.text)) return { type: 'heading', text: block.text, level: 0 };
      return { type: 'para', markdown: block.text, plain: true };
    case 'list':
      return { type: 'para', markdown: block.markdown, plain: false };
    case 'raw':
      return { type: 'para', markdown: block.markdown, plain: false };
    case 'urls':
      return { type: 'urls', links: block.links };
    case 'image':
      return { type: 'image', url: block.url, alt: block.alt };
    case 'break':
      return { type: 'break' };
  }
}

/** A short standalone line (not an explicit Markdown heading) that reads like a title. */
function isPlainTitle(item: Item | undefined): boolean {
  return item?.type === 'heading' && item.level === 0 && isHeadingLike(item.text, TITLE_WIDTH);
}

function isBoldOnly(text: string): boolean {
  return /^(\*\*|__)[^*_]+\1$/.test(text.trim());
}

/**
 * Rejoins what blank lines split in the middle of a sentence: a `《book title》` line and the
 * sentence it starts, or a Chinese paragraph cut after a comma-bearing clause.
 */
function joinBrokenParagraphs(items: Item[]): Item[] {
  const prose = (it: Item | undefined) => (it?.type === 'para' && it.plain ? it.markdown : it?.type === 'heading' && it.level === 0 ? it.text : undefined);
  const out: Item[] = [];
  for (const item of items) {
    const text = prose(item);
    const prevText = prose(out.at(-1));
    if (text !== undefined && prevText !== undefined && !isPlainTitle(item)) {
      const visible = visibleText(prevText);
      const bookTitle = /^《[^》]+》$/.test(visible);
      const cutClause = !endsSentence(visible) && /[，、,；;]/.test(visible) && isWide([...visible].pop()) && /^\p{Script=Han}/u.test(visibleText(text));
      if (bookTitle || cutClause) {
        out[out.length - 1] = { type: 'para', markdown: joinLines(prevText, text), plain: true };
        continue;
      }
    }
    out.push(item);
  }
  return out;
}

/** Title, volume, date and intro lines at the top, before the contents or the first section. */
function readFrontPage(items: Item[]): { title?: string; volume?: string; date?: string; intro: string[]; consumed: number } {
  const volume: string[] = [];
  let date: string | undefined;
  const isVolume = (it: Item) => (it.type === 'heading' ? isVolumeLine(it.text) : it.type === 'para' && it.plain ? isVolumeLine(it.markdown) : false);
  const take = (it: Item) => {
    const t = visibleText(it.type === 'heading' ? it.text : it.type === 'para' ? it.markdown : '');
    volume.push(t);
    date ??= findDate(t);
  };

  const first = items[0];
  if (first?.type === 'heading' && first.level === 1) {
    let i = 1;
    while (items[i] && isVolume(items[i]!)) take(items[i++]!);
    return { title: visibleText(first.text), ...volumeAndDate(volume, date), intro: [], consumed: i };
  }

  // Plain text: a run of short lines at the very top is a front page when it looks like one.
  let end = 0;
  while (end < items.length) {
    const it = items[end]!;
    if (!((it.type === 'heading' && isPlainTitle(it) && !isTocMarker(it.text) && !looksLikeSectionName(it.text)) || isVolume(it))) break;
    end++;
  }
  const run = items.slice(0, end);
  const lines = run.filter((it) => !isVolume(it)).map((it) => visibleText(it.type === 'heading' ? it.text : ''));
  const next = items[end];
  const nextIsToc = next?.type === 'heading' && isTocMarker(next.text);
  const repeatedLater = lines.some((l) => items.slice(end).some((it) => it.type === 'heading' && comparable(it.text) === comparable(l)));
  if (run.length === 0 || repeatedLater || !(nextIsToc || run.some(isVolume) || TITLE_WORDS.test(lines[0] ?? ''))) {
    return { intro: [], consumed: 0 };
  }
  for (const it of run) if (isVolume(it)) take(it);
  // "同一个地球网络 / 可持续公共采购计划简报": the name may span lines up to the one saying "newsletter".
  const named = lines.slice(0, 3).findIndex((l) => TITLE_WORDS.test(l));
  const titleLines = lines.slice(0, named >= 0 ? named + 1 : 1);
  return {
    title: titleLines.join(' ') || undefined,
    ...volumeAndDate(volume, date),
    intro: lines.slice(titleLines.length),
    consumed: end,
  };
}

function volumeAndDate(volume: string[], date: string | undefined): { volume?: string; date?: string } {
  return { ...(volume.length > 0 ? { volume: volume.join(' ') } : {}), ...(date ? { date } : {}) };
}

/** The entries after a "目录" / "Contents" line, up to where the body starts repeating them. */
function readToc(items: Item[]): { entries: string[]; consumed: number } {
  const marker = items[0];
  if (!(marker?.type === 'heading' && isTocMarker(marker.text))) return { entries: [], consumed: 0 };
  const entries: string[] = [];
  let i = 1;
  for (; i < items.length; i++) {
    const it = items[i]!;
    const lines =
      it.type === 'heading' ? [it.text] : it.type === 'para' && !it.plain && /^\s*([-*+]|\d+[.)])\s/.test(it.markdown) ? it.markdown.split('\n') : null;
    if (!lines) break;
    const texts = lines.map((l) => visibleText(l.replace(/^\s*([-*+]|\d+[.)])\s+/, '')).replace(/(\s*[.·…]{2,}\s*|\s+)\d{1,3}$/, ''));
    if (!texts.every((t) => isHeadingLike(t, TOC_TITLE_WIDTH))) break;
    if (texts.some((t) => entries.some((e) => comparable(e) === comparable(t)))) break; // the body begins
    entries.push(...texts);
  }
  return { entries, consumed: entries.length > 0 ? i : 0 };
}

interface TocEntry {
  text: string;
  role: 'section' | 'article';
  section: string;
}

/** Entries that reappear as a heading in the body are articles; the others name sections. */
function classifyTocEntries(entries: string[], body: Item[]): TocEntry[] {
  const headings = body.flatMap((it) => (it.type === 'heading' ? [visibleText(it.text)] : []));
  let section = '';
  return entries.map((text) => {
    const found = headings.some((h) => similarity(h, text) >= SAME_TITLE);
    if (!found) section = text;
    return { text, role: found ? 'article' : 'section', section };
  });
}

function bestMatch<T extends { text: string }>(text: string, candidates: T[]): T | undefined {
  let best: T | undefined;
  let score = SAME_TITLE;
  for (const c of candidates) {
    const s = similarity(text, c.text);
    if (s >= score) {
      best = c;
      score = s;
    }
  }
  return best;
}

/** Footer blocks at the end: disclaimer prose, editor line, e-mail and website lines. */
function readFooter(items: Item[]): { disclaimer: string[]; editor: string[]; contact: string[]; consumed: number } {
  const disclaimer: string[] = [];
  const editor: string[] = [];
  const contact: string[] = [];
  let k = items.length - 1;
  let seenProse = false;
  for (; k >= 0; k--) {
    const it = items[k]!;
    if (it.type === 'break') continue;
    const text = it.type === 'para' && it.plain ? it.markdown : it.type === 'heading' && it.level === 0 ? it.text : undefined;
    const visible = text === undefined ? '' : visibleText(text);
    if (text !== undefined && EDITOR_LINE.test(visible)) editor.unshift(visible);
    else if (text !== undefined && (isEmailLine(visible) || CONTACT_LINE.test(visible))) contact.unshift(visible);
    // Links after the disclaimer prose are the last article's sources, not the footer's.
    else if (it.type === 'urls' && !seenProse) contact.unshift(...it.links.map((l) => l.url));
    else if (text !== undefined && DISCLAIMER.test(visible) && !isPlainTitle(it)) {
      disclaimer.unshift(text);
      seenProse = true;
    } else break;
  }
  // Without prose or an editor line, trailing links are the last article's sources.
  if (disclaimer.length === 0 && editor.length === 0) return { disclaimer, editor, contact: [], consumed: 0 };
  return { disclaimer, editor, contact, consumed: items.length - 1 - k };
}

/** Consecutive title lines are one title that was laid out over several lines. */
function mergeAdjacentTitles(items: Item[]): Item[] {
  const out: Item[] = [];
  const headers = sectionHeaders(items);
  const mergeable = (it: Item | undefined): it is Extract<Item, { type: 'heading' }> =>
    it?.type === 'heading' && isPlainTitle(it) && !headers.has(comparable(it.text)) && !isTocMarker(it.text);
  for (const item of items) {
    const previous = out.at(-1);
    if (mergeable(previous) && mergeable(item) && displayWidth(previous.text + item.text) <= TOC_TITLE_WIDTH) {
      out[out.length - 1] = { ...previous, text: joinLines(previous.text, item.text) };
    } else {
      out.push(item);
    }
  }
  return out;
}

/**
 * Section names in plain text: title lines repeated in the file (page headers) or named like
 * sections. A repeated line right before a link list is a link caption, not a header.
 */
function sectionHeaders(items: Item[]): Set<string> {
  const seen = new Map<string, number>();
  const beforeLinks = new Set<string>();
  items.forEach((it, i) => {
    if (it.type !== 'heading' || !isPlainTitle(it)) return;
    const key = comparable(it.text);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (looksLikeSectionName(it.text)) seen.set(key, Math.max(2, seen.get(key)!));
    if (items[i + 1]?.type === 'urls') beforeLinks.add(key);
  });
  return new Set([...seen].filter(([key, n]) => n > 1 && key !== '' && !beforeLinks.has(key)).map(([key]) => key));
}

function markdownLinks(text: string): Link[] {
  return [...text.matchAll(/(?<!!)\[((?:[^\]\\]|\\.)*)\]\(\s*<?([^()\s<>]*)>?\s*\)/g)].map((m) => ({ label: visibleText(m[1] ?? ''), url: m[2] ?? '' }));
}

/** Removes repeated URLs (extraction often prints a link list twice), keeping the first label. */
function dedupe(links: Link[]): Link[] {
  const out: Link[] = [];
  for (const link of links) {
    const same = out.find((l) => l.url.trim() === link.url.trim());
    if (!same) out.push(link);
    else if (!same.label) same.label = link.label;
  }
  return out;
}

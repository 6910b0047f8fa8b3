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
import { i18n, type Message, type MessageKey, msg } from '../../i18n/index.ts';
import type { PlacedNote, StructureOp } from '../structure-ops.ts';
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
  editorName,
  holdsContact,
  isAddressLine,
  isHeadingLike,
  isSubpartLabel,
  isTocMarker,
  isUrlLine,
  isVolumeLine,
  isWide,
  joinLines,
  looksLikeSectionName,
  similarity,
  visibleText,
} from './text.ts';

type Link = { url: string; label: string };

/** An importer note: a catalog message with, when known, its place and the likely fix (structure-ops.ts). */
export type ImportNote = Message & Pick<PlacedNote, 'place' | 'fix'>;

/** A block as the builder sees it. */
type Item =
  /**
   * A title-like line: explicit heading (level ≥ 1) or a short standalone line (level 0).
   * `joined`: laid out over that many lines and joined; `headline`: cut off the text right after it.
   */
  | { type: 'heading'; text: string; level: number; joined?: number; headline?: boolean }
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

/**
 * A note while the issue is being built: it points at draft objects, resolved to positions in
 * the final content (and the section and article titles as they end up) when it is assembled.
 */
interface DraftNote {
  key: MessageKey;
  params?: Record<string, string | number>;
  section?: DraftSection;
  article?: DraftArticle;
  /** The body block the note is about (its paragraph index is computed at the end). */
  paragraph?: string;
  excerpt?: string;
  fix?: 'split' | 'mergePrevious' | 'makeTitle' | 'makeSubheading' | { moveTo: DraftSection };
}

/** What the builder hands back: the content and its placed notes. */
export interface BuiltIssue {
  content: IssueContent;
  warnings: ImportNote[];
  /** Text the content does not hold on purpose (a logo tagline, running headers): it is in a note. */
  setAside: string[];
}

export interface BuildOptions {
  /** Used as the issue title when the source has none of its own. */
  newsletterName?: string;
}

/** The first words of a text, for a note: about 24 characters (or six words in Latin script). */
export function excerptOf(markdown: string): string {
  const t = visibleText(markdown)
    .replace(/^[-*+]\s+|^\d+\.\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...t];
  if (/\p{Script=Han}/u.test(t)) return chars.length > 24 ? `${chars.slice(0, 24).join('')}…` : t;
  const words = t.split(' ');
  return words.length > 6 ? `${words.slice(0, 6).join(' ')}…` : t;
}

/** Two titles at least this similar are the same title (TOC entry vs. body heading). */
const SAME_TITLE = 0.75;
/** Wider lines are prose even without a full stop; the TOC may hold longer titles. */
const TITLE_WIDTH = 80;
const TOC_TITLE_WIDTH = 120;

export function buildIssue(blocks: Block[], language: string, opts: BuildOptions = {}): BuiltIssue {
  const notes: DraftNote[] = [];
  const setAside: string[] = [];
  const looseNotes: ImportNote[] = [];
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
  if (footer.consumed > 0) {
    const first = footer.disclaimer[0] ?? footer.editor[0] ?? footer.contact[0] ?? '';
    looseNotes.push(msg('importer.footerTaken', { count: footer.consumed, excerpt: excerptOf(first) }));
  }

  // The volume line ("2023年第2期", "Vol. 3, No. 2") may stand anywhere on the front page.
  const volume = [...(front.volume ? [front.volume] : [])];
  let date = front.date;
  const head = firstStructureIndex(items);
  items = items.filter((it, i) => {
    const text = it.type === 'heading' && it.level === 0 ? it.text : it.type === 'para' && it.plain ? it.markdown : undefined;
    if (i >= head || text === undefined || !isVolumeLine(text)) return true;
    volume.push(visibleText(text));
    date ??= findDate(visibleText(text));
    return false;
  });

  const explicitLevels = [...new Set(items.flatMap((it) => (it.type === 'heading' && it.level > 0 ? [it.level] : [])))].sort((a, b) => a - b);
  const mode: 'toc' | 'levels' | 'heuristic' = toc.entries.length > 0 ? 'toc' : explicitLevels.length > 0 ? 'levels' : 'heuristic';
  if (mode !== 'levels') items = mergeAdjacentTitles(items, mode === 'toc' ? toc.entries : undefined);
  const tocEntries = classifyTocEntries(toc.entries, items);
  const repeated = mode === 'heuristic' ? sectionHeaders(items) : new Set<string>();
  const titlesFirst = mode === 'heuristic' && titlesComeFirst(items, repeated);

  // Heading levels: with two or more, the first is the section level and the next the article
  // level; with one level, headings are articles (or sections, when bold lines act as articles).
  const boldArticles = explicitLevels.length === 1 && items.some((it) => it.type === 'heading' && it.level === 0 && isBoldOnly(it.text));
  const sectionLevel = explicitLevels.length >= 2 || boldArticles ? explicitLevels[0] : undefined;
  const articleLevel = explicitLevels.length >= 2 ? explicitLevels[1] : boldArticles ? 0 : explicitLevels[0];

  // ---- body
  const sections: DraftSection[] = [];
  const intro: string[] = [];
  let section: DraftSection | undefined;
  let article: DraftArticle | undefined;
  /**
   * Why the current article takes no more text: a URL block / break / new section, its title came
   * last, or its attribution closed it (text after it may be another article, named after it).
   */
  let closed: 'open' | 'closed' | 'titled-after' | 'attributed' = 'open';
  /** A paragraph of this article ended with a colon: short lines after it are its sub-headings. */
  let colon = false;
  /** Articles opened since the last URL block or page break. */
  let page: DraftArticle[] = [];
  let pendingLabel = '';
  /** A repeated section name taken as a page header: the article after it gets the "move" fix. */
  let pendingMove: DraftNote | undefined;

  const note = (n: DraftNote) => {
    notes.push(n);
    return n;
  };
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
    if (pendingMove) {
      pendingMove.article = article;
      pendingMove = undefined;
    }
  };
  const hasContent = (a: DraftArticle) => a.body.length > 0 || a.attribution !== undefined;
  const removeArticle = (gone: DraftArticle) => {
    for (const s of sections) s.articles = s.articles.filter((a) => a !== gone);
    for (const n of notes) if (n.article === gone) n.article = undefined;
    page = page.filter((a) => a !== gone);
  };
  const mergeInto = (before: DraftArticle, last: DraftArticle) => {
    before.body.push(...last.body);
    before.sources.push(...last.sources);
    before.attribution ??= last.attribution;
    for (const n of notes) if (n.article === last) n.article = before;
    removeArticle(last);
    article = before;
  };
  /** An untitled article that followed a trailing title or an attribution belongs to the article before it. */
  const resolveProvisional = () => {
    const last = page.at(-1);
    // The article before on this page; for text that opened a page, the last one of its section
    // (an untitled page start is the previous page's article going on).
    const before = page.at(-2) ?? (page.length === 1 ? section?.articles.at(-2) : undefined);
    if (!last?.provisional || last.title !== '' || !before || (page.length === 1 && before.title === '')) return;
    const acrossPage = page.length === 1;
    const first = last.body[0];
    mergeInto(before, last);
    if (acrossPage && first !== undefined) note({ key: 'importer.pageContinued', section, article: before, paragraph: first, fix: 'split' });
  };
  const addBody = (markdown: string, plainText: string) => {
    if (!article && !section) {
      intro.push(markdown);
      return;
    }
    if (!article || (mode === 'heuristic' && closed !== 'open')) openArticle('', article !== undefined && closed !== 'open');
    else if (pendingMove) {
      pendingMove.article = article;
      pendingMove = undefined;
    }
    article!.body.push(markdown);
    colon ||= /[：:]$/.test(plainText);
  };
  const addSub = (text: string, level: number) => {
    // Inside an article a heading must rank below the article's own title: h4 at the most.
    const markdown = level > 0 ? `${'#'.repeat(Math.min(Math.max(level, 4), 6))} ${text}` : `**${visibleText(text)}**`;
    if (article) article.body.push(markdown);
    else intro.push(markdown);
  };
  /** The text after heading `index` has its own attribution or links before the next heading. */
  const ownSourcesAhead = (index: number): boolean => {
    let prose = false;
    for (const it of items.slice(index + 1)) {
      if (it.type === 'para') prose ||= it.plain;
      else if (it.type === 'attribution' || it.type === 'urls') return prose;
      else if (it.type === 'heading' || it.type === 'break') return false;
    }
    return false;
  };
  /** A heading inside an article whose first part already ended with its attribution or links, followed by prose with its own: a new article. */
  const startsAnotherArticle = (index: number) =>
    article !== undefined && article.body.length > 0 && (article.attribution !== undefined || article.sources.length > 0) && ownSourcesAhead(index);
  const splitHere = (text: string) => {
    const previous = article;
    openArticle(text);
    note({ key: 'importer.articleSplit', section, article, ...(previous ? { params: { previous: previous.title } } : {}), fix: 'mergePrevious' });
  };
  const titleNotes = (item: Extract<Item, { type: 'heading' }>) => {
    if (!article) return;
    if (item.joined && item.joined > 1) note({ key: 'importer.titleJoined', params: { count: item.joined }, section, article });
    if (item.headline) note({ key: 'importer.titleCutFromText', section, article, excerpt: '' });
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
          // Links before any article are the newsletter's own addresses: the footer's, not the intro's.
          footer.contact.push(...links.map((l) => l.url));
          looseNotes.push(msg('importer.linksToFooter', { count: links.length, excerpt: links[0]!.url }));
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
          if (mode === 'heuristic' && closed === 'open') closed = 'attributed';
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
        const tocEntry = mode === 'toc' ? bestMatch(text, [...unmatched]) : undefined;
        if (!tocEntry && article && isSubpartLabel(text) && (item.level === 0 || (articleLevel !== undefined && item.level >= articleLevel))) {
          // "第1部分：…", "相关建议：", "Key findings": a part of this article.
          if (closed !== 'open' && mode === 'heuristic') {
            if (closed === 'titled-after') break;
            closed = 'open';
          }
          const markdown = `### ${text}`;
          article.body.push(markdown);
          note({ key: 'importer.subheading', section, article, paragraph: markdown, fix: 'split' });
          break;
        }
        if (item.level === 0 && !isPlainTitle(item) && mode !== 'toc') {
          addBody(item.text, text); // too long for a title: prose without a full stop
        } else if (mode === 'toc') {
          const entry = tocEntry;
          const sectionEntry = bestMatch(
            text,
            tocEntries.filter((e) => e.role === 'section'),
          );
          if (entry) {
            unmatched.delete(entry);
            if (!section || (entry.section !== '' && section.title !== entry.section)) openSection(entry.section);
            openArticle(text);
            titleNotes(item);
          } else if (sectionEntry && similarity(text, sectionEntry.text) >= 0.9) {
            if (section?.title !== sectionEntry.text) openSection(sectionEntry.text);
          } else if (item.level > 0 && item.level === explicitLevels[0] && !tocEntries.some((e) => e.role === 'section')) {
            // The contents list names the articles only; the top heading level names the sections.
            openSection(text);
          } else if ((item.level > 0 || isHeadingLike(item.text, TITLE_WIDTH)) && startsAnotherArticle(index)) {
            splitHere(text);
          } else if (item.level > 0 || isHeadingLike(item.text, TITLE_WIDTH)) {
            addSub(text, item.level);
          } else {
            addBody(item.text, text);
          }
        } else if (mode === 'levels') {
          if (item.level === 0) {
            if (boldArticles && isBoldOnly(item.text)) openArticle(text);
            else if (item.headline && isHeadingLike(item.text, TITLE_WIDTH) && (boldArticles || articleLevel === undefined)) {
              // A headline set right over its text where bold lines (or nothing) mark the titles.
              openArticle(text);
              titleNotes(item);
            } else if (isHeadingLike(item.text, TITLE_WIDTH) && startsAnotherArticle(index)) splitHere(text);
            else addBody(item.text, text);
          } else if (item.level === sectionLevel || (sectionLevel !== undefined && item.level < sectionLevel)) {
            openSection(text);
          } else if (item.level === articleLevel) {
            openArticle(text);
          } else if (startsAnotherArticle(index)) {
            splitHere(text);
          } else {
            addSub(text, item.level);
          }
        } else if (repeated.has(comparable(text))) {
          if (section && comparable(section.title) === comparable(text)) break; // running page header
          const earlier = sections.find((s) => comparable(s.title) === comparable(text));
          if (earlier && section) {
            // A section name seen again after another section: the page's running header, not a new section.
            pendingMove = note({ key: 'importer.repeatedHeader', params: { text }, section, fix: { moveTo: earlier } });
            if (article && closed === 'open' && hasContent(article)) {
              pendingMove.article = article;
              pendingMove = undefined;
            }
            break;
          }
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
          if (startsAnotherArticle(index)) splitHere(text);
          else addSub(text, 0);
        } else if (article && article.title === '' && hasContent(article) && (closed === 'open' || closed === 'attributed') && !titlesFirst) {
          // Extracted PDF text often puts a title after the text it heads; the untitled text before
          // it on the same page is the same article.
          const before = page.at(-2);
          if (article.provisional && before && before.title === '' && section?.articles.includes(before)) mergeInto(before, article);
          article!.title = text;
          article!.provisional = false;
          closed = 'titled-after';
          note({ key: 'importer.titleAfterText', section, article, paragraph: article!.body[0] ?? '', fix: 'makeTitle' });
          titleNotes(item);
        } else if (article?.title && closed === 'open' && items[index + 1]?.type === 'urls') {
          pendingLabel = text; // a caption for the link list that follows
          note({ key: 'importer.linkCaption', params: { text }, section, article });
        } else {
          openArticle(text);
          titleNotes(item);
        }
        break;
      }
    }
  }
  resolveProvisional();

  // ---- assemble
  for (const entry of unmatched) looseNotes.push(msg('import.contentsEntryMissing', { text: entry.text }));
  for (const s of sections) s.articles = s.articles.filter((a) => a.title !== '' || hasContent(a) || a.sources.length > 0);
  const kept = sections.filter((s) => s.articles.length > 0);
  for (const s of sections) {
    if (s.articles.length === 0 && s.title !== '' && !kept.some((k) => comparable(k.title) === comparable(s.title))) {
      intro.push(s.title);
      looseNotes.push(msg('import.emptySection', { title: s.title }));
    }
  }
  for (const s of kept) {
    for (const a of s.articles) {
      reorderTrailingSubparts(a, (paragraph) => note({ key: 'importer.subheadingMoved', section: s, article: a, paragraph }));
      if (a.title === '') note({ key: 'importer.untitled', section: s, article: a, paragraph: a.body[0] ?? '', fix: 'makeTitle' });
    }
  }

  // ---- the intro holds prose: links and addresses go to the footer, a tagline to a note.
  const introProse: string[] = [];
  for (const part of [...front.intro, ...intro]) {
    const visible = visibleText(part);
    if (isUrlLine(visible) || isEmailLine(visible) || /^mailto:/i.test(visible) || CONTACT_LINE.test(visible) || isAddressLine(visible)) {
      footer.contact.push(visible);
      looseNotes.push(msg('importer.introToFooter', { excerpt: excerptOf(part) }));
    } else {
      introProse.push(part);
      looseNotes.push(msg('importer.introTaken', { excerpt: excerptOf(part) }));
    }
  }
  if (front.taglines.length > 0) {
    setAside.push(...front.taglines);
    looseNotes.push(msg('importer.tagline', { text: front.taglines.map(visibleText).reduce((a, b) => joinLines(a, b)) }));
  }

  let title = front.title;
  if (!title) {
    title = opts.newsletterName?.trim() || i18n(language).t('import.untitledIssue');
    looseNotes.push(msg('importer.titleFromName', { title }));
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
      ...(footer.editor.length > 0 ? { editor: footer.editor.map(editorName).join(' · ') } : {}),
      ...(footer.contact.length > 0 ? { contact: contactLine(footer.contact) } : {}),
    },
  };
  if (volume.length > 0) content.volume = volume.join(' ');
  if (date) content.date = date;
  if (introProse.length > 0) content.intro = introProse.join('\n\n');
  const placed = notes.flatMap((n) => placeNote(n, kept));
  return { content, warnings: [...placed, ...looseNotes], setAside };
}

/**
 * The layout of plain text: titles over their text, or printed after it (then followed by the
 * article's links, attribution or the page end). Only when every title that can be placed stands
 * over its text (at least two, none after) does an untitled text never take the next title.
 */
function titlesComeFirst(items: Item[], sections: Set<string>): boolean {
  let before = 0;
  let after = 0;
  items.forEach((it, i) => {
    if (it.type !== 'heading' || !isPlainTitle(it) || sections.has(comparable(it.text))) return;
    const prev = items[i - 1];
    const next = items[i + 1];
    const fresh =
      prev === undefined ||
      prev.type === 'urls' ||
      prev.type === 'attribution' ||
      prev.type === 'break' ||
      (prev.type === 'heading' && sections.has(comparable(prev.text)));
    if (prev?.type === 'para' && (next === undefined || next.type === 'urls' || next.type === 'attribution' || next.type === 'break')) after++;
    else if (fresh && next?.type === 'para') before++;
  });
  return before >= 2 && after === 0;
}

/** Resolves a draft note to section / article / paragraph indexes of the final content. */
function placeNote(n: DraftNote, kept: DraftSection[]): ImportNote[] {
  const section = n.article ? kept.find((s) => s.articles.includes(n.article!)) : n.section;
  const si = section ? kept.indexOf(section) : -1;
  if (si < 0) return n.article || n.section ? [] : [{ key: n.key, ...(n.params ? { params: n.params } : {}) }];
  const ai = n.article ? section!.articles.indexOf(n.article) : -1;
  let paragraph: number | undefined;
  if (n.article && n.paragraph !== undefined) {
    const k = n.article.body.indexOf(n.paragraph);
    if (k >= 0) paragraph = n.article.body.slice(0, k).reduce((sum, b) => sum + b.split(/\n\s*\n/).length, 0);
  }
  const excerpt = n.excerpt || (n.paragraph ? excerptOf(n.paragraph) : n.article ? excerptOf(n.article.body[0] ?? n.article.title) : '');
  const params: Record<string, string | number | Message> = {
    ...n.params,
    section: section!.title || msg('importer.unnamedSection'),
    ...(n.article ? { title: n.article.title || msg('importer.unnamedArticle') } : {}),
    excerpt,
  };
  const place: NonNullable<ImportNote['place']> = {
    section: si,
    ...(ai >= 0 ? { article: ai } : {}),
    ...(paragraph !== undefined ? { paragraph } : {}),
    ...(excerpt ? { excerpt } : {}),
  };
  let fix: StructureOp | undefined;
  if (ai >= 0) {
    if (n.fix === 'mergePrevious' && ai > 0) fix = { op: 'mergePrevious', section: si, article: ai };
    else if ((n.fix === 'split' || n.fix === 'makeTitle' || n.fix === 'makeSubheading') && paragraph !== undefined) {
      if (n.fix !== 'split' || paragraph > 0) fix = { op: n.fix, section: si, article: ai, paragraph };
    } else if (typeof n.fix === 'object') {
      const to = kept.indexOf(n.fix.moveTo);
      if (to >= 0 && to !== si) fix = { op: 'moveArticle', section: si, article: ai, to: { section: to, index: kept[to]!.articles.length } };
    }
  }
  return [{ key: n.key, params, place, ...(fix ? { fix } : {}) }];
}

/**
 * Sub-part labels the PDF placed after their paragraphs (the article's last block is a label):
 * each goes back before the paragraph it follows.
 */
function reorderTrailingSubparts(a: DraftArticle, moved: (paragraph: string) => void): void {
  const isLabel = (b: string | undefined) => !!b?.startsWith('### ') && isSubpartLabel(b);
  if (!isLabel(a.body.at(-1))) return;
  const body = [...a.body];
  for (let k = 1; k < body.length; k++) {
    if (isLabel(body[k]) && !isLabel(body[k - 1])) {
      [body[k - 1], body[k]] = [body[k]!, body[k - 1]!];
      moved(body[k - 1]!);
    }
  }
  a.body = body;
}

/** Footer contacts: one address or site each (never two lines as one URL), labels and brackets off. */
function contactLine(parts: string[]): string {
  const out: string[] = [];
  for (const whole of parts) {
    // The email prints its own "Contact:" label: an address or a site keeps none of its own.
    const rest = whole.replace(CONTACT_LINE, '');
    const part = rest !== whole && /^(?:<?mailto:|<?https?:|www\.|[^\s@]+@[^\s@]+)/i.test(rest) ? rest : whole;
    for (const piece of part.split(/\s*[·|｜]\s*|\s{2,}|\s+(?=(?:https?:|www\.|mailto:|[^\s@]+@))/)) {
      let t = piece.trim().replace(/^<(.*)>$/, '$1');
      if (t === '') continue;
      t = t.replace(/^mailto:/i, '');
      if (/^https?:(?!\/\/)/i.test(t)) t = t.replace(/^(https?):\/*/i, '$1://');
      else if (/^www\./i.test(t)) t = `https://${t}`;
      if (!out.some((o) => o.toLowerCase() === t.toLowerCase())) out.push(t);
    }
  }
  return out.join(' · ');
}

/** Index of the first item that starts the body: a contents line, a section name or an explicit heading. */
function firstStructureIndex(items: Item[]): number {
  const limit = Math.min(items.length, 12);
  for (let i = 0; i < limit; i++) {
    const it = items[i]!;
    if (it.type === 'heading' && (it.level > 0 || isTocMarker(it.text) || looksLikeSectionName(it.text))) return i;
    if (it.type === 'attribution' || it.type === 'urls') return i;
  }
  return limit;
}

function toItem(block: Block): Item {
  switch (block.kind) {
    case 'heading':
      return { type: 'heading', text: block.text, level: block.level };
    case 'text':
      if (isAttribution(block.text)) {
        return { type: 'attribution', text: attributionText(block.text), links: markdownLinks(block.text), markdown: block.text };
      }
      if (isHeadingLike(block.text, TOC_TITLE_WIDTH) || isTocMarker(block.text)) {
        return { type: 'heading', text: block.text, level: 0, ...(block.headline ? { headline: true } : {}) };
      }
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
      const cutClause =
        !endsSentence(visible) &&
        (/[，,；;]/.test(visible) || (/、/.test(visible) && displayWidth(visible) > 40)) &&
        !isSubpartLabel(visible) &&
        isWide([...visible].pop()) &&
        /^\p{Script=Han}/u.test(visibleText(text));
      if (cutClause) {
        out[out.length - 1] = { type: 'para', markdown: joinLines(prevText, text), plain: true };
        continue;
      }
    }
    out.push(item);
  }
  return out;
}

/** Title, volume, date and intro lines at the top, before the contents or the first section. */
function readFrontPage(items: Item[]): { title?: string; volume?: string; date?: string; intro: string[]; taglines: string[]; consumed: number } {
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
    return { title: visibleText(first.text), ...volumeAndDate(volume, date), intro: [], taglines: [], consumed: i };
  }

  // Plain text: a run of short lines at the very top is a front page when it looks like one.
  let end = 0;
  while (end < items.length) {
    const it = items[end]!;
    // The first line may be named like a rubric ("…研究动态") when a volume line or the contents follow it.
    const next = items[end + 1];
    const nameFirst = end === 0 && next !== undefined && (isVolume(next) || (next.type === 'heading' && isTocMarker(next.text)));
    const titleLine = it.type === 'heading' && isPlainTitle(it) && !isTocMarker(it.text) && (nameFirst || !looksLikeSectionName(it.text));
    if (!(titleLine || isVolume(it))) break;
    end++;
  }
  const run = items.slice(0, end);
  const lines = run.filter((it) => !isVolume(it)).map((it) => visibleText(it.type === 'heading' ? it.text : ''));
  const next = items[end];
  const nextIsToc = next?.type === 'heading' && isTocMarker(next.text);
  const repeatedLater = lines.some((l) => items.slice(end).some((it) => it.type === 'heading' && comparable(it.text) === comparable(l)));
  if (run.length === 0 || repeatedLater || !(nextIsToc || run.some(isVolume) || TITLE_WORDS.test(lines[0] ?? ''))) {
    return { intro: [], taglines: [], consumed: 0 };
  }
  for (const it of run) if (isVolume(it)) take(it);
  // "同一个地球网络 / 可持续公共采购计划简报": the name may span lines up to the one saying "newsletter".
  const named = lines.slice(0, 3).findIndex((l) => TITLE_WORDS.test(l));
  const titleLines = lines.slice(0, named >= 0 ? named + 1 : 1);
  return {
    title: titleLines.join(' ') || undefined,
    ...volumeAndDate(volume, date),
    // Short lines beside the name on a front page are a logo's words or a tagline, not an intro;
    // an address or a link among them is a contact (the intro step moves it to the footer).
    intro: lines.slice(titleLines.length).filter(isContactish),
    taglines: lines.slice(titleLines.length).filter((l) => !isContactish(l)),
    consumed: end,
  };
}

function isContactish(line: string): boolean {
  const t = visibleText(line);
  return isUrlLine(t) || isEmailLine(t) || /^mailto:/i.test(t) || CONTACT_LINE.test(t) || isAddressLine(t);
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
    if (it.type === 'heading' && it.level > 0 && entries.length > 0) break; // a Markdown heading starts the body
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
  /** In the body the entry stands right over another entry: it names a section, not an article. */
  const overEntry = (text: string) =>
    body.some((it, i) => {
      const next = body[i + 1];
      return (
        it.type === 'heading' &&
        similarity(visibleText(it.text), text) >= 0.9 &&
        next?.type === 'heading' &&
        entries.some((e) => e !== text && similarity(visibleText(next.text), e) >= SAME_TITLE)
      );
    });
  let section = '';
  return entries.map((text) => {
    const found = headings.some((h) => similarity(h, text) >= SAME_TITLE) && !overEntry(text);
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
  /** A contact the last article cannot own: an e-mail, an address, a labelled contact line. */
  let ownContact = false;
  /** Where the run of site roots and contacts at the very end starts (a footer without prose). */
  let contactsFrom = items.length;
  const siteRoot = (url: string) => /^(?:https?:\/*)?(?:www\.)?[^/\s]+\/?$/i.test(url.trim());
  for (; k >= 0; k--) {
    const it = items[k]!;
    if (it.type === 'break') continue;
    const text = it.type === 'para' && it.plain ? it.markdown : it.type === 'heading' && it.level === 0 ? it.text : undefined;
    const visible = text === undefined ? '' : visibleText(text);
    if (text !== undefined && EDITOR_LINE.test(visible)) editor.unshift(visible);
    else if (
      text !== undefined &&
      (isEmailLine(visible) || CONTACT_LINE.test(visible) || isAddressLine(visible) || isUrlLine(visible) || holdsContact(visible))
    ) {
      contact.unshift(visible);
      if (!isUrlLine(visible)) ownContact = true;
      if (!seenProse && editor.length === 0) contactsFrom = k;
    }
    // Links after the disclaimer prose are the last article's sources, not the footer's.
    else if (it.type === 'urls' && !seenProse) {
      contact.unshift(...it.links.map((l) => l.url));
      if (editor.length === 0 && it.links.every((l) => siteRoot(l.url)) && contactsFrom === k + 1) contactsFrom = k;
    } else if (text !== undefined && DISCLAIMER.test(visible) && !isPlainTitle(it)) {
      disclaimer.unshift(text);
      seenProse = true;
    } else break;
  }
  // Without prose or an editor line, trailing links are the last article's sources, unless an
  // e-mail or an address ends the issue: then it and the site roots right before it are contacts.
  if (disclaimer.length === 0 && editor.length === 0) {
    if (!ownContact || contactsFrom >= items.length) return { disclaimer, editor, contact: [], consumed: 0 };
    const tail = items.slice(contactsFrom);
    const kept = tail.flatMap((it) =>
      it.type === 'urls' ? it.links.map((l) => l.url) : it.type === 'heading' ? [visibleText(it.text)] : it.type === 'para' ? [visibleText(it.markdown)] : [],
    );
    return { disclaimer, editor, contact: kept, consumed: items.length - contactsFrom };
  }
  return { disclaimer, editor, contact, consumed: items.length - 1 - k };
}

/** Consecutive title lines are one title that was laid out over several lines. */
function mergeAdjacentTitles(items: Item[], tocEntries?: string[]): Item[] {
  const out: Item[] = [];
  const headers = tocEntries ? new Set<string>() : sectionHeaders(items);
  /** With a contents list, two lines are one title only when together they are one of its entries. */
  const inToc = (a: string, b: string) => {
    if (!tocEntries) return true;
    const score = (t: string) => Math.max(0, ...tocEntries.map((e) => similarity(e, t)));
    const joined = score(joinLines(a, b));
    return joined >= SAME_TITLE && joined > score(a) && joined > score(b);
  };
  const mergeable = (it: Item | undefined): it is Extract<Item, { type: 'heading' }> =>
    it?.type === 'heading' && isPlainTitle(it) && !headers.has(comparable(it.text)) && !isTocMarker(it.text);
  for (const item of items) {
    const previous = out.at(-1);
    if (
      mergeable(previous) &&
      mergeable(item) &&
      displayWidth(previous.text + item.text) <= TOC_TITLE_WIDTH &&
      !isSubpartLabel(item.text) &&
      !isSubpartLabel(previous.text) &&
      inToc(previous.text, item.text)
    ) {
      // A kicker ("内容摘录", "Spotlight") over the title reads "内容摘录：…".
      const kicker = (previous.joined ?? 1) === 1 && isKicker(previous.text);
      const text = kicker
        ? `${visibleText(previous.text)}${/\p{Script=Han}/u.test(previous.text) ? '：' : ': '}${item.text}`
        : joinLines(previous.text, item.text);
      out[out.length - 1] = { ...previous, text, joined: (previous.joined ?? 1) + 1, ...(item.headline ? { headline: true } : {}) };
    } else {
      out.push(item);
    }
  }
  return out;
}

/** A label set over a title ("内容摘录", "案例", "Spotlight", "Case study"). */
function isKicker(text: string): boolean {
  const t = visibleText(text).trim();
  return (
    /^(?:内容|资料|延伸|相关)?(?:摘录|摘要|阅读|链接)$|^(?:案例|聚焦|专访|观察|速览|导读|推荐|解读|评论|特稿|焦点|专题)$/u.test(t) ||
    /^(?:spotlight|case study|in focus|feature|interview|opinion|explainer|excerpt|focus|profile)$/i.test(t)
  );
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
  const found = new Set([...seen].filter(([key, n]) => n > 1 && key !== '' && !beforeLinks.has(key)).map(([key]) => key));
  return new Set([...found, ...sectionsByLayout(items, found)]);
}

/**
 * Section names seen once: when the known section names stand right over an article title
 * (section line, title line, text), another short line standing the same way is one too.
 */
function sectionsByLayout(items: Item[], known: Set<string>): string[] {
  const title = (it: Item | undefined) => it?.type === 'heading' && isPlainTitle(it);
  const overTitle = (i: number) => title(items[i + 1]) && items[i + 2]?.type === 'para';
  let width = 0;
  items.forEach((it, i) => {
    if (it.type === 'heading' && known.has(comparable(it.text)) && overTitle(i)) width = Math.max(width, displayWidth(visibleText(it.text)));
  });
  if (width === 0) return [];
  const more: string[] = [];
  items.forEach((it, i) => {
    if (!(it.type === 'heading' && title(it)) || known.has(comparable(it.text)) || !overTitle(i)) return;
    const w = displayWidth(visibleText(it.text));
    const next = items[i + 1] as Extract<Item, { type: 'heading' }>;
    // A rubric is a name: no punctuation ("案例：用于绿色" is the first line of a title).
    const name = !/[\p{P}\p{S}]/u.test(visibleText(it.text)) && !isKicker(it.text) && !isSubpartLabel(it.text);
    if (name && w <= width + 4 && w < displayWidth(visibleText(next.text))) more.push(comparable(it.text));
  });
  return more;
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

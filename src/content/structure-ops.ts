/**
 * Structural edits of an issue (issue 20): what the editor's structure tools do and what an
 * importer note's "likely fix" button applies. Positions are indexes into `IssueContent.sections`
 * and each section's `articles`; a paragraph is one block of an article body split on blank lines.
 *
 * This file is the contract between the importer (which proposes ops in its notes) and the editor
 * (which applies them with `applyStructureOp`, implemented beside this type).
 */
import { z } from 'zod';
import { msg } from '../i18n/index.ts';
import { AppError } from '../lib/errors.ts';
import { parseOrThrow } from '../lib/validation.ts';
import type { Article, IssueContent } from '../modules/issues/model.ts';
import { joinParagraphs, paragraphsOf, plainLine } from './paragraphs.ts';

/** Where a note or an op points: a section, optionally an article in it, optionally a paragraph of its body. */
export interface ContentPlace {
  section: number;
  article?: number;
  paragraph?: number;
}

export type StructureOp =
  /** Split the article before paragraph `paragraph`: that paragraph and the rest become a new article after it. */
  | { op: 'split'; section: number; article: number; paragraph: number }
  /** Merge the article into the previous one (its title, if any, becomes a sub-heading). */
  | { op: 'mergePrevious'; section: number; article: number }
  /** Paragraph `paragraph` (a short line) becomes the article's title (the old title, if any, a sub-heading). */
  | { op: 'makeTitle'; section: number; article: number; paragraph: number }
  /** Paragraph `paragraph` becomes a sub-heading (`### …`) inside the body. */
  | { op: 'makeSubheading'; section: number; article: number; paragraph: number }
  /** Move an article up/down within its section, or to the end of another section. */
  | { op: 'moveArticle'; section: number; article: number; to: { section: number; index: number } }
  | { op: 'addArticle'; section: number; index: number }
  | { op: 'deleteArticle'; section: number; article: number }
  | { op: 'addSection'; index: number }
  | { op: 'deleteSection'; section: number }
  | { op: 'moveSection'; section: number; to: number };

export type StructureOpKind = StructureOp['op'];

/**
 * An importer note with its place: a catalog message (as the importer's other notes are) plus where
 * it points, the first words of the text concerned, and the op that is the likely fix. Stored in
 * `issues.import_warnings` like every note; older notes are plain messages without a place.
 */
export interface PlacedNote {
  key: string;
  params?: Record<string, unknown>;
  place?: ContentPlace & { excerpt?: string };
  fix?: StructureOp;
}

// ---------------------------------------------------------------------------------------------
// The implementation (helper D): pure, validated. A position out of range is a 422 with a clear
// message, never a crash; the content passed in is never changed.

const MAX_SECTIONS = 100;
const MAX_ARTICLES = 200;
const MAX_TITLE = 500;

const index = z.number().int().min(0).max(10_000);

/** The op as the API and the editor's forms send it (positions checked against the content by `applyStructureOp`). */
export const structureOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('split'), section: index, article: index, paragraph: index }).strict(),
  z.object({ op: z.literal('mergePrevious'), section: index, article: index }).strict(),
  z.object({ op: z.literal('makeTitle'), section: index, article: index, paragraph: index }).strict(),
  z.object({ op: z.literal('makeSubheading'), section: index, article: index, paragraph: index }).strict(),
  z.object({ op: z.literal('moveArticle'), section: index, article: index, to: z.object({ section: index, index }).strict() }).strict(),
  z.object({ op: z.literal('addArticle'), section: index, index }).strict(),
  z.object({ op: z.literal('deleteArticle'), section: index, article: index }).strict(),
  z.object({ op: z.literal('addSection'), index }).strict(),
  z.object({ op: z.literal('deleteSection'), section: index }).strict(),
  z.object({ op: z.literal('moveSection'), section: index, to: index }).strict(),
]);

export { joinParagraphs, paragraphsOf, plainLine } from './paragraphs.ts';

const bad = (
  key: 'editorUx.op.noSection' | 'editorUx.op.noArticle' | 'editorUx.op.noParagraph' | 'editorUx.op.badTarget',
  params: Record<string, string | number>,
) => new AppError('validation_failed', msg(key, params));

const emptyArticle = (): Article => ({ title: '', body: '', sources: [] });

/** Applies one structural edit and returns the new content; 422 `validation_failed` when a position does not exist. */
export function applyStructureOp(content: IssueContent, input: StructureOp): IssueContent {
  const op = parseOrThrow(structureOpSchema, input) as StructureOp;
  const sections = content.sections.map((s) => ({ ...s, articles: s.articles.map((a) => ({ ...a, sources: [...a.sources] })) }));
  const out: IssueContent = { ...content, sections };

  const section = (si: number) => {
    const s = sections[si];
    if (!s) throw bad('editorUx.op.noSection', { section: si + 1, count: sections.length });
    return s;
  };
  const article = (si: number, ai: number) => {
    const s = section(si);
    const a = s.articles[ai];
    if (!a) throw bad('editorUx.op.noArticle', { section: si + 1, article: ai + 1, count: s.articles.length });
    return { s, a };
  };
  const paragraphs = (si: number, ai: number, pi: number) => {
    const { s, a } = article(si, ai);
    const ps = paragraphsOf(a.body);
    if (pi >= ps.length) throw bad('editorUx.op.noParagraph', { section: si + 1, article: ai + 1, paragraph: pi + 1, count: ps.length });
    return { s, a, ps };
  };
  const targetBad = () => bad('editorUx.op.badTarget', { op: op.op });

  switch (op.op) {
    case 'split': {
      const { s, a, ps } = paragraphs(op.section, op.article, op.paragraph);
      if (op.paragraph === 0) throw targetBad();
      if (s.articles.length >= MAX_ARTICLES) throw targetBad();
      a.body = joinParagraphs(ps.slice(0, op.paragraph));
      s.articles.splice(op.article + 1, 0, { ...emptyArticle(), body: joinParagraphs(ps.slice(op.paragraph)) });
      break;
    }
    case 'mergePrevious': {
      const { s, a } = article(op.section, op.article);
      if (op.article === 0) throw targetBad();
      const prev = s.articles[op.article - 1]!;
      const parts = [...paragraphsOf(prev.body), ...(a.title.trim() ? [`### ${a.title.trim()}`] : []), ...paragraphsOf(a.body)];
      prev.body = joinParagraphs(parts);
      for (const src of a.sources) if (!prev.sources.some((x) => x.url === src.url) && prev.sources.length < 50) prev.sources.push(src);
      if (!prev.image && a.image) prev.image = a.image;
      if (prev.attribution === undefined && a.attribution !== undefined) prev.attribution = a.attribution;
      s.articles.splice(op.article, 1);
      break;
    }
    case 'makeTitle': {
      const { a, ps } = paragraphs(op.section, op.article, op.paragraph);
      const title = plainLine(ps[op.paragraph]!);
      if (!title || title.length > MAX_TITLE) throw targetBad();
      const rest = ps.filter((_, i) => i !== op.paragraph);
      if (a.title.trim()) rest.unshift(`### ${a.title.trim()}`);
      a.title = title;
      a.body = joinParagraphs(rest);
      break;
    }
    case 'makeSubheading': {
      const { a, ps } = paragraphs(op.section, op.article, op.paragraph);
      const line = plainLine(ps[op.paragraph]!);
      if (!line) throw targetBad();
      ps[op.paragraph] = `### ${line}`;
      a.body = joinParagraphs(ps);
      break;
    }
    case 'moveArticle': {
      const { s, a } = article(op.section, op.article);
      const to = section(op.to.section);
      const room = to === s ? s.articles.length - 1 : to.articles.length;
      if (op.to.index > room) throw targetBad();
      if (to !== s && to.articles.length >= MAX_ARTICLES) throw targetBad();
      s.articles.splice(op.article, 1);
      to.articles.splice(op.to.index, 0, a);
      break;
    }
    case 'addArticle': {
      const s = section(op.section);
      if (op.index > s.articles.length || s.articles.length >= MAX_ARTICLES) throw targetBad();
      s.articles.splice(op.index, 0, emptyArticle());
      break;
    }
    case 'deleteArticle': {
      const { s } = article(op.section, op.article);
      s.articles.splice(op.article, 1);
      break;
    }
    case 'addSection': {
      if (op.index > sections.length || sections.length >= MAX_SECTIONS) throw targetBad();
      sections.splice(op.index, 0, { title: '', articles: [emptyArticle()] });
      break;
    }
    case 'deleteSection': {
      section(op.section);
      sections.splice(op.section, 1);
      break;
    }
    case 'moveSection': {
      const s = section(op.section);
      if (op.to >= sections.length) throw targetBad();
      sections.splice(op.section, 1);
      sections.splice(op.to, 0, s);
      break;
    }
  }
  return out;
}

/**
 * The notes that still point where they did after an op. A note is dropped when the op touched
 * its place (its article, or any article or section whose index the op shifts), so no note ever
 * names the wrong article; notes before the change, in untouched sections, or with no place stay.
 */
export function notesAfterOp<N>(notes: readonly N[], op: StructureOp): N[] {
  return notes.filter((n) => {
    const place = (n as { place?: ContentPlace } | null)?.place;
    if (!place || typeof place !== 'object' || typeof place.section !== 'number') return true;
    const a = typeof place.article === 'number' ? place.article : -1;
    const inSection = (si: number, from: number) => place.section === si && (a === -1 || a >= from);
    switch (op.op) {
      case 'split':
      case 'makeTitle':
      case 'makeSubheading':
      case 'deleteArticle':
        return !inSection(op.section, op.article);
      case 'mergePrevious':
        return !inSection(op.section, op.article - 1);
      case 'addArticle':
        return !inSection(op.section, op.index);
      case 'moveArticle':
        return !inSection(op.section, Math.min(op.article, op.section === op.to.section ? op.to.index : op.article)) && !inSection(op.to.section, op.to.index);
      case 'addSection':
        return place.section < op.index;
      case 'deleteSection':
        return place.section < op.section;
      case 'moveSection':
        return place.section < Math.min(op.section, op.to) || place.section > Math.max(op.section, op.to);
    }
    return true;
  });
}

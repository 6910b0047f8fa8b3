/**
 * Issue import: Markdown exports and text extracted from PDF become an `IssueContent`, with
 * every link cleaned and reported. Pure functions (no I/O), for Node and Workers alike.
 *
 * Every guess that could be wrong (a title taken from a line, a split or merged article, a
 * section name taken for a page header, text placed in the intro or the footer, joined lines)
 * is a note: a catalog message (`importer.*`) with its place in the final content and, where one
 * is likely, the structure op that undoes the guess (src/content/structure-ops.ts).
 */
import { type MessageKey, msg } from '../../i18n/index.ts';
import type { IssueContent, LinkLintEntry } from '../../modules/issues/model.ts';
import { cleanIssueLinks } from '../links.ts';
import { markdownToBlocks } from './markdown.ts';
import { readPdfText } from './pdf-text.ts';
import { buildIssue, type ImportNote } from './structure.ts';
import { findLostText } from './text-check.ts';
import { replacePrivateUse } from './text.ts';

export { findLostText, issueText } from './text-check.ts';
export type { ImportNote } from './structure.ts';

export type ImportFormat = 'markdown' | 'text';

export interface ImportOptions {
  format?: ImportFormat | 'auto';
  /** BCP 47 tag; guessed from the text when absent ("zh-CN" when it is mostly Chinese, else "en"). */
  language?: string;
  /** The newsletter's name: the issue title when the source has no title of its own. */
  newsletterName?: string;
}

export interface ImportResult {
  content: IssueContent;
  lint: LinkLintEntry[];
  format: ImportFormat;
  /**
   * What the editor should check: catalog messages (`importer.*`, older `import.*`), each with its
   * place (section, article, paragraph, first words) and likely fix when known. A note is a
   * Message with extra fields, so callers that store or show messages keep working.
   */
  warnings: ImportNote[];
  /** Source text left out on purpose (running headers, a logo tagline), each named in a note. */
  setAside: string[];
}

export function importIssue(source: string, opts: ImportOptions = {}): ImportResult {
  const format = !opts.format || opts.format === 'auto' ? detectFormat(source) : opts.format;
  // PDF fonts put their bullets in the private-use area (U+F070…): list items, never characters.
  const glyphs = replacePrivateUse(source, format === 'markdown' ? '-' : '•');
  const warnings: ImportNote[] = [];
  const setAside: string[] = [];
  let blocks: ReturnType<typeof markdownToBlocks>;
  if (format === 'markdown') {
    blocks = markdownToBlocks(glyphs.text);
  } else {
    const read = readPdfText(glyphs.text);
    blocks = read.blocks;
    for (const line of read.runningLines) {
      setAside.push(...line.texts);
      warnings.push(msg('importer.runningLine', { text: line.text, count: line.count }));
    }
  }
  const built = buildIssue(blocks, opts.language ?? guessLanguage(source), opts.newsletterName ? { newsletterName: opts.newsletterName } : {});
  setAside.push(...built.setAside);
  const { content, lint } = cleanIssueLinks(built.content);
  warnings.unshift(...built.warnings);
  if (glyphs.count > 0) warnings.push(msg('importer.glyphBullets', { count: glyphs.count }));

  // Safety net: whatever the structure reader could not place goes to the intro, flagged.
  // Text set aside on purpose (running headers, a tagline) is named in a note instead.
  const lost = findLostText(glyphs.text, content, setAside);
  if (lost.length > 0) {
    content.intro = [content.intro, ...lost].filter(Boolean).join('\n\n');
    warnings.push(msg('import.lostText', { count: lost.length, passages: lost.map((l) => `“${l.slice(0, 40)}”`).join(', ') }));
  }
  return { content, lint, format, warnings, setAside };
}

/**
 * Notes the importer wrote before issue 20 and no longer writes: issues imported then still hold
 * them in `import_warnings`, so their catalog keys stay (shown as they were, without a place).
 */
export const LEGACY_NOTE_KEYS = ['import.linksInIntro', 'import.untitledArticles', 'import.titleGuessed'] as const satisfies readonly MessageKey[];

/** How many notes the import summary counts (every note is one guess to check). */
export function countNotes(warnings: readonly unknown[]): number {
  return warnings.length;
}

/** Markdown when the text uses Markdown syntax (headings, links, emphasis) a few times. */
export function detectFormat(source: string): ImportFormat {
  const count = (re: RegExp) => source.match(re)?.length ?? 0;
  const score =
    3 * count(/^#{1,6}\s+\S/gm) + 2 * count(/\]\([^)\s]*\)/g) + 2 * count(/\*\*[^*\n]+\*\*/g) + count(/^\s*[-*+]\s+\S/gm) + count(/<https?:\/\/[^>\s]+>/g);
  return score >= 3 ? 'markdown' : 'text';
}

function guessLanguage(source: string): string {
  const han = source.match(/\p{Script=Han}/gu)?.length ?? 0;
  const letters = source.match(/\p{L}/gu)?.length ?? 0;
  return han > 0 && han >= letters * 0.2 ? 'zh-CN' : 'en';
}

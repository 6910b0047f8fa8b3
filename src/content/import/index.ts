/**
 * Issue import: Markdown exports and text extracted from PDF become an `IssueContent`, with
 * every link cleaned and reported. Pure functions (no I/O), for Node and Workers alike.
 */
import { type Message, msg } from '../../i18n/index.ts';
import type { IssueContent, LinkLintEntry } from '../../modules/issues/model.ts';
import { cleanIssueLinks } from '../links.ts';
import { markdownToBlocks } from './markdown.ts';
import { pdfTextToBlocks } from './pdf-text.ts';
import { buildIssue } from './structure.ts';
import { findLostText } from './text-check.ts';

export { findLostText, issueText } from './text-check.ts';

export type ImportFormat = 'markdown' | 'text';

export interface ImportOptions {
  format?: ImportFormat | 'auto';
  /** BCP 47 tag; guessed from the text when absent ("zh-CN" when it is mostly Chinese, else "en"). */
  language?: string;
}

export interface ImportResult {
  content: IssueContent;
  lint: LinkLintEntry[];
  format: ImportFormat;
  /** What the editor should check (catalog messages `import.*`): guessed title, untitled articles, text placed by fallback… */
  warnings: Message[];
}

export function importIssue(source: string, opts: ImportOptions = {}): ImportResult {
  const format = !opts.format || opts.format === 'auto' ? detectFormat(source) : opts.format;
  const blocks = format === 'markdown' ? markdownToBlocks(source) : pdfTextToBlocks(source);
  const built = buildIssue(blocks, opts.language ?? guessLanguage(source));
  const { content, lint } = cleanIssueLinks(built.content);
  const warnings = [...built.warnings];

  // Safety net: whatever the structure reader could not place goes to the intro, flagged.
  const lost = findLostText(source, content);
  if (lost.length > 0) {
    content.intro = [content.intro, ...lost].filter(Boolean).join('\n\n');
    warnings.push(msg('import.lostText', { count: lost.length, passages: lost.map((l) => `“${l.slice(0, 40)}”`).join(', ') }));
  }
  return { content, lint, format, warnings };
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

/**
 * The bulk import of back issues: several files, each one issue, each read, checked and imported
 * on its own, so that a bad file (empty, binary, too big, of the wrong type) or a refused import
 * gives its own error and never stops the others. Shared by `quire import FILE… | DIR`, the
 * admin's upload (one file per request from the page's script, or all of them from the form) and
 * `POST /api/v1/newsletters/:slug/issues/import`.
 */
import { z } from 'zod';
import { msg, type Message, type StoredMessage } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import type { AuthUser } from '../users/service.ts';
import type { Issue, IssuesService } from './service.ts';

/** One file at most (the single import's limit). */
export const BACK_ISSUE_MAX_BYTES = 2_000_000;
/** Files one request of the JSON API or the admin's form may carry. */
export const BACK_ISSUES_MAX_FILES = 100;
/** The kinds of file an issue is read from: Markdown exports and text extracted from PDF. */
export const BACK_ISSUE_EXTENSIONS = /\.(md|markdown|txt|text)$/i;

/** What the summary table shows of one file. */
export type BackIssueResult =
  | {
      name: string;
      ok: true;
      id: number;
      title: string;
      /** The issue's language, for pages that show its title. */
      language: string;
      number: number;
      date: string | null;
      articles: number;
      status: Issue['status'];
      /** The importer's notes (what the editor should check). */
      notes: StoredMessage[];
    }
  | { name: string; ok: false; error: Message };

export interface BackIssueFile {
  name: string;
  /** The file's bytes (read as UTF-8 here), or its text already. */
  content: Uint8Array | string;
}

export const bulkImportSchema = z
  .object({
    files: z
      .array(z.object({ name: z.string().min(1).max(255), source: z.string().max(BACK_ISSUE_MAX_BYTES * 2) }).strict())
      .min(1)
      .max(BACK_ISSUES_MAX_FILES),
    format: z.enum(['markdown', 'text', 'auto']).default('auto'),
    /** File each issue in the archive without a send. */
    publish: z.boolean().default(false),
  })
  .strict();

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The file's text, or why it cannot be an issue. */
export function readBackIssue(file: BackIssueFile): { source: string } | { error: Message } {
  if (!BACK_ISSUE_EXTENSIONS.test(file.name)) return { error: msg('backIssues.wrongType', { name: file.name }) };
  const size = typeof file.content === 'string' ? new TextEncoder().encode(file.content).length : file.content.length;
  if (size > BACK_ISSUE_MAX_BYTES) return { error: msg('backIssues.tooBig', { mb: BACK_ISSUE_MAX_BYTES / 1_000_000 }) };
  let source: string;
  if (typeof file.content === 'string') source = file.content;
  else {
    try {
      source = utf8.decode(file.content);
    } catch {
      return { error: msg('backIssues.binary') };
    }
  }
  // NUL and other control characters (but tabs, line breaks and form feeds) are not in a text file.
  const controls = source.match(/[\u0000-\u0008\u000E-\u001F]/g)?.length ?? 0;
  if (controls > 0) return { error: msg('backIssues.binary') };
  if (!source.replace(/^\uFEFF/, '').trim()) return { error: msg('backIssues.empty') };
  return { source: source.replace(/^\uFEFF/, '') };
}

export interface BulkOptions {
  format?: 'markdown' | 'text' | 'auto';
  publish?: boolean;
  /** Told of each file's result as it is known (the CLI prints a line). */
  onResult?: (r: BackIssueResult, index: number) => void | Promise<void>;
  /** Errors that are not AppErrors: logged by the caller; the file gets a generic error. */
  onUnexpected?: (e: unknown, name: string) => void;
}

/** Imports one file; whatever goes wrong is its result, never thrown. */
export async function importBackIssue(
  issues: IssuesService,
  slug: string,
  file: BackIssueFile,
  opts: Omit<BulkOptions, 'onResult'>,
  actor: AuthUser | null,
): Promise<BackIssueResult> {
  const read = readBackIssue(file);
  if ('error' in read) return { name: file.name, ok: false, error: read.error };
  try {
    const format = opts.format && opts.format !== 'auto' ? opts.format : /\.(md|markdown)$/i.test(file.name) ? 'markdown' : 'auto';
    let issue = await issues.create(slug, { source: read.source, format }, actor, { fileName: file.name });
    if (opts.publish) issue = await issues.publish(issue.id, {}, actor);
    return {
      name: file.name,
      ok: true,
      id: issue.id,
      title: issue.title,
      language: issue.language,
      number: issue.number,
      date: issue.date ?? null,
      articles: issue.sections.reduce((n, s) => n + s.articles.length, 0),
      status: issue.status,
      notes: issue.warnings,
    };
  } catch (e) {
    if (e instanceof AppError) {
      // A newsletter that does not exist fails every file the same way: say it once, as the caller's error.
      if (e.code === 'not_found') throw e;
      return { name: file.name, ok: false, error: e.said };
    }
    opts.onUnexpected?.(e, file.name);
    return { name: file.name, ok: false, error: msg('backIssues.failed') };
  }
}

/** Imports the files one after the other, in the order given. */
export async function importBackIssues(
  issues: IssuesService,
  slug: string,
  files: BackIssueFile[],
  opts: BulkOptions,
  actor: AuthUser | null,
): Promise<BackIssueResult[]> {
  const out: BackIssueResult[] = [];
  for (const [i, f] of files.entries()) {
    const r = await importBackIssue(issues, slug, f, opts, actor);
    out.push(r);
    await opts.onResult?.(r, i);
  }
  return out;
}

/**
 * The catalog keys the admin's browser scripts use. The page embeds exactly these entries (in
 * its language) as JSON, and the scripts format them with the server's own code (src/i18n/format.ts).
 */
import type { MessageKey } from '../../i18n/index.ts';

export const ADMIN_CLIENT_KEYS = [
  'dash.in',
  'time.days',
  'time.hours',
  'time.minutes',
  'issue.previewSaved',
  'issue.previewPending',
  'issue.previewBusy',
  'issue.previewLive',
  'issue.previewError',
  'issue.previewFailed',
  'issue.progressLine',
  'subs.importUploading',
  'subs.importUploaded',
  'subs.importRows',
  'subs.importFailed',
  'backIssues.rowWaiting',
  'backIssues.rowImporting',
  'backIssues.rowFailed',
  'backIssues.progress',
  'backIssues.summary',
  'backIssues.networkError',
  'users.copied',
  'users.copyFailed',
  'editorUx.autosave.savedAt',
  'editorUx.autosave.pending',
  'editorUx.autosave.saving',
  'editorUx.autosave.failed',
  'editorUx.tools.paragraphs',
  'segments.counting',
  'segments.countFailed',
] as const satisfies readonly MessageKey[];

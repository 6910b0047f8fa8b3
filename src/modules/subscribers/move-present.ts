/** The audience move's result as the JSON API shows it (row errors with their file, line, code and English text). */
import { en } from '../../i18n/index.ts';
import type { MoveResult } from './move-service.ts';

export const moveResultJson = (m: MoveResult) => ({
  format: m.format,
  files: m.files,
  total: m.total,
  ...m.counts,
  duplicates: m.duplicates,
  errors: m.errors.map((e) => ({ file: e.file, line: e.line, code: e.said.key, message: en().m(e.said) })),
  errorCount: m.errorCount,
});

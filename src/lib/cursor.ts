import { AppError } from '../lib/errors.ts';
import { msg } from '../i18n/index.ts';

/** Opaque pagination cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A row id as cursors carry it. */
export const CURSOR_ID = /^\d{1,18}$/;
/** A timestamp as cursors carry it (toISOString). */
export const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;

/**
 * Decodes a cursor whose every key must be a string matching its pattern in `shape`; anything
 * else (not base64url JSON, a key missing, a forged value) is a 400, never a query.
 */
export function decodeCursor<K extends string>(cursor: string, shape: Record<K, RegExp>): Record<K, string> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const out = {} as Record<K, string>;
    let ok = true;
    for (const [k, pattern] of Object.entries(shape) as [K, RegExp][]) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'string' && pattern.test(x)) out[k] = x;
      else ok = false;
    }
    if (ok) return out;
  }
  throw new AppError('bad_request', msg('error.cursor'));
}

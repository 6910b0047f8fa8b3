/**
 * Validation at the edge for what no route should ever see: a path with broken percent-encoding
 * or a control character (a NUL byte reaches PostgreSQL as an error), and a query value with a
 * NUL byte. Such a request is a 400 with the usual error shape (JSON for programs, a page for
 * people) and one log line, before any route or service runs.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './env.ts';
import { AppError } from '../lib/errors.ts';
import { msg } from '../i18n/index.ts';

const CONTROL = /[\u0000-\u001f\u007f]/;
const NUL = /\u0000|%00/i;

/** Why the raw path (as sent, still percent-encoded) is refused, or null. */
export function malformedPath(rawPath: string): 'malformedPath' | null {
  for (const segment of rawPath.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'malformedPath';
    }
    if (CONTROL.test(decoded)) return 'malformedPath';
  }
  return null;
}

/** Why the raw query string is refused, or null: a NUL byte in any key or value. */
export function malformedQuery(rawQuery: string): 'malformedQuery' | null {
  return NUL.test(rawQuery) ? 'malformedQuery' : null;
}

export const rejectMalformedRequests = createMiddleware<AppEnv>(async (c, next) => {
  const url = c.req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const rest = start < 0 ? '/' : url.slice(start);
  const q = rest.search(/[?#]/);
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const rawQuery = q < 0 || rest[q] === '#' ? '' : rest.slice(q + 1).split('#')[0]!;
  // The open pixel answers the same GIF whatever its token (a broken one just records nothing).
  if (rawPath.startsWith('/o/')) return next();
  const problem = malformedPath(rawPath) ?? malformedQuery(rawQuery);
  if (problem) {
    c.var.services?.log.warn('refused a malformed request', { method: c.req.method, path: rawPath.slice(0, 200), problem });
    throw new AppError('bad_request', msg(`edge.${problem}`));
  }
  await next();
});

/**
 * PostgreSQL's answer to a NUL byte in text (22021) or in JSON (22P05): the request carried a
 * character nothing can store. A net behind the edge checks, for bodies (which they do not read).
 */
export function isUnstorableCharacter(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}

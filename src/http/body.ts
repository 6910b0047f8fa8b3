import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../lib/errors.ts';
import { msg } from '../i18n/index.ts';

/** Reads a JSON body with a clear error for the wrong type or malformed JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', msg('error.jsonRequired'));
  }
  try {
    return await c.req.json();
  } catch {
    throw new AppError('bad_request', msg('error.badJson'));
  }
}

/**
 * Hono's `bodyLimit`, without its cost on the common path. Hono's first reads `c.req.raw.body`,
 * which on Node makes @hono/node-server build a full web `Request` and a web stream around the
 * socket for every request (about a tenth of a signup's CPU). A declared Content-Length (without
 * Transfer-Encoding) is what the HTTP parser holds the body to, so it is checked from the header;
 * only a body without one (chunked) goes through Hono's counting reader.
 */
export function bodyLimit(o: { maxSize: number; onError: (c: Context) => Response | Promise<Response> }): MiddlewareHandler {
  const counting = honoBodyLimit(o);
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (parseInt(length, 10) > o.maxSize) return o.onError(c);
      return next();
    }
    return counting(c, next);
  };
}

import type { MiddlewareHandler } from 'hono';

/**
 * CORS for endpoints any origin may call (the public JSON API): `Access-Control-Allow-Origin: *`
 * on every answer, and preflights answered here. Hono's `cors` sets its headers on `c.res` before
 * the handler runs, which makes Hono rebuild the handler's response to merge them (on Node, a full
 * web Response per request); this sets them on the final response instead.
 */
export function openCors(o: { allowMethods: string[]; allowHeaders: string[]; maxAge: number }): MiddlewareHandler {
  const preflight = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': o.allowMethods.join(','),
    'Access-Control-Allow-Headers': o.allowHeaders.join(','),
    'Access-Control-Max-Age': String(o.maxAge),
  };
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return c.body(null, 204, preflight);
    await next();
    c.res.headers.set('Access-Control-Allow-Origin', '*');
  };
}

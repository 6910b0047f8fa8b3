/** What we know about the client of a request: its IP address and user agent, for rate limits and the consent record. */
import type { Context } from 'hono';
import type { TrustProxy } from '../config.ts';

/**
 * The client's IP. Headers are believed only as far as `TRUST_PROXY` says, because anyone can
 * send them: otherwise a client could pick a fresh address per request and walk past the signup
 * rate limit and the login lockout.
 * - `cloudflare` (the Worker's default): `CF-Connecting-IP`, which Cloudflare overwrites.
 * - `forwarded`: the first `X-Forwarded-For` entry, else `X-Real-IP` (a proxy of your own that
 *   overwrites them, e.g. nginx with `proxy_set_header X-Forwarded-For $remote_addr`).
 * - `none` (plain Node's default): the socket address @hono/node-server exposes.
 * Runtime-agnostic: no Node import.
 */
export function clientIp(c: Context): string {
  const trust: TrustProxy = (c.var as { services?: { config?: { trustProxy?: TrustProxy } } }).services?.config?.trustProxy ?? 'none';
  if (trust === 'cloudflare') {
    const cf = c.req.header('cf-connecting-ip');
    if (cf) return clean(cf);
  } else if (trust === 'forwarded') {
    const first = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (first) return clean(first);
    const real = c.req.header('x-real-ip');
    if (real) return clean(real);
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const socket = env?.incoming?.socket?.remoteAddress;
  return socket ? clean(socket) : 'unknown';
}

export function userAgent(c: Context): string | null {
  const ua = c.req.header('user-agent');
  return ua ? ua.slice(0, 500) : null;
}

function clean(s: string): string {
  return s.replace(/[^0-9A-Za-z.:_-]/g, '').slice(0, 64) || 'unknown';
}

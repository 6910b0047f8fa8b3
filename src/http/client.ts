/** What we know about the client of a request: its IP address and user agent, for rate limits and the consent record. */
import type { Context } from 'hono';

/**
 * The client's IP: `cf-connecting-ip` (set by Cloudflare), else the first `x-forwarded-for`
 * entry, else `x-real-ip`, else the socket address @hono/node-server exposes on `c.env.incoming`,
 * else "unknown". Runtime-agnostic: no Node import. On Node, run behind a proxy that overwrites
 * X-Forwarded-For, or a client can pick its own address.
 */
export function clientIp(c: Context): string {
  const cf = c.req.header('cf-connecting-ip');
  if (cf) return clean(cf);
  const xff = c.req.header('x-forwarded-for');
  if (xff) {
    const first = xff.split(',')[0]!.trim();
    if (first) return clean(first);
  }
  const real = c.req.header('x-real-ip');
  if (real) return clean(real);
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

/**
 * Svix webhook signatures (what Resend uses), on node:crypto so that it runs in workerd too.
 * Signed content: `${svix-id}.${svix-timestamp}.${raw body}`; HMAC-SHA256 with the base64 key after
 * `whsec_`; the `svix-signature` header holds space-separated `v1,<base64>` entries, any of which
 * may match (several while a secret is being rotated).
 */
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far the timestamp may be from our clock, either way (replay window). */
export const SVIX_TOLERANCE_MS = 5 * 60_000;

export interface SvixHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type SvixResult = { ok: true; id: string; timestamp: Date } | { ok: false; reason: string };

function keyOf(secret: string): Buffer | null {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(b64, 'base64');
  return key.length ? key : null;
}

/** The `v1,<sig>` value for this content (tests and tools sign with it). */
export function svixSign(secret: string, id: string, timestamp: number | string, body: string): string {
  const key = keyOf(secret);
  if (!key) throw new Error('empty webhook secret');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function verifySvix(secret: string | undefined, h: SvixHeaders, body: string, now: Date): SvixResult {
  if (!secret) return { ok: false, reason: 'RESEND_WEBHOOK_SECRET is not configured' };
  const key = keyOf(secret);
  if (!key) return { ok: false, reason: 'RESEND_WEBHOOK_SECRET is empty' };
  const { id, timestamp, signature } = h;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'svix-id, svix-timestamp and svix-signature headers are required' };
  if (id.length > 256 || signature.length > 4096) return { ok: false, reason: 'Malformed signature headers' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'svix-timestamp is not a Unix time' };
  const at = Number(timestamp) * 1000;
  if (Math.abs(now.getTime() - at) > SVIX_TOLERANCE_MS) return { ok: false, reason: 'svix-timestamp is more than 5 minutes from our clock' };
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  for (const part of signature.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(part.slice(comma + 1), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestamp: new Date(at) };
  }
  return { ok: false, reason: 'No signature matches' };
}

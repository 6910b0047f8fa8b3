/**
 * The first-party open pixel: `/o/<token>` where the token names the ledger row (deliveries.id),
 * HMAC-signed for the purpose "open" (no expiry: an email opened a year later is still an open).
 * A row id of 1 000 000 gives a 30-character token.
 */
import { signToken } from '../../lib/tokens.ts';

export const OPEN_TOKEN_PURPOSE = 'open';

/** The pixel URL for one recipient of an issue (the send pipeline calls it per email). */
export function openPixelUrl(publicUrl: string, secret: string, deliveryId: string | number): string {
  return `${publicUrl.replace(/\/+$/, '')}/o/${signToken(secret, OPEN_TOKEN_PURPOSE, String(deliveryId))}`;
}

/** A 1×1 transparent GIF (42 bytes). */
export const TRANSPARENT_GIF = Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (c) => c.charCodeAt(0));

/**
 * `html` without its open pixel: what an admin view of a sent message shows (the outbox API), so
 * that looking at a message never counts as its recipient opening it.
 */
export function withoutOpenPixel(html: string, publicUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return html.replace(new RegExp(`<img\\b[^>]*\\ssrc=(["'])${base}/o/[^"']*\\1[^>]*>\\n?`, 'gi'), '');
}

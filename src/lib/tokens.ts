/**
 * Signed, single-purpose capability tokens for links in emails (confirm, unsubscribe, preferences).
 *
 * Format: `<subject>.<mac>` or `<subject>.<expiry>.<mac>` where `expiry` is Unix seconds in base 36
 * and `mac` is the first 128 bits of HMAC-SHA256(secret, purpose ‖ subject ‖ expiry), base64url
 * (22 characters). The purpose is bound into the MAC, not written out, so an unsubscribe token can
 * never pass as a confirmation token. An unsubscribe token for subscriber 123456 is 29 characters.
 *
 * Cost: one HMAC-SHA256 over ~30 bytes, synchronous, ~2 µs on a laptop core: signing the
 * unsubscribe and preferences links for 100 000 recipients takes well under a second.
 */
import { hmacBase64url, safeEqual } from './crypto.ts';

const SUBJECT = /^[A-Za-z0-9_-]{1,128}$/;
const MAC_LENGTH = 22; // 128 bits of base64url

export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences' | (string & {});

function mac(secret: string, purpose: string, subject: string, expiry: string): string {
  return hmacBase64url(secret, `quire-token\n${purpose}\n${subject}\n${expiry}`).slice(0, MAC_LENGTH);
}

/** Signs `subject` (letters, digits, `_`, `-`) for `purpose`, optionally expiring at `expiresAt`. */
export function signToken(secret: string, purpose: TokenPurpose, subject: string, expiresAt?: Date): string {
  if (!SUBJECT.test(subject)) throw new Error(`Token subject must match ${SUBJECT}: "${subject}"`);
  if (!expiresAt) return `${subject}.${mac(secret, purpose, subject, '')}`;
  const expiry = Math.ceil(expiresAt.getTime() / 1000).toString(36);
  return `${subject}.${expiry}.${mac(secret, purpose, subject, expiry)}`;
}

/** The subject when the token is genuine, for this purpose, and not expired at `now`; else null. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string, now: Date): { subject: string; expiresAt: Date | null } | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const parts = token.split('.');
  if (parts.length !== 2 && parts.length !== 3) return null;
  const subject = parts[0]!;
  const expiry = parts.length === 3 ? parts[1]! : '';
  const given = parts[parts.length - 1]!;
  if (!SUBJECT.test(subject) || given.length !== MAC_LENGTH) return null;
  if (expiry && !/^[0-9a-z]{1,10}$/.test(expiry)) return null;
  if (!safeEqual(given, mac(secret, purpose, subject, expiry))) return null;
  const expiresAt = expiry ? new Date(parseInt(expiry, 36) * 1000) : null;
  if (expiresAt && expiresAt.getTime() <= now.getTime()) return null;
  return { subject, expiresAt };
}

/** The one-click unsubscribe URL for a subscriber (also the List-Unsubscribe header target). */
export function unsubscribeUrl(publicUrl: string, secret: string, subscriberId: string | number): string {
  return `${publicUrl.replace(/\/+$/, '')}/unsubscribe/${signToken(secret, 'unsubscribe', String(subscriberId))}`;
}

/** The preferences page URL for a subscriber. */
export function preferencesUrl(publicUrl: string, secret: string, subscriberId: string | number): string {
  return `${publicUrl.replace(/\/+$/, '')}/preferences/${signToken(secret, 'preferences', String(subscriberId))}`;
}

/** A CSRF token for forms on pages reached through `token` (the capability in the URL). */
export function csrfFor(secret: string, token: string): string {
  return hmacBase64url(secret, `quire-csrf\n${token}`).slice(0, MAC_LENGTH);
}

export function checkCsrf(secret: string, token: string, given: unknown): boolean {
  return typeof given === 'string' && given.length === MAC_LENGTH && safeEqual(given, csrfFor(secret, token));
}

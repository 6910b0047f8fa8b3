/**
 * What every format importer (Mailchimp, Substack, listmonk) reads a row into: one person, the
 * state they are in where they come from, and the proof of their consent (when and from where they
 * opted in and confirmed). Readers are pure: a header row in, a row reader out; no database.
 */
import type { Message } from '../../../i18n/index.ts';

export const MOVE_FORMATS = ['mailchimp', 'substack', 'listmonk'] as const;
export type MoveFormat = (typeof MOVE_FORMATS)[number];

/** Where the person stands at the source: subscribed, left, or not to be mailed (bounced). */
export type MoveState = 'active' | 'unsubscribed' | 'suppressed';

/** One row as its format says it, before the address and name are checked. */
export interface MoveRow {
  email: string;
  name: string;
  language: string | null;
  state: MoveState;
  /** When and from which IP they opted in / confirmed (the consent proof), when the file says. */
  optinAt: Date | null;
  optinIp: string | null;
  confirmAt: Date | null;
  confirmIp: string | null;
  /** When they left (unsubscribed, cleaned), when the file says. */
  leftAt: Date | null;
  /** Why they left, as the source puts it (Mailchimp's UNSUB_REASON), kept in the consent event. */
  leftReason: string | null;
  tags: string[];
  attributes: Record<string, string>;
  /** The source's own id for the person (Mailchimp LEID, listmonk uuid): kept in the event detail. */
  sourceId: string | null;
}

/** A file of one format opened by its header: how to read each of its rows. */
export interface OpenedFile {
  /** What kind of file it is within its format (Mailchimp: subscribed, unsubscribed, cleaned). */
  kind: string;
  /** The row's record (its fields in the header's order), or what is wrong with it (a catalog message). */
  read(values: string[]): MoveRow | Message;
}

export interface FormatReader {
  /** Looks at the header row: the file opened, or why it is not a file of this format. */
  open(header: string[]): OpenedFile | Message;
}

/**
 * A date as exports write it: Mailchimp's `2023-04-05 09:12:44` (UTC), ISO 8601 with or without an
 * offset (Substack, listmonk's `2023-04-05 09:12:44.123456+08:00`). Null when empty; undefined when
 * it is not a date.
 */
export function exportDate(raw: string | undefined): Date | null | undefined {
  const s = (raw ?? '').trim();
  if (!s) return null;
  // Mailchimp's own shape, on every row of a large file: read by position, no regular expression.
  if (s.length === 19 && s[4] === '-' && s[7] === '-' && s[10] === ' ' && s[13] === ':' && s[16] === ':') {
    const n = (from: number, to: number) => Number(s.slice(from, to));
    const [y, mo, d, h, mi, se] = [n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16), n(17, 19)];
    const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
    if (y >= 1990 && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && se < 60) return t;
    return undefined;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?$/i.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', se = '00', frac = '', zone] = m;
  let z = !zone || /^(z|utc)$/i.test(zone) ? 'Z' : zone;
  if (/^[+-]\d{4}$/.test(z)) z = `${z.slice(0, 3)}:${z.slice(3)}`;
  const ms = frac ? `.${frac.slice(1, 4).padEnd(3, '0')}` : '';
  const t = new Date(`${y}-${mo}-${d}T${h}:${mi}:${se}${ms}${z}`);
  return Number.isNaN(t.getTime()) || t.getUTCFullYear() < 1990 ? undefined : t;
}

/** An IP address as given (IPv4 or IPv6), or null when the field holds something else. */
export function exportIp(raw: string | undefined): string | null {
  const s = (raw ?? '').trim();
  if (!s || s.length > 45) return null;
  return /^(\d{1,3}\.){3}\d{1,3}$/.test(s) || /^[0-9a-f:.]+$/i.test(s) ? s : null;
}

/** A merge field or attribute name as a key: `Phone Number` → `phone_number`, `公司` stays `公司`. */
export function attributeKey(raw: string): string {
  return raw
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
}

/** `true`, `yes`, `1`, `t` (as exports write booleans). */
export const truthy = (raw: string | undefined) => /^(true|t|yes|y|1)$/i.test((raw ?? '').trim());

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
/** First and last name as one: `Ada Lovelace`; Chinese names family name first, no space: `王小明`. */
export function joinName(first: string, last: string): string {
  const f = first.trim();
  const l = last.trim();
  if (f && l && CJK.test(f) && CJK.test(l)) return `${l}${f}`;
  return [f, l].filter(Boolean).join(' ');
}

/** The index of the column named `name` (as `norm` writes header names), or undefined. */
export function columnIndex(header: string[], norm: (h: string) => string): (name: string) => number | undefined {
  const names = header.map(norm);
  return (name) => {
    const i = names.indexOf(name);
    return i === -1 ? undefined : i;
  };
}

/** A row's field by column index, trimmed ('' when the column or the field is missing). */
export const field = (v: string[], i: number | undefined) => (i === undefined ? '' : (v[i] ?? '').trim());

/**
 * Subscriber fields and the values they accept: a newsletter defines each attribute (key, label in
 * each language, type); import, API and admin check values here, so a number column holds numbers,
 * a date column ISO dates and a choice column one of its choices. Pure functions: no SQL.
 */
import type { SubscriberFieldRow, SubscriberFieldType } from '../../db/schema.ts';
import { type Message, msg } from '../../i18n/index.ts';

export const FIELD_TYPES = ['text', 'number', 'date', 'choice'] as const satisfies readonly SubscriberFieldType[];
export const MAX_FIELDS = 100;
export const MAX_TEXT_VALUE = 1_000;
export const MAX_TAG_LENGTH = 64;
export const MAX_TAGS = 100;

/** A field as the API shows it. */
export interface SubscriberField {
  key: string;
  labels: Record<string, string>;
  type: SubscriberFieldType;
  choices: string[];
  position: number;
}

export const toField = (r: SubscriberFieldRow): SubscriberField => ({
  key: r.key,
  labels: (r.labels ?? {}) as Record<string, string>,
  type: r.type,
  choices: ((r.choices ?? []) as string[]).map(String),
  position: r.position,
});

/** The label people read: theirs, else the newsletter's language's, else any, else the key. */
export function fieldLabel(f: Pick<SubscriberField, 'key' | 'labels'>, lang: string, fallbackLang?: string): string {
  const l = f.labels;
  return l[lang] || (fallbackLang ? l[fallbackLang] : '') || Object.values(l).find(Boolean) || f.key;
}

export type Checked = { ok: true; value: string | number } | { ok: false; said: Message };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A value for a field, from text (a CSV cell, a form) or JSON: its stored form, or what is wrong. */
export function checkValue(f: Pick<SubscriberField, 'key' | 'type' | 'choices'>, raw: unknown): Checked {
  const field = f.key;
  if (f.type === 'number') {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
    return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, said: msg('fields.notNumber', { field, value: shown(raw) }) };
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, said: msg('fields.notText', { field }) };
  const s = typeof raw === 'string' ? raw.trim() : String(raw);
  if (f.type === 'text') return s.length > MAX_TEXT_VALUE ? { ok: false, said: msg('fields.tooLong', { field, max: MAX_TEXT_VALUE }) } : { ok: true, value: s };
  if (f.type === 'date') {
    const m = ISO_DATE.exec(s);
    const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
    if (!m || !d || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3]))
      return { ok: false, said: msg('fields.notDate', { field, value: shown(raw) }) };
    return { ok: true, value: s };
  }
  if (f.type === 'choice') {
    const hit = f.choices.find((c) => c === s) ?? f.choices.find((c) => c.toLowerCase() === s.toLowerCase());
    return hit !== undefined
      ? { ok: true, value: hit }
      : { ok: false, said: msg('fields.notChoice', { field, value: shown(raw), choices: f.choices.join(', ') }) };
  }
  if (s.length > MAX_TEXT_VALUE) return { ok: false, said: msg('fields.tooLong', { field, max: MAX_TEXT_VALUE }) };
  return { ok: true, value: s };
}

const shown = (raw: unknown) => String(raw).slice(0, 40);

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** A tag as stored: trimmed, at most MAX_TAG_LENGTH characters, no control characters; null when not one. */
export function cleanTag(raw: string): string | null {
  // Most tags are short printable ASCII: no normalising needed (a 100 000-row import asks this for every tag).
  if (raw.length <= MAX_TAG_LENGTH && PRINTABLE_ASCII.test(raw)) {
    const a = raw.trim();
    return a || null;
  }
  const t = raw.normalize('NFC').trim();
  if (!t || t.length > MAX_TAG_LENGTH || /[\u0000-\u001f\u007f]/.test(t)) return null;
  return t;
}

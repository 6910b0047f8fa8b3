/**
 * One i18n layer for pages, emails, the CLI and the browser scripts. Catalogs are data
 * (src/i18n/<language>/<area>.json, keys not sentences); `t(key, params)` formats one message
 * (plural forms through Intl.PluralRules, see format.ts); dates, numbers, percentages, durations
 * and lists go through Intl. Services never hold sentences: they return a `Message` (a key and
 * its parameters) and whoever shows it formats it in the reader's language.
 */
import { catalogs, type reference } from './catalogs.gen.ts';
import { type Catalog, type Entry, formatDuration, formatMessage, formatNumber } from './format.ts';
import { DEFAULT_LANG, type Lang, resolveLanguage } from './language.ts';

export { DEFAULT_LANG, fromAcceptLanguage, LANGUAGES, type Lang, matchLanguage, readerLanguage, resolveLanguage, systemLanguage } from './language.ts';

export type MessageKey = keyof typeof reference;
export type MessageParams = Readonly<Record<string, string | number | Message>>;

/** What a service says: a catalog key and its parameters, formatted by whoever shows it. */
export interface Message {
  readonly key: MessageKey;
  readonly params?: MessageParams;
}

export const msg = (key: MessageKey, params?: MessageParams): Message => (params ? { key, params } : { key });

/** A stored message (a `Message`, or text written before messages had keys). */
export type StoredMessage = Message | string;

export const isMessage = (x: unknown): x is Message => typeof x === 'object' && x !== null && typeof (x as Message).key === 'string';

export type Translate = (key: MessageKey, params?: MessageParams) => string;

export interface I18n {
  readonly lang: Lang;
  t: Translate;
  /** A service's message in this language; a plain string (older stored text) as it is. */
  m(message: StoredMessage): string;
  number(n: number): string;
  /** `part / whole` as a percentage with one decimal at most; "—" when `whole` is 0. */
  percent(part: number, whole: number, digits?: number): string;
  /** Date and time in `tz`, e.g. "2 Dec 2026, 09:00" / "2026年12月2日 09:00". */
  dateTime(d: Date | string | null | undefined, tz: string): string;
  date(d: Date | string | null | undefined, tz: string): string;
  /** "3 days 4 hours" / "3天4小时": days and hours, or minutes under an hour. */
  duration(ms: number): string;
  /** "a, b and c" / "a、b和c". */
  list(items: string[]): string;
  /** The entries of `keys`, for a browser script (see src/ui/client/i18n.ts). */
  subset(keys: readonly MessageKey[]): Record<string, Entry>;
}

const cache = new Map<Lang, I18n>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(lang: Lang, tz: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${lang}|${tz}|${withTime}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, {
      timeZone: tz,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
    });
    if (dateFormats.size > 500) dateFormats.clear();
    dateFormats.set(key, f);
  }
  return f;
}

function create(lang: Lang): I18n {
  const catalog: Catalog = catalogs[lang];
  const fallback: Catalog = catalogs[DEFAULT_LANG];
  const t: Translate = (key, params) => formatMessage(lang, catalog, fallback, key, params);
  const when = (d: Date | string | null | undefined, tz: string, withTime: boolean) => {
    if (!d) return '—';
    const date = new Date(d);
    return Number.isNaN(date.getTime()) ? '—' : dateFormat(lang, tz, withTime).format(date);
  };
  const listFormat = new Intl.ListFormat(lang, { type: 'conjunction' });
  return {
    lang,
    t,
    m: (message) => (typeof message === 'string' ? message : t(message.key, message.params)),
    number: (n) => formatNumber(lang, n),
    percent: (part, whole, digits = 1) => (whole ? new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: digits }).format(part / whole) : '—'),
    dateTime: (d, tz) => when(d, tz, true),
    date: (d, tz) => when(d, tz, false),
    duration: (ms) => formatDuration(lang, ms, t),
    list: (items) => listFormat.format(items),
    subset: (keys) => Object.fromEntries(keys.map((k) => [k, catalog[k] ?? fallback[k] ?? k])),
  };
}

/** The i18n of a language tag (any tag: it is resolved to one Quire speaks). */
export function i18n(tag: string | null | undefined): I18n {
  const lang = resolveLanguage(tag);
  let x = cache.get(lang);
  if (!x) {
    x = create(lang);
    cache.set(lang, x);
  }
  return x;
}

/** English, for logs and for the JSON API's `message` fields (clients switch on codes). */
export const en = (): I18n => i18n(DEFAULT_LANG);

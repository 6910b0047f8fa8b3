/**
 * The message format, shared by the server and the browser scripts (src/ui/client/), so it has
 * no imports. A catalog entry is a string with `{name}` placeholders, or an object of plural
 * forms (`one`, `other`, … as `Intl.PluralRules` names them), chosen by the `count` parameter:
 *
 *   "issues.count": { "one": "{count} issue", "other": "{count} issues" }
 *
 * `{name, number}` formats a number for the language (`1,234` / `1,234`); a bare `{name}` puts
 * the value in as it is, so issue numbers and years stay `2026`, not `2,026`.
 */
export type Entry = string | Readonly<Record<string, string>>;
export type Catalog = Readonly<Record<string, Entry>>;
export type ParamValue = string | number | { key: string; params?: Readonly<Record<string, ParamValue>> };
export type FormatParams = Readonly<Record<string, ParamValue>>;

const pluralRules = new Map<string, Intl.PluralRules>();
const numberFormats = new Map<string, Intl.NumberFormat>();

function plural(lang: string, n: number): string {
  let r = pluralRules.get(lang);
  if (!r) {
    r = new Intl.PluralRules(lang);
    pluralRules.set(lang, r);
  }
  return r.select(n);
}

export function formatNumber(lang: string, n: number): string {
  let f = numberFormats.get(lang);
  if (!f) {
    f = new Intl.NumberFormat(lang);
    numberFormats.set(lang, f);
  }
  return f.format(n);
}

/**
 * "3 days 4 hours" / "3天4小时": days and hours, or minutes under an hour, from the catalog's
 * `time.*` entries, joined as the language joins units.
 */
export function formatDuration(lang: string, ms: number, t: (key: 'time.days' | 'time.hours' | 'time.minutes', params: { count: number }) => string): string {
  const mins = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(mins / 1440);
  const hours = Math.floor((mins % 1440) / 60);
  const minutes = mins % 60;
  const parts: string[] = [];
  if (days) parts.push(t('time.days', { count: days }));
  if (hours) parts.push(t('time.hours', { count: hours }));
  if (!days && (minutes || !hours)) parts.push(t('time.minutes', { count: minutes }));
  return new Intl.ListFormat(lang, { type: 'unit', style: 'narrow' }).format(parts);
}

/** The entry's text for `count`: its plural form, else `other`. */
export function pickForm(lang: string, entry: Entry, count: unknown): string {
  if (typeof entry === 'string') return entry;
  const n = typeof count === 'number' ? count : Number(count);
  return entry[Number.isFinite(n) ? plural(lang, n) : 'other'] ?? entry.other ?? Object.values(entry)[0] ?? '';
}

/**
 * Formats `key` from `catalog` (falling back on `fallback`, then on the key itself, so a missing
 * translation shows as a key a test can find, never as nothing). Nested messages in the
 * parameters (`{ key, params }`) are formatted the same way.
 */
export function formatMessage(lang: string, catalog: Catalog, fallback: Catalog, key: string, params?: FormatParams): string {
  const entry = catalog[key] ?? fallback[key];
  if (entry === undefined) return key;
  const text = pickForm(lang, entry, params?.count);
  if (!params) return text;
  return text.replace(/\{(\w+)(?:,\s*(number))?\}/g, (whole, name: string, style: string | undefined) => {
    const v = params[name];
    if (v === undefined) return whole;
    if (typeof v === 'object') return formatMessage(lang, catalog, fallback, v.key, v.params);
    if (style === 'number' && typeof v === 'number') return formatNumber(lang, v);
    return String(v);
  });
}

/**
 * The one language resolver. Quire speaks the languages that have a folder of catalogs in
 * src/i18n/; every other tag is matched to one of them (exact, then case-insensitive, then by
 * base language: `zh-TW` and `zh` → `zh-CN`), else English. Who decides: a page about a
 * newsletter speaks the newsletter's language; a subscriber's email and pages, the subscriber's
 * (else the newsletter's); the admin, the `lang` cookie, else the browser's Accept-Language.
 */
import { catalogs } from './catalogs.gen.ts';

export type Lang = keyof typeof catalogs;
export const DEFAULT_LANG: Lang = 'en';
export const LANGUAGES = Object.keys(catalogs) as Lang[];

/** The supported language a BCP 47 tag means, or null. */
export function matchLanguage(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  const t = tag.trim();
  if ((LANGUAGES as string[]).includes(t)) return t as Lang;
  const lower = t.toLowerCase();
  const same = LANGUAGES.find((l) => l.toLowerCase() === lower);
  if (same) return same;
  const base = lower.split(/[-_]/)[0];
  return LANGUAGES.find((l) => l.toLowerCase().split('-')[0] === base) ?? null;
}

/** The first candidate Quire speaks (in order of precedence), else English. */
export function resolveLanguage(...candidates: (string | null | undefined)[]): Lang {
  for (const c of candidates) {
    const m = matchLanguage(c);
    if (m) return m;
  }
  return DEFAULT_LANG;
}

/** The best supported language of an Accept-Language header (q-values honoured), or null. */
export function fromAcceptLanguage(header: string | null | undefined): Lang | null {
  if (!header) return null;
  const ranked = header
    .slice(0, 1000)
    .split(',')
    .map((part, i) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.tag && x.tag !== '*' && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) {
    const m = matchLanguage(r.tag);
    if (m) return m;
  }
  return null;
}

/** The language of the command line: LC_ALL, LC_MESSAGES, LANG (`zh_CN.UTF-8` → zh-CN; `C` → English). */
export const systemLanguage = (env: Record<string, string | undefined>): Lang =>
  resolveLanguage(...[env.LC_ALL, env.LC_MESSAGES, env.LANG].map((v) => v?.split('.')[0]).filter((v) => v && v !== 'C' && v !== 'POSIX'));

/** The language of a reader with no newsletter or subscriber to ask: their browser's. */
export const readerLanguage = (acceptLanguage: string | null | undefined): Lang => fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LANG;

/** Which language a request is answered in, where no newsletter or subscriber decides (src/i18n/language.ts). */
import { DEFAULT_LANG, fromAcceptLanguage, type Lang, matchLanguage } from '../i18n/index.ts';

/** The admin's language: the `lang` cookie (set by /admin/lang/:lang), else the browser's, else English. */
export function adminLanguage(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  return (cookie && cookie.length < 36 ? matchLanguage(cookie) : null) ?? fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LANG;
}

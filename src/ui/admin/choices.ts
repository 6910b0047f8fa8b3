/** The choices the admin's language selects offer: the languages Quire speaks first, then common BCP 47 tags, named in the reader's language. */
import { LANGUAGES, type Lang } from '../../i18n/index.ts';

/** Tags people often give a newsletter or a subscriber beyond the languages Quire speaks (its pages then fall back to the nearest one). */
const COMMON_TAGS = [
  'en-GB',
  'en-US',
  'zh-TW',
  'zh-HK',
  'fr',
  'de',
  'es',
  'pt',
  'pt-BR',
  'it',
  'nl',
  'sv',
  'da',
  'nb',
  'fi',
  'pl',
  'cs',
  'ru',
  'uk',
  'tr',
  'ar',
  'he',
  'hi',
  'id',
  'vi',
  'th',
  'ja',
  'ko',
] as const;

export interface LanguageChoice {
  tag: string;
  label: string;
  /** Quire's own pages and emails speak it. */
  spoken: boolean;
}

/** Quire's languages, then the common tags, then `current` when it is neither; each named in `viewer`'s language. */
export function languageChoices(viewer: Lang, current?: string | null): LanguageChoice[] {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([viewer], { type: 'language' });
  } catch {
    /* a runtime without display names: the tags themselves */
  }
  const label = (tag: string) => {
    try {
      return names?.of(tag) ?? tag;
    } catch {
      return tag;
    }
  };
  const tags: string[] = [...LANGUAGES, ...COMMON_TAGS.filter((t) => !(LANGUAGES as readonly string[]).includes(t))];
  if (current && !tags.some((t) => t.toLowerCase() === current.toLowerCase())) tags.push(current);
  return tags.map((tag) => ({ tag, label: label(tag), spoken: (LANGUAGES as readonly string[]).includes(tag) }));
}

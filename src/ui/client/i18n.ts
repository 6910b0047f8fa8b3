/**
 * `t(key, params)` in the browser: the page embeds the entries its scripts need as JSON
 * (`<script type="application/json" id="quire-i18n">`, see src/ui/admin/shell.tsx), formatted
 * by the same code as on the server.
 */
import { type Catalog, type FormatParams, formatMessage } from '../../i18n/format.ts';

let loaded: { lang: string; catalog: Catalog } | null = null;

function load(): { lang: string; catalog: Catalog } {
  if (loaded) return loaded;
  const el = document.getElementById('quire-i18n');
  let catalog: Catalog = {};
  try {
    catalog = el?.textContent ? (JSON.parse(el.textContent) as Catalog) : {};
  } catch {
    /* a damaged catalog: keys show as themselves */
  }
  loaded = { lang: document.documentElement.lang || 'en', catalog };
  return loaded;
}

export function t(key: string, params?: FormatParams): string {
  const { lang, catalog } = load();
  return formatMessage(lang, catalog, {}, key, params);
}

export const lang = (): string => load().lang;

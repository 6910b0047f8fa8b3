/** Stored details (audit entries, consent events) as readable fields, not raw JSON. */
import { i18n, type Lang, type MessageKey } from '../i18n/index.ts';
import { catalogs } from '../i18n/catalogs.gen.ts';

/** `import`, `form`, `cli`… as people name them; an unknown source as it is. */
export function sourceLabel(lang: Lang, source: string): string {
  const key = `source.${source}`;
  if (key in catalogs.en) return i18n(lang).t(key as MessageKey);
  // The audience move's sources (mailchimp-import …) are named in its own catalog area.
  return `audienceMove.${key}` in catalogs.en ? i18n(lang).t(`audienceMove.${key}` as MessageKey) : source;
}

/** A consent event's type as people name it (`confirm` → "confirmed" / "确认订阅"). */
export function eventLabel(lang: Lang, type: string): string {
  const key = `event.${type}`;
  if (key in catalogs.en) return i18n(lang).t(key as MessageKey);
  return `audienceMove.${key}` in catalogs.en ? i18n(lang).t(`audienceMove.${key}` as MessageKey) : type;
}

const roleKey = (r: unknown) => (typeof r === 'string' && `role.${r}` in catalogs.en ? (`role.${r}` as MessageKey) : null);
const statusKey = (s: unknown) => (typeof s === 'string' && `status.${s}` in catalogs.en ? (`status.${s}` as MessageKey) : null);

/** Each field on a line: its name for people when known (else its key, as code), and its value. */
export function DetailFields(props: { lang: Lang; detail: unknown }) {
  const { detail, lang } = props;
  if (detail === null || detail === undefined || detail === '') return null;
  if (typeof detail !== 'object' || Array.isArray(detail)) return <code translate="no">{JSON.stringify(detail).slice(0, 300)}</code>;
  const { t } = i18n(lang);
  const entries = Object.entries(detail as Record<string, unknown>).slice(0, 12);
  const label = (k: string) => (`detail.${k}` in catalogs.en ? t(`detail.${k}` as MessageKey) : (statusKey(k) && t(statusKey(k)!)) || null);
  const value = (k: string, v: unknown): string => {
    const status = k === 'status' || k === 'previousStatus' ? statusKey(v) : null;
    if (status) return t(status);
    const role = k === 'role' || k === 'previousRole' ? roleKey(v) : null;
    if (role) return t(role);
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'object' && !Array.isArray(v)) {
      // One level of nesting (counts by outcome…): "name 3 · name 0".
      return Object.entries(v as Record<string, unknown>)
        .map(([k2, v2]) => `${label(k2) ?? k2} ${typeof v2 === 'object' ? JSON.stringify(v2) : String(v2)}`)
        .join(' · ');
    }
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  };
  return (
    <dl class="meta small detail">
      {entries.map(([k, v]) => (
        <>
          <dt>{label(k) ?? <code translate="no">{k}</code>}</dt>
          <dd translate="no">{value(k, v).slice(0, 300)}</dd>
        </>
      ))}
    </dl>
  );
}

/**
 * Services say things as messages (`{ key, params }`, src/i18n); the JSON API shows each as
 * `{ code, params?, message }` with the English text, as it does for errors: clients switch on
 * `code`, people read `message`. Older stored text (a plain string) is left as it is.
 */
import { en, isMessage, type Message } from '../i18n/index.ts';

export interface ApiMessage {
  code: string;
  params?: Record<string, unknown>;
  message: string;
}

const english = en();

export function apiMessage(m: Message): ApiMessage {
  return { code: m.key, ...(m.params ? { params: m.params } : {}), message: english.m(m) };
}

/** A copy of `value` with every message in it shown for the API. */
export function presentMessages<T>(value: T): T {
  if (Array.isArray(value)) return value.map(presentMessages) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (isMessage(value) && Object.keys(value).every((k) => k === 'key' || k === 'params')) return apiMessage(value) as T;
  // An importer note with its place (src/content/structure-ops.ts): the message, then where it points and its fix as they are.
  if (isMessage(value) && Object.keys(value).every((k) => k === 'key' || k === 'params' || k === 'place' || k === 'fix')) {
    const { place, fix } = value as Message & { place?: unknown; fix?: unknown };
    return { ...apiMessage(value), ...(place ? { place } : {}), ...(fix ? { fix } : {}) } as T;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = presentMessages(v);
  return out as T;
}

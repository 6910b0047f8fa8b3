import { z } from 'zod';
import { catalogs } from '../i18n/catalogs.gen.ts';
import { type Message, type MessageKey, msg } from '../i18n/index.ts';
import { AppError, type FieldProblem } from './errors.ts';

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z.string().max(64).refine(isTimeZone, { message: 'validation.timeZone' });

/** Letters, digits, dot, dash, underscore, plus; a domain with a dot; no spaces, quotes or line breaks. */
export const emailSchema = z
  .string()
  .trim()
  .max(254, { message: 'validation.emailTooLong' })
  .refine((s) => /^[^\s@"<>,;:\\()[\]]{1,64}@[^\s@"<>,;:\\()[\]]+\.[^\s@"<>,;:\\()[\]]{2,}$/u.test(s), {
    message: 'validation.email',
  });

/** Parses with a zod schema; a failure becomes a `validation_failed` AppError listing each bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw AppError.validation(r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', said: issueMessage(i) })));
}

const isKey = (s: string): s is MessageKey => (s.startsWith('validation.') || s.startsWith('fields.')) && s in catalogs.en;

/**
 * What a zod issue means, as a message with `{field}`: the schema's own message when it names a
 * catalog key (`{ message: 'validation.languageTag' }`), else one for the kind of issue.
 */
export function issueMessage(i: z.core.$ZodIssue): Message {
  if (isKey(i.message)) return msg(i.message);
  const n = (x: number | bigint) => Number(x);
  switch (i.code) {
    case 'invalid_type':
      return i.input === undefined ? msg('validation.required') : msg('validation.type', { expected: String(i.expected) });
    case 'too_big':
      if (i.origin === 'string') return msg('validation.tooLong', { max: n(i.maximum) });
      if (i.origin === 'array' || i.origin === 'set') return msg('validation.tooMany', { max: n(i.maximum) });
      return msg('validation.tooBig', { max: n(i.maximum) });
    case 'too_small':
      if (i.origin === 'string') return n(i.minimum) <= 1 ? msg('validation.notEmpty') : msg('validation.tooShort', { min: n(i.minimum) });
      if (i.origin === 'array' || i.origin === 'set') return msg('validation.tooFew', { min: n(i.minimum) });
      return msg('validation.tooSmall', { min: n(i.minimum) });
    case 'invalid_value':
      return msg('validation.oneOf', { values: i.values.map(String).join(', ') });
    case 'invalid_format':
      return msg('validation.format');
    case 'unrecognized_keys':
      return msg('validation.unknownFields', { keys: i.keys.join(', ') });
    default:
      return msg('validation.invalid');
  }
}

/** A field problem by hand (checks zod does not make). */
export const fieldProblem = (field: string, key: MessageKey, params?: Record<string, string | number>): FieldProblem => ({ field, said: msg(key, params) });

// ---- Subscriber addresses (0002_subscribers) ----

// control characters, line/paragraph separators, and lone UTF-16 surrogates (not storable as UTF-8)
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\uD800-\uDFFF]/u;
const LOCAL_ATOM = /^[\p{L}\p{N}\p{M}!#$%&'*+/=?^_`{|}~-]+$/u;
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

// Letters, digits, hyphens and dots, no punycode label, and a last label that starts with a letter
// (so the URL parser would not read the host as an IPv4 address): what the URL parser makes of such
// a domain is its lower case, and it costs a URL object (3 µs a row of a CSV import). Anything else
// takes the parser's IDNA path.
const PLAIN_ASCII_DOMAIN = /^(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*$/i;
const PUNYCODE_LABEL = /(?:^|\.)xn--/i;

/** The ASCII (punycode) form of a domain, or null when it is not a valid mail domain. */
export function asciiDomain(domain: string): string | null {
  if (!domain || domain.length > 253 || /[\s/\\?#@:[\]%]/u.test(domain)) return null;
  let host: string;
  if (PLAIN_ASCII_DOMAIN.test(domain) && !PUNYCODE_LABEL.test(domain)) {
    host = domain.toLowerCase();
  } else {
    try {
      host = new URL(`http://${domain}/`).hostname; // IDNA ToASCII, in Node and workerd alike
    } catch {
      return null;
    }
  }
  if (host.length > 253 || host.endsWith('.')) return null;
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((l) => ASCII_LABEL.test(l))) return null;
  const tld = labels[labels.length - 1]!;
  if (tld.length < 2 || /^\d+$/.test(tld)) return null;
  return host;
}

/**
 * A subscriber's address: trimmed, NFC, at most 254 characters (local part 64), a dot-atom local
 * part (Unicode letters allowed, RFC 6531), a domain in Unicode or punycode with at least two
 * labels. No quotes, spaces, control characters or line breaks anywhere: nothing that could
 * smuggle a header.
 */
export function parseAddress(input: string): { email: string; normalized: string } | null {
  if (typeof input !== 'string' || input.length > 320) return null;
  const email = input.trim().normalize('NFC');
  if (email.length === 0 || email.length > 254 || CONTROL.test(email)) return null;
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  if (!local.split('.').every((part) => LOCAL_ATOM.test(part))) return null;
  const ascii = asciiDomain(domain);
  if (!ascii) return null;
  return { email, normalized: `${local.toLowerCase()}@${ascii}` };
}

export const subscriberEmailSchema = z
  .string({ message: 'validation.required' })
  .max(320, { message: 'validation.emailTooLong' })
  .refine((s) => s.trim().length > 0, { message: 'validation.required' })
  .refine((s) => s.trim().length <= 254, { message: 'validation.emailTooLong' })
  .refine((s) => parseAddress(s) !== null, { message: 'validation.email' });

const NAME_MAX = 200;
const storedName = (s: string) => {
  const t = s.trim().normalize('NFC');
  return t === '' ? null : t;
};

/** A person's name: optional, one line, no control characters, 200 characters at most. */
export const personNameSchema = z
  .string()
  .max(NAME_MAX, { message: 'validation.nameTooLong' })
  .refine((s) => !CONTROL.test(s), { message: 'validation.oneLine' })
  .transform(storedName);

/**
 * personNameSchema without zod, for CSV rows (zod's parse was about 2 µs of a row's 33 µs in
 * Node): the name as stored (trimmed, NFC, null when empty), or undefined when it is refused.
 */
export function personName(s: string): string | null | undefined {
  return s.length > NAME_MAX || CONTROL.test(s) ? undefined : storedName(s);
}

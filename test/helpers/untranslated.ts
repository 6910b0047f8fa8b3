/**
 * What a reader of a Chinese page would see that is not Chinese: catalog keys shown raw and
 * English words, in the page's text and in the attributes people read (title, aria-label,
 * placeholder, alt, data-confirm). Not checked: scripts, styles, code, form values and text
 * areas (the editor's own content), any element whose `lang` says it is in another language
 * (the language switcher, the English API reference), and data marked `translate="no"`.
 */
import { catalogs } from '../../src/i18n/catalogs.gen.ts';

const SKIP_CONTENT = new Set(['script', 'style', 'pre', 'code', 'textarea', 'template', 'kbd']);
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const READ_ATTRS = ['title', 'aria-label', 'placeholder', 'alt', 'data-confirm'];
const TOKEN = /<!--[\s\S]*?-->|<!doctype[^>]*>|<(\/?)([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>|([^<]+)/gi;
const ATTR = /([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

/** Words that are the same in every language: names, formats and protocols. */
const ALLOWED = new Set(
  [
    'Quire',
    'RSS',
    'Atom',
    'API',
    'CSV',
    'HTML',
    'JSON',
    'PDF',
    'Markdown',
    'MJML',
    'Resend',
    'UTC',
    'Gmail',
    'Yahoo',
    'Outlook',
    'Mailchimp',
    'Substack',
    'listmonk',
    'ZIP',
    'Apple',
    'JavaScript',
    'Cloudflare',
    'Bearer',
    'Authorization',
    'CSRF',
    'SMTP',
    'IANA',
    'Webhook',
    'openapi',
    'mailto',
    'email',
    'name',
    'language',
  ].map((w) => w.toLowerCase()),
);

const decode = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');

const keys = Object.keys(catalogs.en);

/** Problems of one piece of visible text: raw keys, English words. */
export function foreignWords(text: string): string[] {
  const found: string[] = [];
  for (const k of keys) if (new RegExp(`(^|[^\\w.])${k.replace(/\./g, '\\.')}($|[^\\w.])`).test(text)) found.push(`raw key ${k}`);
  const cleaned = text
    .replace(/https?:\/\/\S*|www\.\S+/g, ' ')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' ')
    .replace(/\b[A-Z][A-Za-z]+\/[A-Za-z_-]+(\/[A-Za-z_-]+)?/g, ' ') // time zones
    .replace(/(^|\s)\/[\w/.:{}-]*/g, ' ') // paths
    .replace(/\b(GET|POST|PUT|PATCH|DELETE)\b/g, ' ')
    .replace(/\b[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\b/gi, ' ') // dotted identifiers (audit actions)
    .replace(/(^|[\s（(、,，])\.[a-z0-9]{1,5}\b/gi, ' ') // file extensions
    .replace(/\b[a-z]+_[a-z0-9_]+\b/gi, ' ') // parameter names (utm_source)
    .replace(/\{\{\s*[a-z]+\s*\}\}/gi, ' '); // message placeholders ({{newsletter}})
  for (const m of cleaned.matchAll(/[A-Za-z][A-Za-z'’-]{2,}/g)) if (!ALLOWED.has(m[0].toLowerCase())) found.push(m[0]);
  return found;
}

/** The untranslated bits of an HTML page meant for a Chinese reader, each with a little context. */
export function untranslated(html: string): string[] {
  const out: string[] = [];
  const stack: { tag: string; skip: boolean }[] = [];
  const skipping = () => stack.some((s) => s.skip);
  for (const m of html.matchAll(TOKEN)) {
    const [, close, rawTag, attrs = '', selfClose, text] = m;
    if (text !== undefined) {
      if (skipping()) continue;
      const t = decode(text).trim();
      if (t) for (const w of foreignWords(t)) out.push(`${w} — in “${t.slice(0, 80)}”`);
      continue;
    }
    if (!rawTag) continue;
    const tag = rawTag.toLowerCase();
    if (close) {
      const at = stack.map((s) => s.tag).lastIndexOf(tag);
      if (at >= 0) stack.length = at;
      continue;
    }
    const a: Record<string, string> = {};
    for (const x of attrs.matchAll(ATTR)) a[x[1]!.toLowerCase()] = decode(x[2] ?? x[3] ?? x[4] ?? '');
    const lang = a.lang;
    // translate="no" marks data and identifiers (names, slugs, audit actions): not words to translate.
    const skip = SKIP_CONTENT.has(tag) || (lang !== undefined && !/^zh/i.test(lang)) || a.translate === 'no';
    if (!skipping() && !skip) {
      for (const name of READ_ATTRS) if (a[name]) for (const w of foreignWords(a[name]!)) out.push(`${w} — in ${tag}[${name}] “${a[name]!.slice(0, 80)}”`);
      if (tag === 'input' && ['submit', 'button'].includes(a.type ?? '') && a.value)
        for (const w of foreignWords(a.value)) out.push(`${w} — in a button “${a.value}”`);
    }
    if (!VOID.has(tag) && !selfClose) stack.push({ tag, skip });
  }
  return out;
}

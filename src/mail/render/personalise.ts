/**
 * Per-recipient personalisation: the hot path of a send. An issue is rendered once (MJML is
 * far too slow to run per recipient); the rendered HTML and text carry placeholder tokens,
 * which are split out once here, and each message is then a concatenation of static chunks
 * and the recipient's values.
 *
 * Token syntax `%%QUIRE_…%%`: `%`, `_` and capitals pass through HTML escaping, MJML, juice and
 * attribute quoting untouched, never occur in markdown output by accident (issue.ts defuses
 * any an editor types), and a stray one is easy to spot in a preview.
 */
import { escapeHtml } from '../../../emails/newsletter/issue.mjml.ts';

export const UNSUBSCRIBE_URL_TOKEN = '%%QUIRE_UNSUBSCRIBE_URL%%';
export const PREFERENCES_URL_TOKEN = '%%QUIRE_PREFERENCES_URL%%';
export const NAME_TOKEN = '%%QUIRE_NAME%%';
export const OPEN_PIXEL_URL_TOKEN = '%%QUIRE_OPEN_PIXEL_URL%%';

export const PLACEHOLDERS = {
  unsubscribeUrl: UNSUBSCRIBE_URL_TOKEN,
  preferencesUrl: PREFERENCES_URL_TOKEN,
  name: NAME_TOKEN,
  openPixelUrl: OPEN_PIXEL_URL_TOKEN,
} as const;

/** Any token, including ones this version does not know (they are left in place). */
export const TOKEN_PATTERN = /%%QUIRE_[A-Z_]+%%/g;

export interface PersonalValues {
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** Subscriber's name; empty or absent → the fallback ("读者" / "reader"). */
  name?: string | null;
  /** Absent → the whole open-pixel <img> is left out. */
  openPixelUrl?: string | null;
}

export interface PersonalisedMessage {
  html: string;
  text: string;
}

export interface RenderedForPersonalising {
  html: string;
  text: string;
  /** Used where the editor wrote {{name}} and the subscriber has none. */
  nameFallback?: string;
}

/** Values after escaping for the part they go into; 'pixel' is the whole <img> or ''. */
interface Slots {
  unsubscribeUrl: string;
  preferencesUrl: string;
  name: string;
  pixel: string;
}
type SlotName = keyof Slots;

/** A template as alternating static text and slots: statics.length === slots.length + 1. */
interface Compiled {
  statics: string[];
  slots: SlotName[];
}

const SLOT_BY_TOKEN: Record<string, SlotName> = {
  [UNSUBSCRIBE_URL_TOKEN]: 'unsubscribeUrl',
  [PREFERENCES_URL_TOKEN]: 'preferencesUrl',
  [NAME_TOKEN]: 'name',
};

function compile(template: string, withPixel: boolean): { compiled: Compiled; pixelTag: string | null } {
  let pixelTag: string | null = null;
  // In HTML the pixel slot is the entire <img>, so a message without a pixel URL has no
  // <img src=""> (which some clients would fetch as the page itself).
  const statics: string[] = [];
  const slots: SlotName[] = [];
  const pattern = withPixel
    ? /<img\b[^>]*%%QUIRE_OPEN_PIXEL_URL%%[^>]*>|%%QUIRE_(?:UNSUBSCRIBE_URL|PREFERENCES_URL|NAME)%%/g
    : /%%QUIRE_(?:UNSUBSCRIBE_URL|PREFERENCES_URL|NAME)%%/g;
  let last = 0;
  for (const match of template.matchAll(pattern)) {
    statics.push(template.slice(last, match.index));
    if (match[0].startsWith('<img')) {
      pixelTag = match[0];
      slots.push('pixel');
    } else {
      slots.push(SLOT_BY_TOKEN[match[0]]!);
    }
    last = match.index + match[0].length;
  }
  statics.push(template.slice(last));
  return { compiled: { statics, slots }, pixelTag };
}

function fill(t: Compiled, slots: Slots): string {
  // Plain += builds a rope in V8; cheaper than Array#join for a handful of parts.
  let out = t.statics[0]!;
  for (let i = 0; i < t.slots.length; i++) out += slots[t.slots[i]!] + t.statics[i + 1]!;
  return out;
}

/** Names and URLs are single-line values; a newline in a name must not reshape the text part. */
function oneLine(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

/** The four slot values of one message, escaped for the HTML part and raw for the text part. */
function slotValues(values: PersonalValues, fallback: string, pixelBefore: string, pixelAfter: string): { html: Slots; text: Slots } {
  const name = oneLine(values.name ?? '') || fallback;
  const unsubscribeUrl = oneLine(values.unsubscribeUrl);
  const preferencesUrl = oneLine(values.preferencesUrl);
  const pixelUrl = values.openPixelUrl ? oneLine(values.openPixelUrl) : '';
  return {
    html: {
      unsubscribeUrl: escapeHtml(unsubscribeUrl),
      preferencesUrl: escapeHtml(preferencesUrl),
      name: escapeHtml(name),
      pixel: pixelUrl ? `${pixelBefore}${escapeHtml(pixelUrl)}${pixelAfter}` : '',
    },
    text: { unsubscribeUrl, preferencesUrl, name, pixel: '' },
  };
}

function prepare(rendered: RenderedForPersonalising) {
  const html = compile(rendered.html, true);
  // The pixel tag with its URL split out, so only the URL is escaped per message.
  const [pixelBefore = '', pixelAfter = ''] = html.pixelTag ? html.pixelTag.split(OPEN_PIXEL_URL_TOKEN) : [];
  return {
    html: html.compiled,
    text: compile(rendered.text, false).compiled,
    slots: (values: PersonalValues) => slotValues(values, rendered.nameFallback ?? '', pixelBefore, pixelAfter),
  };
}

/**
 * Splits the rendered issue on its placeholders once; the returned function personalises one
 * message by concatenation. Values are HTML-escaped for the HTML part and raw in the text part.
 */
export function createPersonaliser(rendered: RenderedForPersonalising): (values: PersonalValues) => PersonalisedMessage {
  const t = prepare(rendered);
  return (values) => {
    const v = t.slots(values);
    return { html: fill(t.html, v.html), text: fill(t.text, v.text) };
  };
}

/** One message's parts as UTF-8 bytes of JSON string literals (quotes included), in pieces. */
export interface WireMessage {
  htmlJson: Uint8Array[];
  textJson: Uint8Array[];
}

const utf8 = new TextEncoder();
const QUOTE = utf8.encode('"');
/** The inside of a JSON string literal for `s`. */
const jsonInner = (s: string) => JSON.stringify(s).slice(1, -1);

/**
 * The same personalisation, straight to the wire format of a provider's JSON API: the static
 * parts are JSON-escaped and UTF-8-encoded once per issue, so a message costs a few small
 * encodings and no copy of the 50 KB body until the request is assembled. Placeholders are ASCII,
 * so the pieces split only between ASCII characters and their escapes concatenate safely.
 */
export function createWirePersonaliser(rendered: RenderedForPersonalising): (values: PersonalValues) => WireMessage {
  const t = prepare(rendered);
  const encodeStatics = (c: Compiled) => c.statics.map((x) => utf8.encode(jsonInner(x)));
  const htmlStatics = encodeStatics(t.html);
  const textStatics = encodeStatics(t.text);
  const wire = (c: Compiled, statics: Uint8Array[], slots: Slots): Uint8Array[] => {
    const out: Uint8Array[] = [QUOTE, statics[0]!];
    for (let i = 0; i < c.slots.length; i++) out.push(utf8.encode(jsonInner(slots[c.slots[i]!])), statics[i + 1]!);
    out.push(QUOTE);
    return out;
  };
  return (values) => {
    const v = t.slots(values);
    return { htmlJson: wire(t.html, htmlStatics, v.html), textJson: wire(t.text, textStatics, v.text) };
  };
}

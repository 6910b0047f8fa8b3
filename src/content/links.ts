/**
 * The one link cleaner: every URL that ends up in an issue (sources, images, links inside
 * Markdown bodies, intro and footer) goes through `cleanUrl`.
 *
 * It removes tracking parameters, repairs what copy-paste and PDF extraction broke, unwraps
 * redirectors whose target is written in the URL, and refuses anything that is not http(s) or
 * mailto. It never adds parameters and never sends a link through a redirect. The query string is
 * edited as raw text so that the parameters we keep stay byte-for-byte as they were (no
 * re-encoding through `URL.search`). Pure string work: runs in Node and in workerd alike.
 */
import { type Message, msg } from '../i18n/index.ts';
import type { IssueContent, LinkLintEntry, SourceLink } from '../modules/issues/model.ts';

export interface CleanedUrl {
  /** The URL to send, or null when the link is a placeholder or unusable. */
  url: string | null;
  /** What was done, in order (catalog messages `link.*`: removed utm_source, added missing //…). */
  changes: Message[];
  /** True for `#`, empty and other in-page placeholders an editor forgot to fill in. */
  placeholder: boolean;
}

interface Inspection extends CleanedUrl {
  /** Something the editor should look at (placeholder, rejected, unresolvable redirect…). */
  warning: boolean;
  /** Characters cut from the end (punctuation, glued text); kept as text when cleaning prose. */
  trailing: string;
}

/** Parameters that only identify a campaign, a click or a subscriber. Compared lower-cased. */
const TRACKING_PARAMS = new Set([
  'mc_cid',
  'mc_eid', // Mailchimp
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'twclid',
  'ttclid',
  'igshid',
  'mibextid',
  'srsltid',
  'epik', // ad and social click ids
  '_hsenc',
  '_hsmi',
  '__hstc',
  '__hssc',
  '__hsfp',
  'hsctatracking', // HubSpot
  'mkt_tok', // Marketo
  '_ga',
  '_gl', // Google Analytics cross-domain
  'ref_src',
  'oly_enc_id',
  'oly_anon_id',
  'vero_id',
  'vero_conv',
  's_cid',
  'sc_cid',
  '_kx', // Klaviyo
  'ml_subscriber',
  'ml_subscriber_hash', // MailerLite
  'ss_source',
  'ss_campaign_id',
  'ss_campaign_name',
  'ss_campaign_sent_date', // SharpSpring
  'vgo_ee', // ActiveCampaign
  '_bta_tid',
  '_bta_c', // Bronto
  'wickedid',
  'rb_clickid',
  'trk',
  'trkcampaign',
]);
const TRACKING_PREFIXES = /^(utm_|mtm_|hsa_|pk_(campaign|kwd|keyword|source|medium|content)$)/;
/** `si` is a share id on these hosts only; elsewhere it may mean anything. */
const SHARE_ID_HOSTS = /(^|\.)(youtube\.com|youtu\.be|spotify\.com|music\.apple\.com|soundcloud\.com)$/i;

/** Hosts that only redirect to a target carried in one of the listed parameters. */
const REDIRECTORS: { host: RegExp; path?: RegExp; params: string[] }[] = [
  { host: /(^|\.)google\.[a-z.]+$/i, path: /^\/url$/, params: ['q', 'url'] },
  { host: /\.safelinks\.protection\.outlook\.com$/i, params: ['url'] },
  { host: /^(l|lm|m)\.facebook\.com$/i, path: /^\/l\.php$/, params: ['u'] },
  { host: /^l\.instagram\.com$/i, params: ['u'] },
  { host: /(^|\.)youtube\.com$/i, path: /^\/redirect$/, params: ['q'] },
  { host: /(^|\.)linkedin\.com$/i, path: /^\/redir\/redirect\/?$/, params: ['url'] },
  { host: /^out\.reddit\.com$/i, params: ['url'] },
  { host: /^slack-redir\.net$/i, params: ['url'] },
  { host: /^href\.li$/i, params: ['url'] },
  // Mailchimp and other ESP click trackers, when the target is spelled out.
  { host: /./, path: /\/track\/click\/?$/i, params: ['url', 'u', 'target'] },
];
/** Shorteners: the target is on their server, so it cannot be checked offline. */
const SHORTENERS = /^(t\.co|bit\.ly|lnkd\.in|ow\.ly|buff\.ly|tinyurl\.com|goo\.gl|is\.gd|rebrand\.ly|cutt\.ly)$/i;

/** Han ideographs, CJK punctuation, kana, hangul, full-width forms: never part of a URL. */
const CJK = /[\u2E80-\u303F\u3040-\u30FF\u3100-\u31FF\u3200-\u9FFF\uA960-\uA97F\uAC00-\uD7AF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF]/;
/** Punctuation that ends a sentence rather than a URL. */
const TRAILING_JUNK = /[.,;:!'"*>\]}\u2018\u2019\u201C\u201D\u3001\u3002]$/;

export function cleanUrl(raw: string): CleanedUrl {
  const { url, changes, placeholder } = inspectUrl(raw);
  return { url, changes, placeholder };
}

/** cleanUrl plus what callers that rewrite prose or build the lint list need. */
function inspectUrl(raw: string, depth = 0): Inspection {
  const changes: Message[] = [];
  let s = raw;

  const ascii = s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  if (ascii !== s) {
    // A trailing "）" or "，" is punctuation after the URL, not a full-width URL character.
    if (/[\uFF01-\uFF5E]/.test(s.replace(/[\uFF09\uFF0C\uFF0E\uFF1A\uFF1B\uFF01\uFF1F\uFF3D\uFF1E\s]+$/, ''))) {
      changes.push(msg('link.fullWidth'));
    }
    s = ascii;
  }
  const trimmed = s.trim();
  if (/\s/.test(trimmed)) {
    s = trimmed.replace(/\s+/g, '');
    changes.push(msg('link.spacesRemoved'));
  } else {
    s = trimmed;
  }

  const wrapped = /^(<|\(|\[|"|'|\u201C|\u2018)+/.exec(s);
  if (wrapped) s = s.slice(wrapped[0].length);

  let trailing = '';
  const cjkAt = s.search(CJK);
  if (cjkAt >= 0) {
    trailing = s.slice(cjkAt);
    s = s.slice(0, cjkAt);
    changes.push(msg('link.trailingText', { text: trailing }));
  }
  const cut = stripTrailingJunk(s);
  if (cut.removed) {
    trailing = cut.removed + trailing;
    s = cut.url;
    if (cjkAt < 0) changes.push(msg('link.trailingChars', { chars: cut.removed }));
  }

  if (s === '' || s.startsWith('#')) {
    return { url: null, changes: [...changes, msg('link.placeholder')], placeholder: true, warning: true, trailing };
  }

  const repaired = repairScheme(s);
  if (repaired.change) changes.push(repaired.change);
  s = repaired.url;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1]?.toLowerCase();
  if (scheme === 'mailto') {
    const ok = /^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$/i.test(s);
    return ok
      ? { url: s, changes, placeholder: false, warning: false, trailing }
      : { url: null, changes: [...changes, msg('link.badEmail')], placeholder: false, warning: true, trailing };
  }
  if (scheme !== 'http' && scheme !== 'https') {
    const why = scheme ? msg('link.unsupportedScheme', { scheme }) : msg('link.notWeb');
    return { url: null, changes: [...changes, why], placeholder: false, warning: true, trailing };
  }

  let parsed: URL;
  try {
    parsed = new URL(s);
  } catch {
    return { url: null, changes: [...changes, msg('link.invalid')], placeholder: false, warning: true, trailing };
  }
  if (!/\.[a-z0-9-]{2,}$/i.test(parsed.hostname) && parsed.hostname !== 'localhost') {
    return { url: null, changes: [...changes, msg('link.notWebHost', { host: parsed.hostname })], placeholder: false, warning: true, trailing };
  }

  let warning = false;
  const target = depth < 3 ? redirectTarget(parsed) : null;
  if (target) {
    const inner = inspectUrl(target, depth + 1);
    if (inner.url) {
      return {
        ...inner,
        changes: [...changes, msg('link.unwrapped', { host: parsed.hostname }), ...inner.changes],
        trailing,
      };
    }
  }
  if (/(^|\.)list-manage\.com$/i.test(parsed.hostname) && /\/track\/click/i.test(parsed.pathname)) {
    changes.push(msg('link.mailchimpRedirect'));
    warning = true;
  } else if (SHORTENERS.test(parsed.hostname)) {
    changes.push(msg('link.shortener', { host: parsed.hostname }));
    warning = true;
  }

  const invented = inventedLink(parsed);
  if (invented) {
    changes.push(invented);
    warning = true;
  }

  const stripped = stripTrackingParams(s, parsed.hostname);
  changes.push(...stripped.removed.map((name) => msg('link.removedParam', { name })));
  return { url: stripped.url, changes, placeholder: false, warning, trailing };
}

/** Web archives whose addresses carry the archived page's whole URL in their path. */
const ARCHIVES = /(^|\.)(archive\.org|archive\.(ph|is|today|li|vn|md)|webcitation\.org)$/i;
/** A top-level domain followed by more host (`example.comwww.other.org`): two addresses run together. */
const GLUED_HOSTS = /\.(com|org|net|edu|gov|int|info|cn|uk|de|fr|io)(www\.|https?)/i;

/**
 * A link that looks invented or mangled rather than copied: a scheme (`http:`, `mailto:`…) inside
 * the path, `mailto:` in the query, two host names run together, or a `www.` host inside the path.
 * The link is kept (it may be right) and flagged for the editor.
 */
function inventedLink(url: URL): Message | null {
  const path = url.pathname;
  const scheme = /(https?|ftp|mailto):/i.exec(safeDecode(path))?.[1];
  if (scheme && !ARCHIVES.test(url.hostname)) return msg('editorUx.link.schemeInPath', { scheme: scheme.toLowerCase() });
  if (/mailto:/i.test(safeDecode(url.search))) return msg('editorUx.link.schemeInPath', { scheme: 'mailto' });
  if (GLUED_HOSTS.test(url.hostname) || /.\.www\./i.test(url.hostname)) return msg('editorUx.link.twoHosts', { host: url.hostname });
  const inPath = /(?:^|\/)(www\.[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?:\/|$)/i.exec(path)?.[1];
  if (inPath && !ARCHIVES.test(url.hostname)) return msg('editorUx.link.hostInPath', { host: inPath });
  return null;
}

/** Cuts sentence punctuation and unbalanced closing brackets from the end of a URL. */
function stripTrailingJunk(url: string): { url: string; removed: string } {
  let s = url;
  for (;;) {
    if (TRAILING_JUNK.test(s)) {
      s = s.slice(0, -1);
    } else if (s.endsWith(')') && count(s, ')') > count(s, '(')) {
      s = s.slice(0, -1);
    } else {
      break;
    }
  }
  return { url: s, removed: url.slice(s.length) };
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

/** Fixes the scheme mangling seen in extracted text: `http:www.x`, `https//x`, `www.x`. */
function repairScheme(s: string): { url: string; change?: Message } {
  let m: RegExpExecArray | null;
  if ((m = /^(https?):\/\/(?!\/)/i.exec(s))) return { url: s };
  if ((m = /^(https?):\/{0,1}(?!\/)/i.exec(s))) return { url: `${m[1]}://${s.slice(m[0].length)}`, change: msg('link.addedSlashes') };
  if ((m = /^(https?):\/{3,}/i.exec(s))) return { url: `${m[1]}://${s.slice(m[0].length)}`, change: msg('link.extraSlash') };
  if ((m = /^(https?)\/\/?/i.exec(s))) return { url: `${m[1]}://${s.slice(m[0].length)}`, change: msg('link.addedColon') };
  if (s.startsWith('//')) return { url: `https:${s}`, change: msg('link.addedHttpsRelative') };
  if (/^www\./i.test(s) || /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(\/|$)/i.test(s)) {
    return { url: `https://${s}`, change: msg('link.addedHttps') };
  }
  if (/^[^@\s/:]+@[^@\s/]+\.[a-z]{2,}$/i.test(s)) return { url: `mailto:${s}`, change: msg('link.addedMailto') };
  return { url: s };
}

function redirectTarget(url: URL): string | null {
  for (const r of REDIRECTORS) {
    if (!r.host.test(url.hostname) || (r.path && !r.path.test(url.pathname))) continue;
    for (const name of r.params) {
      const value = url.searchParams.get(name);
      if (value && /^(https?:|www\.)/i.test(value.trim())) return value.trim();
    }
  }
  return null;
}

/** Removes tracking parameters from the raw query string, keeping everything else verbatim. */
function stripTrackingParams(url: string, host: string): { url: string; removed: string[] } {
  const hashAt = url.indexOf('#');
  const fragment = hashAt >= 0 ? url.slice(hashAt) : '';
  const beforeHash = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const queryAt = beforeHash.indexOf('?');
  if (queryAt < 0) return { url, removed: [] };
  const base = beforeHash.slice(0, queryAt);
  const pairs = beforeHash.slice(queryAt + 1).split('&');
  const names = pairs.map((p) => safeDecode(p.split('=')[0] ?? '').toLowerCase());
  // `ct` is Mailchimp's campaign title only next to its other parameters or in its `t(…)` form;
  // on its own it may be a site's real parameter.
  const mailchimp = names.some((n) => n.startsWith('utm_') || n === 'mc_cid' || n === 'mc_eid');
  const removed: string[] = [];
  const kept = pairs.filter((pair, i) => {
    const name = names[i] ?? '';
    const value = pair.slice(pair.indexOf('=') + 1);
    const tracking =
      TRACKING_PARAMS.has(name) ||
      TRACKING_PREFIXES.test(name) ||
      (name === 'si' && SHARE_ID_HOSTS.test(host)) ||
      (name === 'ct' && (mailchimp || /^t(\(|%28)/i.test(value)));
    if (tracking) removed.push(safeDecode(pair.split('=')[0] ?? ''));
    return !tracking;
  });
  if (removed.length === 0) return { url, removed };
  return { url: base + (kept.length > 0 ? `?${kept.join('&')}` : '') + fragment, removed };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Links inside Markdown text

/** `[text](url "title")` / `![alt](url)`, or a bare http(s) / `http:www` / `www.` URL. */
const LINK_OR_URL =
  /(!?)\[((?:[^\]\\]|\\.)*)\]\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(\s+"[^"]*")?\s*\)|(?<![\w@./-])(?:https?:\/{0,2}|https?\/\/|www\.)[^\s<>"`\u2018-\u201F\u2E80-\u303F\u3040-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF]+/gi;

export interface TextLinkReport {
  original: string;
  /** The link's words (`[text](url)`); absent for a bare URL. */
  text?: string;
  cleaned: string | null;
  changes: Message[];
  warning: boolean;
}

/**
 * Cleans every Markdown link and bare URL in a Markdown text. A placeholder or unusable link
 * keeps its text and loses the link; punctuation cut from a bare URL stays in the prose.
 */
export function cleanLinksInText(text: string): { text: string; reports: TextLinkReport[] } {
  const reports: TextLinkReport[] = [];
  const out = text.replace(LINK_OR_URL, (match, bang: string | undefined, label: string | undefined, target: string | undefined, title: string | undefined) => {
    if (label !== undefined) {
      const result = inspectUrl(target ?? '');
      const cleaned = result.url === null ? null : result.url;
      if (result.changes.length > 0) reports.push({ original: target ?? '', text: label, cleaned, changes: result.changes, warning: result.warning });
      // The words stay; only the link goes (an image placeholder keeps its alt text).
      if (cleaned === null) return label;
      if (cleaned === target) return match;
      return `${bang ?? ''}[${label}](${cleaned}${title ?? ''})`;
    }
    const result = inspectUrl(match);
    const changes = result.changes.filter((c) => c.key !== 'link.trailingChars' && c.key !== 'link.trailingText');
    if (changes.length > 0) reports.push({ original: match, cleaned: result.url, changes, warning: result.warning });
    return (result.url ?? match.slice(0, match.length - result.trailing.length)) + result.trailing;
  });
  return { text: out, reports };
}

// ---------------------------------------------------------------------------------------------
// Whole issue

/**
 * Cleans every link of an issue and reports, link by link, what changed. Placeholder and
 * unusable sources are dropped (and reported); sources that become identical after cleaning
 * are merged. `where` uses the indices of the content passed in.
 */
export function cleanIssueLinks(content: IssueContent): { content: IssueContent; lint: LinkLintEntry[] } {
  const lint: LinkLintEntry[] = [];
  const text = (where: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const cleaned = cleanLinksInText(value);
    for (const r of cleaned.reports)
      lint.push({
        where,
        original: r.original,
        ...(r.text !== undefined ? { text: r.text } : {}),
        cleaned: r.cleaned,
        changes: r.changes,
        severity: severity(r.warning, r.cleaned),
      });
    return cleaned.text;
  };

  const sections = content.sections.map((section, si) => ({
    ...section,
    articles: section.articles.map((article, ai) => {
      const at = `sections[${si}].articles[${ai}]`;
      const sources: SourceLink[] = [];
      article.sources.forEach((source, k) => {
        const where = `${at}.sources[${k}]`;
        const result = inspectUrl(source.url);
        const duplicate = result.url !== null && sources.some((s) => s.url === result.url);
        const changes = duplicate ? [...result.changes, msg('link.duplicateSource')] : result.changes;
        if (changes.length > 0)
          lint.push({
            where,
            original: source.url,
            ...(source.label ? { text: source.label } : {}),
            cleaned: result.url,
            changes,
            severity: severity(result.warning, result.url),
          });
        if (result.url !== null && !duplicate) sources.push({ ...source, url: result.url });
      });
      let image = article.image;
      if (image) {
        const result = inspectUrl(image.url);
        // Email clients load only web images: anything else (mailto:, a relative path) is dropped.
        const url = result.url !== null && /^https?:\/\//i.test(result.url) ? result.url : null;
        const changes = url === null && result.url !== null ? [...result.changes, msg('link.imageNotWeb')] : result.changes;
        if (changes.length > 0) {
          lint.push({ where: `${at}.image`, original: image.url, cleaned: url, changes, severity: severity(result.warning, url) });
        }
        image = url === null ? undefined : { ...image, url, alt: image.alt.trim() };
        if (image && !image.alt) {
          lint.push({
            where: `${at}.image`,
            original: image.url,
            cleaned: image.url,
            changes: [msg('link.imageNoAlt')],
            severity: 'warning',
          });
        }
      }
      const next = { ...article, body: text(`${at}.body`, article.body) ?? '', sources };
      if (article.attribution !== undefined) next.attribution = text(`${at}.attribution`, article.attribution);
      if (image) next.image = image;
      else delete next.image;
      return next;
    }),
  }));

  const footer = { ...content.footer };
  for (const key of ['disclaimer', 'editor', 'contact', 'organisation'] as const) {
    if (footer[key] !== undefined) footer[key] = text(`footer.${key}`, footer[key]);
  }
  const cleaned: IssueContent = { ...content, sections, footer };
  if (content.intro !== undefined) cleaned.intro = text('intro', content.intro);
  return { content: cleaned, lint };
}

function severity(warning: boolean, url: string | null): 'info' | 'warning' {
  return warning || url === null ? 'warning' : 'info';
}

/**
 * The placeholder reports (`[text](#)`) of the content before an edit that still apply after it.
 * Cleaning keeps a placeholder's words and drops its link, so the cleaned text no longer shows it:
 * without this, the "links still to fill in" would leave the report at the first save. A report
 * stays while its words are still in a text field and not yet a link (`[text](…)`); it follows
 * the words when a structural edit moved them to another article.
 */
export function keepPlaceholderReports(previous: readonly LinkLintEntry[], content: IssueContent, lint: readonly LinkLintEntry[]): LinkLintEntry[] {
  const fields: [string, string][] = [];
  if (content.intro) fields.push(['intro', content.intro]);
  content.sections.forEach((s, si) => {
    s.articles.forEach((a, ai) => {
      fields.push([`sections[${si}].articles[${ai}].body`, a.body]);
      if (a.attribution) fields.push([`sections[${si}].articles[${ai}].attribution`, a.attribution]);
    });
  });
  for (const [k, v] of Object.entries(content.footer)) if (v) fields.push([`footer.${k}`, v]);
  const open = (value: string, text: string) => value.includes(text) && !value.includes(`[${text}](`);
  const kept: LinkLintEntry[] = [...lint];
  for (const p of previous) {
    const placeholder = p.changes.some((c) => typeof c !== 'string' && c.key === 'link.placeholder');
    if (!placeholder || !p.text?.trim() || /\.sources\[|\.image$/.test(p.where)) continue;
    const text = p.text;
    const here = fields.find(([where, value]) => where === p.where && open(value, text)) ?? fields.find(([, value]) => open(value, text));
    if (!here) continue;
    if (kept.some((l) => l.where === here[0] && l.text === text && l.original === p.original)) continue;
    kept.push({ ...p, where: here[0] });
  }
  return kept;
}

/**
 * Markdown for issue bodies, intros and disclaimers: to email-safe HTML (inline styles, no raw
 * HTML, only http(s)/mailto links) and to plain text for the text/plain part.
 *
 * Both outputs walk markdown-it's token stream; the text is never made by stripping tags.
 */
import MarkdownIt from 'markdown-it';
import { COLORS } from '../../../emails/newsletter/issue.mjml.ts';

/** Schemes a reader can safely follow from an email. Everything else renders as plain text. */
export function isAllowedUrl(url: string): boolean {
  return /^(?:https?:\/\/|mailto:)/i.test(url.trim());
}

const md = new MarkdownIt('default', {
  html: false, // raw HTML in the source is shown escaped, never rendered
  linkify: false,
  breaks: false,
  typographer: false,
});
// Applies to links and images alike; a rejected `[x](javascript:…)` stays literal text.
md.validateLink = isAllowedUrl;

type Token = ReturnType<typeof md.parse>[number];

// Inline styles per element: many clients (Gmail apps, Outlook) ignore <style> blocks.
const STYLES: Record<string, string> = {
  paragraph_open: 'margin:0 0 14px;',
  bullet_list_open: 'margin:0 0 14px;padding:0 0 0 22px;',
  ordered_list_open: 'margin:0 0 14px;padding:0 0 0 26px;',
  list_item_open: 'margin:0 0 6px;',
  heading_open: 'margin:18px 0 8px;font-size:17px;line-height:1.5;font-weight:700;',
  blockquote_open: `margin:0 0 14px;padding:2px 0 2px 14px;border-left:3px solid ${COLORS.rule};color:${COLORS.muted};`,
  link_open: `color:${COLORS.accent};text-decoration:underline;word-break:break-word;overflow-wrap:anywhere;`,
  code_inline: 'font-family:Menlo,Consolas,monospace;font-size:0.9em;',
  fence: 'margin:0 0 14px;white-space:pre-wrap;word-break:break-all;font-family:Menlo,Consolas,monospace;font-size:13px;',
  code_block: 'margin:0 0 14px;white-space:pre-wrap;word-break:break-all;font-family:Menlo,Consolas,monospace;font-size:13px;',
  image: 'max-width:100%;height:auto;border:0;display:block;',
  table_open: 'border-collapse:collapse;margin:0 0 14px;font-size:14px;',
  th_open: `border:1px solid ${COLORS.rule};padding:4px 8px;text-align:left;`,
  td_open: `border:1px solid ${COLORS.rule};padding:4px 8px;`,
  hr: `border:0;border-top:1px solid ${COLORS.rule};margin:16px 0;`,
};

function styleTokens(tokens: Token[]): void {
  for (const token of tokens) {
    const style = STYLES[token.type];
    if (style) token.attrSet('style', style);
    if (token.type === 'link_open') token.attrJoin('class', 'q-link');
    if (token.children) styleTokens(token.children);
  }
}

// Headings inside an article must not compete with the template's h1–h3.
md.renderer.rules.heading_open = (tokens, idx, options, _env, self) => {
  tokens[idx]!.tag = 'h4';
  return self.renderToken(tokens, idx, options);
};
md.renderer.rules.heading_close = () => '</h4>';

const CJK = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/;

/**
 * A soft line break in the source is whitespace in HTML, which shows as a stray space between
 * two CJK characters (text pasted from PDFs is full of them). Drop it there; keep it elsewhere.
 */
function softbreak(tokens: Token[], idx: number): string {
  const before = tokens[idx - 1]?.content.slice(-1) ?? '';
  const after = tokens[idx + 1]?.content.charAt(0) ?? '';
  return CJK.test(before) || CJK.test(after) ? '' : '\n';
}
md.renderer.rules.softbreak = (tokens, idx) => softbreak(tokens, idx);

/** Markdown → email-safe HTML fragment. */
export function markdownToHtml(source: string): string {
  const tokens = md.parse(source, {});
  styleTokens(tokens);
  return md.renderer.render(tokens, md.options, {});
}

// ---------------------------------------------------------------------------------------------
// Plain text

export interface MarkdownTextOptions {
  /** Wrap Latin paragraphs at this many columns; 0 disables. CJK paragraphs are never wrapped. */
  width?: number;
}

/** Inline tokens → one string: markers dropped, links as "label (url)". */
function inlineText(children: Token[]): string {
  let out = '';
  const hrefs: string[] = [];
  let labelStart = 0;
  // After "label (url)", text that follows directly (CJK has no spaces) gets one, so that
  // auto-linking mail clients end the URL at the parenthesis.
  let spaceAfterUrl = false;
  children.forEach((t, i) => {
    if (spaceAfterUrl && t.content && !/^[\s,.;:!?)\]]/.test(t.content)) out += ' ';
    spaceAfterUrl = false;
    switch (t.type) {
      case 'text':
      case 'code_inline':
        out += t.content;
        break;
      case 'softbreak':
        out += softbreak(children, i) === '' ? '' : ' ';
        break;
      case 'hardbreak':
        out += '\n';
        break;
      case 'image':
        // An image token's content is its alt text; the URL is of little use in a text part.
        out += t.content ? `[${t.content}]` : '';
        break;
      case 'link_open':
        hrefs.push(String(t.attrGet('href') ?? ''));
        labelStart = out.length;
        break;
      case 'link_close': {
        const href = hrefs.pop() ?? '';
        const label = out.slice(labelStart).trim();
        const bare = href.replace(/^mailto:/i, '');
        if (label !== href && label !== bare) {
          out += ` (${bare})`;
          spaceAfterUrl = true;
        }
        break;
      }
      default:
        break; // strong/em open/close etc.: the markers are simply dropped
    }
  });
  return out;
}

/** Display width: CJK and full-width characters take two columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += CJK.test(ch) ? 2 : 1;
  return w;
}

/**
 * Greedy word wrap for Latin text. CJK text is returned as is: it has no spaces to break at,
 * and a hard break mid-sentence reads badly; mail clients wrap it themselves.
 */
export function wrapText(text: string, width: number, indent = ''): string {
  if (width <= 0 || CJK.test(text)) return text.split('\n').join(`\n${indent}`);
  return text
    .split('\n')
    .map((line) => {
      const lines: string[] = [];
      let current = '';
      for (const word of line.split(/ +/)) {
        if (current && current.length + 1 + word.length > width - indent.length) {
          lines.push(current);
          current = word; // a word longer than the line (a URL) stays whole
        } else {
          current = current ? `${current} ${word}` : word;
        }
      }
      lines.push(current);
      return lines.join(`\n${indent}`);
    })
    .join(`\n${indent}`);
}

/** Markdown → plain text: paragraphs separated by blank lines, "- " and "1. " lists. */
export function markdownToText(source: string, options: MarkdownTextOptions = {}): string {
  const width = options.width ?? 76;
  const tokens = md.parse(source, {});
  // Each block remembers the outermost list it belongs to: items of one list sit on
  // consecutive lines, everything else is separated by a blank line.
  const blocks: Array<{ text: string; list: number | null }> = [];
  // Stack of open lists: the next number for ordered lists, null for bullets.
  const lists: Array<{ next: number | null }> = [];
  let listCount = 0;
  let itemPrefix: string | null = null;
  let quote = false;

  for (const t of tokens) {
    switch (t.type) {
      case 'bullet_list_open':
      case 'ordered_list_open':
        if (lists.length === 0) listCount++;
        lists.push({ next: t.type === 'ordered_list_open' ? Number(t.attrGet('start') ?? 1) : null });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        break;
      case 'list_item_open': {
        const list = lists[lists.length - 1];
        const marker = list?.next != null ? `${list.next++}. ` : '- ';
        itemPrefix = '  '.repeat(Math.max(0, lists.length - 1)) + marker;
        break;
      }
      case 'blockquote_open':
        quote = true;
        break;
      case 'blockquote_close':
        quote = false;
        break;
      case 'inline': {
        const text = inlineText(t.children ?? []).trim();
        if (!text) break;
        let block: string;
        if (itemPrefix !== null) {
          block = itemPrefix + wrapText(text, width, ' '.repeat(itemPrefix.length));
          itemPrefix = null; // later paragraphs of the same item are indented, not re-marked
        } else if (lists.length) {
          const hang = '  '.repeat(lists.length);
          block = hang + wrapText(text, width, hang);
        } else {
          block = wrapText(text, width);
        }
        if (quote) block = block.replace(/^/gm, '> ');
        blocks.push({ text: block, list: lists.length ? listCount : null });
        break;
      }
      case 'fence':
      case 'code_block':
        blocks.push({ text: t.content.replace(/\n$/, ''), list: null });
        break;
      case 'hr':
        blocks.push({ text: '----', list: null });
        break;
      default:
        break;
    }
  }
  let out = '';
  blocks.forEach((b, i) => {
    const prev = blocks[i - 1];
    if (prev) out += b.list !== null && b.list === prev.list ? '\n' : '\n\n';
    out += b.text;
  });
  return out;
}

/**
 * Reads a Markdown export into blocks. markdown-it finds the block structure (headings, lists,
 * quotes, fences, setext headings); the text of each block is sliced from the source so that
 * inline Markdown (links, bold) reaches the issue body unchanged.
 */
import MarkdownIt from 'markdown-it';
import { type Block, CONTACT_LINE, EDITOR_LINE, displayWidth, isEmailLine, isHeadingLike, isUrlLine, joinLines, visibleText } from './text.ts';

const md = new MarkdownIt('commonmark');

/** A paragraph line that is only a link: `[label](url)` or `<url>` or a bare URL. */
const LINK_ONLY = /^\[((?:[^\]\\]|\\.)*)\]\(\s*<?([^()\s<>]+)>?\s*\)$/;
const LINK_LINE = /^!?\[.*\]\(.*\)$|^<?https?:/;
const IMAGE_ONLY = /^!\[((?:[^\]\\]|\\.)*)\]\(\s*<?([^()\s<>]+)>?(?:\s+"[^"]*")?\s*\)$/;

export function markdownToBlocks(source: string): Block[] {
  const text = source.replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const tokens = md.parse(text, {});
  const blocks: Block[] = [];
  const slice = (map: [number, number] | null | undefined) => (map ? lines.slice(map[0], map[1]).join('\n').trim() : '');

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.level !== 0 || token.nesting === -1) continue;
    switch (token.type) {
      case 'heading_open': {
        const inline = tokens[i + 1]?.content ?? '';
        blocks.push({ kind: 'heading', text: inline.trim(), level: Number(token.tag.slice(1)) });
        break;
      }
      case 'paragraph_open':
        blocks.push(...paragraphBlocks(tokens[i + 1]?.content ?? ''));
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        blocks.push({ kind: 'list', markdown: joinListLines(slice(token.map)) });
        break;
      case 'hr':
        blocks.push({ kind: 'break' });
        break;
      default:
        // Quotes, fences, indented code, HTML: kept as written.
        if (token.map) blocks.push({ kind: 'raw', markdown: slice(token.map) });
    }
  }
  return blocks;
}

/**
 * One paragraph of a Markdown export may hold several things on consecutive lines (an editor's
 * name, an e-mail, a website). Lines that are only a link become source blocks, contact lines
 * stay on their own, and the rest is joined the CJK-aware way (soft breaks in Chinese text are
 * extraction artefacts, not spaces).
 */
function paragraphBlocks(content: string): Block[] {
  const blocks: Block[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer !== '') blocks.push({ kind: 'text', text: buffer });
    buffer = '';
  };
  const lines = content.split('\n');
  // A stack of short lines none of which ends a sentence (a contents list, a name over a
  // tagline) keeps its lines: the structure reader decides which of them make one title.
  if (lines.length >= 2 && lines.every((l) => isHeadingLike(l.trim(), 60) && !/[，,。.!?！？；;]$/.test(l.trim()) && !LINK_LINE.test(l.trim()))) {
    return lines.map((l) => ({ kind: 'text', text: l.trim() }));
  }
  // "《某某指南》正式发布" over "某机构近日发布…" with no blank line: the headline, then its text.
  if (lines.length >= 2 && isHeadlineOver(lines[0]!.trim(), lines.slice(1))) {
    blocks.push({ kind: 'text', text: lines.shift()!.trim(), headline: true });
  }
  for (const raw of lines) {
    const line = raw.trim().replace(/\\$/, '');
    if (line === '') continue;
    const image = IMAGE_ONLY.exec(line);
    const linkOnly = LINK_ONLY.exec(line);
    // A lone placeholder link ("[更多](#)") stays text: as a source it would be dropped, words and all.
    const link = linkOnly && !linkOnly[2]!.startsWith('#') ? linkOnly : null;
    if (image) {
      flush();
      blocks.push({ kind: 'image', alt: image[1] ?? '', url: image[2] ?? '' });
    } else if (link || isUrlLine(line)) {
      flush();
      const entry = link ? { url: link[2] ?? '', label: link[1] ?? '' } : { url: line.replace(/^<(.*)>$/, '$1'), label: '' };
      const previous = blocks.at(-1);
      if (previous?.kind === 'urls') previous.links.push(entry);
      else blocks.push({ kind: 'urls', links: [entry] });
    } else if (isEmailLine(line) || EDITOR_LINE.test(line) || CONTACT_LINE.test(line)) {
      // Footer lines in one paragraph ("编辑：…", "网址：…", "邮箱：…") each stand alone.
      flush();
      blocks.push({ kind: 'text', text: line });
    } else {
      buffer = joinLines(buffer, line);
    }
  }
  flush();
  return blocks;
}

/**
 * The first line of a paragraph is a headline when it reads like one (short, no punctuation of a
 * sentence) and is much narrower than the prose lines after it, which start a sentence.
 */
function isHeadlineOver(first: string, rest: string[]): boolean {
  const a = visibleText(first);
  const b = visibleText(rest[0] ?? '');
  if (a === '' || b === '' || /[，。、；：,.;:！？!?]/.test(a) || !isHeadingLike(first, 60) || isBoldOnly(first)) return false;
  if (isUrlLine(b) || isEmailLine(b) || /^\s*([-*+]|\d+[.)])\s/.test(rest[0] ?? '')) return false;
  const column = Math.max(...rest.map((l) => displayWidth(visibleText(l))));
  if (displayWidth(a) >= 0.7 * column || !/[。.!?！？]/.test(rest.join(' '))) return false;
  if (/\p{Script=Han}/u.test(a)) return /^[\p{Script=Han}\d“"《（(]/u.test(b);
  return /^[A-Z0-9“"‘]/.test(b) && !/\b(the|a|an|of|and|or|to|in|on|for|with|by|at|from)$/i.test(a);
}

function isBoldOnly(text: string): boolean {
  return /^(\*\*|__)[^*_]+\1$/.test(text.trim());
}

/** Joins the lazy continuation lines of list items; keeps nesting and item markers. */
function joinListLines(markdown: string): string {
  const out: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.trim() === '') continue;
    const isItem = /^\s*([-*+]|\d+[.)])\s/.test(line);
    const last = out.length - 1;
    if (!isItem && last >= 0) out[last] = joinLines(out[last]!, line.trim());
    else out.push(line.trimEnd());
  }
  return out.join('\n');
}

/**
 * Short Markdown written by us (the API reference's summaries and descriptions) as HTML for a
 * page: `code`, links, emphasis, lists. Raw HTML in the source is shown escaped, never rendered;
 * links go only to http(s), mailto or a path on this site.
 */
import { raw } from 'hono/html';
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt('default', { html: false, linkify: false, breaks: false, typographer: false });
md.validateLink = (url) => /^(?:https?:\/\/|mailto:|\/(?!\/))/i.test(url.trim());

/** One line (a summary, a parameter's description): no paragraph around it. */
export function inlineMarkdown(source: string) {
  return raw(md.renderInline(source));
}

/** Paragraphs and lists. */
export function blockMarkdown(source: string) {
  return raw(md.render(source));
}

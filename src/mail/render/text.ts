/**
 * The text/plain part of an issue, built from the model (never by stripping the HTML):
 * title block, contents, sections with underlined headings, articles with their sources listed
 * one per line, and a footer with the per-recipient links as placeholders.
 */
import type { IssueContent } from '../../modules/issues/model.ts';
import type { ChromeStrings } from '../../../emails/newsletter/issue.mjml.ts';
import { displayWidth, isAllowedUrl, markdownToText, wrapText } from './markdown.ts';

const WIDTH = 76;

export interface IssueTextContext {
  strings: ChromeStrings;
  newsletterName: string;
  /** Volume / number / date line, already formatted. */
  meta: string;
  /** Public web version; null omits the "read online" line. */
  archiveUrl: string | null;
  links: { kind: 'email'; unsubscribeUrl: string; preferencesUrl: string } | { kind: 'archive'; signupUrl: string };
  /** Applied to each markdown-derived text (swaps the editor's {{name}} for a placeholder). */
  transform?: (text: string) => string;
}

/** A heading with a rule under it as wide as the heading (CJK counts double), capped at WIDTH. */
function underline(title: string, char: string): string {
  return `${title}\n${char.repeat(Math.min(WIDTH, Math.max(4, displayWidth(title))))}`;
}

export function sectionNumber(index: number): string {
  return String(index + 1).padStart(2, '0');
}

export function issueText(content: IssueContent, ctx: IssueTextContext): string {
  const s = ctx.strings;
  const transform = ctx.transform ?? ((t: string) => t);
  const md = (source: string) => transform(markdownToText(source, { width: WIDTH }));
  const blocks: string[] = [];

  // Title block
  const head: string[] = [];
  if (ctx.newsletterName && ctx.newsletterName !== content.title) head.push(ctx.newsletterName);
  head.push(underline(content.title, '='));
  if (ctx.meta) head.push(ctx.meta);
  blocks.push(head.join('\n'));
  if (ctx.archiveUrl) blocks.push(`${s.viewInBrowser}${s.colon}${ctx.archiveUrl}`);

  if (content.intro?.trim()) blocks.push(md(content.intro));

  // Contents
  if (content.sections.length) {
    const lines = [s.contents];
    content.sections.forEach((section, i) => {
      lines.push(`${sectionNumber(i)} ${section.title}`);
      for (const article of section.articles) if (article.title) lines.push(`   ${article.title}`);
    });
    blocks.push(lines.join('\n'));
  }

  // Sections and articles
  content.sections.forEach((section, i) => {
    blocks.push(`\n${underline(`${sectionNumber(i)} ${section.title}`, '=')}`);
    for (const article of section.articles) {
      const parts: string[] = [];
      if (article.title) parts.push(underline(article.title, '-'));
      // Where the HTML shows the article's picture, the text part says what it shows.
      const alt = article.image && /^https?:\/\//i.test(article.image.url.trim()) ? article.image.alt.replace(/\s+/g, ' ').trim() : '';
      if (alt) parts.push(wrapText(`[${s.imageText}${s.colon}${alt}]`, WIDTH));
      if (article.body.trim()) parts.push(md(article.body));
      if (article.attribution) parts.push(article.attribution);
      if (article.sources.length) {
        const lines = [s.sourcesText];
        for (const source of article.sources) {
          const label = source.label.trim();
          const url = isAllowedUrl(source.url) ? source.url.trim() : null;
          if (!url) lines.push(`- ${label}`);
          else if (!label || label === url) lines.push(`- ${url}`);
          else lines.push(`- ${label}`, `  ${url}`);
        }
        parts.push(lines.join('\n'));
      }
      blocks.push(parts.join('\n\n'));
    }
  });

  // Footer
  const foot: string[] = ['--'];
  const f = content.footer;
  if (f.disclaimer?.trim()) foot.push(md(f.disclaimer), '');
  if (f.editor) foot.push(`${s.editor}${s.colon}${f.editor}`);
  if (f.contact) foot.push(`${s.contact}${s.colon}${f.contact}`);
  if (f.organisation) foot.push(wrapText(f.organisation, WIDTH));
  if (foot[foot.length - 1] !== '') foot.push('');
  if (ctx.links.kind === 'email') {
    foot.push(wrapText(s.receivedBecause(ctx.newsletterName), WIDTH));
    foot.push(`${s.unsubscribe}${s.colon}${ctx.links.unsubscribeUrl}`);
    foot.push(`${s.preferences}${s.colon}${ctx.links.preferencesUrl}`);
  } else {
    foot.push(`${s.subscribe}${s.colon}${ctx.links.signupUrl}`);
  }
  if (ctx.archiveUrl) foot.push(`${s.readOnline}${s.colon}${ctx.archiveUrl}`);
  blocks.push(foot.join('\n'));

  return `${blocks.join('\n\n').replace(/\n{4,}/g, '\n\n\n')}\n`;
}

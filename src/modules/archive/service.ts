/** The public web archive: sent issues as web pages and an RSS 2.0 feed. No personal links anywhere. */
import type { Config } from '../../config.ts';
import type { IssueRow, NewsletterRow } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { renderWebArchive } from '../../mail/render/issue.ts';
import type { IssueContent } from '../issues/model.ts';
import type { IssuesRepository } from '../issues/repository.ts';
import type { NewslettersRepository } from '../newsletters/repository.ts';
import { i18n, msg } from '../../i18n/index.ts';

export interface ArchiveEntry {
  number: number;
  title: string;
  volume: string | null;
  date: string | null;
  sentAt: string | null;
  url: string;
  sectionTitles: string[];
}

export class ArchiveService {
  /**
   * `pages`: rendered pages by issue and version. Rendering MJML costs tens of milliseconds and a
   * sent issue rarely changes, so a few are kept, process-wide (ProcessCaches.archivePages, bounded).
   */
  constructor(
    private readonly issues: IssuesRepository,
    private readonly newsletters: NewslettersRepository,
    private readonly config: Config,
    private readonly pages: Map<string, string>,
  ) {}

  async newsletter(slug: string): Promise<NewsletterRow> {
    const n = await this.newsletters.findBySlug(slug);
    if (!n) throw notFound(msg('newsletter.what', { slug }));
    return n;
  }

  private entry(n: NewsletterRow, r: IssueRow): ArchiveEntry {
    const c = r.content as IssueContent;
    return {
      number: r.number,
      title: r.title,
      volume: c.volume ?? null,
      date: c.date ?? null,
      sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
      url: `${this.config.publicUrl}/archive/${encodeURIComponent(n.slug)}/${r.number}`,
      sectionTitles: c.sections.map((s) => s.title).filter(Boolean),
    };
  }

  async list(slug: string, limit = 100): Promise<{ newsletter: NewsletterRow; entries: ArchiveEntry[] }> {
    const newsletter = await this.newsletter(slug);
    const rows = await this.issues.list(newsletter.id, { status: ['sent'], limit });
    return { newsletter, entries: rows.map((r) => this.entry(newsletter, r)) };
  }

  /** The latest sent issue, if any (shown after a subscriber confirms). */
  async latest(slug: string): Promise<ArchiveEntry | null> {
    const { entries } = await this.list(slug, 1);
    return entries[0] ?? null;
  }

  /** The web version of a sent issue as a full HTML page. */
  async page(slug: string, number: number): Promise<string> {
    const newsletter = await this.newsletter(slug);
    const row = Number.isSafeInteger(number) ? await this.issues.findByNumber(newsletter.id, number) : undefined;
    if (row?.status !== 'sent') throw notFound(msg('issue.whatInArchive', { number, slug }));
    const key = `${row.id}:${new Date(row.updated_at).getTime()}:${newsletter.updated_at.valueOf()}`;
    const cached = this.pages.get(key);
    if (cached) return cached;
    const rendered = await renderWebArchive({
      content: row.content as IssueContent,
      newsletter: { name: newsletter.name, slug: newsletter.slug, language: newsletter.language, postalAddress: newsletter.organisation },
      number: row.number,
      archiveUrl: this.entry(newsletter, row).url,
      signupUrl: `${this.config.publicUrl}/n/${encodeURIComponent(newsletter.slug)}`,
      listUrl: `${this.config.publicUrl}/archive/${encodeURIComponent(newsletter.slug)}`,
    });
    this.pages.set(key, rendered.html);
    return rendered.html;
  }

  /** RSS 2.0 with the latest sent issues. */
  async feed(slug: string): Promise<string> {
    const { newsletter, entries } = await this.list(slug, 50);
    const home = `${this.config.publicUrl}/archive/${encodeURIComponent(slug)}`;
    const { t } = i18n(newsletter.language);
    const items = entries
      .map((e) => {
        const description = e.sectionTitles.length ? e.sectionTitles.join(' · ') : e.title;
        // "March news (Vol. 3)"; in Chinese the title is quoted as titles are: 《简报》2026年第3期.
        const title = e.volume && !e.title.includes(e.volume) ? t('reader.issue.fullTitle', { title: e.title, volume: e.volume }) : e.title;
        return [
          '    <item>',
          `      <title>${xml(title)}</title>`,
          `      <link>${xml(e.url)}</link>`,
          `      <guid isPermaLink="true">${xml(e.url)}</guid>`,
          e.sentAt ? `      <pubDate>${new Date(e.sentAt).toUTCString()}</pubDate>` : '',
          `      <description>${xml(description)}</description>`,
          '    </item>',
        ]
          .filter(Boolean)
          .join('\n');
      })
      .join('\n');
    const lastBuild = entries[0]?.sentAt ? `\n    <lastBuildDate>${new Date(entries[0].sentAt).toUTCString()}</lastBuildDate>` : '';
    return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>${xml(newsletter.name)}</title>
    <link>${xml(home)}</link>
    <description>${xml(newsletter.description ?? newsletter.name)}</description>
    <language>${xml(newsletter.language)}</language>
    <atom:link href="${xml(home)}/feed.xml" rel="self" type="application/rss+xml"/>${lastBuild}
${items}
  </channel>
</rss>
`;
  }
}

function xml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

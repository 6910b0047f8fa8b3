/**
 * The public web archive: the issues readers may see (sent or published, not taken off), newest
 * first, as web pages, a search over their articles, and feeds (RSS 2.0, Atom, JSON Feed). No
 * personal link anywhere. Which issues are visible is the repository's one rule (ArchiveRepository).
 */
import type { Config } from '../../config.ts';
import type { NewsletterRow } from '../../db/schema.ts';
import { i18n, msg } from '../../i18n/index.ts';
import { CURSOR_ID, CURSOR_TIME, decodeCursor, encodeCursor } from '../../lib/cursor.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { renderWebArchive } from '../../mail/render/issue.ts';
import type { IssueContent } from '../issues/model.ts';
import type { NewslettersRepository } from '../newsletters/repository.ts';
import type { RateLimitsRepository } from '../rate-limits/repository.ts';
import type { Clock } from '../../lib/clock.ts';
import type { ArchiveIssueRow, ArchivePosition, ArchiveRepository, SearchPosition } from './repository.ts';
import { documentsOf, MAX_QUERY_LENGTH, queryTerms, snippetOf } from './search-text.ts';

export interface ArchiveEntry {
  number: number;
  title: string;
  volume: string | null;
  /** The date the issue itself carries (YYYY-MM-DD), if any. */
  date: string | null;
  /** When it entered the archive (ISO instant). */
  publishedAt: string;
  /** Kept for callers of the first archive: the publication instant. */
  sentAt: string | null;
  url: string;
  sectionTitles: string[];
  articleTitles: string[];
}

export interface ArchiveListPage {
  newsletter: NewsletterRow;
  entries: ArchiveEntry[];
  /** Cursors for the next page down (older issues) and up (newer issues); null at either end. */
  older: string | null;
  newer: string | null;
}

export interface SearchItem {
  number: number;
  /** The issue's title. */
  title: string;
  publishedAt: string;
  article: { section: number; article: number; title: string; titleHtml: string };
  /** Plain text around the first match. */
  snippet: string;
  /** The same, HTML-escaped, each matched word in `<mark>`. */
  snippetHtml: string;
  /** The article in the web version: `/archive/:slug/:number#a-S-A`. */
  url: string;
}

export interface SearchResult {
  newsletter: NewsletterRow;
  query: string;
  items: SearchItem[];
  nextCursor: string | null;
}

/** Issues per page of the list; results per page of the search. */
export const ARCHIVE_PAGE_SIZE = 20;
export const SEARCH_PAGE_SIZE = 20;
/** Public search requests per client address per minute. */
export const SEARCH_RATE_LIMIT = 60;
const FEED_SIZE = 20;
/** Issues rebuilt in one go after which the planner's statistics are refreshed (a bulk import, the first search). */
const ANALYZE_AFTER = 10;

const LIST_CURSOR = { d: /^[on]$/, t: CURSOR_TIME, n: CURSOR_ID };
const SEARCH_CURSOR = { r: /^\d{1,2}$/, t: CURSOR_TIME, n: CURSOR_ID, s: /^\d{1,4}$/, a: /^\d{1,4}$/ };

export class ArchiveService {
  /**
   * `pages`: rendered pages by issue, version and neighbours. Rendering MJML costs tens of
   * milliseconds and a visible issue rarely changes, so a few are kept, process-wide
   * (ProcessCaches.archivePages, bounded).
   */
  constructor(
    private readonly repo: ArchiveRepository,
    private readonly newsletters: NewslettersRepository,
    private readonly rateLimits: RateLimitsRepository,
    private readonly clock: Clock,
    private readonly config: Config,
    private readonly pages: Map<string, string>,
  ) {}

  async newsletter(slug: string): Promise<NewsletterRow> {
    const n = await this.newsletters.findBySlug(slug);
    if (!n) throw notFound(msg('newsletter.what', { slug }));
    return n;
  }

  private home(n: NewsletterRow): string {
    return `${this.config.publicUrl}/archive/${encodeURIComponent(n.slug)}`;
  }

  private entry(n: NewsletterRow, r: ArchiveIssueRow): ArchiveEntry {
    const c = r.content as IssueContent;
    const publishedAt = new Date(r.published_at).toISOString();
    return {
      number: r.number,
      title: r.title,
      volume: c.volume ?? null,
      date: c.date ?? null,
      publishedAt,
      sentAt: publishedAt,
      url: `${this.home(n)}/${r.number}`,
      sectionTitles: c.sections.map((s) => s.title).filter(Boolean),
      articleTitles: c.sections.flatMap((s) => s.articles.map((a) => a.title.trim())).filter(Boolean),
    };
  }

  /** A page of the list, newest first. A cursor Quire did not make shows the first page. */
  async list(slug: string, opts: { cursor?: string | undefined; limit?: number } = {}): Promise<ArchiveListPage> {
    const newsletter = await this.newsletter(slug);
    const limit = opts.limit ?? ARCHIVE_PAGE_SIZE;
    let at: { d: string; p: ArchivePosition } | null = null;
    if (opts.cursor) {
      try {
        const c = decodeCursor(opts.cursor, LIST_CURSOR);
        at = { d: c.d, p: { publishedAt: new Date(c.t), number: Number(c.n) } };
      } catch {
        at = null;
      }
    }
    const rows = await this.repo.list(newsletter.id, {
      limit,
      ...(at?.d === 'o' ? { older: at.p } : {}),
      ...(at?.d === 'n' ? { newer: at.p } : {}),
    });
    const pos = (r: ArchiveIssueRow): ArchivePosition => ({ publishedAt: new Date(r.published_at), number: r.number });
    const cursor = (d: 'o' | 'n', r: ArchiveIssueRow) => encodeCursor({ d, t: new Date(r.published_at).toISOString(), n: String(r.number) });
    const first = rows[0];
    const last = rows[rows.length - 1];
    const [olderExists, newerExists] = await Promise.all([
      last ? this.repo.hasBeyond(newsletter.id, pos(last), 'older') : false,
      first && at ? this.repo.hasBeyond(newsletter.id, pos(first), 'newer') : false,
    ]);
    return {
      newsletter,
      entries: rows.map((r) => this.entry(newsletter, r)),
      older: olderExists && last ? cursor('o', last) : null,
      newer: newerExists && first ? cursor('n', first) : null,
    };
  }

  /** The latest visible issue, if any (offered after a subscriber confirms). */
  async latest(slug: string): Promise<ArchiveEntry | null> {
    const newsletter = await this.newsletter(slug);
    const [row] = await this.repo.list(newsletter.id, { limit: 1 });
    return row ? this.entry(newsletter, row) : null;
  }

  /** The web version of a visible issue as a full HTML page, with the way to its neighbours. */
  async page(slug: string, number: number): Promise<string> {
    const newsletter = await this.newsletter(slug);
    const row = Number.isSafeInteger(number) && number > 0 && number < 2 ** 31 ? await this.repo.findVisible(newsletter.id, number) : undefined;
    if (!row) throw notFound(msg('issue.whatInArchive', { number, slug }));
    const nb = await this.repo.neighbours(newsletter.id, { publishedAt: new Date(row.published_at), number: row.number });
    // The neighbours are part of the page: a newly published issue changes its predecessor's page.
    const key = [
      row.id,
      new Date(row.updated_at).getTime(),
      newsletter.updated_at.valueOf(),
      nb.older?.number,
      nb.older?.title,
      nb.newer?.number,
      nb.newer?.title,
    ].join('\u0000');
    const cached = this.pages.get(key);
    if (cached) return cached;
    const { t } = i18n(newsletter.language);
    const home = this.home(newsletter);
    const rendered = await renderWebArchive({
      content: row.content as IssueContent,
      newsletter: { name: newsletter.name, slug: newsletter.slug, language: newsletter.language, postalAddress: newsletter.organisation },
      number: row.number,
      archiveUrl: `${home}/${row.number}`,
      signupUrl: `${this.config.publicUrl}/n/${encodeURIComponent(newsletter.slug)}`,
      listUrl: home,
      feedUrl: `${home}/feed.xml`,
      nav: {
        older: nb.older ? { url: `${home}/${nb.older.number}`, label: t('archiveUx.nav.older'), title: nb.older.title } : null,
        newer: nb.newer ? { url: `${home}/${nb.newer.number}`, label: t('archiveUx.nav.newer'), title: nb.newer.title } : null,
      },
    });
    this.pages.set(key, rendered.html);
    return rendered.html;
  }

  /** Counts a public search from `ip`; over SEARCH_RATE_LIMIT a minute it is refused. */
  async checkSearchRate(ip: string): Promise<void> {
    const hit = await this.rateLimits.hit(`archive-search:ip:${ip}`, 60_000, this.clock.now());
    if (hit.count > SEARCH_RATE_LIMIT) throw new AppError('rate_limited', msg('archiveUx.search.rateLimited'));
  }

  /**
   * Articles of visible issues holding every word of `q` (titles, bodies, attributions, source
   * labels), titles first, then newest first. Brings the search documents up to date first: an
   * issue published, hidden or edited since the last search is found by its current text.
   * `cursor`: nextCursor of the previous page; one Quire did not make is a 400.
   */
  async search(slug: string, q: string, opts: { cursor?: string | undefined; limit?: number } = {}): Promise<SearchResult> {
    const newsletter = await this.newsletter(slug);
    const query = q.trim();
    if (Array.from(query).length > MAX_QUERY_LENGTH) throw new AppError('bad_request', msg('archiveUx.search.tooLong', { max: MAX_QUERY_LENGTH }));
    let after: SearchPosition | undefined;
    if (opts.cursor) {
      const c = decodeCursor(opts.cursor, SEARCH_CURSOR);
      after = { rank: Number(c.r), publishedAt: new Date(c.t), number: Number(c.n), section: Number(c.s), article: Number(c.a) };
    }
    const terms = queryTerms(query);
    if (terms.length === 0) return { newsletter, query, items: [], nextCursor: null };
    await this.refreshDocuments(newsletter.id);
    const limit = opts.limit ?? SEARCH_PAGE_SIZE;
    const rows = await this.repo.search(newsletter.id, terms, { limit: limit + 1, ...(after ? { after } : {}) });
    const page = rows.slice(0, limit);
    const home = this.home(newsletter);
    const { t } = i18n(newsletter.language);
    const items = page.map((r): SearchItem => {
      const snippet = snippetOf(r.body, terms);
      const title = r.title || t('archiveUx.search.untitled');
      return {
        number: r.number,
        title: r.issue_title,
        publishedAt: new Date(r.published_at).toISOString(),
        article: { section: r.section, article: r.article, title: r.title, titleHtml: snippetOf(title, terms, 1000).html },
        snippet: snippet.text,
        snippetHtml: snippet.html,
        url: `${home}/${r.number}#a-${r.section}-${r.article}`,
      };
    });
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor({
            r: String(last.rank),
            t: new Date(last.published_at).toISOString(),
            n: String(last.number),
            s: String(last.section),
            a: String(last.article),
          })
        : null;
    return { newsletter, query, items, nextCursor };
  }

  /** Rebuilds the search documents of issues changed since they were made; forgets hidden ones. */
  private async refreshDocuments(newsletterId: number): Promise<void> {
    const { stale, gone } = await this.repo.indexState(newsletterId);
    await this.repo.forget(gone);
    for (const id of stale) await this.repo.reindex(id, (content) => documentsOf(content as IssueContent));
    if (stale.length >= ANALYZE_AFTER) await this.repo.analyze();
  }

  /** Brings every search document up to date now (the benchmark's set-up; searches do it as they go). */
  async indexAll(slug: string): Promise<void> {
    await this.refreshDocuments((await this.newsletter(slug)).id);
  }

  // ---- feeds ----------------------------------------------------------------------------------

  /** The latest visible issues with their whole web version (no personal link in it). */
  private async feedItems(slug: string) {
    const { newsletter, entries } = await this.list(slug, { limit: FEED_SIZE });
    const { t } = i18n(newsletter.language);
    const items = await Promise.all(
      entries.map(async (e) => {
        const html = await this.page(slug, e.number);
        // "March news (Vol. 3)"; in Chinese the title is quoted as titles are: 《简报》2026年第3期.
        const title = e.volume && !e.title.includes(e.volume) ? t('reader.issue.fullTitle', { title: e.title, volume: e.volume }) : e.title;
        const summary = e.articleTitles.length ? e.articleTitles.join(' · ') : e.sectionTitles.join(' · ') || e.title;
        return { entry: e, title, summary, html: bodyOf(html) };
      }),
    );
    return { newsletter, items, home: this.home(newsletter) };
  }

  /** RSS 2.0: each item the whole issue (`content:encoded`), dated by its publication. */
  async feed(slug: string): Promise<string> {
    const { newsletter, items, home } = await this.feedItems(slug);
    const body = items
      .map(({ entry: e, title, summary, html }) =>
        [
          '    <item>',
          `      <title>${xml(title)}</title>`,
          `      <link>${xml(e.url)}</link>`,
          `      <guid isPermaLink="true">${xml(e.url)}</guid>`,
          `      <pubDate>${new Date(e.publishedAt).toUTCString()}</pubDate>`,
          `      <description>${xml(summary)}</description>`,
          `      <content:encoded>${cdata(html)}</content:encoded>`,
          '    </item>',
        ].join('\n'),
      )
      .join('\n');
    const lastBuild = items[0] ? `\n    <lastBuildDate>${new Date(items[0].entry.publishedAt).toUTCString()}</lastBuildDate>` : '';
    return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>${xml(newsletter.name)}</title>
    <link>${xml(home)}</link>
    <description>${xml(newsletter.description ?? newsletter.name)}</description>
    <language>${xml(newsletter.language)}</language>
    <atom:link href="${xml(home)}/feed.xml" rel="self" type="application/rss+xml"/>${lastBuild}
${body}
  </channel>
</rss>
`;
  }

  /** Atom 1.0, the same items. */
  async atom(slug: string): Promise<string> {
    const { newsletter, items, home } = await this.feedItems(slug);
    const updated = items[0]?.entry.publishedAt ?? new Date(newsletter.updated_at).toISOString();
    const entries = items
      .map(({ entry: e, title, summary, html }) =>
        [
          '  <entry>',
          `    <title>${xml(title)}</title>`,
          `    <link rel="alternate" type="text/html" href="${xml(e.url)}"/>`,
          `    <id>${xml(e.url)}</id>`,
          `    <published>${e.publishedAt}</published>`,
          `    <updated>${e.publishedAt}</updated>`,
          `    <summary>${xml(summary)}</summary>`,
          `    <content type="html">${xml(html)}</content>`,
          '  </entry>',
        ].join('\n'),
      )
      .join('\n');
    return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${xml(newsletter.language)}">
  <title>${xml(newsletter.name)}</title>
  ${newsletter.description ? `<subtitle>${xml(newsletter.description)}</subtitle>\n  ` : ''}<link rel="alternate" type="text/html" href="${xml(home)}"/>
  <link rel="self" type="application/atom+xml" href="${xml(home)}/feed.atom"/>
  <id>${xml(home)}</id>
  <updated>${updated}</updated>
  <author><name>${xml(newsletter.name)}</name></author>
${entries}
</feed>
`;
  }

  /** JSON Feed 1.1, the same items. */
  async jsonFeed(slug: string): Promise<Record<string, unknown>> {
    const { newsletter, items, home } = await this.feedItems(slug);
    return {
      version: 'https://jsonfeed.org/version/1.1',
      title: newsletter.name,
      home_page_url: home,
      feed_url: `${home}/feed.json`,
      ...(newsletter.description ? { description: newsletter.description } : {}),
      language: newsletter.language,
      authors: [{ name: newsletter.name }],
      items: items.map(({ entry: e, title, summary, html }) => ({
        id: e.url,
        url: e.url,
        title,
        summary,
        content_html: html,
        date_published: e.publishedAt,
      })),
    };
  }
}

/** The inside of a page's <body>: what a feed reader shows as the item. */
function bodyOf(html: string): string {
  const m = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html);
  return (m ? m[1]! : html).trim();
}

const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function xml(s: string): string {
  return s.replace(XML_INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A CDATA section holding any text: a `]]>` inside ends one section and opens the next. */
function cdata(s: string): string {
  return `<![CDATA[${s.replace(XML_INVALID, '').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

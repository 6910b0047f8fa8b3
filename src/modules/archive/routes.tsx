import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { NewsletterRow } from '../../db/schema.ts';
import { clientIp } from '../../http/client.ts';
import { openCors } from '../../http/cors.ts';
import type { AppEnv } from '../../http/env.ts';
import { i18n, readerLanguage } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import { parseOrThrow } from '../../lib/validation.ts';
import { ArchivePage, ArchiveSearchPage } from '../../ui/archive.tsx';
import { NewsletterNotFoundPage, NotFoundPage } from '../../ui/error-pages.tsx';
import { MessagePage, newsletterView } from '../../ui/subscription.tsx';
import { MAX_QUERY_LENGTH } from './search-text.ts';
import type { SearchResult } from './service.ts';

/** The public search's query string (page and API). `q` is checked again in characters by the service. */
export const searchQuerySchema = z.object({
  q: z.string().max(1_000).default(''),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(50).optional(),
});

const FEED_CACHE = 'public, max-age=300';

/**
 * A wrong archive address is a page in the newsletter's language, wearing its name, with a way to
 * the archive list; an unknown newsletter speaks the reader's language (there is no newsletter to ask).
 */
async function notFoundPage(c: Context<AppEnv>) {
  const n: NewsletterRow | undefined = await c.var.services.archive.newsletter(c.req.param('slug') ?? '').catch(() => undefined);
  if (!n) return c.html(NewsletterNotFoundPage({ lang: i18n(readerLanguage(c.req.header('accept-language'))).lang }), 404);
  const lang = i18n(n.language).lang;
  const number = c.req.param('number');
  const detail = number && /^[0-9]+$/.test(number) ? i18n(lang).t('reader.archive.noIssue', { number }) : undefined;
  return c.html(NotFoundPage({ lang, detail, n: newsletterView(n) }), 404);
}

export const archiveRoutes = new Hono<AppEnv>()
  .use('*', async (c, next) => {
    // The app's error handler has answered by now (c.error says with what); a not-found becomes this page.
    await next();
    if (c.error instanceof AppError && c.error.code === 'not_found') c.res = await notFoundPage(c);
  })
  .get('/:slug/feed.xml', async (c) =>
    c.body(await c.var.services.archive.feed(c.req.param('slug')), 200, { 'Content-Type': 'application/rss+xml; charset=utf-8', 'Cache-Control': FEED_CACHE }),
  )
  .get('/:slug/feed.atom', async (c) =>
    c.body(await c.var.services.archive.atom(c.req.param('slug')), 200, { 'Content-Type': 'application/atom+xml; charset=utf-8', 'Cache-Control': FEED_CACHE }),
  )
  .get('/:slug/feed.json', async (c) => {
    const feed = await c.var.services.archive.jsonFeed(c.req.param('slug'));
    return c.body(JSON.stringify(feed), 200, { 'Content-Type': 'application/feed+json; charset=utf-8', 'Cache-Control': FEED_CACHE });
  })
  .get('/:slug/search', async (c) => {
    const s = c.var.services.archive;
    const n = await s.newsletter(c.req.param('slug'));
    const { t } = i18n(n.language);
    const input = searchQuerySchema.safeParse(c.req.query());
    const q = input.success ? input.data.q.trim() : '';
    const empty: SearchResult = { newsletter: n, query: q, items: [], nextCursor: null };
    if (!input.success) return c.html(ArchiveSearchPage({ result: empty, problem: t('archiveUx.search.tooLong', { max: MAX_QUERY_LENGTH }) }), 400);
    if (!q) return c.html(ArchiveSearchPage({ result: empty }));
    try {
      await s.checkSearchRate(clientIp(c));
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'rate_limited') throw e;
      return c.html(
        <MessagePage lang={n.language} n={newsletterView(n)} title={t('archiveUx.search.label')}>
          <p role="alert">{t('archiveUx.search.rateLimited')}</p>
        </MessagePage>,
        429,
      );
    }
    let result: SearchResult;
    try {
      result = await s.search(n.slug, q, { cursor: input.data.cursor });
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'bad_request') throw e;
      // Too long, or a cursor Quire did not make: the page says what it can instead of failing.
      if (Array.from(q).length > MAX_QUERY_LENGTH)
        return c.html(ArchiveSearchPage({ result: empty, problem: t('archiveUx.search.tooLong', { max: MAX_QUERY_LENGTH }) }), 400);
      result = await s.search(n.slug, q);
    }
    c.header('Cache-Control', 'no-store');
    return c.html(ArchiveSearchPage({ result }));
  })
  .get('/:slug/:number{[0-9]+}', async (c) => {
    const html = await c.var.services.archive.page(c.req.param('slug'), Number(c.req.param('number')));
    c.header('Cache-Control', 'public, max-age=300');
    return c.html(html);
  })
  .get('/:slug', async (c) => {
    const cursor = c.req.query('cursor');
    const page = await c.var.services.archive.list(c.req.param('slug'), { cursor: cursor && cursor.length <= 500 ? cursor : undefined });
    return c.html(ArchivePage(page));
  })
  // Anything else under a newsletter's archive (`/archive/:slug/abc`, `/archive/:slug/1/x`).
  .get('/:slug/*', (c) => notFoundPage(c));

/**
 * `GET /api/v1/public/newsletters/:slug/search?q=`: the archive's search for other programs
 * (CORS, rate-limited per client address). `snippet` is plain text; `snippetHtml` the same text
 * HTML-escaped with the matched words in `<mark>`.
 */
export const publicArchiveApi = new Hono<AppEnv>()
  .use('/newsletters/:slug/search', openCors({ allowMethods: ['GET', 'OPTIONS'], allowHeaders: ['Content-Type'], maxAge: 86_400 }))
  .get('/newsletters/:slug/search', async (c) => {
    const s = c.var.services.archive;
    const input = parseOrThrow(searchQuerySchema, c.req.query());
    await s.newsletter(c.req.param('slug'));
    await s.checkSearchRate(clientIp(c));
    const r = await s.search(c.req.param('slug'), input.q, { cursor: input.cursor, ...(input.limit ? { limit: input.limit } : {}) });
    c.header('Cache-Control', 'no-store');
    return c.json({
      query: r.query,
      items: r.items.map((it) => ({
        number: it.number,
        title: it.title,
        publishedAt: it.publishedAt,
        article: { section: it.article.section, article: it.article.article, title: it.article.title },
        snippet: it.snippet,
        snippetHtml: it.snippetHtml,
        url: it.url,
      })),
      nextCursor: r.nextCursor,
    });
  });

import { Hono, type Context } from 'hono';
import type { NewsletterRow } from '../../db/schema.ts';
import type { AppEnv } from '../../http/env.ts';
import { i18n, readerLanguage } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import { ArchivePage } from '../../ui/archive.tsx';
import { NewsletterNotFoundPage, NotFoundPage } from '../../ui/error-pages.tsx';
import { newsletterView } from '../../ui/subscription.tsx';

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
    c.body(await c.var.services.archive.feed(c.req.param('slug')), 200, {
      'Content-Type': 'application/rss+xml; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
    }),
  )
  .get('/:slug/:number{[0-9]+}', async (c) => {
    const html = await c.var.services.archive.page(c.req.param('slug'), Number(c.req.param('number')));
    c.header('Cache-Control', 'public, max-age=300');
    return c.html(html);
  })
  .get('/:slug', async (c) => {
    const { newsletter, entries } = await c.var.services.archive.list(c.req.param('slug'));
    return c.html(ArchivePage({ newsletter, entries }));
  })
  // Anything else under a newsletter's archive (`/archive/:slug/abc`, `/archive/:slug/1/x`).
  .get('/:slug/*', (c) => notFoundPage(c));

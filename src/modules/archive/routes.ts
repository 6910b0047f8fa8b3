import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.ts';
import { ArchivePage } from '../../ui/archive.tsx';

export const archiveRoutes = new Hono<AppEnv>()
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
  });

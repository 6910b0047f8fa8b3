import { Hono } from 'hono';
import { requireRole } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { readJson } from '../../http/body.ts';

export const newsletterRoutes = new Hono<AppEnv>()
  .get('/', requireRole('viewer'), async (c) => c.json({ items: await c.var.services.newsletters.list(), nextCursor: null }))
  .post('/', requireRole('admin'), async (c) => c.json(await c.var.services.newsletters.create(await readJson(c), c.var.user!), 201))
  .get('/:slug', requireRole('viewer'), async (c) => c.json(await c.var.services.newsletters.get(c.req.param('slug'))))
  .patch('/:slug', requireRole('admin'), async (c) => c.json(await c.var.services.newsletters.update(c.req.param('slug'), await readJson(c), c.var.user!)));

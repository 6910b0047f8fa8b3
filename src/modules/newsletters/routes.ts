import { Hono } from 'hono';
import { requireRole } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { readJson } from '../../http/body.ts';
import { presentMessages } from '../../http/present.ts';
import { DashboardService } from '../admin/dashboard-service.ts';

export const newsletterRoutes = new Hono<AppEnv>()
  .get('/', requireRole('viewer'), async (c) => c.json({ items: await c.var.services.newsletters.list(), nextCursor: null }))
  .post('/', requireRole('admin'), async (c) => c.json(await c.var.services.newsletters.create(await readJson(c), c.var.user!), 201))
  .get('/:slug', requireRole('viewer'), async (c) => c.json(await c.var.services.newsletters.get(c.req.param('slug'))))
  // The admin dashboard as data: counts, next slot, scheduled and sending issues, recent sends, warnings (src/modules/admin/dashboard-service.ts).
  .get('/:slug/dashboard', requireRole('viewer'), async (c) => {
    const s = c.var.services;
    const n = await s.newsletters.get(c.req.param('slug'));
    return c.json(presentMessages(await DashboardService.of(s).api(n, s.clock.now())));
  })
  .patch('/:slug', requireRole('admin'), async (c) => c.json(await c.var.services.newsletters.update(c.req.param('slug'), await readJson(c), c.var.user!)));

import { Hono } from 'hono';
import { requireRole } from '../../http/auth.ts';
import { readJson } from '../../http/body.ts';
import type { AppEnv } from '../../http/env.ts';

const id = (s: string) => Number(s);

/** Segments and topics of a newsletter (under /api/v1/newsletters). */
export const segmentRoutes = new Hono<AppEnv>()
  .get('/:slug/segments', requireRole('viewer'), async (c) => c.json({ items: await c.var.services.segments.list(c.req.param('slug')), nextCursor: null }))
  .post('/:slug/segments', requireRole('editor'), async (c) =>
    c.json(await c.var.services.segments.create(c.req.param('slug'), await readJson(c), c.var.user!), 201),
  )
  // The builder's live count: a definition not saved yet.
  .post('/:slug/segments/count', requireRole('viewer'), async (c) =>
    c.json(await c.var.services.segments.countDefinition(c.req.param('slug'), await readJson(c))),
  )
  .get('/:slug/segments/:id{[0-9]+}', requireRole('viewer'), async (c) => c.json(await c.var.services.segments.get(c.req.param('slug'), id(c.req.param('id')))))
  .patch('/:slug/segments/:id{[0-9]+}', requireRole('editor'), async (c) =>
    c.json(await c.var.services.segments.update(c.req.param('slug'), id(c.req.param('id')), await readJson(c), c.var.user!)),
  )
  .delete('/:slug/segments/:id{[0-9]+}', requireRole('editor'), async (c) => {
    await c.var.services.segments.remove(c.req.param('slug'), id(c.req.param('id')), c.var.user!);
    return c.body(null, 204);
  })
  .get('/:slug/segments/:id{[0-9]+}/count', requireRole('viewer'), async (c) =>
    c.json(await c.var.services.segments.count(c.req.param('slug'), id(c.req.param('id')))),
  )
  .get('/:slug/topics', requireRole('viewer'), async (c) => c.json({ items: await c.var.services.segments.topics(c.req.param('slug')), nextCursor: null }))
  .post('/:slug/topics', requireRole('admin'), async (c) =>
    c.json(await c.var.services.segments.createTopic(c.req.param('slug'), await readJson(c), c.var.user!), 201),
  )
  .patch('/:slug/topics/:id{[0-9]+}', requireRole('admin'), async (c) =>
    c.json(await c.var.services.segments.updateTopic(c.req.param('slug'), id(c.req.param('id')), await readJson(c), c.var.user!)),
  )
  .delete('/:slug/topics/:id{[0-9]+}', requireRole('admin'), async (c) => {
    await c.var.services.segments.removeTopic(c.req.param('slug'), id(c.req.param('id')), c.var.user!);
    return c.body(null, 204);
  });

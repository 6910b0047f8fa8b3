import { Hono } from 'hono';
import { requireRole } from '../../http/auth.ts';
import { readJson } from '../../http/body.ts';
import type { AppEnv } from '../../http/env.ts';
import { presentMessages } from '../../http/present.ts';

const id = (s: string) => Number(s);

export const sendingRoutes = new Hono<AppEnv>()
  .post('/issues/:id{[0-9]+}/schedule', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.sending.schedule(id(c.req.param('id')), await readJson(c), c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/pause', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.sending.pause(id(c.req.param('id')), c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/resume', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.sending.resume(id(c.req.param('id')), c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/cancel', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.sending.cancel(id(c.req.param('id')), c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/retry-failed', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.sending.retryFailed(id(c.req.param('id')), c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/ready', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.slots.markReady(id(c.req.param('id')), await readJson(c), c.var.user!))),
  )
  .get('/newsletters/:slug/schedule', requireRole('viewer'), async (c) => c.json(presentMessages(await c.var.services.slots.get(c.req.param('slug')))))
  .put('/newsletters/:slug/schedule', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.slots.put(c.req.param('slug'), await readJson(c), c.var.user!))),
  )
  .get('/issues/:id{[0-9]+}/progress', requireRole('viewer'), async (c) => c.json(await c.var.services.sending.progress(id(c.req.param('id')))))
  .get('/issues/:id{[0-9]+}/failures', requireRole('viewer'), async (c) =>
    c.json({ items: await c.var.services.sending.failures(id(c.req.param('id'))), nextCursor: null }),
  );

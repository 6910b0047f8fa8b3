/**
 * The API of the audience's messages and of an admin's actions on a person (issue #24): the
 * newsletter's own confirmation, welcome and goodbye emails; resend a confirmation, lift a
 * suppression, notes. The imports from other systems are `POST …/subscribers/import?format=` (routes.ts).
 */
import { Hono } from 'hono';
import { requireRole } from '../../http/auth.ts';
import { readJson } from '../../http/body.ts';
import { clientIp, userAgent } from '../../http/client.ts';
import type { AppEnv } from '../../http/env.ts';

/** Mounted at /api/v1/newsletters. */
export const newsletterMessageRoutes = new Hono<AppEnv>()
  .get('/:slug/messages', requireRole('viewer'), async (c) =>
    c.json({ items: (await c.var.services.messages.list(c.req.param('slug'))).items, nextCursor: null }),
  )
  .get('/:slug/messages/:kind/:language', requireRole('viewer'), async (c) =>
    c.json(await c.var.services.messages.get(c.req.param('slug'), c.req.param('kind'), c.req.param('language'))),
  )
  .put('/:slug/messages/:kind/:language', requireRole('editor'), async (c) =>
    c.json(await c.var.services.messages.set(c.req.param('slug'), c.req.param('kind'), c.req.param('language'), await readJson(c), c.var.user!)),
  )
  .delete('/:slug/messages/:kind/:language', requireRole('editor'), async (c) =>
    c.json(await c.var.services.messages.reset(c.req.param('slug'), c.req.param('kind'), c.req.param('language'), c.var.user!)),
  )
  // The stored text, or with a body {subject, body} the text being edited.
  .post('/:slug/messages/:kind/:language/preview', requireRole('viewer'), async (c) => {
    const raw = await c.req.text();
    let draft: unknown;
    if (raw.trim()) {
      try {
        draft = JSON.parse(raw);
      } catch {
        draft = raw; // refused by the schema as a 4xx
      }
    }
    return c.json(await c.var.services.messages.preview(c.req.param('slug'), c.req.param('kind'), c.req.param('language'), draft));
  });

/** Mounted at /api/v1/subscribers. */
export const personRoutes = new Hono<AppEnv>()
  .post('/:id/resend-confirmation', requireRole('editor'), async (c) =>
    c.json(await c.var.services.person.resendConfirmation(c.req.param('id'), c.var.user!), 202),
  )
  .post('/:id/lift-suppression', requireRole('admin'), async (c) =>
    c.json(await c.var.services.person.liftSuppression(c.req.param('id'), await readJson(c), c.var.user!, { ip: clientIp(c), userAgent: userAgent(c) })),
  )
  .get('/:id/notes', requireRole('viewer'), async (c) => c.json({ items: await c.var.services.person.notes(c.req.param('id')), nextCursor: null }))
  .post('/:id/notes', requireRole('editor'), async (c) => c.json(await c.var.services.person.addNote(c.req.param('id'), await readJson(c), c.var.user!), 201));

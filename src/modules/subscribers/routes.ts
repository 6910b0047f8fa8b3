/** Admin subscriber API (Bearer token): viewer reads, editor writes, admin erases. */
import { Hono } from 'hono';
import { requireRole } from '../../http/auth.ts';
import { readJson } from '../../http/body.ts';
import { clientIp, userAgent } from '../../http/client.ts';
import type { AppEnv } from '../../http/env.ts';
import { apiRowError } from './csv.ts';
import { parseMappingParam } from './fields-service.ts';
import { moveResultJson } from './move-present.ts';

/** Mounted at /api/v1/newsletters (beside newsletterRoutes). */
export const newsletterSubscriberRoutes = new Hono<AppEnv>()
  .get('/:slug/subscribers', requireRole('viewer'), async (c) => c.json(await c.var.services.subscriberList.list(c.req.param('slug'), c.req.query())))
  .post('/:slug/subscribers', requireRole('editor'), async (c) =>
    c.json(await c.var.services.subscriberList.create(c.req.param('slug'), await readJson(c), c.var.user!, { ip: clientIp(c), userAgent: userAgent(c) }), 201),
  )
  // Streams the body: exempt from the API's 1 MB JSON limit (see app.ts), bounded in the service.
  .post('/:slug/subscribers/import', requireRole('editor'), async (c) => {
    // ?format=mailchimp|substack|listmonk: another system's export, with its consent proof (move-service.ts).
    const format = c.req.query('format');
    if (format !== undefined) {
      const m = await c.var.services.subscriberMove.import(
        c.req.param('slug'),
        c.req.raw.body,
        { format, consentNote: c.req.query('consentNote'), fileName: c.req.query('fileName'), contentType: c.req.header('content-type') },
        c.var.user!,
      );
      return c.json(moveResultJson(m));
    }
    // The body is the CSV stream, so the mapping (which column is what) comes in the query, as JSON.
    const mapping = parseMappingParam(c.req.query('mapping'));
    const r = await c.var.services.subscriberList.import(
      c.req.param('slug'),
      c.req.raw.body,
      c.req.query('consentNote'),
      c.var.user!,
      undefined,
      { name: c.req.query('fileName') },
      { mapping },
    );
    return c.json({ ...r, errors: r.errors.map(apiRowError), notes: r.notes.map(apiRowError) });
  })
  // Adds and removes tags on many subscribers at once (ids or a filter): one statement.
  .post('/:slug/subscribers/tags', requireRole('editor'), async (c) =>
    c.json(await c.var.services.subscriberList.bulkTags(c.req.param('slug'), await readJson(c), c.var.user!)),
  )
  .get('/:slug/fields', requireRole('viewer'), async (c) =>
    c.json({ items: await c.var.services.subscriberFields.list(c.req.param('slug')), nextCursor: null }),
  )
  .post('/:slug/fields', requireRole('admin'), async (c) =>
    c.json(await c.var.services.subscriberFields.create(c.req.param('slug'), await readJson(c), c.var.user!), 201),
  )
  .patch('/:slug/fields/:key', requireRole('admin'), async (c) =>
    c.json(await c.var.services.subscriberFields.update(c.req.param('slug'), c.req.param('key'), await readJson(c), c.var.user!)),
  )
  .delete('/:slug/fields/:key', requireRole('admin'), async (c) =>
    c.json(await c.var.services.subscriberFields.remove(c.req.param('slug'), c.req.param('key'), c.var.user!)),
  )
  .get('/:slug/subscribers/imports', requireRole('viewer'), async (c) => {
    const items = await c.var.services.subscriberList.importHistory(c.req.param('slug'));
    return c.json({
      items: items.map((r) => ({
        ...r,
        startedAt: r.startedAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
        finishedAt: r.finishedAt?.toISOString() ?? null,
      })),
      nextCursor: null,
    });
  })
  .get('/:slug/subscribers/export', requireRole('editor'), async (c) => {
    const { filename, stream } = await c.var.services.subscriberList.exportCsv(c.req.param('slug'), c.var.user!);
    return c.body(stream, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
    });
  })
  .get('/:slug/consent-texts', requireRole('viewer'), async (c) =>
    c.json({ items: await c.var.services.subscribers.consentTexts(c.req.param('slug')), nextCursor: null }),
  )
  .post('/:slug/consent-texts', requireRole('admin'), async (c) =>
    c.json(await c.var.services.subscribers.setConsentText(c.req.param('slug'), await readJson(c), c.var.user!), 201),
  );

/** Mounted at /api/v1/subscribers. */
export const subscriberRoutes = new Hono<AppEnv>()
  .get('/:id/export', requireRole('editor'), async (c) => c.json(await c.var.services.subscriberList.exportPerson(c.req.param('id'))))
  .patch('/:id/attributes', requireRole('editor'), async (c) =>
    c.json(await c.var.services.subscriberList.setProfile(c.req.param('id'), await readJson(c), c.var.user!, { ip: clientIp(c), userAgent: userAgent(c) })),
  )
  .get('/:id', requireRole('viewer'), async (c) => c.json(await c.var.services.subscriberList.get(c.req.param('id'))))
  .delete('/:id', requireRole('admin'), async (c) => c.json(await c.var.services.subscriberList.erase(c.req.param('id'), c.var.user!)));

/** True for upload routes that stream their body and set their own size limit. */
export const isStreamingUpload = (path: string) => /^\/api\/v1\/newsletters\/[^/]+\/subscribers\/import$/.test(path);

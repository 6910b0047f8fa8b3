import { Hono } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../http/auth.ts';
import { readJson } from '../../http/body.ts';
import type { AppEnv } from '../../http/env.ts';
import { presentMessages } from '../../http/present.ts';
import { parseOrThrow } from '../../lib/validation.ts';
import { bulkImportSchema, importBackIssues } from './back-issues.ts';

const listQuery = z.object({
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',') : undefined))
    .pipe(z.array(z.enum(['draft', 'scheduled', 'sending', 'sent', 'cancelled', 'paused', 'published'])).optional()),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
});

const id = (s: string) => Number(s);

/** A JSON body that may be left out (no Content-Type and no body: `{}`). */
const optionalJson = (c: Parameters<typeof readJson>[0]): Promise<unknown> =>
  !c.req.header('content-type') && (c.req.header('content-length') ?? '0') === '0' ? Promise.resolve({}) : readJson(c);

export const issueRoutes = new Hono<AppEnv>()
  .get('/newsletters/:slug/issues', requireRole('viewer'), async (c) => {
    const q = parseOrThrow(listQuery, c.req.query());
    const { items, next } = await c.var.services.issues.list(c.req.param('slug'), {
      limit: q.limit,
      ...(q.status ? { status: q.status } : {}),
      ...(q.cursor ? { beforeNumber: q.cursor } : {}),
    });
    return c.json(presentMessages({ items, nextCursor: next === null ? null : String(next) }));
  })
  .post('/newsletters/:slug/issues', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.issues.create(c.req.param('slug'), await readJson(c), c.var.user!)), 201),
  )
  .post('/newsletters/:slug/issues/import', requireRole('editor'), async (c) => {
    const v = parseOrThrow(bulkImportSchema, await readJson(c));
    const s = c.var.services;
    const items = await importBackIssues(
      s.issues,
      c.req.param('slug'),
      v.files.map((f) => ({ name: f.name, content: f.source })),
      { format: v.format, publish: v.publish, onUnexpected: (e, name) => s.log.error('back issue import failed', { name, error: String(e) }) },
      c.var.user!,
    );
    return c.json(presentMessages({ imported: items.filter((i) => i.ok).length, failed: items.filter((i) => !i.ok).length, items }));
  })
  .get('/issues/:id{[0-9]+}', requireRole('viewer'), async (c) => c.json(presentMessages(await c.var.services.issues.get(id(c.req.param('id'))))))
  .patch('/issues/:id{[0-9]+}', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.issues.update(id(c.req.param('id')), await readJson(c), c.var.user!))),
  )
  .delete('/issues/:id{[0-9]+}', requireRole('editor'), async (c) => {
    await c.var.services.issues.remove(id(c.req.param('id')), c.var.user!);
    return c.body(null, 204);
  })
  .post('/issues/:id{[0-9]+}/structure', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.issues.restructure(id(c.req.param('id')), await readJson(c), c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/structure/undo', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.issues.undo(id(c.req.param('id')), c.req.header('content-type') ? await readJson(c) : {}, c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/reopen', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.issues.reopen(id(c.req.param('id')), c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/publish', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.issues.publish(id(c.req.param('id')), await optionalJson(c), c.var.user!))),
  )
  .post('/issues/:id{[0-9]+}/unpublish', requireRole('editor'), async (c) =>
    c.json(presentMessages(await c.var.services.issues.unpublish(id(c.req.param('id')), c.var.user!))),
  )
  .get('/issues/:id{[0-9]+}/preview.html', requireRole('viewer'), async (c) => {
    const p = await c.var.services.issues.preview(id(c.req.param('id')));
    c.header('X-Quire-Size-Bytes', String(p.sizeBytes));
    return c.html(p.html);
  })
  .get('/issues/:id{[0-9]+}/preview.txt', requireRole('viewer'), async (c) => {
    const p = await c.var.services.issues.preview(id(c.req.param('id')));
    return c.text(p.text, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  })
  .post('/issues/:id{[0-9]+}/test', requireRole('editor'), async (c) =>
    c.json(await c.var.services.issues.testSend(id(c.req.param('id')), await readJson(c), c.var.user!)),
  );

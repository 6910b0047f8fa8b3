import { Hono } from 'hono';
import { z } from 'zod';
import type { OutboxRow } from '../../db/schema.ts';
import { rank, requireRole } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { CURSOR_TIME, decodeCursor, encodeCursor } from '../../lib/cursor.ts';

const OUTBOX_ID = /^[A-Za-z0-9_-]{1,100}$/;
import { parseOrThrow } from '../../lib/validation.ts';
import { msg } from '../../i18n/index.ts';
import { withoutOpenPixel } from '../events/pixel.ts';
import type { Context } from 'hono';

/**
 * The outbox is personal data: a message's body and headers hold working confirm, unsubscribe and
 * preferences links. Admins read everything; viewers and editors see who, what and when only.
 */
const readsBodies = (c: Context<AppEnv>) => rank[c.var.user!.role] >= rank.admin;

function toSummary(r: OutboxRow) {
  return { id: r.id, to: r.recipients, subject: r.subject, createdAt: new Date(r.created_at).toISOString() };
}

/** A message as the API shows it: as sent, but without the open pixel (viewing it is not an open; the .eml is exact). */
function toMessage(r: OutboxRow, publicUrl: string) {
  return {
    id: r.id,
    to: r.recipients,
    from: r.from_header,
    subject: r.subject,
    headers: r.headers,
    html: r.html === null ? null : withoutOpenPixel(r.html, publicUrl),
    text: r.text,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

const listQuery = z.object({
  to: z.string().max(320).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const outboxRoutes = new Hono<AppEnv>()
  .use(requireRole('viewer'))
  .get('/', async (c) => {
    const q = parseOrThrow(listQuery, c.req.query());
    const before = q.cursor ? decodeCursor(q.cursor, { at: CURSOR_TIME, id: OUTBOX_ID }) : undefined;
    const rows = await c.var.services.repos.outbox.list({
      limit: q.limit + 1,
      ...(q.to ? { to: q.to } : {}),
      ...(before ? { before: { createdAt: new Date(before.at), id: before.id } } : {}),
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > q.limit && last ? encodeCursor({ at: new Date(last.created_at).toISOString(), id: last.id }) : null;
    return c.json({ items: page.map((r) => (readsBodies(c) ? toMessage(r, c.var.services.config.publicUrl) : toSummary(r))), nextCursor });
  })
  .get('/:file{[^/]+\\.eml}', requireRole('admin'), async (c) => {
    const id = c.req.param('file').replace(/\.eml$/, '');
    const row = await c.var.services.repos.outbox.get(id);
    if (!row) throw notFound(msg('outbox.what'));
    return c.body(row.eml, 200, {
      'Content-Type': 'message/rfc822',
      'Content-Disposition': `attachment; filename="${row.id}.eml"`,
    });
  })
  .get('/:id', async (c) => {
    const row = await c.var.services.repos.outbox.get(c.req.param('id'));
    if (!row) throw notFound(msg('outbox.what'));
    return c.json(readsBodies(c) ? toMessage(row, c.var.services.config.publicUrl) : toSummary(row));
  })
  .all('*', () => {
    throw new AppError('not_found', msg('error.noOutboxEndpoint'));
  });

import { Hono } from 'hono';
import { bodyLimit } from '../../http/body.ts';
import { createMiddleware } from 'hono/factory';
import { requireRole } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { AppError } from '../../lib/errors.ts';
import { TRANSPARENT_GIF } from './pixel.ts';
import { msg } from '../../i18n/index.ts';
import { apiMessage } from '../../http/present.ts';

const WEBHOOK_MAX_BODY = 256 * 1024;

const pixelHeaders = {
  'Content-Type': 'image/gif',
  'Content-Length': String(TRANSPARENT_GIF.byteLength),
  'Cache-Control': 'no-store, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
};

/**
 * Mounted before `secureHeaders`, so it runs after it: mail clients and webmail pages on other
 * origins must be allowed to load the pixel (secureHeaders would send CORP same-origin).
 */
export const pixelCrossOrigin = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.path.startsWith('/o/')) c.res.headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
});

/** Public: the open pixel and provider webhooks (no admin auth; each checks its own signature). */
export const publicEventRoutes = new Hono<AppEnv>()
  // Always the same GIF, whatever the token: a forged or malformed one just records nothing.
  .get('/o/:token', async (c) => {
    // HEAD is what link scanners send; only a real GET counts.
    if (c.req.method === 'GET') await c.var.services.events.recordPixelOpen(c.req.param('token'), c.req.header('user-agent'));
    return c.body(TRANSPARENT_GIF, 200, pixelHeaders);
  })
  .post(
    '/webhooks/resend',
    bodyLimit({
      maxSize: WEBHOOK_MAX_BODY,
      onError: () => {
        throw new AppError('payload_too_large', msg('webhook.tooLarge', { bytes: WEBHOOK_MAX_BODY }));
      },
    }),
    async (c) => {
      // The signature covers the exact bytes: read the text before any JSON parsing.
      const raw = await c.req.text();
      const outcome = await c.var.services.events.ingestResend(
        { id: c.req.header('svix-id'), timestamp: c.req.header('svix-timestamp'), signature: c.req.header('svix-signature') },
        raw,
      );
      return c.json({ ok: true, outcome });
    },
  );

const id = (s: string) => Number(s);

/** Admin API (under /api/v1). */
export const eventRoutes = new Hono<AppEnv>()
  .get('/issues/:id{[0-9]+}/stats', requireRole('viewer'), async (c) => {
    const { warnings, ...stats } = await c.var.services.events.stats(id(c.req.param('id')));
    return c.json({ ...stats, warnings: warnings.map((w) => ({ code: w.code, message: apiMessage(w.said).message })) });
  })
  .get('/issues/:id{[0-9]+}/stats/timeline', requireRole('viewer'), async (c) =>
    c.json(await c.var.services.events.timeline(id(c.req.param('id')), c.req.query())),
  )
  .get('/issues/:id{[0-9]+}/recipients', requireRole('viewer'), async (c) =>
    c.json(await c.var.services.events.recipients(id(c.req.param('id')), c.req.query())),
  );

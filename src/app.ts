/**
 * Builds the Hono application. No globals: everything it needs arrives through `resolve`,
 * which hands each request its services (one set for the Node process; one per request on Workers).
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from './http/body.ts';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { authenticate } from './http/auth.ts';
import { pageSecurityHeaders } from './http/security.ts';
import { isUnstorableCharacter, rejectMalformedRequests } from './http/edge.ts';
import type { AppEnv } from './http/env.ts';
import { AppError } from './lib/errors.ts';
import { newsletterRoutes } from './modules/newsletters/routes.ts';
import { outboxRoutes } from './modules/outbox/routes.ts';
import { publicSubscriberRoutes } from './modules/subscribers/public-routes.tsx';
import { isStreamingUpload, newsletterSubscriberRoutes, subscriberRoutes } from './modules/subscribers/routes.ts';
import { newsletterMessageRoutes, personRoutes } from './modules/subscribers/audience-routes.ts';
import { issueRoutes } from './modules/issues/routes.ts';
import { archiveRoutes, publicArchiveApi } from './modules/archive/routes.tsx';
import { sendingRoutes } from './modules/sending/routes.ts';
import { segmentRoutes } from './modules/segments/routes.ts';
import { adminRoutes } from './modules/admin/routes/index.ts';
import { eventRoutes, pixelCrossOrigin, publicEventRoutes } from './modules/events/routes.ts';
import type { Services } from './services.ts';
import { findAsset } from './ui/assets.ts';
import { HomePage } from './ui/home.tsx';
import { openApiDocument } from './http/openapi.ts';
import { presentMessages } from './http/present.ts';
import { ApiDocsPage } from './ui/api-docs.tsx';
import { i18n, msg, readerLanguage } from './i18n/index.ts';
import { describeError } from './lib/errors.ts';
import { FailurePage, NotFoundPage } from './ui/error-pages.tsx';
import { isDatabaseUnreachable } from './db/unreachable.ts';
import { isApiPath, unavailableResponse } from './http/unavailable.tsx';

export type ServicesResolver = (c: Context) => Services | Promise<Services>;

const MAX_JSON_BODY = 1024 * 1024;
/** Admin forms carry file uploads (issue sources, subscriber CSVs), parsed in memory. */
const ADMIN_FORM_BODY = 64 * 1024 * 1024;

export function createApp(resolve: ServicesResolver) {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set('services', await resolve(c));
    await next();
  });
  app.use(rejectMalformedRequests);
  // Before secureHeaders so that it runs after it: the open pixel is loaded from other origins.
  app.use('/o/*', pixelCrossOrigin);
  // Likewise: the Content-Security-Policy of each kind of page, and personal pages' no-store / no-referrer.
  app.use(pageSecurityHeaders);
  app.use(
    secureHeaders({
      // Emails previews are framed by the admin itself; other sites may not frame Quire pages.
      xFrameOptions: 'SAMEORIGIN',
      referrerPolicy: 'strict-origin-when-cross-origin',
    }),
  );

  app.get('/healthz', async (c) => {
    const { db, dbKind } = c.var.services;
    try {
      await db.selectFrom('settings').select('key').limit(1).execute();
      return c.json({ ok: true, db: dbKind });
    } catch (e) {
      c.var.services.log.warn('health check: the database does not answer', { error: e instanceof Error ? e.message : String(e) });
      return unavailableResponse(c.req.raw);
    }
  });

  // Bundled browser scripts and styles (src/ui/assets.ts): immutable under their hash.
  app.get('/assets/:file', (c) => {
    const a = findAsset(c.req.param('file'));
    if (!a) return c.text('Not found', 404);
    return c.body(a.body, 200, { 'Content-Type': a.type, 'Cache-Control': a.current ? 'public, max-age=31536000, immutable' : 'no-cache' });
  });

  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument(c.var.services.config.publicUrl)));
  app.get('/api/docs', (c) => c.html(ApiDocsPage({ doc: openApiDocument(c.var.services.config.publicUrl), lang: readerLang(c) })));

  app.get('/', async (c) => {
    return c.html(HomePage({ lang: readerLang(c), newsletters: await c.var.services.newsletters.list() }));
  });

  app.route('/archive', archiveRoutes);
  // The admin web app (issue #8): server-rendered pages behind a session cookie.
  app.use(
    '/admin/*',
    bodyLimit({
      maxSize: ADMIN_FORM_BODY,
      onError: () => {
        throw new AppError('payload_too_large', msg('upload.tooLargeApi', { mb: ADMIN_FORM_BODY / 1024 / 1024 }));
      },
    }),
  );
  app.route('/admin', adminRoutes);

  // The archive's search for programs: public, CORS, rate-limited; before the signup routes, whose
  // /api/v1/public/* answers every other public path with a 404.
  app.route('/api/v1/public', publicArchiveApi);
  // Signup, confirm, unsubscribe, preferences and /api/v1/public/*: registered before the admin
  // API so that public requests never reach `authenticate`.
  app.route('/', publicSubscriberRoutes);
  // Open pixel and signed provider webhooks: public, outside the admin API's auth and body limit.
  app.route('/', publicEventRoutes);

  const api = new Hono<AppEnv>();
  const jsonBodyLimit = bodyLimit({
    maxSize: MAX_JSON_BODY,
    onError: () => {
      throw new AppError('payload_too_large', msg('error.payloadTooLarge', { bytes: MAX_JSON_BODY }));
    },
  });
  // CSV imports stream their body and bound it themselves.
  api.use((c, next) => (isStreamingUpload(c.req.path) ? next() : jsonBodyLimit(c, next)));
  api.use(authenticate);
  api.route('/newsletters', newsletterRoutes);
  api.route('/outbox', outboxRoutes);
  api.route('/newsletters', newsletterSubscriberRoutes);
  api.route('/newsletters', segmentRoutes);
  api.route('/subscribers', subscriberRoutes);
  api.route('/newsletters', newsletterMessageRoutes);
  api.route('/subscribers', personRoutes);
  api.route('/', issueRoutes);
  api.route('/', sendingRoutes);
  api.route('/', eventRoutes);
  app.route('/api/v1', api);

  app.notFound((c) => {
    if (c.req.path.startsWith('/api/'))
      return c.json(new AppError('not_found', msg('error.noRoute', { method: c.req.method, path: c.req.path })).toJSON(), 404);
    return c.html(notFoundPage(c), 404);
  });

  app.onError((err, c) => {
    if (isUnstorableCharacter(err)) {
      c.var.services?.log.warn('refused a request with a NUL byte', { method: c.req.method, path: c.req.path.slice(0, 200) });
      err = new AppError('bad_request', msg('edge.badCharacter'));
    }
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      const page = !isApiPath(c.req.path);
      if (page && err.status === 404) return c.html(notFoundPage(c, err), 404);
      // A person's browser on a page gets a page in their language; programs get the JSON error.
      if (page && (c.req.header('accept') ?? '').includes('text/html')) return c.html(errorPage(c, err), err.status as 400);
      return c.json(presentMessages(err.toJSON()), err.status as 400);
    }
    if (err instanceof HTTPException) {
      const code = err.status === 401 ? 'unauthorized' : err.status === 413 ? 'payload_too_large' : err.status === 404 ? 'not_found' : 'bad_request';
      return c.json(new AppError(code, err.message ? msg('error.http', { detail: err.message }) : msg('error.badRequest')).toJSON(), err.status);
    }
    if (isDatabaseUnreachable(err)) {
      c.var.services?.log.warn('the database does not answer', { path: c.req.path, error: err instanceof Error ? err.message : String(err) });
      return unavailableResponse(c.req.raw);
    }
    c.var.services?.log.error('unhandled error', { path: c.req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return c.json(new AppError('internal', msg('error.internal')).toJSON(), 500);
  });

  return app;
}

/** Public pages without a newsletter to ask speak the reader's language (Accept-Language). */
const readerLang = (c: Context) => readerLanguage(c.req.header('accept-language'));

const notFoundPage = (c: Context, err?: AppError) => {
  const lang = readerLang(c);
  return NotFoundPage({ lang, detail: err ? describeError(err, i18n(lang)) : undefined });
};

const errorPage = (c: Context, err: AppError) => {
  const lang = readerLang(c);
  return FailurePage({ lang, detail: describeError(err, i18n(lang)) });
};

export type App = ReturnType<typeof createApp>;

/**
 * Response headers that depend on what a page is (docs/security.md): the Content-Security-Policy
 * of HTML pages, and the no-store / no-referrer of personal pages (their URL is a bearer token).
 *
 * Mounted before `secureHeaders` in src/app.ts, so that it runs after it and has the last word.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from './env.ts';
import { TURNSTILE_ORIGIN } from '../modules/subscribers/turnstile.ts';

const policy = (directives: Record<string, string>) =>
  Object.entries(directives)
    .map(([k, v]) => (v ? `${k} ${v}` : k))
    .join('; ');

const common = {
  'default-src': "'self'",
  'script-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

/**
 * Public pages: scripts and styles only from /assets; style attributes allowed (the pages use a
 * few), no <style> elements; nothing frames them (the embeddable signup form is a snippet of HTML
 * pasted into another site that posts here, not a frame).
 */
export const PUBLIC_CSP = policy({ ...common, 'style-src': "'self'", 'style-src-attr': "'unsafe-inline'", 'img-src': "'self' data:" });

/**
 * The signup page with Cloudflare Turnstile on (TURNSTILE_SITE_KEY): the public policy, plus the
 * widget's script and its frame from challenges.cloudflare.com. No other page loads anything from there.
 */
export const SIGNUP_TURNSTILE_CSP = policy({
  ...common,
  'script-src': `'self' ${TURNSTILE_ORIGIN}`,
  'frame-src': TURNSTILE_ORIGIN,
  'connect-src': `'self' ${TURNSTILE_ORIGIN}`,
  'style-src': "'self'",
  'style-src-attr': "'unsafe-inline'",
  'img-src': "'self' data:",
});

/**
 * Admin pages: the same scripts; styles may be inline because the live preview writes the email's
 * HTML into a srcdoc frame, which inherits this policy; images from anywhere (article images are
 * links to other sites); the issue preview is framed from the admin itself.
 */
export const ADMIN_CSP = policy({
  ...common,
  'style-src': "'self' 'unsafe-inline' https:",
  'font-src': "'self' https: data:",
  'img-src': '* data: blob:',
  'frame-src': "'self'",
});

/**
 * An email's HTML on the admin origin (the issue preview): a sandbox without scripts or forms,
 * even when opened on its own; links may open. It keeps its origin (no script can run in it to use
 * that) so that the admin's preview script can keep the reader's scroll position across updates.
 */
export const SANDBOXED_EMAIL_CSP = policy({
  sandbox: 'allow-same-origin allow-popups allow-popups-to-escape-sandbox',
  'default-src': "'none'",
  'img-src': '* data:',
  'style-src': "'unsafe-inline' https:",
  'font-src': 'https: data:',
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'self'",
});

/** An issue's web version in the public archive: the email's HTML, with no scripts at all. */
export const WEB_VERSION_CSP = policy({
  'default-src': "'none'",
  'img-src': '* data:',
  'style-src': "'unsafe-inline' https:",
  'font-src': 'https: data:',
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
});

/** Pages whose URL carries a personal token: never cached, never sent on as a Referer. */
export const PERSONAL_PAGE = /^\/(?:confirm|unsubscribe|preferences)\//;

const PREVIEW = /^\/api\/v1\/issues\/[0-9]+\/preview\.html$/;
/** The signup page and the page its form answers with (which shows the form again after an error). */
const SIGNUP_PAGE = /^\/n\/[^/]+(?:\/subscribe)?\/?$/;
const WEB_VERSION = /^\/archive\/[^/]+\/[0-9]+\/?$/;

/** The policy an HTML response at `path` gets (`turnstile`: the bot check is on). */
export function cspFor(path: string, turnstile = false): string {
  if (turnstile && SIGNUP_PAGE.test(path)) return SIGNUP_TURNSTILE_CSP;
  if (PREVIEW.test(path)) return SANDBOXED_EMAIL_CSP;
  if (WEB_VERSION.test(path)) return WEB_VERSION_CSP;
  if (path === '/admin' || path.startsWith('/admin/')) return ADMIN_CSP;
  return PUBLIC_CSP;
}

export const pageSecurityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const h = c.res.headers;
  if ((h.get('content-type') ?? '').startsWith('text/html')) h.set('Content-Security-Policy', cspFor(c.req.path, !!c.var.services?.config.turnstile));
  if (PERSONAL_PAGE.test(c.req.path)) {
    h.set('Cache-Control', 'no-store');
    h.set('Referrer-Policy', 'no-referrer');
  }
});

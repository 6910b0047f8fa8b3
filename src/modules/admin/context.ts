/**
 * Request plumbing of the admin web app: the session cookie, the per-request View (language,
 * time zone, theme, current newsletter), role guards with CSRF checks, and one-shot flash
 * messages carried in a short-lived cookie (never in the URL, so nobody can forge one in a link).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Role } from '../../db/schema.ts';
import { SAFE_METHODS, SESSION_COOKIE, rank } from '../../http/auth.ts';
import type { AppEnv } from '../../http/env.ts';
import { AppError } from '../../lib/errors.ts';
import { isTimeZone } from '../../lib/validation.ts';
import { adminLanguage } from '../../http/language.ts';
import { i18n, msg } from '../../i18n/index.ts';
import type { Theme, View } from '../../ui/admin/shell.tsx';
import { SESSION_MAX_MS } from '../auth/service.ts';

export interface AdminEnv extends AppEnv {
  Variables: AppEnv['Variables'] & { view: View; flash: Flash | undefined };
}
export type AdminContext = Context<AdminEnv>;

export interface Flash {
  kind: 'ok' | 'error' | 'warn';
  message: string;
  /** Extra payload, e.g. a new API token shown once. */
  extra?: string;
  /** A link after the message (an admin path: anything else is not shown), e.g. where to fix what it says. */
  link?: { href: string; label: string };
}

export const LANG_COOKIE = 'lang';
export const TZ_COOKIE = 'tz';
export const THEME_COOKIE = 'theme';
export const NEWSLETTER_COOKIE = 'quire_nl';
export const FLASH_COOKIE = 'quire_flash';
export const LOGIN_COOKIE = 'quire_login';

export function secureCookies(c: Context<AdminEnv>): boolean {
  return c.var.services.config.publicUrl.startsWith('https:');
}

export function setSessionCookie(c: Context<AdminEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, { httpOnly: true, secure: secureCookies(c), sameSite: 'Lax', path: '/', maxAge: Math.floor(SESSION_MAX_MS / 1000) });
}

export function clearSessionCookie(c: Context<AdminEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secureCookies(c), httpOnly: true, sameSite: 'Lax' });
}

/** A preference cookie (language, theme, newsletter): readable by nobody else, kept a year. */
export function setPrefCookie(c: Context<AdminEnv>, name: string, value: string): void {
  setCookie(c, name, value, { path: '/', sameSite: 'Lax', secure: secureCookies(c), maxAge: 365 * 86400 });
}

export function setFlash(c: Context<AdminEnv>, flash: Flash): void {
  setCookie(c, FLASH_COOKIE, encodeURIComponent(JSON.stringify(flash)).slice(0, 3500), {
    path: '/admin',
    httpOnly: true,
    sameSite: 'Lax',
    secure: secureCookies(c),
    maxAge: 120,
  });
}

function takeFlash(c: Context<AdminEnv>): Flash | undefined {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return undefined;
  deleteCookie(c, FLASH_COOKIE, { path: '/admin' });
  try {
    const f = JSON.parse(decodeURIComponent(raw)) as Flash;
    if (f && typeof f.message === 'string' && ['ok', 'error', 'warn'].includes(f.kind)) return f;
  } catch {
    /* ignore a damaged cookie */
  }
  return undefined;
}

/**
 * Only paths inside the admin are acceptable redirect targets (no open redirect), without control
 * characters (a CR/LF would split the Location header).
 */
export function safeNext(next: unknown, fallback = '/admin'): string {
  return typeof next === 'string' && /^\/admin(?:[/?#]|$)/.test(next) && !next.includes('//') && !next.includes('\\') && !/[\u0000-\u001f\u007f]/.test(next)
    ? next
    : fallback;
}

export const wantsJson = (c: Context) => c.req.path.endsWith('.json') || (c.req.header('accept') ?? '').startsWith('application/json');

/** Loads the session (if any) and builds the View every page renders with. */
export const loadView = createMiddleware<AdminEnv>(async (c, next) => {
  const s = c.var.services;
  c.header('Cache-Control', 'no-store');
  const session = await s.auth.resolveSession(getCookie(c, SESSION_COOKIE));
  if (session) {
    c.set('user', session.user);
    c.set('session', session);
  }
  const lang = adminLanguage(getCookie(c, LANG_COOKIE), c.req.header('accept-language'));
  const newsletters = session ? await s.newsletters.list() : [];
  const wanted = c.req.query('n') ?? getCookie(c, NEWSLETTER_COOKIE);
  const current = newsletters.find((n) => n.slug === wanted) ?? newsletters[0];
  const tzCookie = getCookie(c, TZ_COOKIE);
  const tz = tzCookie && tzCookie.length < 64 && isTimeZone(tzCookie) ? tzCookie : (current?.timeZone ?? 'UTC');
  const themeCookie = getCookie(c, THEME_COOKIE);
  const theme: Theme = themeCookie === 'light' || themeCookie === 'dark' ? themeCookie : 'auto';
  const url = new URL(c.req.url);
  c.set('view', {
    t: i18n(lang).t,
    lang,
    tz,
    theme,
    user: session?.user ?? null,
    csrf: session?.csrf ?? '',
    here: url.pathname + url.search,
    newsletters,
    current,
    now: s.clock.now(),
  });
  c.set('flash', c.req.method === 'GET' && !wantsJson(c) ? takeFlash(c) : undefined);
  await next();
});

/**
 * Guards a route: a session with at least `min`'s role, and on POST a valid CSRF token (form
 * field `_csrf` or header X-CSRF-Token). No session: pages redirect to the sign-in page, JSON
 * answers 401. Wrong role: 403.
 */
export function guard(min: Role): MiddlewareHandler<AdminEnv> {
  return createMiddleware<AdminEnv>(async (c, next) => {
    const session = c.var.session;
    if (!session) {
      if (wantsJson(c)) throw new AppError('unauthorized', msg('auth.sessionEnded'));
      const v = c.var.view;
      return c.redirect(`/admin/login?next=${encodeURIComponent(c.req.method === 'GET' ? v.here : '/admin')}`, c.req.method === 'GET' ? 302 : 303);
    }
    if (rank[session.user.role] < rank[min])
      throw new AppError('forbidden', msg('auth.needRole', { need: msg(`role.${min}`), role: msg(`role.${session.user.role}`) }), { need: min });
    if (!SAFE_METHODS.has(c.req.method)) {
      let given = c.req.header('x-csrf-token');
      if (!given) {
        const type = c.req.header('content-type') ?? '';
        if (type.includes('form')) {
          const body = await c.req.parseBody();
          given = typeof body._csrf === 'string' ? body._csrf : undefined;
        }
      }
      if (!c.var.services.auth.checkCsrf(session, given)) throw new AppError('forbidden', msg('auth.csrf'), { csrf: true });
    }
    await next();
  });
}

/** A form body as plain strings (files are left out; use parseBody directly for uploads). */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

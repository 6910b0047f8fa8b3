/** Admin authentication and role checks. Every admin route goes through `requireRole`. */
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Role } from '../db/schema.ts';
import type { AppEnv } from './env.ts';
import { AppError } from '../lib/errors.ts';
import { msg } from '../i18n/index.ts';

export const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** Resolves `Authorization: Bearer …` (or the admin session cookie) to a user, if any. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const user = m ? await c.var.services.users.authenticateToken(m[1]!) : null;
    if (!user) throw new AppError('unauthorized', msg('auth.tokenInvalid'), undefined, { 'WWW-Authenticate': 'Bearer' });
    c.set('user', user);
  } else {
    // The admin web app's session cookie also opens the JSON API; a state-changing request
    // must then carry the page's CSRF token in X-CSRF-Token (a cross-site form cannot set it).
    const session = await c.var.services.auth.resolveSession(getCookie(c, SESSION_COOKIE));
    if (session) {
      if (!SAFE_METHODS.has(c.req.method) && !c.var.services.auth.checkCsrf(session, c.req.header('x-csrf-token'))) {
        throw new AppError('forbidden', msg('auth.csrfHeader'));
      }
      c.set('user', session.user);
      c.set('session', session);
    }
  }
  await next();
});

/** The admin session cookie (HttpOnly, SameSite=Lax; Secure when PUBLIC_URL is https). */
export const SESSION_COOKIE = 'quire_session';
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Requires a signed-in user with at least `min`'s rights. */
export const requireRole = (min: Role) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const user = c.var.user;
    if (!user) throw new AppError('unauthorized', msg('auth.signIn'), undefined, { 'WWW-Authenticate': 'Bearer' });
    if (rank[user.role] < rank[min]) throw new AppError('forbidden', msg('auth.needRole', { need: msg(`role.${min}`), role: msg(`role.${user.role}`) }));
    await next();
  });

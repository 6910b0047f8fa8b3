/** Admin authentication and role checks. Every admin route goes through `requireRole`. */
import { createMiddleware } from 'hono/factory';
import type { Role } from '../db/schema.ts';
import type { AppEnv } from './env.ts';
import { AppError } from './errors.ts';

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** Resolves `Authorization: Bearer …` to a user, if any. Never fails by itself. */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const user = m ? await c.var.services.users.authenticateToken(m[1]!) : null;
    if (!user) throw new AppError('unauthorized', 'The API token is invalid or revoked', undefined, { 'WWW-Authenticate': 'Bearer' });
    c.set('user', user);
  }
  await next();
});

/** Requires a signed-in user with at least `min`'s rights. */
export const requireRole = (min: Role) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const user = c.var.user;
    if (!user) throw new AppError('unauthorized', 'Sign in or send Authorization: Bearer <token>', undefined, { 'WWW-Authenticate': 'Bearer' });
    if (rank[user.role] < rank[min]) throw new AppError('forbidden', `This needs the ${min} role; you are ${user.role}`);
    await next();
  });

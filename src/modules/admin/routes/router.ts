/**
 * How admin routes are registered: each names the role it needs, `route` puts the guard in front
 * of it (session, role, CSRF on POST; nothing for 'public') and records the role, so the table of
 * roles (ADMIN_ROUTE_ROLES) is the registrations themselves and no route can be added without one.
 */
import { Hono, type Handler } from 'hono';
import type { Role } from '../../../db/schema.ts';
import { guard, type AdminEnv } from '../context.ts';

/** Where src/app.ts mounts the admin; the roles table names full paths. */
export const ADMIN_BASE = '/admin';

export type RouteRole = Role | 'public';
export type RouteMethod = 'GET' | 'POST';

export interface AdminApp {
  readonly hono: Hono<AdminEnv>;
  /** `METHOD /admin/path` → the role it needs, filled by `route`. */
  readonly roles: Record<string, RouteRole>;
}

export const createAdminApp = (): AdminApp => ({ hono: new Hono<AdminEnv>(), roles: {} });

/** Registers `handler` for `method path` behind `guard(role)` (no guard for 'public'). */
export function route<P extends string>(app: AdminApp, method: RouteMethod, path: P, role: RouteRole, handler: Handler<AdminEnv, P>): void {
  const key = `${method} ${path === '/' ? ADMIN_BASE : ADMIN_BASE + path}`;
  if (key in app.roles) throw new Error(`Admin route registered twice: ${key}`);
  app.roles[key] = role;
  const h: Handler<AdminEnv> = handler;
  if (role === 'public') app.hono.on(method, path, h);
  else app.hono.on(method, path, guard(role), h);
}

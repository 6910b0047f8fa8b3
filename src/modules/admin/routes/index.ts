/**
 * The admin web app at /admin: server-rendered pages over the same services as the JSON API.
 * Every route is guarded (`guard(role)`: session, role, CSRF on POST) except sign-in and the
 * language/theme switches. Forms post, then redirect (303) with a one-shot flash message.
 *
 * The parts register through `route` (router.ts), which applies the guard and records the role:
 * ADMIN_ROUTE_ROLES is built from the registrations.
 */
import { loadView } from '../context.ts';
import { accessRoutes } from './access.tsx';
import { backIssueRoutes } from './back-issues.tsx';
import { audienceRoutes } from './audience.tsx';
import { dashboardRoutes } from './dashboard.tsx';
import { adminErrorHandler } from './errors.tsx';
import { issueRoutes } from './issues.tsx';
import { newsletterRoutes } from './newsletters.tsx';
import { createAdminApp, type RouteRole } from './router.ts';
import { subscriberRoutes } from './subscribers.tsx';
import { segmentRoutes } from './segments.tsx';

const admin = createAdminApp();
admin.hono.use(loadView);
accessRoutes(admin);
dashboardRoutes(admin);
issueRoutes(admin);
backIssueRoutes(admin);
audienceRoutes(admin);
subscriberRoutes(admin);
newsletterRoutes(admin);
segmentRoutes(admin);
admin.hono.onError(adminErrorHandler);

/** Mounted at /admin by src/app.ts. */
export const adminRoutes = admin.hono;

/** Which role each admin route needs (`METHOD /admin/path`), from the registrations; the integration test checks every registered route is listed. */
export const ADMIN_ROUTE_ROLES: Readonly<Record<string, RouteRole>> = admin.roles;

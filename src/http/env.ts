import type { Services } from '../services.ts';
import type { AuthUser } from '../modules/users/service.ts';
import type { SessionContext } from '../modules/auth/service.ts';

/** Hono's typed context for every route. */
export interface AppEnv {
  Variables: {
    services: Services;
    user: AuthUser | undefined;
    /** Set when the request came with a valid admin session cookie (not with a Bearer token). */
    session?: SessionContext | undefined;
  };
}

import type { Services } from '../services.ts';
import type { AuthUser } from '../modules/users/service.ts';

/** Hono's typed context for every route. */
export interface AppEnv {
  Variables: {
    services: Services;
    user: AuthUser | undefined;
  };
}

/**
 * Caches that must outlive one set of services. Workers build the services for every request, so
 * a cache kept inside a service instance never hits there; these are made once per Node process,
 * Workers isolate or test harness and handed to createServices (Deps.caches). They assume one
 * database per process. Every map is bounded: an isolate has 128 MB.
 */
import type { createWirePersonaliser } from '../mail/render/personalise.ts';

/** A Map that holds at most `maxSize` entries: adding a new key beyond that drops the oldest-inserted one. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly maxSize: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.maxSize && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

export type WirePersonaliser = ReturnType<typeof createWirePersonaliser>;

export interface ProcessCaches {
  /** Resend Domains API answers (click tracking on?) by base URL and key, for ten minutes (ResendMailer.clickTracking). */
  readonly clickTracking: Map<string, { on: boolean; until: number }>;
  /** Signup path: newsletter slug → id, for a minute (SubscribersService.signupNewsletterId, which also clears it at this size). */
  readonly signupNewsletters: Map<string, { id: number; until: number }>;
  /** Rendered web-archive pages by issue and version: MJML costs tens of milliseconds (ArchiveService.page). */
  readonly archivePages: Map<string, string>;
  /** An issue's personaliser per send (SendingService): a handful of sends at once at most, the oldest goes first. */
  readonly personalisers: Map<string, WirePersonaliser>;
  /** The HMAC secret once resolved (see buildServices): SECRET, or one read from the database once. */
  secret: Promise<string> | undefined;
}

export const CACHE_SIZES = { clickTracking: 8, signupNewsletters: 1_000, archivePages: 50, personalisers: 4 } as const;

export function createProcessCaches(): ProcessCaches {
  return {
    clickTracking: new BoundedMap(CACHE_SIZES.clickTracking),
    signupNewsletters: new BoundedMap(CACHE_SIZES.signupNewsletters),
    archivePages: new BoundedMap(CACHE_SIZES.archivePages),
    personalisers: new BoundedMap(CACHE_SIZES.personalisers),
    secret: undefined,
  };
}

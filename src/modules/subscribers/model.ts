/** The shapes the subscribers module's repository and service share: consent events, import rows. */
import type { SubscriberRow } from '../../db/schema.ts';

/** How a change came about (the consent record's "how"). */
export type EventSource =
  | 'form'
  | 'api'
  | 'import'
  | 'one-click'
  | 'link'
  | 'preferences'
  | 'admin'
  | 'webhook'
  | 'cli'
  | 'system'
  | 'mailchimp-import'
  | 'substack-import'
  | 'listmonk-import';

export type EventType =
  | 'signup'
  | 'confirm'
  | 'unsubscribe'
  | 'resubscribe'
  | 'import'
  | 'admin_create'
  | 'admin_edit'
  | 'preferences'
  | 'suppress_bounce'
  | 'suppress_complaint'
  | 'suppress_soft_bounce'
  | 'suppression_lifted'
  | 'erase';

export interface NewEvent {
  subscriberId: string;
  newsletterId: number;
  at: Date;
  type: EventType;
  source: EventSource;
  ip?: string | null;
  userAgent?: string | null;
  consentTextVersion?: number | null;
  detail?: Record<string, unknown> | null;
}

/** One parsed CSV row ready for the database. */
export interface ImportRow {
  email: string;
  norm: string;
  name: string | null;
  language: string | null;
  attributes: Record<string, string | number> | null;
  tags: string[] | null;
  /** HMAC of the normalised address, to match erasure tombstones. */
  hash: string;
}

export type ImportOutcome = 'imported' | 'already_subscribed' | 'pending' | 'unsubscribed' | 'suppressed' | 'erased';

export interface AddressRow {
  subscriber: SubscriberRow;
  newsletterSlug: string;
  newsletterName: string;
}

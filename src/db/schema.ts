/** Typed tables for Kysely. Keep in step with migrations/. */
import type { RawBuilder, ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** bigint columns come back as strings from pg; we read them with Number() where small. */
type BigId = ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
/** A generated bigint key. */
type GeneratedBigId = BigId;
type Json<T> = ColumnType<T, string | T, string | T>;

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: Generated<Date>;
}

export type Role = 'admin' | 'editor' | 'viewer';

export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  role: Role;
  failed_logins: Generated<number>;
  locked_until: NullableTimestamp;
  session_epoch: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Generated<Date>;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface NewslettersTable {
  id: Generated<number>;
  slug: string;
  name: string;
  from_email: string;
  from_name: string | null;
  reply_to: string | null;
  language: Generated<string>;
  time_zone: Generated<string>;
  open_tracking: Generated<boolean>;
  /** 0002_subscribers: send a welcome email after confirmation / a goodbye email after unsubscribing. */
  welcome_enabled: Generated<boolean>;
  goodbye_enabled: Generated<boolean>;
  description: string | null;
  organisation: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface JobsTable {
  id: GeneratedBigId;
  kind: string;
  payload: Json<Record<string, unknown>>;
  dedupe_key: string | null;
  run_at: Timestamp;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  locked_until: NullableTimestamp;
  last_error: string | null;
  done_at: NullableTimestamp;
  failed_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface OutboxMessagesTable {
  id: string;
  to_address: string;
  recipients: Json<string[]>;
  from_header: string;
  subject: string;
  headers: Json<Record<string, string>>;
  html: string | null;
  text: string | null;
  eml: string;
  idempotency_key: string | null;
  created_at: Generated<Date>;
}

export interface AuditLogTable {
  id: GeneratedBigId;
  at: Generated<Date>;
  user_id: number | null;
  actor: string;
  action: string;
  target: string | null;
  detail: Json<Record<string, unknown>> | null;
}

export interface IssuesTable {
  id: Generated<number>;
  newsletter_id: number;
  number: number;
  title: string;
  status: Generated<'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled' | 'paused' | 'published'>;
  content: Json<unknown>;
  lint: Json<unknown[]>;
  import_warnings: Json<unknown[]>;
  source_format: string | null;
  sent_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  send_at: NullableTimestamp;
  time_zone: string | null;
  ready_for_slot: Generated<boolean>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  rendered_subject: string | null;
  rendered_html: string | null;
  rendered_text: string | null;
  rendered_name_fallback: string | null;
  /** When the issue entered the archive: a sent issue's send time, or the date it was published without a send. */
  published_at: NullableTimestamp;
  /** A sent issue taken off the archive (its delivery record stays). */
  archive_hidden: Generated<boolean>;
  /** 0026: who the send is for, snapshotted at schedule time (src/modules/segments/model.ts `Audience`); null: the whole list. */
  audience: Json<unknown> | null;
}

/** Which version of an archive-visible issue its search documents were made from (migration 0024). */
export interface ArchiveIndexedTable {
  issue_id: number;
  newsletter_id: number;
  issue_updated_at: Timestamp;
  published_at: Timestamp;
  number: number;
  indexed_at: Generated<Date>;
}

/** One article of an archive-visible issue, as the archive's search reads it (migration 0024). */
export interface ArchiveDocumentsTable {
  issue_id: number;
  newsletter_id: number;
  /** 1-based, as the article's anchor `#a-{section}-{article}` counts. */
  section: number;
  article: number;
  /** Copies of the issue's, as of archive_indexed (the order of results reads one table). */
  published_at: Timestamp;
  number: number;
  /** The article's title normalised (NFKC, lower case): title matches rank first. */
  title_norm: string;
  /** The distinct two-character grams of `text_norm`, as a tsvector's lexemes (GIN index); written with array_to_tsvector. */
  grams: ColumnType<string, RawBuilder<string>, RawBuilder<string>>;
}

/** A search document's text (migration 0024): read only for the results a page shows. */
export interface ArchiveTextsTable {
  issue_id: number;
  section: number;
  article: number;
  title: string;
  /** Plain text: body, attribution, source labels. */
  body: string;
  /** `title + body` normalised (NFKC, lower case): what a query's words are found in. */
  text_norm: string;
}

export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'skipped' | 'failed';

export interface DeliveriesTable {
  id: GeneratedBigId;
  issue_id: number;
  subscriber_id: BigId;
  email: string;
  name: string | null;
  batch: number;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  provider_message_id: string | null;
  error: string | null;
  attempts: Generated<number>;
  sent_at: NullableTimestamp;
  updated_at: Generated<Date>;
  // 0005_events: one timestamp per provider/open fact (set with least(), so arrival order does not matter)
  accepted_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
  delayed_at: NullableTimestamp;
  bounced_at: NullableTimestamp;
  bounce_type: 'hard' | 'soft' | null;
  bounce_detail: string | null;
  complained_at: NullableTimestamp;
  failed_at: NullableTimestamp;
  failure_detail: string | null;
  first_opened_at: NullableTimestamp;
  human_opened_at: NullableTimestamp;
  open_count: Generated<number>;
  last_event_at: NullableTimestamp;
}

// 0005_events
export interface WebhookEventsTable {
  svix_id: string;
  provider: Generated<string>;
  type: string;
  email_id: string | null;
  event_at: NullableTimestamp;
  received_at: Timestamp;
  payload: Json<unknown>;
  processed_at: NullableTimestamp;
  outcome: string | null;
  attempts: Generated<number>;
  last_error: string | null;
}

export interface DeliveryOpensTable {
  id: GeneratedBigId;
  delivery_id: BigId;
  issue_id: number;
  at: Timestamp;
  client: string;
  likely_human: boolean;
  source: 'pixel' | 'provider';
}

/** Per-issue counters kept by triggers on deliveries (bigint: strings from pg); 0014: one row per writing connection's shard, read as their sum. */
export interface IssueStatsTable {
  issue_id: number;
  shard: number;
  recipients: BigId;
  sent: BigId;
  failed: BigId;
  delivered: BigId;
  bounced_hard: BigId;
  bounced_soft: BigId;
  complained: BigId;
  opened_unique: BigId;
  opened_human: BigId;
  opens_total: BigId;
  /** 0016: recipients who unsubscribed between this issue's start and the next issue's. */
  unsubscribed: BigId;
}

/** 0012: per newsletter and UTC quarter hour, rows whose confirmed_at / unsubscribed_at fall in it (kept by triggers on subscribers). */
export interface SubscriberGrowthTable {
  newsletter_id: number;
  bucket: Timestamp;
  joined: BigId;
  unsubscribed: BigId;
}

/** 0012: the same per UTC day (bucket = its midnight), for reading whole days of a month at once. */
export type SubscriberGrowthDailyTable = SubscriberGrowthTable;

/** 0012: per newsletter, rows with status 'active' (kept by triggers on subscribers). */
export interface SubscriberTotalsTable {
  newsletter_id: number;
  active: BigId;
}

/** 0012: per issue and UTC hour, ledger rows sent / delivered / first opened in it, and opens (kept by triggers); 0014: sharded like issue_stats. */
export interface IssueTimelineTable {
  issue_id: number;
  hour: Timestamp;
  shard: number;
  sent: BigId;
  delivered: BigId;
  unique_opens: BigId;
  opens: BigId;
  human_opens: BigId;
}

export interface NewsletterSchedulesTable {
  newsletter_id: number;
  rule: Json<unknown>;
  time_zone: string;
  reminder_days_before: Generated<number>;
  enabled: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface SlotRunsTable {
  newsletter_id: number;
  slot_at: Timestamp;
  outcome: 'scheduled' | 'missed' | null;
  issue_id: number | null;
  reminded_at: NullableTimestamp;
  decided_at: NullableTimestamp;
}

export interface ProviderPacingTable {
  key: string;
  next_at: Timestamp;
  /** 0017: the slot handed out last. */
  last_slot: Timestamp | null;
}

// 0002_subscribers
export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'suppressed' | 'erased';

export interface SubscribersTable {
  id: GeneratedBigId;
  newsletter_id: number;
  email: string | null;
  email_normalized: string | null;
  name: string | null;
  language: string | null;
  status: SubscriberStatus;
  suppression_reason: string | null;
  soft_bounce_count: Generated<number>;
  source: string;
  consent_text_version: number | null;
  pending_since: NullableTimestamp;
  confirmed_at: NullableTimestamp;
  unsubscribed_at: NullableTimestamp;
  last_confirmation_sent_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Newsletter-defined fields (organisation, country…), JSON object of key → value. */
  attributes: Generated<Json<Record<string, unknown>>>;
  tags: Generated<string[]>;
}

export interface SubscriberEventsTable {
  id: GeneratedBigId;
  subscriber_id: string | number;
  newsletter_id: number;
  at: Generated<Date>;
  type: string;
  source: string;
  ip: string | null;
  user_agent: string | null;
  consent_text_version: number | null;
  detail: Json<Record<string, unknown>> | null;
}

/** A newsletter's own wording of a transactional email, per language (migration 0027). */
export interface NewsletterMessagesTable {
  newsletter_id: number;
  kind: 'confirm' | 'welcome' | 'goodbye';
  language: string;
  subject: string;
  body: string;
  updated_by: string | null;
  updated_at: Date;
}

/** An admin's note on a subscriber (migration 0027); erased with the address. */
export interface SubscriberNotesTable {
  id: GeneratedBigId;
  subscriber_id: string | number;
  author: string;
  body: string;
  created_at: Date;
}

export interface ConsentTextsTable {
  newsletter_id: number;
  version: number;
  text: string;
  created_at: Generated<Date>;
}

export interface ErasureTombstonesTable {
  hash: string;
  newsletter_id: number | null;
  erased_at: Generated<Date>;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  count: Generated<number>;
}

// 0006_sessions: admin web sessions (the cookie token is stored as its SHA-256).
export interface SessionsTable {
  id: string;
  user_id: number;
  epoch: number;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

/** One row per subscriber import (migration 0021): its file, progress and end. */
export interface SubscriberImportsTable {
  id: Generated<string>;
  newsletter_id: number;
  file_name: string | null;
  started_by: string;
  state: 'running' | 'done' | 'failed';
  rows_read: Generated<number>;
  imported: Generated<number>;
  rows_expected: number | null;
  error: string | null;
  started_at: Timestamp;
  updated_at: Timestamp;
  finished_at: NullableTimestamp;
}

/** 0025: the fields a newsletter defines for its subscribers' attributes. */
export type SubscriberFieldType = 'text' | 'number' | 'date' | 'choice';
export interface SubscriberFieldsTable {
  newsletter_id: number;
  key: string;
  /** Language tag → label. */
  labels: Json<Record<string, string>>;
  type: SubscriberFieldType;
  /** For `choice`: the values allowed, in order. */
  choices: Json<string[]>;
  position: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** One row per batch attempt in flight (migration 0013): which ledger rows it is sending. */
export interface DeliveryBatchesTable {
  issue_id: number;
  batch: number;
  ids: string[];
  claimed_at: Timestamp;
}

/** 0026: a saved filter over a newsletter's subscribers (definition: src/modules/segments/model.ts). */
export interface SegmentsTable {
  id: Generated<number>;
  newsletter_id: number;
  name: string;
  definition: Json<unknown>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** 0026: a topic inside a newsletter. */
export interface TopicsTable {
  id: Generated<number>;
  newsletter_id: number;
  key: string;
  name: string;
  position: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** 0026: a subscriber's choice for one topic; no row: never chose (gets it). */
export interface SubscriberTopicsTable {
  subscriber_id: BigId;
  topic_id: number;
  subscribed: boolean;
  updated_at: Generated<Date>;
}

export interface Database {
  settings: SettingsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  newsletters: NewslettersTable;
  jobs: JobsTable;
  outbox_messages: OutboxMessagesTable;
  audit_log: AuditLogTable;
  issues: IssuesTable;
  deliveries: DeliveriesTable;
  delivery_batches: DeliveryBatchesTable;
  webhook_events: WebhookEventsTable;
  delivery_opens: DeliveryOpensTable;
  issue_stats: IssueStatsTable;
  subscriber_growth: SubscriberGrowthTable;
  subscriber_growth_daily: SubscriberGrowthDailyTable;
  issue_timeline: IssueTimelineTable;
  subscriber_totals: SubscriberTotalsTable;
  newsletter_schedules: NewsletterSchedulesTable;
  slot_runs: SlotRunsTable;
  provider_pacing: ProviderPacingTable;
  subscribers: SubscribersTable;
  subscriber_events: SubscriberEventsTable;
  consent_texts: ConsentTextsTable;
  erasure_tombstones: ErasureTombstonesTable;
  rate_limits: RateLimitsTable;
  sessions: SessionsTable;
  subscriber_imports: SubscriberImportsTable;
  subscriber_fields: SubscriberFieldsTable;
  segments: SegmentsTable;
  topics: TopicsTable;
  subscriber_topics: SubscriberTopicsTable;
  archive_indexed: ArchiveIndexedTable;
  archive_documents: ArchiveDocumentsTable;
  archive_texts: ArchiveTextsTable;
  newsletter_messages: NewsletterMessagesTable;
  subscriber_notes: SubscriberNotesTable;
}

export type NewsletterRow = Selectable<NewslettersTable>;
export type NewNewsletterRow = Insertable<NewslettersTable>;
export type NewsletterUpdate = Updateable<NewslettersTable>;
export type UserRow = Selectable<UsersTable>;
export type JobRow = Selectable<JobsTable>;
export type OutboxRow = Selectable<OutboxMessagesTable>;
export type IssueRow = Selectable<IssuesTable>;
export type SubscriberRow = Selectable<SubscribersTable>;
export type SubscriberEventRow = Selectable<SubscriberEventsTable>;
export type SubscriberFieldRow = Selectable<SubscriberFieldsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;

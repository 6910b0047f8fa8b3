/** Typed tables for Kysely. Keep in step with migrations/. */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

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

export interface Database {
  settings: SettingsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  newsletters: NewslettersTable;
  jobs: JobsTable;
  outbox_messages: OutboxMessagesTable;
  audit_log: AuditLogTable;
}

export type NewsletterRow = Selectable<NewslettersTable>;
export type NewNewsletterRow = Insertable<NewslettersTable>;
export type NewsletterUpdate = Updateable<NewslettersTable>;
export type UserRow = Selectable<UsersTable>;
export type JobRow = Selectable<JobsTable>;
export type OutboxRow = Selectable<OutboxMessagesTable>;

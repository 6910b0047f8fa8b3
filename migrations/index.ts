/**
 * The migration registry. Migrations are imported statically (the Worker bundle has no file
 * system). Add new files at the end; never edit one that has landed.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_subscribers.ts';
import * as m0003 from './0003_issues.ts';
import * as m0004 from './0004_sending.ts';
import * as m0005 from './0005_events.ts';
import * as m0006 from './0006_sessions.ts';
import * as m0011 from './0011_housekeeping.ts';
import * as m0012 from './0012_subscriber_counters.ts';
import * as m0013 from './0013_send_batches.ts';
import * as m0014 from './0014_counter_shards.ts';
import * as m0015 from './0015_signup_function.ts';
import * as m0016 from './0016_unsubscribe_counter.ts';
import * as m0017 from './0017_pacing_cold_start.ts';
import * as m0018 from './0018_signup_set_based.ts';
import * as m0019 from './0019_pending_signup_counters.ts';
import * as m0020 from './0020_statement_foreign_keys.ts';
import * as m0021 from './0021_subscriber_imports.ts';
import * as m0022 from './0022_issue_published.ts';
import * as m0023 from './0023_subscriber_attributes.ts';
import * as m0024 from './0024_archive_search.ts';
import * as m0025 from './0025_subscriber_fields.ts';
import * as m0026 from './0026_segments_topics.ts';
import * as m0027 from './0027_messages_notes.ts';

export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_subscribers': m0002,
  '0003_issues': m0003,
  '0004_sending': m0004,
  '0005_events': m0005,
  '0006_sessions': m0006,
  '0011_housekeeping': m0011,
  '0012_subscriber_counters': m0012,
  '0013_send_batches': m0013,
  '0014_counter_shards': m0014,
  '0015_signup_function': m0015,
  '0016_unsubscribe_counter': m0016,
  '0017_pacing_cold_start': m0017,
  '0018_signup_set_based': m0018,
  '0019_pending_signup_counters': m0019,
  '0020_statement_foreign_keys': m0020,
  '0021_subscriber_imports': m0021,
  '0022_issue_published': m0022,
  '0023_subscriber_attributes': m0023,
  '0024_archive_search': m0024,
  '0025_subscriber_fields': m0025,
  '0026_segments_topics': m0026,
  '0027_messages_notes': m0027,
};

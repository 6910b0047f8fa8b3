/**
 * SQL of segments and topics, and the compiler of an audience to a WHERE condition over
 * `subscribers s`. Every value from a definition is a parameter (`sql` template); the only text
 * put in the statement is this file's own. The fan-out (SendingRepository.start) and the
 * confirmation's count (recipientCount) use the same condition, so they count the same people.
 */
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { SegmentsTable, TopicsTable } from '../../db/schema.ts';
import type { Selectable } from 'kysely';
import { fromLocal } from '../../lib/zoned-time.ts';
import type { CheckedDefinition, Condition } from './model.ts';

export type SegmentRow = Selectable<SegmentsTable>;
export type TopicRow = Selectable<TopicsTable>;

export interface CompileContext {
  newsletterId: number;
  /** The newsletter's language: a subscriber without one speaks it. */
  language: string;
  /** The newsletter's time zone: a date (`2026-03-01`) starts at its midnight there. */
  timeZone: string;
  /** The issue being sent: not one of "the last N issues" a subscriber may have opened. */
  excludeIssueId?: number;
}

export interface AudienceFilter {
  segment: CheckedDefinition | null;
  /** Topic ids: at least one of them must reach the subscriber. */
  topicIds: number[];
}

const TRUE = sql<boolean>`true`;
const NUMBER = '^\\s*-?[0-9]{1,15}(\\.[0-9]{1,15})?\\s*$';
const DATE_PREFIX = '^[0-9]{4}-[0-9]{2}-[0-9]{2}';

function startOf(at: string, tz: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(at);
  if (!m) return new Date(at);
  return fromLocal({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: 0, minute: 0, second: 0 }, tz);
}

/** Receives topic `key` of the newsletter: it exists (a deleted topic reaches nobody) and no opt-out is recorded against it. */
const receivesTopic = (key: string, ctx: CompileContext) =>
  sql<boolean>`(EXISTS (SELECT 1 FROM topics t WHERE t.newsletter_id = ${ctx.newsletterId} AND t.key = ${key})
    AND NOT EXISTS (SELECT 1 FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id
      WHERE st.subscriber_id = s.id AND NOT st.subscribed AND t.newsletter_id = ${ctx.newsletterId} AND t.key = ${key}))`;

function condition(c: Condition, ctx: CompileContext): RawBuilder<boolean> {
  switch (c.kind) {
    case 'tag':
      switch (c.op) {
        case 'is':
          return sql`s.tags @> ARRAY[${c.tag}]::text[]`;
        case 'isNot':
          return sql`NOT (s.tags @> ARRAY[${c.tag}]::text[])`;
        case 'anyOf':
          return sql`s.tags && ${c.tags}::text[]`;
        case 'allOf':
          return sql`s.tags @> ${c.tags}::text[]`;
        case 'noneOf':
          return sql`NOT (s.tags && ${c.tags}::text[])`;
      }
      break;
    case 'status':
      return c.op === 'is' ? sql`s.status = ${c.status}` : sql`s.status <> ${c.status}`;
    case 'language': {
      const lang = sql`lower(coalesce(s.language, ${ctx.language}))`;
      return c.op === 'is' ? sql`${lang} = lower(${c.language})` : sql`${lang} <> lower(${c.language})`;
    }
    case 'subscribedAt': {
      const at = startOf(c.at, ctx.timeZone);
      return c.op === 'before' ? sql`coalesce(s.confirmed_at, s.created_at) < ${at}` : sql`coalesce(s.confirmed_at, s.created_at) >= ${at}`;
    }
    case 'openedLastIssues':
      // The last N issues that went out, one array read once per statement; the ledger's
      // (issue_id, id) index finds their rows, and the likely-human open is a column of the row.
      return sql`s.id IN (SELECT d.subscriber_id FROM deliveries d
        WHERE d.issue_id = ANY (ARRAY(SELECT i.id FROM issues i
          WHERE i.newsletter_id = ${ctx.newsletterId} AND i.started_at IS NOT NULL AND i.id <> ${ctx.excludeIssueId ?? 0}
          ORDER BY i.started_at DESC, i.id DESC LIMIT ${c.issues}))
        AND d.human_opened_at IS NOT NULL)`;
    case 'topic':
      return c.op === 'is' ? receivesTopic(c.key, ctx) : sql`NOT ${receivesTopic(c.key, ctx)}`;
    case 'attribute': {
      const v = sql`(s.attributes ->> ${c.key})`;
      switch (c.op) {
        case 'is':
          return sql`${v} = ${c.text}`;
        case 'isNot':
          return sql`${v} IS DISTINCT FROM ${c.text}`;
        case 'contains':
          return sql`strpos(lower(${v}), lower(${c.text})) > 0`;
        // CASE decides before anything is cast: a value that is not a date or number is false.
        case 'before':
          return sql`CASE WHEN ${v} ~ ${DATE_PREFIX} THEN left(${v}, 10) < ${c.date} ELSE false END`;
        case 'after':
          return sql`CASE WHEN ${v} ~ ${DATE_PREFIX} THEN left(${v}, 10) >= ${c.date} ELSE false END`;
        // A JSON number casts as it is (never fails, no pattern to match); a string only when it is a number.
        case 'atLeast':
        case 'atMost': {
          const j = sql`(s.attributes -> ${c.key})`;
          const cmp = c.op === 'atLeast' ? sql.raw('>=') : sql.raw('<=');
          return sql`CASE jsonb_typeof(${j}) WHEN 'number' THEN ${j}::numeric ${cmp} ${c.number}
            WHEN 'string' THEN CASE WHEN ${v} ~ ${NUMBER} THEN trim(${v})::numeric ${cmp} ${c.number} ELSE false END ELSE false END`;
        }
        case 'isSet':
          return sql`coalesce(${v}, '') <> ''`;
        case 'isNotSet':
          return sql`coalesce(${v}, '') = ''`;
      }
    }
  }
  throw new Error('unreachable condition');
}

/** A checked definition as a condition over `subscribers s` (an empty one matches everyone). */
export function compileDefinition(d: CheckedDefinition, ctx: CompileContext): RawBuilder<boolean> {
  if (!d.conditions.length) return TRUE;
  const parts = d.conditions.map((c) => sql`(${condition(c, ctx)})`);
  return sql<boolean>`(${sql.join(parts, d.match === 'all' ? sql` AND ` : sql` OR `)})`;
}

/**
 * The whole audience: the segment's condition and, with topics, "at least one of them reaches the
 * subscriber" (not every one of them opted out of). One hashed sub-plan over the opt-outs.
 */
export function compileAudience(a: AudienceFilter | null, ctx: CompileContext): RawBuilder<boolean> {
  if (!a) return TRUE;
  const seg = a.segment ? compileDefinition(a.segment, ctx) : TRUE;
  if (!a.topicIds.length) return seg;
  return sql<boolean>`(${seg} AND s.id NOT IN (SELECT st.subscriber_id FROM subscriber_topics st
    WHERE st.topic_id = ANY (${a.topicIds}::int[]) AND NOT st.subscribed
    GROUP BY st.subscriber_id HAVING count(*) >= ${a.topicIds.length}))`;
}

export class SegmentsRepository {
  constructor(private readonly db: Db) {}

  list(newsletterId: number): Promise<SegmentRow[]> {
    return this.db.selectFrom('segments').selectAll().where('newsletter_id', '=', newsletterId).orderBy('name').orderBy('id').execute();
  }

  find(newsletterId: number, id: number): Promise<SegmentRow | undefined> {
    return this.db.selectFrom('segments').selectAll().where('newsletter_id', '=', newsletterId).where('id', '=', id).executeTakeFirst();
  }

  async nameTaken(newsletterId: number, name: string, except?: number): Promise<boolean> {
    let q = this.db.selectFrom('segments').select('id').where('newsletter_id', '=', newsletterId).where(sql`lower(name)`, '=', name.toLowerCase());
    if (except !== undefined) q = q.where('id', '<>', except);
    return Boolean(await q.executeTakeFirst());
  }

  insert(newsletterId: number, name: string, definition: unknown, now: Date): Promise<SegmentRow> {
    return this.db
      .insertInto('segments')
      .values({ newsletter_id: newsletterId, name, definition: JSON.stringify(definition), created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  update(newsletterId: number, id: number, patch: { name?: string; definition?: unknown }, now: Date): Promise<SegmentRow | undefined> {
    return this.db
      .updateTable('segments')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.definition !== undefined ? { definition: JSON.stringify(patch.definition) } : {}),
        updated_at: now,
      })
      .where('newsletter_id', '=', newsletterId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async remove(newsletterId: number, id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('segments').where('newsletter_id', '=', newsletterId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** How many subscribers the audience holds, and how many of them a send would reach now (active, with an address). */
  async count(audience: AudienceFilter | null, ctx: CompileContext): Promise<{ count: number; sendable: number }> {
    const r = await sql<{ n: string; sendable: string }>`
      SELECT count(*) AS n, count(*) FILTER (WHERE s.status = 'active' AND s.email IS NOT NULL) AS sendable
      FROM subscribers s WHERE s.newsletter_id = ${ctx.newsletterId} AND ${compileAudience(audience, ctx)}`.execute(this.db);
    return { count: Number(r.rows[0]?.n ?? 0), sendable: Number(r.rows[0]?.sendable ?? 0) };
  }

  // ---- topics

  topics(newsletterId: number): Promise<TopicRow[]> {
    return this.db.selectFrom('topics').selectAll().where('newsletter_id', '=', newsletterId).orderBy('position').orderBy('id').execute();
  }

  insertTopic(newsletterId: number, key: string, name: string, now: Date): Promise<TopicRow> {
    return this.db
      .insertInto('topics')
      .values((eb) => ({
        newsletter_id: newsletterId,
        key,
        name,
        position: eb.selectFrom('topics').select(sql<number>`coalesce(max(position), 0) + 1`.as('p')).where('newsletter_id', '=', newsletterId),
        created_at: now,
        updated_at: now,
      }))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  updateTopic(newsletterId: number, id: number, patch: { name?: string; position?: number }, now: Date): Promise<TopicRow | undefined> {
    return this.db
      .updateTable('topics')
      .set({ ...patch, updated_at: now })
      .where('newsletter_id', '=', newsletterId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async removeTopic(newsletterId: number, id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('topics').where('newsletter_id', '=', newsletterId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** The topic ids of one subscriber that reach them (no opt-out recorded). */
  async receivedTopicIds(subscriberId: string, newsletterId: number): Promise<number[]> {
    const rows = await sql<{ id: number }>`
      SELECT t.id FROM topics t WHERE t.newsletter_id = ${newsletterId}
        AND NOT EXISTS (SELECT 1 FROM subscriber_topics st WHERE st.subscriber_id = ${subscriberId} AND st.topic_id = t.id AND NOT st.subscribed)
      ORDER BY t.position, t.id`.execute(this.db);
    return rows.rows.map((r) => r.id);
  }

  /**
   * Records a choice for every topic of the newsletter: those in `chosen` subscribed, the others
   * not. Returns whether anything changed (rows written with a different choice).
   */
  async chooseTopics(subscriberId: string, newsletterId: number, chosen: number[], now: Date): Promise<boolean> {
    const r = await sql<{ changed: boolean }>`
      INSERT INTO subscriber_topics AS st (subscriber_id, topic_id, subscribed, updated_at)
      SELECT ${subscriberId}::bigint, t.id, t.id = ANY (${chosen}::int[]), ${now} FROM topics t WHERE t.newsletter_id = ${newsletterId}
      ON CONFLICT (subscriber_id, topic_id) DO UPDATE SET subscribed = excluded.subscribed, updated_at = excluded.updated_at
        WHERE st.subscribed IS DISTINCT FROM excluded.subscribed
      RETURNING true AS changed`.execute(this.db);
    return r.rows.length > 0;
  }
}

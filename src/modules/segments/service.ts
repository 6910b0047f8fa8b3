/**
 * Segments (saved filters over a newsletter's subscribers), topics inside a newsletter, and the
 * audience of a send (issue 24). Definitions are checked here (model.ts) and compiled to SQL by
 * the repository; a crafted definition is a 422 listing its problems, never a 500.
 *
 * Topics rule: a subscriber gets a topic unless they unticked it. Someone who never chose (signed
 * up before the topic existed, or on a form without topics) gets every topic; a topic added later
 * reaches everyone who did not opt out of it. Unticking a topic is not unsubscribing: whole-list
 * sends still reach them, and the one-click header still unsubscribes from the newsletter.
 */
import { z } from 'zod';
import type { NewsletterRow } from '../../db/schema.ts';
import { msg } from '../../i18n/index.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { fieldProblem, parseOrThrow } from '../../lib/validation.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { NewslettersRepository } from '../newsletters/repository.ts';
import type { AuthUser } from '../users/service.ts';
import type { TopicChoice, TopicChoices } from '../subscribers/service.ts';
import {
  type Audience,
  type CheckedDefinition,
  checkConditions,
  checkDefinition,
  type SegmentDefinition,
  segmentInputSchema,
  storedAudience,
} from './model.ts';
import type { AudienceFilter, CompileContext, SegmentRow, SegmentsRepository, TopicRow } from './repository.ts';

export interface Segment {
  id: number;
  name: string;
  match: 'all' | 'any';
  conditions: SegmentDefinition['conditions'];
  createdAt: string;
  updatedAt: string;
}

export interface Topic {
  id: number;
  key: string;
  name: string;
  position: number;
}

const topicKey = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'validation.slug' });
const topicInput = z.object({ key: topicKey.optional(), name: z.string().trim().min(1).max(100) });
const topicPatch = z.object({ name: z.string().trim().min(1).max(100).optional(), position: z.number().int().min(0).max(10_000).optional() });

/** `segment` and `topics` of a schedule request. */
export const audienceInputSchema = z.object({
  segment: z.union([z.number().int().min(1).max(2_147_483_647), z.null()]).optional(),
  topics: z
    .array(z.union([z.number().int().min(1).max(2_147_483_647), z.string().min(1).max(64)]))
    .max(50)
    .optional(),
});

const slugOf = (name: string) =>
  name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);

/** A concurrent save took the name between the check and the write (the unique index): the same 422. */
const nameRace = (e: unknown, name: string) =>
  (e as { code?: unknown } | null)?.code === '23505' ? AppError.validation([fieldProblem('name', 'segments.problem.nameTaken', { name })]) : e;

export interface SegmentsDeps {
  repo: SegmentsRepository;
  newsletters: NewslettersRepository;
  audit: AuditRepository;
  clock: Clock;
}

export class SegmentsService implements TopicChoices {
  constructor(private readonly d: SegmentsDeps) {}

  async newsletter(slug: string): Promise<NewsletterRow> {
    const n = await this.d.newsletters.findBySlug(slug);
    if (!n) throw notFound(msg('newsletter.what', { slug: slug.slice(0, 64) }));
    return n;
  }

  static context(n: NewsletterRow, excludeIssueId?: number): CompileContext {
    return { newsletterId: n.id, language: n.language, timeZone: n.time_zone, ...(excludeIssueId ? { excludeIssueId } : {}) };
  }

  toSegment(r: SegmentRow): Segment {
    const def = r.definition as SegmentDefinition;
    return {
      id: r.id,
      name: r.name,
      match: def.match,
      conditions: def.conditions,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  }

  private async row(n: NewsletterRow, id: number): Promise<SegmentRow> {
    const r = Number.isSafeInteger(id) ? await this.d.repo.find(n.id, id) : undefined;
    if (!r) throw notFound(msg('segments.what', { id: String(id) }));
    return r;
  }

  /** Topic keys named by a definition must exist (else the condition could never be true by mistake). */
  private async checkTopics(n: NewsletterRow, def: CheckedDefinition): Promise<void> {
    const keys = def.conditions.flatMap((c, i) => (c.kind === 'topic' ? [{ key: c.key, i }] : []));
    if (!keys.length) return;
    const known = new Set((await this.d.repo.topics(n.id)).map((t) => t.key));
    const missing = keys.filter((k) => !known.has(k.key));
    if (missing.length) throw AppError.validation(missing.map((k) => fieldProblem(`conditions.${k.i}.value`, 'segments.problem.unknownTopic', { key: k.key })));
  }

  async list(slug: string): Promise<Segment[]> {
    const n = await this.newsletter(slug);
    return (await this.d.repo.list(n.id)).map((r) => this.toSegment(r));
  }

  /** The segments with their counts (the admin's list). */
  async listWithCounts(n: NewsletterRow): Promise<(Segment & { count: number; sendable: number })[]> {
    const rows = await this.d.repo.list(n.id);
    const out = [];
    for (const r of rows) {
      const checked = this.storedChecked(r);
      out.push({ ...this.toSegment(r), ...(await this.d.repo.count({ segment: checked, topicIds: [] }, SegmentsService.context(n))) });
    }
    return out;
  }

  private storedChecked(r: SegmentRow): CheckedDefinition {
    return checkDefinition(r.definition);
  }

  async get(slug: string, id: number): Promise<Segment> {
    const n = await this.newsletter(slug);
    return this.toSegment(await this.row(n, id));
  }

  async getRow(n: NewsletterRow, id: number): Promise<SegmentRow> {
    return this.row(n, id);
  }

  async create(slug: string, input: unknown, actor: AuthUser): Promise<Segment> {
    const n = await this.newsletter(slug);
    const v = parseOrThrow(segmentInputSchema, input);
    const checked = checkConditions(v);
    await this.checkTopics(n, checked);
    if (await this.d.repo.nameTaken(n.id, v.name)) throw AppError.validation([fieldProblem('name', 'segments.problem.nameTaken', { name: v.name })]);
    const row = await this.d.repo.insert(n.id, v.name, checked.stored, this.d.clock.now()).catch((e) => {
      throw nameRace(e, v.name);
    });
    await this.audit(actor, 'segment.create', n, row);
    return this.toSegment(row);
  }

  async update(slug: string, id: number, input: unknown, actor: AuthUser): Promise<Segment> {
    const n = await this.newsletter(slug);
    const current = await this.row(n, id);
    const v = parseOrThrow(segmentInputSchema.partial(), input);
    const def = current.definition as SegmentDefinition;
    const checked = checkConditions({ match: v.match ?? def.match, conditions: v.conditions ?? def.conditions });
    await this.checkTopics(n, checked);
    if (v.name !== undefined && (await this.d.repo.nameTaken(n.id, v.name, id)))
      throw AppError.validation([fieldProblem('name', 'segments.problem.nameTaken', { name: v.name })]);
    const row = await this.d.repo
      .update(n.id, id, { ...(v.name !== undefined ? { name: v.name } : {}), definition: checked.stored }, this.d.clock.now())
      .catch((e) => {
        throw nameRace(e, v.name ?? current.name);
      });
    if (!row) throw notFound(msg('segments.what', { id: String(id) }));
    await this.audit(actor, 'segment.update', n, row);
    return this.toSegment(row);
  }

  async remove(slug: string, id: number, actor: AuthUser): Promise<void> {
    const n = await this.newsletter(slug);
    const row = await this.row(n, id);
    await this.d.repo.remove(n.id, id);
    await this.audit(actor, 'segment.delete', n, row);
  }

  /** A saved segment's count. */
  async count(slug: string, id: number): Promise<{ count: number; sendable: number }> {
    const n = await this.newsletter(slug);
    const row = await this.row(n, id);
    return this.d.repo.count({ segment: this.storedChecked(row), topicIds: [] }, SegmentsService.context(n));
  }

  /** The count of a definition not saved yet (the builder's live count). */
  async countDefinition(slug: string, input: unknown): Promise<{ count: number; sendable: number }> {
    const n = await this.newsletter(slug);
    const checked = checkDefinition(input);
    await this.checkTopics(n, checked);
    return this.d.repo.count({ segment: checked, topicIds: [] }, SegmentsService.context(n));
  }

  private audit(actor: AuthUser, action: string, n: NewsletterRow, row: SegmentRow | TopicRow) {
    return this.d.audit.record({ userId: actor.id, actor: actor.email, action, target: `${n.slug}/${row.name}`.slice(0, 200) });
  }

  // ---- audiences

  /**
   * The audience of a schedule request, as stored on the issue: the segment's name and definition
   * at this moment and the topics; null for the whole list. Unknown ids are a 422.
   */
  async resolveAudience(n: NewsletterRow, input: unknown): Promise<Audience | null> {
    const v = parseOrThrow(audienceInputSchema, input);
    const out: Audience = {};
    if (v.segment != null) {
      const row = await this.d.repo.find(n.id, v.segment);
      if (!row) throw AppError.validation([fieldProblem('segment', 'segments.problem.unknownSegment', { id: String(v.segment) })]);
      out.segment = { id: row.id, name: row.name, definition: row.definition as SegmentDefinition };
    }
    if (v.topics?.length) {
      const all = await this.d.repo.topics(n.id);
      const picked: TopicRow[] = [];
      for (const want of v.topics) {
        const t = all.find((x) => (typeof want === 'number' ? x.id === want : x.key === want));
        if (!t) throw AppError.validation([fieldProblem('topics', 'segments.problem.unknownTopic', { key: String(want).slice(0, 64) })]);
        if (!picked.includes(t)) picked.push(t);
      }
      out.topics = picked.map((t) => ({ id: t.id, key: t.key, name: t.name }));
    }
    return out.segment || out.topics?.length ? out : null;
  }

  /** The compiled form of an issue's stored audience (null: the whole list). */
  static filterOf(stored: unknown): AudienceFilter | null {
    const a = storedAudience(stored);
    return a ? { segment: a.checked, topicIds: (a.audience.topics ?? []).map((t) => t.id) } : null;
  }

  // ---- topics

  toTopic(t: TopicRow): Topic {
    return { id: t.id, key: t.key, name: t.name, position: t.position };
  }

  async topics(slug: string): Promise<Topic[]> {
    const n = await this.newsletter(slug);
    return (await this.d.repo.topics(n.id)).map((t) => this.toTopic(t));
  }

  topicRows(newsletterId: number): Promise<TopicRow[]> {
    return this.d.repo.topics(newsletterId);
  }

  async createTopic(slug: string, input: unknown, actor: AuthUser): Promise<Topic> {
    const n = await this.newsletter(slug);
    const v = parseOrThrow(topicInput, input);
    const existing = await this.d.repo.topics(n.id);
    let key = v.key ?? slugOf(v.name);
    if (!key) key = `topic-${existing.length + 1}`;
    if (v.key === undefined) for (let i = 2; existing.some((t) => t.key === key); i++) key = `${slugOf(v.name) || 'topic'}-${i}`;
    if (existing.some((t) => t.key === key)) throw AppError.validation([fieldProblem('key', 'segments.problem.topicTaken', { key })]);
    if (existing.length >= 50) throw AppError.validation([fieldProblem('name', 'segments.problem.tooManyTopics', { max: 50 })]);
    const row = await this.d.repo.insertTopic(n.id, key, v.name, this.d.clock.now());
    await this.audit(actor, 'topic.create', n, row);
    return this.toTopic(row);
  }

  async updateTopic(slug: string, id: number, input: unknown, actor: AuthUser): Promise<Topic> {
    const n = await this.newsletter(slug);
    const v = parseOrThrow(topicPatch, input);
    const row = Number.isSafeInteger(id) ? await this.d.repo.updateTopic(n.id, id, v, this.d.clock.now()) : undefined;
    if (!row) throw notFound(msg('segments.topicWhat', { id: String(id) }));
    await this.audit(actor, 'topic.update', n, row);
    return this.toTopic(row);
  }

  async removeTopic(slug: string, id: number, actor: AuthUser): Promise<void> {
    const n = await this.newsletter(slug);
    const row = (await this.d.repo.topics(n.id)).find((t) => t.id === id);
    if (!row) throw notFound(msg('segments.topicWhat', { id: String(id) }));
    await this.d.repo.removeTopic(n.id, id);
    await this.audit(actor, 'topic.delete', n, row);
  }

  // ---- TopicChoices (the signup form, the preferences page)

  async of(subscriberId: string, newsletterId: number): Promise<TopicChoice[]> {
    const all = await this.d.repo.topics(newsletterId);
    if (!all.length) return [];
    const received = new Set(await this.d.repo.receivedTopicIds(subscriberId, newsletterId));
    return all.map((t) => ({ id: t.id, key: t.key, name: t.name, received: received.has(t.id) }));
  }

  async resolve(newsletterId: number, wanted: readonly (number | string)[], field: string): Promise<number[]> {
    if (!wanted.length) return [];
    const all = await this.d.repo.topics(newsletterId);
    const out: number[] = [];
    for (const w of wanted) {
      const t = all.find((x) => (typeof w === 'number' ? x.id === w : x.key === w || String(x.id) === w));
      if (!t) throw AppError.validation([fieldProblem(field, 'segments.problem.unknownTopic', { key: String(w).slice(0, 64) })]);
      if (!out.includes(t.id)) out.push(t.id);
    }
    return out;
  }

  choose(subscriberId: string, newsletterId: number, chosen: number[]): Promise<boolean> {
    return this.chooseTopics(subscriberId, newsletterId, chosen);
  }

  /** The topics a subscriber receives (ids). */
  receivedTopicIds(subscriberId: string, newsletterId: number): Promise<number[]> {
    return this.d.repo.receivedTopicIds(subscriberId, newsletterId);
  }

  /** Records a subscriber's choice over every topic of the newsletter; true when it changed. */
  chooseTopics(subscriberId: string, newsletterId: number, chosen: number[]): Promise<boolean> {
    return this.d.repo.chooseTopics(subscriberId, newsletterId, chosen, this.d.clock.now());
  }
}

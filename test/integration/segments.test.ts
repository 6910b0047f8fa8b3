/**
 * Segments (issue 24): each field and op counts the people it should, any/all combine, crafted
 * definitions are refused with a 4xx naming the problem and change nothing, the API's CRUD and
 * counts, and a send to a segment reaches only its subscribers, the stats saying which segment.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const MINUTE = 60_000;

describe.each(dbKinds)('segments on %s', (kind) => {
  let h: Harness;
  const slug = 'seg';
  let emails: string[];
  const ids: Record<string, string> = {};

  const count = async (definition: unknown) => {
    const res = await h.api('POST', `/api/v1/newsletters/${slug}/segments/count`, { json: definition });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`count ${res.status}: ${JSON.stringify(body)}`);
    return body.count as number;
  };
  const one = (field: string, op: string, value?: unknown) => count({ match: 'all', conditions: [{ field, op, ...(value === undefined ? {} : { value }) }] });
  const set = (i: number, patch: Record<string, unknown>) =>
    sql`UPDATE subscribers SET
        tags = coalesce(${(patch.tags as string[] | undefined) ?? null}::text[], tags),
        attributes = coalesce(${patch.attributes === undefined ? null : JSON.stringify(patch.attributes)}::jsonb, attributes),
        language = ${(patch.language as string | undefined) ?? null},
        status = coalesce(${(patch.status as string | undefined) ?? null}, status),
        confirmed_at = ${patch.confirmedAt as string}::timestamptz
      WHERE id = ${ids[emails[i]!]!}`.execute(h.db.db);

  /** Sends an issue to the whole list (or an audience) and returns its id. */
  const send = async (audience: Record<string, unknown> = {}) => {
    const id = await createIssue(h, slug);
    const res = await h.api('POST', `/api/v1/issues/${id}/schedule`, {
      json: { sendAt: new Date(h.clock.now().getTime() + MINUTE).toISOString(), acknowledge: true, ...audience },
    });
    if (res.status !== 200) throw new Error(`schedule ${res.status}: ${await res.text()}`);
    h.clock.advance(2 * MINUTE);
    await h.drain();
    return id;
  };
  const recipientsOf = async (issueId: number) =>
    (await sql<{ email: string }>`SELECT email FROM deliveries WHERE issue_id = ${issueId} ORDER BY email`.execute(h.db.db)).rows.map((r) => r.email);

  beforeAll(async () => {
    h = await createHarness(kind);
    await createNewsletter(h, slug, { language: 'en', timeZone: 'UTC' });
    emails = await addSubscribers(h, slug, 6, 'p');
    const rows = await sql<{ id: string; email: string }>`SELECT id, email FROM subscribers WHERE email LIKE 'p-%'`.execute(h.db.db);
    for (const r of rows.rows) ids[r.email] = String(r.id);
    await set(0, {
      tags: ['vip', 'press'],
      attributes: { org: 'SPP Press', size: '120', joined: '2024-05-01' },
      language: 'zh-CN',
      confirmedAt: '2026-01-10T12:00Z',
    });
    await set(1, { tags: ['vip'], attributes: { org: 'Acme', size: 'abc', joined: 'not a date' }, confirmedAt: '2026-02-20T12:00Z' });
    await set(2, { tags: ['press'], attributes: { size: 5, joined: '2025-12-31T10:00:00Z' }, language: 'en', confirmedAt: '2025-06-01T12:00Z' });
    await set(3, { status: 'unsubscribed', confirmedAt: '2025-01-01T12:00Z' });
    await set(4, { tags: ['beta'], attributes: { vip: true }, language: 'fr', confirmedAt: '2026-02-28T12:00Z' });
    await set(5, { status: 'suppressed', confirmedAt: '2026-02-01T12:00Z' });
  });
  afterAll(() => h?.close());

  it('counts each tag op: is, isNot, anyOf, allOf, noneOf', async () => {
    expect(await one('tag', 'is', 'vip')).toBe(2);
    expect(await one('tag', 'contains', 'vip')).toBe(2);
    expect(await one('tag', 'isNot', 'vip')).toBe(4);
    expect(await one('tag', 'anyOf', ['press', 'beta'])).toBe(3);
    expect(await one('tag', 'allOf', ['vip', 'press'])).toBe(1);
    expect(await one('tag', 'noneOf', ['vip', 'press'])).toBe(3);
  });

  it('counts status and language (a subscriber without a language speaks the newsletter’s)', async () => {
    expect(await one('status', 'is', 'active')).toBe(4);
    expect(await one('status', 'isNot', 'active')).toBe(2);
    expect(await one('language', 'is', 'zh-CN')).toBe(1);
    expect(await one('language', 'is', 'zh-cn')).toBe(1);
    expect(await one('language', 'is', 'en')).toBe(4);
    expect(await one('language', 'isNot', 'en')).toBe(2);
  });

  it('counts subscribedAt before (strictly earlier than the day) and after (from the day on)', async () => {
    expect(await one('subscribedAt', 'before', '2026-01-01')).toBe(2);
    expect(await one('subscribedAt', 'after', '2026-02-01')).toBe(3);
    expect(await one('subscribedAt', 'after', '2026-02-20T12:00:00Z')).toBe(2);
  });

  it('counts attribute conditions, and bad data in an attribute never matches a number or date comparison (nor fails)', async () => {
    expect(await one('attribute.org', 'is', 'Acme')).toBe(1);
    expect(await one('attribute.org', 'isNot', 'Acme')).toBe(5);
    expect(await one('attribute.org', 'contains', 'press')).toBe(1);
    expect(await one('attribute.size', 'atLeast', 100)).toBe(1);
    expect(await one('attribute.size', 'atMost', 10)).toBe(1);
    expect(await one('attribute.size', 'atLeast', '-1')).toBe(2);
    expect(await one('attribute.joined', 'before', '2025-01-01')).toBe(1);
    expect(await one('attribute.joined', 'after', '2025-06-01')).toBe(1);
    expect(await one('attribute.vip', 'is', true)).toBe(1);
    expect(await one('attribute.org', 'isSet')).toBe(2);
    expect(await one('attribute.org', 'isNotSet')).toBe(4);
    // a value full of SQL is a parameter like any other
    expect(await one('attribute.org', 'is', "'; DROP TABLE subscribers; --")).toBe(0);
    expect(await count({ match: 'all', conditions: [] })).toBe(6);
  });

  it('combines conditions with all and any', async () => {
    const conditions = [
      { field: 'tag', op: 'is', value: 'vip' },
      { field: 'attribute.size', op: 'atMost', value: 10 },
    ];
    expect(await count({ match: 'any', conditions })).toBe(3);
    expect(await count({ match: 'all', conditions })).toBe(0);
    expect(await count({ match: 'all', conditions: [conditions[0], { field: 'language', op: 'is', value: 'zh-CN' }] })).toBe(1);
  });

  it('counts openedLastIssues: a likely-human open of one of the last N issues sent', async () => {
    const first = await send();
    const second = await send();
    const human = (issue: number, i: number) =>
      sql`UPDATE deliveries SET first_opened_at = now(), human_opened_at = now() WHERE issue_id = ${issue} AND subscriber_id = ${ids[emails[i]!]!}`.execute(
        h.db.db,
      );
    await human(second, 0);
    await human(first, 1);
    // an open not classified as a person's (a proxy prefetch) does not count
    await sql`UPDATE deliveries SET first_opened_at = now() WHERE issue_id = ${second} AND subscriber_id = ${ids[emails[2]!]!}`.execute(h.db.db);
    expect(await one('openedLastIssues', 'atLeast', 1)).toBe(1);
    expect(await one('openedLastIssues', 'atLeast', 2)).toBe(2);
    expect(await one('openedLastIssues', 'atLeast', 50)).toBe(2);
  });

  it('refuses crafted definitions with a 4xx that names the problem, and stores nothing', async () => {
    const bad: unknown[] = [
      { match: 'all', conditions: [{ field: 'nope', op: 'is', value: 'x' }] },
      { match: 'all', conditions: [{ field: 'status', op: 'contains', value: 'act' }] },
      { match: 'all', conditions: [{ field: 'status', op: 'is', value: 'active; DROP' }] },
      { match: 'all', conditions: [{ field: "attribute.x'); DROP TABLE subscribers; --", op: 'is', value: 'x' }] },
      { match: 'all', conditions: [{ field: 'attribute.size', op: 'atLeast', value: 'lots' }] },
      { match: 'all', conditions: [{ field: 'attribute.size', op: 'atLeast', value: 1e300 }] },
      { match: 'all', conditions: [{ field: 'attribute.joined', op: 'before', value: '2026-02-30' }] },
      { match: 'all', conditions: [{ field: 'tag', op: 'anyOf', value: 'vip' }] },
      { match: 'all', conditions: [{ field: 'tag', op: 'anyOf', value: [] }] },
      { match: 'all', conditions: [{ field: 'tag', op: 'is', value: { $gt: '' } }] },
      { match: 'all', conditions: [{ field: 'openedLastIssues', op: 'atLeast', value: 0 }] },
      { match: 'all', conditions: [{ field: 'openedLastIssues', op: 'atLeast', value: 2.5 }] },
      { match: 'all', conditions: [{ field: 'subscribedAt', op: 'after', value: 'yesterday' }] },
      { match: 'all', conditions: [{ field: 'topic', op: 'is', value: 'no-such-topic' }] },
      { match: 'all', conditions: [{ field: 'tag', op: 'drop', value: 'x' }] },
      { match: 'some', conditions: [] },
      { match: 'all', conditions: 'everything' },
      { match: 'all', conditions: Array.from({ length: 51 }, () => ({ field: 'tag', op: 'is', value: 'x' })) },
      [],
      null,
    ];
    for (const definition of bad) {
      const res = await h.api('POST', `/api/v1/newsletters/${slug}/segments/count`, { json: definition });
      expect(res.status, JSON.stringify(definition).slice(0, 80)).toBe(422);
      const body = await res.json();
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message.length).toBeGreaterThan(5);
      if (!definition || typeof definition !== 'object' || Array.isArray(definition)) continue;
      const created = await h.api('POST', `/api/v1/newsletters/${slug}/segments`, { json: { name: 'bad', ...definition } });
      expect(created.status).toBe(422);
    }
    const msg = await (
      await h.api('POST', `/api/v1/newsletters/${slug}/segments/count`, {
        json: { match: 'all', conditions: [{ field: 'status', op: 'contains', value: 'a' }] },
      })
    ).json();
    expect(msg.error.details.fields[0]).toMatchObject({ field: 'conditions.0.op' });
    expect(msg.error.message).toContain('“contains” does not apply to this field (use is, isNot)');
    expect((await (await h.api('GET', `/api/v1/newsletters/${slug}/segments`)).json()).items).toEqual([]);
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/segments/count`, { body: '{', headers: { 'content-type': 'application/json' } })).status).toBe(
      400,
    );
  });

  it('creates, reads, lists, counts, renames and deletes a segment; names are unique per newsletter', async () => {
    const created = await h.api('POST', `/api/v1/newsletters/${slug}/segments`, {
      json: { name: 'VIPs', match: 'all', conditions: [{ field: 'tag', op: 'is', value: 'vip' }] },
    });
    expect(created.status).toBe(201);
    const seg = await created.json();
    expect(seg).toMatchObject({ name: 'VIPs', match: 'all', conditions: [{ field: 'tag', op: 'is', value: 'vip' }] });
    expect(await (await h.api('GET', `/api/v1/newsletters/${slug}/segments/${seg.id}`)).json()).toMatchObject({ id: seg.id, name: 'VIPs' });
    // two vips, one of them active and sendable: both active here
    expect(await (await h.api('GET', `/api/v1/newsletters/${slug}/segments/${seg.id}/count`)).json()).toEqual({ count: 2, sendable: 2 });
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/segments`, { json: { name: 'vips', conditions: [] } })).status).toBe(422);
    const patched = await h.api('PATCH', `/api/v1/newsletters/${slug}/segments/${seg.id}`, {
      json: { name: 'Press', conditions: [{ field: 'tag', op: 'is', value: 'press' }] },
    });
    expect(patched.status).toBe(200);
    expect(await (await h.api('GET', `/api/v1/newsletters/${slug}/segments/${seg.id}/count`)).json()).toEqual({ count: 2, sendable: 2 });
    const list = (await (await h.api('GET', `/api/v1/newsletters/${slug}/segments`)).json()).items;
    expect(list.map((s: { name: string }) => s.name)).toEqual(['Press']);
    expect((await h.api('PATCH', `/api/v1/newsletters/${slug}/segments/${seg.id}`, { json: { conditions: [{ field: 'x', op: 'is' }] } })).status).toBe(422);
    expect((await h.api('DELETE', `/api/v1/newsletters/${slug}/segments/${seg.id}`)).status).toBe(204);
    expect((await h.api('GET', `/api/v1/newsletters/${slug}/segments/${seg.id}`)).status).toBe(404);
    expect((await h.api('GET', `/api/v1/newsletters/${slug}/segments/99999999999999999999/count`)).status).toBe(404);
    expect((await h.api('GET', `/api/v1/newsletters/nope/segments`)).status).toBe(404);
  });

  it('a viewer counts but cannot save a segment', async () => {
    await h.services.users.createUser('viewer@example.org', 'correct horse battery', 'viewer', 'test');
    const token = await h.services.users.createToken('viewer@example.org', 'test');
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/segments/count`, { token, json: { match: 'all', conditions: [] } })).status).toBe(200);
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/segments`, { token, json: { name: 'x', conditions: [] } })).status).toBe(403);
  });

  it('sends to a segment: only its active subscribers get a delivery, and the stats and the issue say which segment', async () => {
    const seg = await (
      await h.api('POST', `/api/v1/newsletters/${slug}/segments`, {
        json: { name: 'Press or beta', match: 'any', conditions: [{ field: 'tag', op: 'anyOf', value: ['press', 'beta'] }] },
      })
    ).json();
    const issue = await createIssue(h, slug);
    const sendAt = new Date(h.clock.now().getTime() + MINUTE).toISOString();
    const res = await h.api('POST', `/api/v1/issues/${issue}/schedule`, { json: { sendAt, acknowledge: true, segment: seg.id } });
    expect(res.status).toBe(200);
    expect((await res.json()).audience).toMatchObject({ segment: { id: seg.id, name: 'Press or beta' } });
    // renaming (or deleting) the segment afterwards changes neither who it goes to nor what the stats say
    await h.api('PATCH', `/api/v1/newsletters/${slug}/segments/${seg.id}`, { json: { name: 'Renamed', conditions: [] } });
    h.clock.advance(2 * MINUTE);
    await h.drain();
    expect(await recipientsOf(issue)).toEqual([emails[0], emails[2], emails[4]].sort());
    const stats = await (await h.api('GET', `/api/v1/issues/${issue}/stats`)).json();
    expect(stats.recipients).toBe(3);
    expect(stats.audience).toEqual({ segment: { id: seg.id, name: 'Press or beta' }, topics: [] });
    // a whole-list send says so
    const whole = await send();
    expect((await (await h.api('GET', `/api/v1/issues/${whole}/stats`)).json()).audience).toBeNull();
    expect(await recipientsOf(whole)).toHaveLength(4);
    // an unknown segment is refused, nothing scheduled
    const other = await createIssue(h, slug);
    const refused = await h.api('POST', `/api/v1/issues/${other}/schedule`, { json: { sendAt, acknowledge: true, segment: 424242 } });
    expect(refused.status).toBe(422);
    expect((await (await h.api('GET', `/api/v1/issues/${other}`)).json()).status).toBe('draft');
    expect((await h.api('POST', `/api/v1/issues/${other}/schedule`, { json: { sendAt, acknowledge: true, segment: 'x' } })).status).toBe(422);
  });
});

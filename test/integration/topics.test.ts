/**
 * Topics inside a newsletter (issue 24): chosen on the signup form (page and JSON) and on the
 * preferences page (a consent event for the change), an issue sent to topics reaches only the
 * subscribers who receive one of them (someone who never chose gets every topic), unticking a
 * topic keeps the subscription, and the one-click header still unsubscribes from the newsletter.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preferencesUrl, unsubscribeUrl } from '../../src/lib/tokens.ts';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

let ip = 0;
const freshIp = () => `198.51.100.${++ip % 250}`;
const MINUTE = 60_000;

describe.each(dbKinds)('topics on %s', (kind) => {
  let h: Harness;
  const slug = 'tp';
  let news: { id: number; key: string };
  let events: { id: number; key: string };

  const signup = (json: unknown) =>
    h.app.request(`/api/v1/public/newsletters/${slug}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp() },
      body: JSON.stringify(json),
    });
  const form = (path: string, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': freshIp() },
      body: body.toString(),
    });
  };
  const row = (email: string) => h.db.db.selectFrom('subscribers').selectAll().where('email_normalized', '=', email).executeTakeFirstOrThrow();
  const choices = async (email: string) => {
    const s = await row(email);
    return (
      await sql<{ key: string; subscribed: boolean }>`SELECT t.key, st.subscribed FROM subscriber_topics st JOIN topics t ON t.id = st.topic_id
        WHERE st.subscriber_id = ${s.id} ORDER BY t.key`.execute(h.db.db)
    ).rows;
  };
  const activate = (email: string) =>
    sql`UPDATE subscribers SET status = 'active', confirmed_at = now(), pending_since = NULL WHERE email_normalized = ${email}`.execute(h.db.db);
  const prefsPath = async (email: string) => new URL(preferencesUrl('https://news.example.test', h.config.secret!, String((await row(email)).id))).pathname;
  const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const sendTo = async (audience: Record<string, unknown>) => {
    const id = await createIssue(h, slug);
    const res = await h.api('POST', `/api/v1/issues/${id}/schedule`, {
      json: { sendAt: new Date(h.clock.now().getTime() + MINUTE).toISOString(), acknowledge: true, ...audience },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    h.clock.advance(2 * MINUTE);
    await h.drain();
    return (await sql<{ email: string }>`SELECT email FROM deliveries WHERE issue_id = ${id} ORDER BY email`.execute(h.db.db)).rows.map((r) => r.email);
  };

  beforeAll(async () => {
    h = await createHarness(kind, { env: { SIGNUP_RATE_LIMIT: '100' } });
    await createNewsletter(h, slug);
    const a = await h.api('POST', `/api/v1/newsletters/${slug}/topics`, { json: { name: 'SPP news' } });
    expect(a.status).toBe(201);
    news = await a.json();
    events = await (await h.api('POST', `/api/v1/newsletters/${slug}/topics`, { json: { name: 'Events', key: 'events' } })).json();
    expect(news.key).toBe('spp-news');
  });
  afterAll(() => h?.close());

  it('lists, renames and refuses duplicate or crafted topics; only admins change them', async () => {
    const list = (await (await h.api('GET', `/api/v1/newsletters/${slug}/topics`)).json()).items;
    expect(list.map((t: { key: string; name: string }) => [t.key, t.name])).toEqual([
      ['spp-news', 'SPP news'],
      ['events', 'Events'],
    ]);
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/topics`, { json: { name: 'Again', key: 'events' } })).status).toBe(422);
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/topics`, { json: { name: 'x', key: 'Bad Key!' } })).status).toBe(422);
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/topics`, { json: { name: '' } })).status).toBe(422);
    const renamed = await h.api('PATCH', `/api/v1/newsletters/${slug}/topics/${events.id}`, { json: { name: 'Events & webinars' } });
    expect(await renamed.json()).toMatchObject({ key: 'events', name: 'Events & webinars' });
    expect((await h.api('PATCH', `/api/v1/newsletters/${slug}/topics/999999`, { json: { name: 'x' } })).status).toBe(404);
    await h.services.users.createUser('editor@example.org', 'correct horse battery', 'editor', 'test');
    const token = await h.services.users.createToken('editor@example.org', 'test');
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/topics`, { token, json: { name: 'Nope' } })).status).toBe(403);
  });

  it('the signup page shows the topics, ticked; the choice is stored with the signup (none ticked is a choice)', async () => {
    const page = await (await h.app.request(`/n/${slug}`)).text();
    expect(page).toContain('SPP news');
    expect(page).toContain('Events &amp; webinars');
    expect(page).toMatch(new RegExp(`name="topics" value="${news.id}" checked`));
    const ok = await form(`/n/${slug}/subscribe`, { email: 'form@example.org', consent: 'yes', topics_shown: '1', topics: String(events.id) });
    expect(ok.status).toBe(200);
    expect(await choices('form@example.org')).toEqual([
      { key: 'events', subscribed: true },
      { key: 'spp-news', subscribed: false },
    ]);
    await form(`/n/${slug}/subscribe`, { email: 'none@example.org', consent: 'yes', topics_shown: '1' });
    expect((await choices('none@example.org')).every((c) => !c.subscribed)).toBe(true);
    // the embed snippet has no topic boxes: never chose
    await form(`/n/${slug}/subscribe`, { email: 'embed@example.org', consent: 'yes' });
    expect(await choices('embed@example.org')).toEqual([]);
  });

  it('the JSON signup takes topics by key or id, and refuses an unknown one with nothing stored', async () => {
    expect((await signup({ email: 'json@example.org', consent: true, topics: ['spp-news'] })).status).toBe(202);
    expect(await choices('json@example.org')).toEqual([
      { key: 'events', subscribed: false },
      { key: 'spp-news', subscribed: true },
    ]);
    const bad = await signup({ email: 'bad@example.org', consent: true, topics: ['nope'] });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.details.fields[0].field).toBe('topics');
    expect(await h.db.db.selectFrom('subscribers').select('id').where('email_normalized', '=', 'bad@example.org').executeTakeFirst()).toBeUndefined();
    expect((await signup({ email: 'bad@example.org', consent: true, topics: 'events' })).status).toBe(422);
  });

  it('sends to topics: only those who receive one of them (who never chose gets all); whole-list sends reach everyone; stats say the topics', async () => {
    for (const e of ['form@example.org', 'none@example.org', 'embed@example.org', 'json@example.org']) await activate(e);
    const eventsOnly = await sendTo({ topics: ['events'] });
    expect(eventsOnly).toEqual(['embed@example.org', 'form@example.org']);
    const either = await sendTo({ topics: [news.id, 'events'] });
    expect(either).toEqual(['embed@example.org', 'form@example.org', 'json@example.org']);
    const all = await sendTo({});
    expect(all).toEqual(['embed@example.org', 'form@example.org', 'json@example.org', 'none@example.org']);
    const last = (await sql<{ id: number }>`SELECT max(id) AS id FROM issues`.execute(h.db.db)).rows[0]!.id;
    const prev = (await sql<{ id: number }>`SELECT id FROM issues WHERE id < ${last} ORDER BY id DESC LIMIT 1`.execute(h.db.db)).rows[0]!.id;
    const stats = await (await h.api('GET', `/api/v1/issues/${prev}/stats`)).json();
    expect(stats.audience).toEqual({
      segment: null,
      topics: [
        { id: news.id, key: 'spp-news', name: 'SPP news' },
        { id: events.id, key: 'events', name: 'Events & webinars' },
      ],
    });
    // a segment and topics together: both must hold
    const seg = await (
      await h.api('POST', `/api/v1/newsletters/${slug}/segments`, {
        json: { name: 'Gets events', conditions: [{ field: 'topic', op: 'is', value: 'events' }] },
      })
    ).json();
    expect(await (await h.api('GET', `/api/v1/newsletters/${slug}/segments/${seg.id}/count`)).json()).toMatchObject({ sendable: 2 });
    expect(await sendTo({ segment: seg.id, topics: ['spp-news'] })).toEqual(['embed@example.org']);
    expect(
      (await h.api('POST', `/api/v1/issues/${await createIssue(h, slug)}/schedule`, { json: { sendAt: '2030-01-01T09:00', acknowledge: true, topics: ['x'] } }))
        .status,
    ).toBe(422);
  });

  it('the preferences page changes topics with a consent event, and unticking every topic keeps the subscription', async () => {
    const path = await prefsPath('form@example.org');
    const page = await (await h.app.request(path)).text();
    expect(page).toContain('Topics of News tp');
    const s = await row('form@example.org');
    const res = await form(path, { csrf: csrfOf(page), subscribed: String(s.id), [`topics_shown.${s.id}`]: '1', [`topics.${s.id}`]: String(news.id) });
    expect(res.status).toBe(200);
    expect(await choices('form@example.org')).toEqual([
      { key: 'events', subscribed: false },
      { key: 'spp-news', subscribed: true },
    ]);
    const ev = await h.db.db
      .selectFrom('subscriber_events')
      .selectAll()
      .where('subscriber_id', '=', String(s.id))
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ type: 'preferences', source: 'preferences' });
    expect(ev.detail).toEqual({ fields: ['topics'], topics: ['spp-news'] });
    // untick everything: still active, still gets whole-list issues, no topic send
    const again = await (await h.app.request(path)).text();
    await form(path, { csrf: csrfOf(again), subscribed: String(s.id), [`topics_shown.${s.id}`]: '1' });
    expect((await row('form@example.org')).status).toBe('active');
    expect(await sendTo({ topics: ['events', 'spp-news'] })).not.toContain('form@example.org');
    expect(await sendTo({})).toContain('form@example.org');
    // saving again without a change records nothing more
    const n = (await h.db.db.selectFrom('subscriber_events').select('id').where('subscriber_id', '=', String(s.id)).execute()).length;
    await form(path, { csrf: csrfOf(await (await h.app.request(path)).text()), subscribed: String(s.id), [`topics_shown.${s.id}`]: '1' });
    expect((await h.db.db.selectFrom('subscriber_events').select('id').where('subscriber_id', '=', String(s.id)).execute()).length).toBe(n);
  });

  it('the one-click header still unsubscribes from the newsletter', async () => {
    const s = await row('json@example.org');
    const path = new URL(unsubscribeUrl('https://news.example.test', h.config.secret!, String(s.id))).pathname;
    expect((await form(path, { 'List-Unsubscribe': 'One-Click' })).status).toBe(200);
    expect((await row('json@example.org')).status).toBe('unsubscribed');
    expect(await sendTo({ topics: ['spp-news'] })).not.toContain('json@example.org');
  });

  it('erasure removes the topic choices; deleting a topic removes its choices', async () => {
    const s = await row('none@example.org');
    expect((await h.api('DELETE', `/api/v1/subscribers/${s.id}`)).status).toBeLessThan(300);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM subscriber_topics WHERE subscriber_id = ${s.id}`.execute(h.db.db)).rows[0]!.n)).toBe(0);
    expect((await h.api('DELETE', `/api/v1/newsletters/${slug}/topics/${events.id}`)).status).toBe(204);
    expect(Number((await sql<{ n: string }>`SELECT count(*) AS n FROM subscriber_topics WHERE topic_id = ${events.id}`.execute(h.db.db)).rows[0]!.n)).toBe(0);
    // a saved segment naming the deleted topic now reaches nobody (not everybody)
    const seg = (await (await h.api('GET', `/api/v1/newsletters/${slug}/segments`)).json()).items.find((x: { name: string }) => x.name === 'Gets events');
    expect(await (await h.api('GET', `/api/v1/newsletters/${slug}/segments/${seg.id}/count`)).json()).toEqual({ count: 0, sendable: 0 });
  });

  it('a subscriber with no topics to choose sees no topic boxes', async () => {
    await createNewsletter(h, 'plain');
    await addSubscribers(h, 'plain', 1, 'plain');
    expect(await (await h.app.request('/n/plain')).text()).not.toContain('topics_shown');
  });
});

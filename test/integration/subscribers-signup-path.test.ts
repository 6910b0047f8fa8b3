// The one-statement signup path: the per-process newsletter cache, the consent version read in the
// statement, the sharded per-IP counter, concurrent signups, and the confirmation job committed
// with the signup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

let ipCounter = 0;
const freshIp = () => `198.18.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

describe.each(dbKinds)('signup path on %s', (kind) => {
  let h: Harness;
  const newsletter = async (slug: string) => {
    const r = await h.api('POST', '/api/v1/newsletters', { json: { slug, name: `News ${slug}`, fromEmail: 'news@example.org' } });
    expect(r.status).toBe(201);
  };
  const signup = (slug: string, json: unknown, ip = freshIp()) =>
    h.app.request(`/api/v1/public/newsletters/${slug}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify(json),
    });
  const row = (slug: string, email: string) =>
    h.db.db
      .selectFrom('subscribers')
      .innerJoin('newsletters', 'newsletters.id', 'subscribers.newsletter_id')
      .selectAll('subscribers')
      .where('newsletters.slug', '=', slug)
      .where('subscribers.email_normalized', '=', email)
      .executeTakeFirst();
  const events = (id: string | number) => h.db.db.selectFrom('subscriber_events').selectAll().where('subscriber_id', '=', String(id)).orderBy('id').execute();
  const confirmJobs = (id: string | number) =>
    h.db.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'mail.confirm')
      .where('payload', '@>', JSON.stringify({ subscriberId: String(id) }) as never)
      .execute();

  beforeAll(async () => {
    h = await createHarness(kind, { env: { SIGNUP_RATE_LIMIT: '40' } });
  });
  afterAll(() => h.close());

  it('finds a newsletter created after a signup to its slug was refused (misses are not cached)', async () => {
    expect((await signup('late-list', { email: 'early@example.org', consent: true })).status).toBe(404);
    await newsletter('late-list');
    expect((await signup('late-list', { email: 'early@example.org', consent: true })).status).toBe(202);
    expect(await row('late-list', 'early@example.org')).toMatchObject({ status: 'pending' });
  });

  it('records a new consent text version from the next signup, with the newsletter already cached', async () => {
    await newsletter('wording');
    await signup('wording', { email: 'first@example.org', consent: true });
    const first = await row('wording', 'first@example.org');
    expect(first!.consent_text_version).toBe(1);
    expect((await h.api('POST', '/api/v1/newsletters/wording/consent-texts', { json: { text: 'New wording, v2' } })).status).toBe(201);
    await signup('wording', { email: 'second@example.org', consent: true });
    const second = await row('wording', 'second@example.org');
    expect(second!.consent_text_version).toBe(2);
    expect((await events(second!.id))[0]).toMatchObject({ type: 'signup', consent_text_version: 2 });
    // a repeated signup of the first (pending) address is recorded with the wording shown now
    await signup('wording', { email: 'first@example.org', consent: true });
    expect((await events(first!.id)).map((e) => [e.type, e.consent_text_version])).toEqual([
      ['signup', 1],
      ['signup', 2],
    ]);
  });

  it('creates one default consent text when the first signups arrive together', async () => {
    await newsletter('rush');
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => signup('rush', { email: `rush${i}@example.org`, consent: true })));
    expect(statuses.map((r) => r.status)).toEqual(Array(8).fill(202));
    const texts = await h.db.db
      .selectFrom('consent_texts')
      .innerJoin('newsletters', 'newsletters.id', 'consent_texts.newsletter_id')
      .select('version')
      .where('newsletters.slug', '=', 'rush')
      .execute();
    expect(texts.map((t) => t.version)).toEqual([1]);
  });

  it('keeps one row, one consent event per request and one confirmation for concurrent signups of one address', async () => {
    await newsletter('same');
    const answers = await Promise.all(Array.from({ length: 6 }, () => signup('same', { email: 'twin@example.org', consent: true })));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(202));
    const s = await row('same', 'twin@example.org');
    expect(s).toMatchObject({ status: 'pending' });
    const ev = await events(s!.id);
    expect(ev).toHaveLength(6);
    expect(ev.every((e) => e.type === 'signup')).toBe(true);
    expect(ev.filter((e) => !e.detail)).toHaveLength(1);
    expect(await confirmJobs(s!.id)).toHaveLength(1);
  });

  it('groups concurrent signups into one statement without letting one failing signup fail the others', async () => {
    await newsletter('group-a');
    await newsletter('group-b');
    // Both newsletters are in the process's slug cache (an invalid signup looks the slug up first);
    // then one, still without subscribers, is deleted behind its back.
    expect((await signup('group-a', { email: 'warm-a@example.org', consent: true })).status).toBe(202);
    expect((await signup('group-b', { consent: true })).status).toBe(422);
    await h.db.db.deleteFrom('newsletters').where('slug', '=', 'group-b').execute();
    const slugs = ['group-a', 'group-a', 'group-a', 'group-b', 'group-a', 'group-a', 'group-a'];
    const answers = await Promise.all(slugs.map((slug, i) => signup(slug, { email: `member${i}@example.org`, consent: true })));
    expect(answers.map((r) => r.status)).toEqual(slugs.map((slug) => (slug === 'group-a' ? 202 : 404)));
    for (const [i, slug] of slugs.entries()) {
      if (slug === 'group-a') expect(await row('group-a', `member${i}@example.org`)).toMatchObject({ status: 'pending' });
    }
  });

  it('applies the per-IP and per-address limits to concurrent signups exactly as to signups one after another', async () => {
    await newsletter('burst');
    const ip = '192.0.2.90';
    // 45 at once from one IP (grouped into a few statements): exactly the limit of 40 pass
    const answers = await Promise.all(Array.from({ length: 45 }, (_, i) => signup('burst', { email: `burst${i}@example.org`, consent: true }, ip)));
    expect(answers.filter((r) => r.status === 202)).toHaveLength(40);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(5);
    const stored = await h.db.db
      .selectFrom('subscribers')
      .innerJoin('newsletters', 'newsletters.id', 'subscribers.newsletter_id')
      .select('email')
      .where('newsletters.slug', '=', 'burst')
      .execute();
    expect(stored).toHaveLength(40);
    // one address into twelve newsletters at once, from different networks: 10 an hour per address
    const slugs = Array.from({ length: 12 }, (_, i) => `same-address-${i}`);
    for (const slug of slugs) await newsletter(slug);
    const again = await Promise.all(slugs.map((slug) => signup(slug, { email: 'everywhere@example.org', consent: true })));
    expect(again.filter((r) => r.status === 202)).toHaveLength(10);
    expect(again.filter((r) => r.status === 429)).toHaveLength(2);
    const rows = await h.db.db.selectFrom('subscribers').select('id').where('email_normalized', '=', 'everywhere@example.org').execute();
    expect(rows).toHaveLength(10);
  });

  it('handles new, pending, unsubscribed and active addresses in one concurrent burst as it would one by one', async () => {
    await newsletter('mixed');
    for (const e of ['pending', 'unsub', 'active']) expect((await signup('mixed', { email: `${e}@example.org`, consent: true })).status).toBe(202);
    const unsub = await row('mixed', 'unsub@example.org');
    const active = await row('mixed', 'active@example.org');
    await h.db.db.updateTable('subscribers').set({ status: 'unsubscribed', pending_since: null }).where('id', '=', unsub!.id).execute();
    await h.db.db.updateTable('subscribers').set({ status: 'active', pending_since: null, confirmed_at: new Date() }).where('id', '=', active!.id).execute();
    h.clock.advance(60_000); // a minute later: within the pending address's 10 minutes between confirmations
    const emails = ['fresh1', 'pending', 'unsub', 'active', 'fresh2'].map((e) => `${e}@example.org`);
    const answers = await Promise.all(emails.map((email) => signup('mixed', { email, consent: true })));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const after = Object.fromEntries(await Promise.all(emails.map(async (e) => [e.split('@')[0], await row('mixed', e)] as const)));
    expect(after.fresh1).toMatchObject({ status: 'pending' });
    expect(after.fresh2).toMatchObject({ status: 'pending' });
    expect(after.unsub).toMatchObject({ status: 'pending' });
    expect(after.active).toMatchObject({ status: 'active' });
    const types = async (id: string | number) => (await events(id)).map((e) => [e.type, e.detail]);
    expect(await types(after.fresh1!.id)).toEqual([['signup', null]]);
    expect(await types(after.pending!.id)).toEqual([
      ['signup', null],
      ['signup', { repeated: true }],
    ]);
    expect(await types(after.unsub!.id)).toEqual([
      ['signup', null],
      ['resubscribe', null],
    ]);
    expect(await types(after.active!.id)).toEqual([['signup', null]]);
    // a confirmation for the new and the resubscribed; none again within 10 minutes for the pending one, none for the active
    expect(await confirmJobs(after.fresh1!.id)).toHaveLength(1);
    expect(await confirmJobs(after.unsub!.id)).toHaveLength(2);
    expect(await confirmJobs(after.pending!.id)).toHaveLength(1);
    expect(await confirmJobs(after.active!.id)).toHaveLength(1);
  });

  it('commits the confirmation job with the signup, and none for a rate-limited request', async () => {
    await newsletter('jobs');
    await signup('jobs', { email: 'job@example.org', consent: true });
    const s = await row('jobs', 'job@example.org');
    expect(await confirmJobs(s!.id)).toHaveLength(1);
    // the per-address limit (10 an hour): the 11th and 12th store nothing
    for (let i = 0; i < 9; i++) expect((await signup('jobs', { email: 'job@example.org', consent: true })).status).toBe(202);
    const before = (await events(s!.id)).length;
    const limited = await signup('jobs', { email: 'job@example.org', consent: true });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await events(s!.id)).toHaveLength(before);
  });

  it('counts one IP across every shard of its counter', async () => {
    await newsletter('shards');
    const ip = '192.0.2.77';
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await signup('shards', { email: `shard${i}@example.org`, consent: true }, ip)).status);
    expect(statuses.slice(0, 40).every((s) => s === 202)).toBe(true);
    expect(statuses.slice(40).every((s) => s === 429)).toBe(true);
    const keys = await h.db.db.selectFrom('rate_limits').select('key').where('key', 'like', 'signup:ip:192.0.2.77#%').execute();
    expect(keys.length).toBeGreaterThan(1);
    // an IP over its limit does not count against the address either
    const addressKey = (email: string) => `signup:address:${h.services.subscribers.addressHash(email)}`;
    expect(await h.db.db.selectFrom('rate_limits').select('count').where('key', '=', addressKey('shard0@example.org')).execute()).toEqual([{ count: 1 }]);
    expect(await h.db.db.selectFrom('rate_limits').select('count').where('key', '=', addressKey('shard44@example.org')).execute()).toEqual([]);
    expect(await row('shards', 'shard44@example.org')).toBeUndefined();
  });
});

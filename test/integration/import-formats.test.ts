/**
 * Moving an audience here: Mailchimp's audience export (the subscribed, unsubscribed and cleaned
 * files, one by one or in their ZIP), Substack's and listmonk's subscriber exports. The consent
 * proof (opt-in and confirmation times and IPs) becomes consent events dated when it happened;
 * people who left are never mailed; nobody who left here comes back through an import; and running
 * the same files again changes nothing.
 */
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const FIX = new URL('../fixtures/imports/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIX));
const SUBSCRIBED = 'subscribed_members_export_8f3a2c1d9e.csv';
const UNSUBSCRIBED = 'unsubscribed_members_export_8f3a2c1d9e.csv';
const CLEANED = 'cleaned_members_export_8f3a2c1d9e.csv';

/** The import's answer as the test reads it (counts, files, row errors, or an error). */
type MoveBody = Record<string, number> & {
  files: { kind: string; rows: number }[];
  errors: { file: string | null; line: number; code: string }[];
  error: { message: string };
};

describe.each(dbKinds)('audience move on %s', (kind) => {
  let h: Harness;
  let n = 0;
  const fresh = async () => {
    const slug = `move${++n}`;
    await createNewsletter(h, slug, { language: 'en' });
    return slug;
  };
  const post = async (slug: string, format: string, body: Uint8Array | string, type = 'text/csv', file = '') => {
    const res = await h.api('POST', `/api/v1/newsletters/${slug}/subscribers/import?format=${format}${file ? `&fileName=${file}` : ''}`, {
      body: body as BodyInit,
      headers: { 'content-type': type },
    });
    return { status: res.status, body: (await res.json()) as MoveBody };
  };
  const person = async (slug: string, email: string) => {
    const nl = await h.services.repos.newsletters.findBySlug(slug);
    const s = await h.services.repos.subscribers.findByAddress(nl!.id, email);
    if (!s) return null;
    const events = await h.services.repos.subscribers.events([String(s.id)]);
    return { s, events: events.map((e) => ({ type: e.type, at: new Date(e.at).toISOString(), ip: e.ip, source: e.source, detail: e.detail })) };
  };
  const snapshot = async (slug: string) => {
    const nl = await h.services.repos.newsletters.findBySlug(slug);
    const subs = await h.db.db.selectFrom('subscribers').selectAll().where('newsletter_id', '=', nl!.id).orderBy('id').execute();
    const events = await h.db.db.selectFrom('subscriber_events').select(['id', 'subscriber_id', 'type', 'at']).where('newsletter_id', '=', nl!.id).execute();
    return { subs: JSON.stringify(subs), events: events.length };
  };

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('imports the subscribed file with its consent proof: opt-in and confirmation dated, with their IPs; tags and merge fields kept', async () => {
    const slug = await fresh();
    const r = await post(slug, 'mailchimp', fixture(SUBSCRIBED), 'text/csv', SUBSCRIBED);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ format: 'mailchimp', total: 6, imported: 5, errorCount: 1, files: [{ kind: 'subscribed', rows: 6 }] });
    expect(r.body.errors[0]).toMatchObject({ line: 5, code: 'csv.rowInvalid' });

    const ada = (await person(slug, 'ada.lovelace@example.org'))!;
    expect(ada.s).toMatchObject({ status: 'active', name: 'Ada Lovelace', language: 'en', source: 'mailchimp-import', tags: ['Founding reader', 'Donor'] });
    expect(ada.s.attributes).toEqual({
      address: "12 St James's Square  London  SW1Y 4JH  GB",
      phone_number: '+44 20 7946 0001',
      company: 'Analytical Engines Ltd',
    });
    expect(new Date(ada.s.confirmed_at!).toISOString()).toBe('2021-03-14T09:31:02.000Z');
    expect(ada.events).toEqual([
      expect.objectContaining({ type: 'signup', at: '2021-03-14T09:26:53.000Z', ip: '203.0.113.7', source: 'mailchimp-import' }),
      expect.objectContaining({ type: 'confirm', at: '2021-03-14T09:31:02.000Z', ip: '203.0.113.7', source: 'mailchimp-import' }),
    ]);
    expect(ada.events[0]!.detail).toMatchObject({ from: 'mailchimp', sourceId: '118220301' });

    const wang = (await person(slug, 'wang.xiaoming@example.cn'))!;
    expect(wang.s).toMatchObject({ status: 'active', name: '王小明', language: 'zh', tags: ['读者', '北京'] });
    expect(wang.s.attributes).toMatchObject({ company: '清华大学出版社' });
    // Single opt-in at the source: the opt-in alone is the proof; the language code is Mailchimp's zh_CN.
    const li = (await person(slug, 'li.na@example.cn'))!;
    expect(li.s).toMatchObject({ status: 'active', name: '李娜', language: 'zh-CN' });
    expect(li.events.map((e) => [e.type, e.at, e.ip])).toEqual([['signup', '2023-09-18T11:00:00.000Z', null]]);
    // Nobody imported is sent a confirmation: no job, no email.
    const jobs = await h.db.db.selectFrom('jobs').select('kind').where('kind', '=', 'mail.confirm').execute();
    expect(jobs).toHaveLength(0);
  });

  it('records the unsubscribed and cleaned files as unsubscribed and suppressed, never mailed; never resurrects; a re-run changes nothing', async () => {
    const slug = await fresh();
    const nl = (await h.services.repos.newsletters.findBySlug(slug))!;
    // Here before the move: one who left here (listed as subscribed in Mailchimp), one active since 2024-01.
    h.clock.set('2024-01-01T00:00:00Z');
    const left = await h.api('POST', `/api/v1/newsletters/${slug}/subscribers`, { json: { email: 'returning@example.org', consentNote: 'paper form' } });
    const active = await h.api('POST', `/api/v1/newsletters/${slug}/subscribers`, { json: { email: 'already.active@example.org', consentNote: 'paper form' } });
    expect([left.status, active.status]).toEqual([201, 201]);
    await h.services.repos.subscribers.update(
      String(((await left.json()) as { id: string }).id),
      { status: 'unsubscribed', unsubscribed_at: h.clock.now() },
      h.clock.now(),
    );
    h.clock.set('2026-03-01T08:00:00Z');

    const sub = await post(slug, 'mailchimp', fixture(SUBSCRIBED));
    expect(sub.body).toMatchObject({ imported: 4, kept: 1 });
    expect((await person(slug, 'returning@example.org'))!.s.status).toBe('unsubscribed');

    const unsub = await post(slug, 'mailchimp', fixture(UNSUBSCRIBED));
    expect(unsub.body).toMatchObject({ total: 3, unsubscribed: 3, files: [{ kind: 'unsubscribed' }] });
    const grace = (await person(slug, 'grace.hopper@example.org'))!;
    expect(grace.s.status).toBe('unsubscribed');
    expect(new Date(grace.s.unsubscribed_at!).toISOString()).toBe('2023-06-01T12:00:00.000Z');
    expect(grace.events.map((e) => [e.type, e.at])).toEqual([
      ['signup', '2019-11-02T16:45:10.000Z'],
      ['confirm', '2019-11-02T16:50:33.000Z'],
      ['unsubscribe', '2023-06-01T12:00:00.000Z'],
    ]);
    expect((await person(slug, 'chen.jing@example.cn'))!.events.at(-1)!.detail).toMatchObject({ reason: 'OTHER: 邮件太多了' });
    // Active here since before they left Mailchimp: they leave here too.
    const was = (await person(slug, 'already.active@example.org'))!;
    expect(was.s.status).toBe('unsubscribed');
    expect(was.events.map((e) => e.type)).toEqual(['admin_create', 'signup', 'confirm', 'unsubscribe']);

    const clean = await post(slug, 'mailchimp', fixture(CLEANED));
    expect(clean.body).toMatchObject({ total: 2, suppressed: 2, files: [{ kind: 'cleaned' }] });
    const bounced = (await person(slug, 'bounced@example.net'))!;
    expect(bounced.s).toMatchObject({ status: 'suppressed', suppression_reason: 'hard_bounce' });
    expect(bounced.events.at(-1)).toMatchObject({ type: 'suppress_bounce', at: '2022-12-12T12:12:12.000Z' });

    // Only the subscribed are sendable.
    const counts = await h.services.repos.subscribers.countByStatus(nl.id);
    expect(counts).toEqual({ active: 4, unsubscribed: 4, suppressed: 2 });

    // The same three files again, later: nothing changes, no event is added.
    const before = await snapshot(slug);
    h.clock.advance(3600_000);
    const again = await Promise.all([SUBSCRIBED, UNSUBSCRIBED, CLEANED].map((f) => post(slug, 'mailchimp', fixture(f))));
    expect(again.map((a) => a.body.imported! + a.body.unsubscribed! + a.body.suppressed!)).toEqual([0, 0, 0]);
    expect(again.map((a) => a.body.unchanged)).toEqual([4, 3, 2]);
    expect(await snapshot(slug)).toEqual(before);
  });

  it('reads the ZIP Mailchimp downloads (application/zip): the three files, each by its columns', async () => {
    const slug = await fresh();
    const zip = zipSync({
      [`members_export_8f3a2c1d9e/${SUBSCRIBED}`]: fixture(SUBSCRIBED),
      [`members_export_8f3a2c1d9e/${UNSUBSCRIBED}`]: fixture(UNSUBSCRIBED),
      [`members_export_8f3a2c1d9e/${CLEANED}`]: fixture(CLEANED),
    });
    const r = await post(slug, 'mailchimp', zip, 'application/zip', 'members_export.zip');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ total: 11, imported: 5, unsubscribed: 3, suppressed: 2, errorCount: 1 });
    expect(r.body.files.map((f) => f.kind)).toEqual(['subscribed', 'unsubscribed', 'cleaned']);
    expect(r.body.errors[0]).toMatchObject({ file: SUBSCRIBED, line: 5 });
    const again = await post(slug, 'mailchimp', zip, 'application/zip');
    expect(again.body).toMatchObject({ imported: 0, unsubscribed: 0, suppressed: 0, unchanged: 10 });
  });

  it('imports a Substack export: sign-up dates as consent, email_disabled as unsubscribed, the plan as an attribute', async () => {
    const slug = await fresh();
    const r = await post(slug, 'substack', fixture('substack.csv'));
    expect(r.body).toMatchObject({ total: 4, imported: 3, unsubscribed: 1, errorCount: 0 });
    const mary = (await person(slug, 'mary.shelley@example.org'))!;
    expect(mary.s).toMatchObject({ status: 'active', source: 'substack-import', attributes: { substack_plan: 'yearly', substack_paid: 'true' } });
    expect(mary.events).toEqual([expect.objectContaining({ type: 'signup', at: '2022-08-09T14:03:11.000Z', source: 'substack-import' })]);
    expect((await person(slug, 'left.substack@example.org'))!.s.status).toBe('unsubscribed');
    expect((await post(slug, 'substack', fixture('substack.csv'))).body).toMatchObject({ imported: 0, unchanged: 4 });
  });

  it('imports a listmonk export: attributes from its JSON, blocklisted as unsubscribed', async () => {
    const slug = await fresh();
    const r = await post(slug, 'listmonk', fixture('listmonk.csv'));
    expect(r.body).toMatchObject({ total: 3, imported: 2, unsubscribed: 1 });
    const sun = (await person(slug, 'sun.li@example.cn'))!;
    expect(sun.s).toMatchObject({ status: 'active', name: '孙丽', source: 'listmonk-import', attributes: { city: '上海', interests: '["出版","设计"]' } });
    expect(sun.events[0]).toMatchObject({ type: 'signup', at: '2022-11-11T03:11:11.000Z' });
    const blocked = (await person(slug, 'blocked@example.org'))!;
    expect(blocked.s.status).toBe('unsubscribed');
    expect(blocked.events.at(-1)).toMatchObject({ type: 'unsubscribe', at: '2024-07-07T07:07:07.000Z' });
  });

  it('never brings back an erased address', async () => {
    const slug = await fresh();
    await post(slug, 'substack', fixture('substack.csv'));
    const mary = (await person(slug, 'mary.shelley@example.org'))!;
    expect((await h.api('DELETE', `/api/v1/subscribers/${mary.s.id}`)).status).toBe(200);
    const again = await post(slug, 'substack', fixture('substack.csv'));
    expect(again.body).toMatchObject({ erased: 1, imported: 0, unchanged: 3 });
    expect(await person(slug, 'mary.shelley@example.org')).toBeNull();
  });

  it('refuses what is not an export of the format, an unknown format, and a ZIP that is not Mailchimp’s, changing nothing', async () => {
    const slug = await fresh();
    const wrong = await post(slug, 'mailchimp', fixture('substack.csv'));
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toContain('Email Address');
    expect((await post(slug, 'constantcontact', 'email\na@example.org\n')).status).toBe(422);
    expect((await post(slug, 'substack', zipSync({ 'a.csv': fixture('substack.csv') }), 'application/zip')).status).toBe(422);
    expect((await post(slug, 'mailchimp', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'application/zip')).status).toBe(422);
    const nl = await h.services.repos.newsletters.findBySlug(slug);
    expect(await h.services.repos.subscribers.countByStatus(nl!.id)).toEqual({});
  });
});

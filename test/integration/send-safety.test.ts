/** Safe, honest sending: the confirmation and its warnings, the draft lifecycle, ready without a slot. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { AdminClient } from './admin/client.ts';

describe.each(dbKinds)('safe sending on %s', (kind) => {
  let h: Harness;
  let b: AdminClient;
  let n = 0;
  const slug = () => `safe${n}`;

  beforeAll(async () => {
    h = await createHarness(kind);
    b = new AdminClient(h);
    expect((await b.login('admin@example.org', 'correct horse battery')).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => {
    n++;
  });

  const schedule = (id: number, extra: Record<string, unknown> = {}) =>
    h.api('POST', `/api/v1/issues/${id}/schedule`, { json: { sendAt: '2026-03-05T09:00', timeZone: 'Asia/Shanghai', ...extra } });
  /** An issue with a placeholder link, an example.com link and an untitled article. */
  const warnedIssue = async () => {
    const res = await h.api('POST', `/api/v1/newsletters/${slug()}/issues`, {
      json: {
        title: 'Risky',
        sections: [
          {
            title: 'News',
            articles: [
              { title: 'One', body: 'See [here](#) and https://www.example.com/page.', sources: [] },
              { title: '', body: 'No title.', sources: [] },
            ],
          },
        ],
      },
    });
    return (await res.json()).id as number;
  };
  const setStatus = (id: number, from: 'draft' | 'scheduled', to: 'sent' | 'cancelled' | 'sending') => h.services.repos.issues.setStatus(id, [from], to);
  const acksOf = (html: string) => Object.fromEntries([...html.matchAll(/name="(ack\.[^"]+)"/g)].map((m) => [m[1]!, 'on']));

  it('answers 409 warnings_open with the warnings, and schedules with acknowledge', async () => {
    await createNewsletter(h, slug());
    const id = await warnedIssue();
    const res = await schedule(id);
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.error.code).toBe('warnings_open');
    const codes = body.error.details.warnings.map((w: { code: string }) => w.code);
    expect(codes).toEqual(['sendux.warn.placeholderLinks', 'sendux.warn.exampleLinks', 'sendux.warn.untitledArticles', 'sendux.warn.noPostalAddress']);
    expect(body.error.details.warnings[1]).toMatchObject({ params: { count: 1 }, message: expect.stringContaining('www.example.com') });
    expect((await h.api('GET', `/api/v1/issues/${id}`).then((r) => r.json())).status).toBe('draft');
    const ok = await schedule(id, { acknowledge: true });
    expect(ok.status).toBe(200);
    expect((await ok.json()).status).toBe('scheduled');
    // With a postal address and clean content there is nothing to acknowledge.
    await h.api('PATCH', `/api/v1/newsletters/${slug()}`, { json: { organisation: '1 Main St, Springfield' } });
    const clean = await createIssue(h, slug(), 'Clean');
    await h.api('PATCH', `/api/v1/issues/${clean}`, { json: { sections: [{ title: 'N', articles: [{ title: 'A', body: 'Text', sources: [] }] }] } });
    expect((await schedule(clean)).status).toBe(200);
  });

  it('lists importer notes and a missing postal address as warnings', async () => {
    await createNewsletter(h, slug());
    const res = await h.api('POST', `/api/v1/newsletters/${slug()}/issues`, {
      json: { source: '# Notes\n\n## Section\n\nText without an article title.', format: 'markdown' },
    });
    const issue = await res.json();
    const stored = issue.warnings.length as number;
    const refused = await (await schedule(issue.id)).json();
    const codes = refused.error.details.warnings.map((w: { code: string }) => w.code);
    expect(codes.filter((c: string) => c === 'sendux.warn.importNote')).toHaveLength(stored);
    expect(codes).toContain('sendux.warn.noPostalAddress');
  });

  it('shows the real recipient count and the warnings to tick, and refuses until every one is ticked', async () => {
    await createNewsletter(h, slug(), { name: 'Weekly Digest' });
    await addSubscribers(h, slug(), 5, `r${n}`);
    // One unsubscribed and one suppressed do not count.
    const subs = await h.db.db.selectFrom('subscribers').select('id').where('email', 'like', `r${n}-%`).orderBy('id').execute();
    await h.db.db.updateTable('subscribers').set({ status: 'unsubscribed' }).where('id', '=', subs[0]!.id).execute();
    await h.db.db.updateTable('subscribers').set({ status: 'suppressed' }).where('id', '=', subs[1]!.id).execute();
    b.cookies.delete('quire_nl');
    const id = await warnedIssue();
    const form = { sendAt: '2026-03-05T09:00', timeZone: 'Asia/Shanghai' };
    const page = await b.post(`/admin/issues/${id}/schedule`, form);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/Send “Risky” to 3 subscribers of “Weekly Digest” on .*5.*09:00.* Asia\/Shanghai\?/);
    const acks = acksOf(html);
    expect(Object.keys(acks)).toHaveLength(4);
    expect((await h.services.issues.get(id)).status).toBe('draft');
    // One box left unticked: refused, still a draft.
    const partial = Object.fromEntries(Object.entries(acks).slice(1));
    const refused = await b.post(`/admin/issues/${id}/schedule`, { ...form, confirmed: '1', ...partial });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('Tick every warning');
    expect((await h.services.issues.get(id)).status).toBe('draft');
    // Refused on the confirmation (the time has passed meanwhile): a redirect with the reason, and the
    // confirmation's own address (where a refused form goes back to) leads to the issue page.
    const late = await b.post(`/admin/issues/${id}/schedule`, { sendAt: '2020-01-01T09:00', timeZone: 'Asia/Shanghai', confirmed: '1', ...acks });
    expect(late.status).toBe(303);
    expect(await b.get(late.headers.get('location')!).then((r) => r.text())).toContain('in the past');
    const back = await b.get(`/admin/issues/${id}/schedule`);
    expect([back.status, back.headers.get('location')]).toEqual([303, `/admin/issues/${id}`]);
    const done = await b.post(`/admin/issues/${id}/schedule`, { ...form, confirmed: '1', ...acks });
    expect(done.status).toBe(303);
    expect((await h.services.issues.get(id)).status).toBe('scheduled');
    // "Send now" asks the same, in Chinese with 《》.
    const other = await warnedIssue();
    await b.get('/admin/lang/zh-CN?next=/admin');
    const zh = await (await b.post(`/admin/issues/${other}/schedule`, { ...form, now: '1' })).text();
    expect(zh).toContain('确定现在将《Risky》发送给《Weekly Digest》的 3 位订阅者？');
    const sent = await b.post(`/admin/issues/${other}/schedule`, { ...form, now: '1', confirmed: '1', ...acksOf(zh) });
    expect(sent.status).toBe(303);
    const now = await h.services.issues.get(other);
    expect(now.status).toBe('scheduled');
    expect(Math.abs(Date.parse(now.sendAt!) - h.clock.now().getTime())).toBeLessThan(60_000);
    await b.get('/admin/lang/en?next=/admin');
  });

  it('cancels only what is scheduled, sending or paused; a draft answers 409 and shows no cancel', async () => {
    await createNewsletter(h, slug());
    const id = await createIssue(h, slug());
    const draft = await h.api('POST', `/api/v1/issues/${id}/cancel`);
    expect(draft.status).toBe(409);
    expect(await b.get(`/admin/issues/${id}`).then((r) => r.text())).not.toContain(`action="/admin/issues/${id}/cancel"`);
    expect((await schedule(id, { acknowledge: true })).status).toBe(200);
    expect(await b.get(`/admin/issues/${id}`).then((r) => r.text())).toContain(`action="/admin/issues/${id}/cancel"`);
    const sending = await createIssue(h, slug());
    await setStatus(sending, 'draft', 'sending');
    expect((await h.api('POST', `/api/v1/issues/${sending}/cancel`)).status).toBe(200);
  });

  it('deletes a draft or a cancelled issue (with an audit entry), 409 for a sent one; reopens a cancelled one', async () => {
    await createNewsletter(h, slug());
    const draft = await createIssue(h, slug(), 'Gone soon');
    expect((await h.api('DELETE', `/api/v1/issues/${draft}`)).status).toBe(204);
    expect((await h.api('GET', `/api/v1/issues/${draft}`)).status).toBe(404);
    const audit = await h.db.db.selectFrom('audit_log').select(['action', 'target']).where('action', '=', 'issue.delete').execute();
    expect(audit).toContainEqual({ action: 'issue.delete', target: `${slug()}#1` });

    const sent = await createIssue(h, slug());
    await setStatus(sent, 'draft', 'sent');
    const refused = await h.api('DELETE', `/api/v1/issues/${sent}`);
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.code).toBe('invalid_state');
    expect((await h.api('POST', `/api/v1/issues/${sent}/reopen`)).status).toBe(409);

    // Cancelled → reopened as a draft (no send time) → deleted from the admin's confirmation page.
    const cancelled = await createIssue(h, slug(), 'Back again');
    expect((await schedule(cancelled, { acknowledge: true })).status).toBe(200);
    expect((await h.api('POST', `/api/v1/issues/${cancelled}/cancel`)).status).toBe(200);
    const page = await b.get(`/admin/issues/${cancelled}`).then((r) => r.text());
    expect(page).toContain(`action="/admin/issues/${cancelled}/reopen"`);
    const reopened = await h.api('POST', `/api/v1/issues/${cancelled}/reopen`);
    expect(reopened.status).toBe(200);
    expect(await reopened.json()).toMatchObject({ status: 'draft', sendAt: null });
    expect(await b.get(`/admin/issues/${cancelled}/delete`).then((r) => r.text())).toContain('Delete #2 “Back again” for good?');
    expect((await b.post(`/admin/issues/${cancelled}/delete`)).status).toBe(303);
    expect((await h.api('GET', `/api/v1/issues/${cancelled}`)).status).toBe(404);
  });

  it('refuses "ready for the next slot" while no slot is set, with a link to set it; the dashboard warns of a ready issue with no slot', async () => {
    await createNewsletter(h, slug());
    const id = await createIssue(h, slug());
    const api = await h.api('POST', `/api/v1/issues/${id}/ready`, { json: { ready: true } });
    expect(api.status).toBe(409);
    expect((await api.json()).error.message).toContain('has no monthly send slot set');
    b.cookies.set('quire_nl', slug());
    const r = await b.post(`/admin/issues/${id}/ready`, { ready: 'true' });
    expect(r.status).toBe(303);
    const page = await b.get(r.headers.get('location')!).then((x) => x.text());
    expect(page).toContain('has no monthly send slot set');
    expect(page).toContain('href="/admin/newsletters#slot-h"');

    // A slot with no ready issue warns; marked ready, then the slot switched off: a ready issue with no slot warns.
    const slot = { kind: 'dayOfMonth', day: '1', week: '1', weekday: '1', time: '09:00', timeZone: 'Europe/Berlin', reminderDaysBefore: '3', enabled: 'on' };
    expect((await b.post(`/admin/newsletters/${slug()}/slot`, slot)).status).toBe(303);
    expect(await b.get('/admin').then((x) => x.text())).toContain('No issue is ready for the next slot');
    expect((await h.api('POST', `/api/v1/issues/${id}/ready`, { json: { ready: true } })).status).toBe(200);
    const { enabled: _off, ...disabled } = slot;
    expect((await b.post(`/admin/newsletters/${slug()}/slot`, disabled)).status).toBe(303);
    const dash = await b.get('/admin').then((x) => x.text());
    expect(dash).toContain('Issue #1 is marked ready for the next slot, but no slot is set');
    expect(dash).not.toContain('No issue is ready for the next slot');
  });
});

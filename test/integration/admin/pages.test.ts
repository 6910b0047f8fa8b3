/** Admin pages end to end over app.request(): import, edit round-trip, schedule, CSV import, erase, settings. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { AdminClient } from './client.ts';

describe.each(dbKinds)('admin pages (%s)', (kind) => {
  let h: Harness;
  let b: AdminClient;

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'spp', name: 'SPP brief', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
    });
    b = new AdminClient(h);
    expect((await b.login('admin@example.org', 'correct horse battery')).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function multipart(path: string, fields: Record<string, string>, file?: { name: string; type: string; content: string }) {
    const csrf = await b.csrfFrom('/admin/account');
    const fd = new FormData();
    fd.set('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    if (file) fd.set('file', new File([file.content], file.name, { type: file.type }));
    return b.request('POST', path, { body: fd });
  }

  it('imports an issue from an uploaded Markdown file, shows the link report, and round-trips the editor', async () => {
    const md = '# Issue one\n\n## News\n\n### First article\n\nBody with a [source](https://example.org/page?utm_source=newsletter&id=3).\n';
    const r = await multipart('/admin/issues', { newsletter: 'spp', format: 'auto' }, { name: 'issue.md', type: 'text/markdown', content: md });
    expect(r.status).toBe(303);
    const id = Number(/\/admin\/issues\/(\d+)/.exec(r.headers.get('location')!)![1]);
    const page = await (await b.get(`/admin/issues/${id}`)).text();
    expect(page).toContain('utm_source=newsletter'); // original in the report
    expect(page).toContain('https://example.org/page?id=3'); // cleaned
    expect(page).toContain(`src="/api/v1/issues/${id}/preview.html"`);
    const issue = await h.services.issues.get(id);
    // Save the form as rendered (plus an edited title and a new section): content survives.
    const fields: Record<string, string> = {
      op: 'addSection',
      title: 'Issue one, edited',
      number: String(issue.number),
      volume: '第1期',
      date: '2026-03-01',
      intro: 'Hello',
    };
    issue.sections.forEach((s, si) => {
      fields[`s.${si}.title`] = s.title;
      s.articles.forEach((a, ai) => {
        fields[`s.${si}.a.${ai}.title`] = a.title;
        fields[`s.${si}.a.${ai}.body`] = a.body;
        fields[`s.${si}.a.${ai}.sources`] = a.sources.map((x) => `${x.url} ${x.label}`).join('\n');
      });
    });
    expect((await b.post(`/admin/issues/${id}`, fields)).status).toBe(303);
    const after = await h.services.issues.get(id);
    expect(after.title).toBe('Issue one, edited');
    expect(after.volume).toBe('第1期');
    expect(after.sections.length).toBe(issue.sections.length + 1);
    expect(after.sections[0]!.articles[0]!.body).toBe(issue.sections[0]!.articles[0]!.body);
    // Remove the added section again.
    const f2 = { ...fields, op: `remove:${issue.sections.length}`, [`s.${issue.sections.length}.title`]: '' };
    expect((await b.post(`/admin/issues/${id}`, f2)).status).toBe(303);
    expect((await h.services.issues.get(id)).sections.length).toBe(issue.sections.length);
  });

  it('shows validation errors from a form on the form page', async () => {
    const r = await multipart('/admin/issues', { newsletter: 'spp', source: '' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/admin/issues/new');
    expect(await (await b.get('/admin/issues/new')).text()).toContain('Paste the issue text or choose a file.');
  });

  it('schedules in the chosen time zone, sends a test, and cancels', async () => {
    const created = (await (await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: '# Sched\n\nText.', format: 'markdown' } })).json()) as {
      id: number;
    };
    // The form gets the confirmation first (nothing scheduled yet), whose warnings must be ticked.
    const confirm = await b.post(`/admin/issues/${created.id}/schedule`, { sendAt: '2026-03-05T09:00', timeZone: 'Asia/Shanghai' });
    expect(confirm.status).toBe(200);
    const acks = [...(await confirm.text()).matchAll(/name="(ack\.[^"]+)"/g)].map((m) => [m[1]!, 'on']);
    expect((await h.services.issues.get(created.id)).status).toBe('draft');
    const confirmed = { sendAt: '2026-03-05T09:00', timeZone: 'Asia/Shanghai', confirmed: '1', ...Object.fromEntries(acks) };
    expect((await b.post(`/admin/issues/${created.id}/schedule`, confirmed)).status).toBe(303);
    const s = await h.services.issues.get(created.id);
    expect(s.status).toBe('scheduled');
    expect(s.sendAt).toBe('2026-03-05T01:00:00.000Z');
    expect(await (await b.get(`/admin/issues/${created.id}`)).text()).toContain('Asia/Shanghai');
    expect((await b.post(`/admin/issues/${created.id}/test`, { to: 'editor@example.net' })).status).toBe(303);
    expect(((await h.api('GET', '/api/v1/outbox?to=editor@example.net').then((r) => r.json())) as { items: unknown[] }).items.length).toBe(1);
    const progress = await b.get(`/admin/issues/${created.id}/progress.json`);
    expect(progress.status).toBe(200);
    expect(((await progress.json()) as { status: string }).status).toBe('scheduled');
    expect((await b.post(`/admin/issues/${created.id}/cancel`)).status).toBe(303);
    expect((await h.services.issues.get(created.id)).status).toBe('cancelled');
    // A second cancel is refused with a message on the page, not a crash.
    const again = await b.request('POST', `/admin/issues/${created.id}/cancel`, {
      form: { _csrf: await b.csrfFrom('/admin/account') },
      headers: { referer: `https://news.example.test/admin/issues/${created.id}` },
    });
    expect(again.status).toBe(303);
    expect(await (await b.get(`/admin/issues/${created.id}`)).text()).toContain('Not possible right now');
  });

  it('imports a CSV, lists and searches subscribers, shows the timeline, and erases after confirmation', async () => {
    const csv = 'email,name\nwang@example.cn,王小明\nanna@example.org,Anna\nbroken,Nope\n';
    const r = await multipart(
      '/admin/subscribers/import',
      { newsletter: 'spp', consentNote: 'Conference signup sheet' },
      { name: 'list.csv', type: 'text/csv', content: csv },
    );
    expect(r.status).toBe(200);
    const result = await r.text();
    expect(result).toContain('2 imported of 3 rows');
    const list = await (await b.get('/admin/subscribers?q=anna')).text();
    expect(list).toContain('anna@example.org');
    expect(list).not.toContain('wang@example.cn');
    const id = /href="\/admin\/subscribers\/(\d+)"/.exec(list)![1]!;
    const detail = await (await b.get(`/admin/subscribers/${id}`)).text();
    expect(detail).toContain('Conference signup sheet');
    expect((await b.post(`/admin/subscribers/${id}/erase`, { confirm: 'someone-else@example.org' })).status).toBe(303);
    expect(await (await b.get(`/admin/subscribers/${id}/erase`)).text()).toContain('does not match');
    expect(((await h.services.subscriberList.get(id)) as { status: string }).status).toBe('active');
    expect((await b.post(`/admin/subscribers/${id}/erase`, { confirm: 'Anna@example.org' })).status).toBe(303);
    expect(((await h.services.subscriberList.get(id)) as { status: string }).status).toBe('erased');
  });

  it('saves newsletter settings, a new consent text version and the monthly slot', async () => {
    expect(
      (
        await b.post('/admin/newsletters/spp', {
          name: 'SPP brief',
          fromEmail: 'brief@example.org',
          fromName: 'SPP',
          replyTo: '',
          language: 'zh-CN',
          timeZone: 'Asia/Shanghai',
          description: '',
          organisation: 'UNEP, Paris',
        })
      ).status,
    ).toBe(303);
    const n = await h.services.newsletters.get('spp');
    expect(n.fromEmail).toBe('brief@example.org');
    expect(n.openTracking).toBe(false); // the unticked checkbox
    expect((await b.post('/admin/newsletters/spp/consent', { text: '我同意接收简报（第二版）。' })).status).toBe(303);
    expect((await h.services.subscribers.consentTexts('spp')).length).toBe(2);
    expect(
      (
        await b.post('/admin/newsletters/spp/slot', {
          kind: 'dayOfMonth',
          day: '15',
          week: '1',
          weekday: '2',
          time: '10:00',
          timeZone: 'Asia/Shanghai',
          reminderDaysBefore: '3',
          enabled: 'on',
        })
      ).status,
    ).toBe(303);
    const slot = await h.services.slots.get('spp');
    expect(slot.rule).toEqual({ kind: 'dayOfMonth', day: 15, time: '10:00' });
    const page = await (await b.get('/admin/newsletters')).text();
    expect(page).toContain('day 15 of each month at 10:00');
    expect(page).toContain('/n/spp/subscribe');
  });

  it('switches language with a remembered cookie and renders pages in Chinese', async () => {
    const r = await b.get('/admin/lang/zh-CN?next=/admin/issues');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/admin/issues');
    const html = await (await b.get('/admin/issues')).text();
    expect(html).toContain('lang="zh-CN"');
    expect(html).toContain('期刊');
    // No open redirect through next=.
    expect((await b.get('/admin/lang/en?next=https://evil.example/')).headers.get('location')).toBe('/admin');
    expect((await b.get('/admin/lang/en?next=//evil.example/')).headers.get('location')).toBe('/admin');
  });

  it("warns on the dashboard, in the reader's language, while no issue is ready for the next slot", async () => {
    const c = new AdminClient(h, '203.0.113.50');
    expect((await c.login('admin@example.org', 'correct horse battery')).status).toBe(303);
    const created = await c.post('/admin/newsletters', { slug: 'dash', name: 'Dashboard test', fromEmail: 'dash@example.org', timeZone: 'Europe/Berlin' });
    expect(created.status).toBe(303);
    // Creating does not switch; the notice's button does.
    expect(c.cookies.get('quire_nl')).toBeUndefined();
    expect((await c.get('/admin/switch?n=dash&next=/admin')).status).toBe(302);
    expect(c.cookies.get('quire_nl')).toBe('dash');
    // With a postal address set (its own warning is tested in manage.test.ts), nothing needs attention.
    expect((await h.api('PATCH', '/api/v1/newsletters/dash', { json: { organisation: 'Dashboard Ltd, 1 Test Street, Berlin' } })).status).toBe(200);
    expect(await (await c.get('/admin')).text()).toContain('data-testid="no-warnings"');
    const slot = { kind: 'dayOfMonth', day: '1', week: '1', weekday: '1', time: '09:00', timeZone: 'Europe/Berlin', reminderDaysBefore: '3', enabled: 'on' };
    expect((await c.post('/admin/newsletters/dash/slot', slot)).status).toBe(303);
    const next = (await h.services.slots.get('dash')).nextDates[0]!;
    const berlin = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'short' }).format(new Date(next));
    const english = await (await c.get('/admin')).text();
    expect(english).toContain(`No issue is ready for the next slot (${berlin} Europe/Berlin)`);
    expect(english).not.toContain('data-testid="no-warnings"');
    expect(await (await c.get('/admin/newsletters')).text()).toContain(`No issue is ready for the next slot (${berlin} Europe/Berlin)`);
    expect((await c.get('/admin/lang/zh-CN?next=/admin')).status).toBe(302);
    expect(await (await c.get('/admin')).text()).toContain(`下一个发送时段（${berlin} Europe/Berlin）还没有准备好的期刊`);
    // An issue marked ready ends the warning.
    const issue = (await (await h.api('POST', '/api/v1/newsletters/dash/issues', { json: { source: '# Ready\n\nText.', format: 'markdown' } })).json()) as {
      id: number;
    };
    expect((await c.post(`/admin/issues/${issue.id}/ready`, { ready: 'true' })).status).toBe(303);
    expect(await (await c.get('/admin')).text()).toContain('data-testid="no-warnings"');
  });
});

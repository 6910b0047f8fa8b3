/**
 * Every page and email a Chinese newsletter's people meet, read as a Chinese reader would: no
 * catalog key shown raw, no English sentence (see test/helpers/untranslated.ts), in the admin
 * (lang cookie zh-CN), on the public pages (Accept-Language: zh-CN) and in the outbox.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { foreignWords, untranslated } from '../helpers/untranslated.ts';
import { AdminClient } from './admin/client.ts';

const ZH = { 'accept-language': 'zh-CN,zh;q=0.9' };

const issue = {
  title: '可持续公共采购简报',
  volume: '2026年第3期 总第30期',
  date: '2026-03-01',
  intro: '{{name}}，您好！本期介绍各地的新进展。',
  sections: [
    {
      title: '最新进展',
      articles: [
        { title: '指南正式发布', body: '某机构近日发布了新的采购指南。', sources: [{ url: 'https://example.org/guide?utm_source=x', label: '机构网站' }] },
        { title: '', body: '没有标题的一段文字。', sources: [{ url: '#', label: '占位' }] },
      ],
    },
  ],
  footer: { editor: '王璟', contact: 'editor@example.org', organisation: '北京市某区某路1号' },
};

describe.each(dbKinds)('pages and emails in zh-CN (%s)', (kind) => {
  let h: Harness;
  let admin: AdminClient;
  let issueId: number;
  let sentNumber: number;
  let subscriberId: string;
  const problems: Record<string, string[]> = {};

  /** Fetches a page and records what is not Chinese on it. */
  async function check(label: string, res: Response | Promise<Response>, expectStatus?: number) {
    const r = await res;
    if (expectStatus) expect(r.status, label).toBe(expectStatus);
    const html = await r.text();
    const found = untranslated(html);
    if (found.length) problems[label] = found;
    return html;
  }

  beforeAll(async () => {
    h = await createHarness(kind);
    const n = await h.api('POST', '/api/v1/newsletters', {
      json: {
        slug: 'spp',
        name: '可持续公共采购简报',
        fromEmail: 'news@example.org',
        fromName: '采购计划',
        language: 'zh-CN',
        timeZone: 'Asia/Shanghai',
        description: '每月一期。',
      },
    });
    expect(n.status).toBe(201);
    // A reader signs up from the public form (a pending subscriber with a confirmation email).
    await h.app.request('/n/spp/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.4', ...ZH },
      body: new URLSearchParams({ email: 'reader@example.org', name: '读者甲', consent: 'yes' }).toString(),
    });
    await h.runJobs();
    const imported = await h.api('POST', '/api/v1/newsletters/spp/subscribers/import?consentNote=%E4%BC%9A%E8%AE%AE%E6%8A%A5%E5%90%8D', {
      body: 'email,name,单位,标签\nzhang@example.org,张三,生态环境部,专家\nli@example.org,李四,,\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status).toBe(200);
    const list = await (await h.api('GET', '/api/v1/newsletters/spp/subscribers?q=zhang')).json();
    subscriberId = list.items[0].id;
    const created = await h.api('POST', '/api/v1/newsletters/spp/issues', { json: issue });
    issueId = (await created.json()).id;
    // A second issue, sent, for the archive and the statistics.
    const sent = await (await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { ...issue, title: '已发送的一期' } })).json();
    sentNumber = sent.number;
    await h.api('POST', `/api/v1/issues/${sent.id}/schedule`, {
      json: { sendAt: new Date(h.clock.now().getTime() + 60_000).toISOString(), acknowledge: true },
    });
    h.clock.advance(120_000);
    await h.drain();
    admin = new AdminClient(h);
    admin.cookies.set('lang', 'zh-CN');
    expect((await admin.login('admin@example.org', 'correct horse battery')).status).toBe(303);
  });

  beforeEach(() => {
    for (const k of Object.keys(problems)) delete problems[k];
  });

  afterAll(async () => {
    await h?.close();
  });

  it('shows the admin in Chinese, empty states, forms and error messages included', async () => {
    await check('sign-in page', new AdminClient(h).get('/admin/login', { cookie: 'lang=zh-CN' }));
    for (const path of [
      '/admin',
      '/admin/issues',
      '/admin/issues/new',
      `/admin/issues/${issueId}`,
      `/admin/issues/${issueId}/stats`,
      '/admin/subscribers',
      '/admin/subscribers/import',
      '/admin/subscribers/fields',
      '/admin/subscribers/move',
      '/admin/messages',
      '/admin/messages/confirm/zh-CN',
      '/admin/messages/welcome/zh-CN',
      `/admin/subscribers/${subscriberId}`,
      `/admin/subscribers/${subscriberId}/erase`,
      '/admin/newsletters',
      '/admin/users',
      '/admin/audit',
      '/admin/account',
      '/admin/users/1/remove',
      `/admin/issues/${issueId}/delete`,
      `/admin/issues/${issueId}/publish`,
      '/admin/issues/import',
    ]) {
      await check(path, admin.get(path), 200);
    }
    // Asking before lowering your own role; a second newsletter created without switching to it; a known address added again.
    await check('lowering your own role', admin.post('/admin/users/1/role', { role: 'editor' }), 200);
    const created = await admin.post('/admin/newsletters', {
      slug: 'spp-2',
      name: '第二份简报',
      fromEmail: 'news2@example.org',
      language: 'zh-CN',
      timeZone: 'Asia/Shanghai',
    });
    await check('a newsletter just created', admin.get(created.headers.get('location')!), 200);
    const again = await admin.post('/admin/subscribers', { email: 'zhang@example.org', consentNote: '会议报名' });
    await check('an address already on the list', admin.get(again.headers.get('location') ?? '/admin/subscribers'));
    await check('an unknown issue', admin.get('/admin/issues/987654'), 404);
    // A refused form comes back with its message in Chinese.
    const past = await admin.post(`/admin/issues/${issueId}/schedule`, { sendAt: '2020-01-01T09:00', timeZone: 'Asia/Shanghai' });
    expect(past.status).toBe(303);
    await check('schedule in the past', admin.get(past.headers.get('location')!));
    // The send confirmation, its warnings, and the refusal when one is not ticked.
    const when = new Date(h.clock.now().getTime() + 86_400_000).toISOString();
    await check('the send confirmation', admin.post(`/admin/issues/${issueId}/schedule`, { sendAt: when }), 200);
    await check('a warning not ticked', admin.post(`/admin/issues/${issueId}/schedule`, { sendAt: when, confirmed: '1' }), 409);
    const notReady = await admin.post(`/admin/issues/${issueId}/ready`, { ready: 'true' });
    await check('ready without a slot', admin.get(notReady.headers.get('location')!));
    const badSender = await admin.post('/admin/newsletters/spp', { name: '可持续公共采购简报', fromEmail: 'not an address' });
    await check('a bad sender address', admin.get(badSender.headers.get('location') ?? '/admin/newsletters'));
    const wrongPassword = await admin.post('/admin/account/password', { current: 'wrong', next: 'x', confirm: 'y' });
    await check('a wrong password', admin.get(wrongPassword.headers.get('location') ?? '/admin/account'));
    // The editor's live preview answers with its link report.
    const csrf = await admin.csrfFrom(`/admin/issues/${issueId}`);
    const preview = await admin.request('POST', `/admin/issues/${issueId}/preview`, {
      form: {
        _csrf: csrf,
        title: issue.title,
        's.0.title': '最新进展',
        's.0.a.0.title': '指南',
        's.0.a.0.body': '正文',
        's.0.a.0.sources': 'https://example.org/?utm_source=x 网站',
      },
      headers: { accept: 'application/json' },
    });
    expect(preview.status).toBe(200);
    const j = await preview.json();
    const lint = untranslated(j.lintHtml);
    if (lint.length) problems['live preview link report'] = lint;
    expect(problems).toEqual({});
  });

  it('shows the public pages in Chinese', async () => {
    const confirmMail = (await (await h.api('GET', '/api/v1/outbox?to=reader@example.org')).json()).items[0];
    const token = /\/confirm\/([\w.-]+)/.exec(confirmMail.text)![1]!;
    await check('start page', h.app.request('/', { headers: ZH }), 200);
    await check('signup page', h.app.request('/n/spp', { headers: ZH }), 200);
    await check('an unknown newsletter', h.app.request('/n/nope', { headers: ZH }), 404);
    await check('confirm page', h.app.request(`/confirm/${token}`, { headers: ZH }), 200);
    await check('a broken confirm link', h.app.request('/confirm/nope', { headers: ZH }));
    await check('archive', h.app.request('/archive/spp', { headers: ZH }), 200);
    await check('web version', h.app.request(`/archive/spp/${sentNumber}`, { headers: ZH }), 200);
    await check('archive search', h.app.request(`/archive/spp/search?q=${encodeURIComponent('简报')}`, { headers: ZH }), 200);
    await check('archive search, nothing found', h.app.request(`/archive/spp/search?q=${encodeURIComponent('不存在的词')}`, { headers: ZH }), 200);
    await check('archive search, empty', h.app.request('/archive/spp/search', { headers: ZH }), 200);
    await check('an unknown page', h.app.request('/nowhere', { headers: ZH }), 404);
    await check('API reference', h.app.request('/api/docs', { headers: ZH }), 200);
    const issueMail = (await (await h.api('GET', '/api/v1/outbox?to=zhang@example.org')).json()).items[0];
    const unsub = /\/unsubscribe\/([\w.-]+)/.exec(issueMail.text)![1]!;
    const prefs = /\/preferences\/([\w.-]+)/.exec(issueMail.text)![1]!;
    await check('unsubscribe page', h.app.request(`/unsubscribe/${unsub}`, { headers: ZH }), 200);
    await check('preferences page', h.app.request(`/preferences/${prefs}`, { headers: ZH }), 200);
    expect(problems).toEqual({});
  });

  it('shows segments and topics in Chinese: the list, the builder, the topics page, the signup form and preferences with topics', async () => {
    for (const path of ['/admin/segments', '/admin/segments/new', '/admin/topics']) await check(`${path} (empty)`, admin.get(path), 200);
    expect((await h.api('POST', '/api/v1/newsletters/spp/topics', { json: { name: '活动', key: 'events' } })).status).toBe(201);
    const seg = await h.api('POST', '/api/v1/newsletters/spp/segments', {
      json: {
        name: '重要读者',
        match: 'any',
        conditions: [
          { field: 'tag', op: 'anyOf', value: ['vip'] },
          { field: 'attribute.country', op: 'is', value: '肯尼亚' },
        ],
      },
    });
    expect(seg.status).toBe(201);
    const id = (await seg.json()).id;
    for (const path of ['/admin/segments', `/admin/segments/${id}`, '/admin/topics', `/admin/issues/${issueId}`]) await check(path, admin.get(path), 200);
    await check('a refused segment', admin.post('/admin/segments', { name: '', match: 'all', 'field.0': 'status', 'op.0': 'contains', 'value.0': 'x' }), 422);
    await check(
      'the send confirmation to a segment',
      admin.post(`/admin/issues/${issueId}/schedule`, { sendAt: '2030-01-01T09:00', segment: String(id) }),
      200,
    );
    await check('signup page with topics', h.app.request('/n/spp', { headers: ZH }), 200);
    const issueMail = (await (await h.api('GET', '/api/v1/outbox?to=zhang@example.org')).json()).items[0];
    const prefs = /\/preferences\/([\w.-]+)/.exec(issueMail.text)![1]!;
    await check('preferences page with topics', h.app.request(`/preferences/${prefs}`, { headers: ZH }), 200);
    expect(problems).toEqual({});
  });

  it('writes every email in Chinese', async () => {
    const all = (await (await h.api('GET', '/api/v1/outbox')).json()).items as { to: string[]; subject: string; html: string; text: string }[];
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const m of all) {
      const html = untranslated(m.html);
      // The plain-text part is text: checked line by line, links and addresses aside.
      const text = m.text.split('\n').flatMap((line) => foreignWords(line));
      const subject = foreignWords(m.subject);
      if (html.length || text.length || subject.length) problems[`email “${m.subject}” to ${m.to}`] = [...subject, ...html, ...text];
    }
    expect(problems).toEqual({});
  });
});

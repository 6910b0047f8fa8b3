/** The back catalogue in the admin: publish without a send (confirmation, date), take off the archive, bulk upload with a bad file among good ones. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { addSubscribers } from '../../helpers/fixtures.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { seed } from '../../helpers/seeds.ts';
import { AdminClient } from './client.ts';

describe.each(dbKinds)('admin back issues (%s)', (kind) => {
  let h: Harness;
  let b: AdminClient;

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'spp', name: 'SPP brief', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
    });
    await addSubscribers(h, 'spp', 2, 'adm');
    b = new AdminClient(h);
    expect((await b.login('admin@example.org', 'correct horse battery')).status).toBe(303);
    await b.get('/admin/lang/zh-CN?next=/admin'); // the admin in Chinese, as its editors read it
  });
  afterAll(async () => {
    await h?.close();
  });

  async function upload(
    files: { name: string; content: string | Uint8Array<ArrayBuffer> }[],
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    const csrf = await b.csrfFrom('/admin/account');
    const fd = new FormData();
    fd.set('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) fd.set(k, v);
    for (const f of files) fd.append('files', new File([f.content], f.name, { type: 'text/plain' }));
    return b.request('POST', '/admin/issues/import', { body: fd, headers });
  }
  const outbox = async () => (await (await h.api('GET', '/api/v1/outbox')).json()).items.length;

  it('publishes a draft from its issue page after a confirmation that says nobody is emailed, and takes it back off', async () => {
    const created = await (
      await h.api('POST', '/api/v1/newsletters/spp/issues', {
        json: { source: '# 可持续公共采购计划简报\n\n2024年11月 总第30期\n\n## 新闻\n\n### 一篇文章\n\n正文。\n' },
      })
    ).json();
    expect(created).toMatchObject({ number: 30, date: '2024-11-01' });
    const page = await (await b.get(`/admin/issues/${created.id}`)).text();
    expect(page).toContain('仅发布到往期存档');
    const confirm = await (await b.get(`/admin/issues/${created.id}/publish`)).text();
    expect(confirm).toContain('不会向任何人发送邮件');
    expect(confirm).toContain('收件人：0');
    expect(confirm).toContain('value="2024-11-01"');

    const before = await outbox();
    const r = await b.post(`/admin/issues/${created.id}/publish`, { publishedAt: '2024-11-03' });
    expect(r.status).toBe(303);
    const after = await (await b.get(`/admin/issues/${created.id}`)).text();
    expect(after).toContain('已发布到往期存档，未向任何人发送邮件。');
    expect(after).toContain('badge-published');
    expect(after).toContain('从往期存档撤下');
    await h.drain();
    expect(await outbox()).toBe(before);
    expect(await (await h.api('GET', `/api/v1/issues/${created.id}`)).json().then((i) => i.publishedAt)).toBe('2024-11-02T16:00:00.000Z');
    // The list filters by the new status.
    expect(await (await b.get('/admin/issues?status=published')).text()).toContain(`/admin/issues/${created.id}"`);

    const bad = await b.post(`/admin/issues/${created.id}/publish`, { publishedAt: '2024-02-30' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('发布日期须为日期');

    expect((await b.post(`/admin/issues/${created.id}/unpublish`)).status).toBe(303);
    expect((await (await h.api('GET', `/api/v1/issues/${created.id}`)).json()).status).toBe('draft');
  });

  it('bulk upload without JavaScript: every file imported but the bad ones, each failure on its own row', async () => {
    const list = await (await b.get('/admin/issues')).text();
    expect(list).toContain('href="/admin/issues/import"');
    const form = await (await b.get('/admin/issues/import')).text();
    expect(form).toContain('multiple');
    const r = await upload(
      [
        { name: '004.txt', content: seed('004') },
        { name: 'empty.md', content: '' },
        { name: 'scan.txt', content: new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe, 0x01]) },
        { name: 'cover.docx', content: 'not an issue' },
        { name: 'big.txt', content: 'x'.repeat(2_000_001) },
        { name: '2023-02 第2期.md', content: '# 简报\n\n2023年第2期 总第12期\n\n## 新闻\n\n### 文章\n\n正文。\n' },
      ],
      { newsletter: 'spp', publish: '1' },
    );
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('已导入 2 个，失败 4 个');
    const rows = [...html.matchAll(/<tr data-state="(\w+)" data-index="\d+"[^>]*>\s*<th scope="row" translate="no">([^<]+)<\/th>/g)].map((m) => [m[2], m[1]]);
    expect(rows).toEqual([
      ['004.txt', 'done'],
      ['empty.md', 'failed'],
      ['scan.txt', 'failed'],
      ['cover.docx', 'failed'],
      ['big.txt', 'failed'],
      ['2023-02 第2期.md', 'done'],
    ]);
    expect(html).toContain('文件为空');
    expect(html).toContain('文件不是文本');
    expect(html).toContain('“cover.docx”不是 Markdown 或纯文本文件');
    expect(html).toContain('文件超过 2 MB');
    expect(html).toContain('2023-02-01');
    const published = (await (await h.api('GET', '/api/v1/newsletters/spp/issues?status=published')).json()).items;
    expect(published.map((i: { number: number }) => i.number).sort((a: number, b: number) => a - b)).toEqual([12, 31]);
  });

  it('one file per request for the page script: JSON with its rendered row, CSRF by header', async () => {
    const csrf = await b.csrfFrom('/admin/account');
    const fd = new FormData();
    fd.set('newsletter', 'spp');
    fd.append('file', new File(['# Notes\n\nIssue #77\n\n## A\n\n### B\n\nText.\n'], 'n77.md'));
    const ok = await b.request('POST', '/admin/issues/import?index=3', { body: fd, headers: { accept: 'application/json', 'x-csrf-token': csrf } });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body).toMatchObject({ ok: true, number: 77 });
    expect(body.html).toContain('data-index="3"');
    expect(body.html).toContain('n77.md');

    const fd2 = new FormData();
    fd2.append('file', new File([''], 'blank.txt'));
    const bad = await (await b.request('POST', '/admin/issues/import', { body: fd2, headers: { accept: 'application/json', 'x-csrf-token': csrf } })).json();
    expect(bad).toMatchObject({ ok: false, error: '文件为空' });

    const fd3 = new FormData();
    fd3.append('file', new File(['# x'], 'x.md'));
    expect((await b.request('POST', '/admin/issues/import', { body: fd3, headers: { accept: 'application/json' } })).status).toBe(403);
  });

  it('a sent issue: "take off the archive" only hides it, and it can be shown again', async () => {
    const created = await (
      await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: '# 已发送的一期\n\n## 新闻\n\n### 文章\n\n正文。\n' } })
    ).json();
    await h.api('POST', `/api/v1/issues/${created.id}/schedule`, {
      json: { sendAt: new Date(h.clock.now().getTime() + 60_000).toISOString(), acknowledge: true },
    });
    h.clock.advance(120_000);
    await h.drain();
    const page = await (await b.get(`/admin/issues/${created.id}`)).text();
    expect(page).toContain('本期仍为已发送，只是存档中不再显示');
    expect(page).not.toContain('仅发布到往期存档');
    expect((await b.post(`/admin/issues/${created.id}/unpublish`)).status).toBe(303);
    const hidden = await (await b.get(`/admin/issues/${created.id}`)).text();
    expect(hidden).toContain('已发送，但已从往期存档撤下');
    expect((await (await h.api('GET', `/api/v1/issues/${created.id}`)).json()).archiveHidden).toBe(true);
    expect((await b.post(`/admin/issues/${created.id}/publish`)).status).toBe(303);
    expect(await (await b.get(`/admin/issues/${created.id}`)).text()).toContain('已重新在往期存档中显示。');
    expect((await (await h.api('GET', `/api/v1/issues/${created.id}`)).json()).archiveHidden).toBe(false);
  });
});

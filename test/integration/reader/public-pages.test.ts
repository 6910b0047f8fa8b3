/**
 * The public pages are for readers: no word about how this Quire runs (database, transport, API),
 * no editor's tools (the embed snippet), no demo notes; the confirm page offers the latest issue
 * only when there is one; the web version of an issue links back to the archive list; a wrong
 * archive address is a styled 404 page in the newsletter's language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NEWSLETTER } from '../../../src/runtime/bootstrap.ts';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { untranslated } from '../../helpers/untranslated.ts';

const ZH = { 'accept-language': 'zh-CN,zh;q=0.9' };
/** What only an operator or an editor needs to see. */
const OPERATOR = [/PGlite/i, /postgres/i, /outbox/i, /\/api\/v1/, /\/api\/docs/, /healthz/, /&lt;form method=/, /first run/i, /demo/i];

const issue = (title: string) => ({
  title,
  date: '2026-03-01',
  intro: 'Hello.',
  sections: [{ title: 'News', articles: [{ title: 'A guide', body: 'Text.', sources: [{ url: 'https://example.org/guide', label: 'Site' }] }] }],
});

describe.each(dbKinds)('public pages for readers (%s)', (kind) => {
  let h: Harness;
  let ip = 0;
  const get = (path: string, headers: Record<string, string> = {}) => h.app.request(path, { headers });
  const form = (path: string, fields: Record<string, string>) =>
    h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `203.0.113.${++ip}` },
      body: new URLSearchParams(fields).toString(),
    });
  const outbox = async (to: string) => (await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).json()).items as { text: string }[];
  /** Signs up through the form and opens the emailed confirmation link: the confirm page, then the page after the button. */
  const confirmPages = async (slug: string, email: string) => {
    expect((await form(`/n/${slug}/subscribe`, { email, consent: 'yes' })).status).toBe(200);
    await h.runJobs();
    const [mail] = await outbox(email);
    const path = /\/confirm\/[A-Za-z0-9_.-]+/.exec(mail!.text)![0];
    const confirm = await (await get(path)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(confirm)![1]!;
    const done = await form(path, { csrf });
    expect(done.status).toBe(200);
    return { confirm, done: await done.text() };
  };
  const send = async (slug: string, title: string) => {
    const created = await (await h.api('POST', `/api/v1/newsletters/${slug}/issues`, { json: issue(title) })).json();
    await h.api('POST', `/api/v1/issues/${created.id}/schedule`, {
      json: { acknowledge: true, sendAt: new Date(h.clock.now().getTime() + 60_000).toISOString() },
    });
    h.clock.advance(120_000);
    await h.drain();
    return created.number as number;
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    // The first-run newsletter, as a fresh install creates it, and an English one.
    expect((await h.api('POST', '/api/v1/newsletters', { json: DEMO_NEWSLETTER })).status).toBe(201);
    expect(
      (await h.api('POST', '/api/v1/newsletters', { json: { slug: 'weekly', name: 'The Weekly', fromEmail: 'news@example.org', language: 'en' } })).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows readers no database, transport, API, embed snippet or demo note on the start, signup and archive pages', async () => {
    for (const [path, headers] of [
      ['/', {}],
      ['/', ZH],
      ['/n/weekly', {}],
      [`/n/${DEMO_NEWSLETTER.slug}`, {}],
      ['/archive/weekly', {}],
      [`/archive/${DEMO_NEWSLETTER.slug}`, {}],
    ] as const) {
      const res = await get(path, headers);
      expect(res.status, path).toBe(200);
      const html = await res.text();
      for (const word of OPERATOR) expect(html, `${path} shows ${word}`).not.toMatch(word);
    }
    const home = await (await get('/')).text();
    expect(home).toContain('href="/n/weekly"');
    expect(home).toContain(`href="/archive/${DEMO_NEWSLETTER.slug}"`);
    // The snippet is still served for sites that embed the form.
    expect(await (await get('/n/weekly/embed')).text()).toMatch(/^<form method="post"/);
  });

  it('offers the latest issue after confirming only when one has been sent, and no operator detail on the confirm, unsubscribe or preferences pages', async () => {
    const before = await confirmPages('weekly', 'early@example.org');
    expect(before.done).toContain('You are subscribed');
    expect(before.done).not.toContain('Read the latest issue');
    expect(before.done).toContain('The first issue will arrive in your inbox');
    for (const html of [before.confirm, before.done]) for (const word of OPERATOR) expect(html).not.toMatch(word);

    const number = await send('weekly', 'March news');
    const after = await confirmPages('weekly', 'late@example.org');
    expect(after.done).toContain(`<a class="button" href="/archive/weekly/${number}">Read the latest issue</a>`);
    expect(after.done).toContain('March news');

    // The welcome email's links: unsubscribe and preferences pages are for readers too.
    const texts = (await outbox('late@example.org')).map((m) => m.text).join('\n');
    for (const m of texts.matchAll(/https:\/\/news\.example\.test(\/(?:unsubscribe|preferences)\/[A-Za-z0-9_.-]+)/g)) {
      const html = await (await get(m[1]!)).text();
      for (const word of OPERATOR) expect(html, m[1]).not.toMatch(word);
    }
  });

  it('links the web version of an issue back to the archive list', async () => {
    const number = await send(DEMO_NEWSLETTER.slug, '简报第一期');
    const res = await get(`/archive/${DEMO_NEWSLETTER.slug}/${number}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(new RegExp(`<a href="https://news\\.example\\.test/archive/${DEMO_NEWSLETTER.slug}"[^>]*>← 全部往期</a>`));
    const en = await (await get('/archive/weekly/1')).text();
    expect(en).toMatch(/<a href="https:\/\/news\.example\.test\/archive\/weekly"[^>]*>← All issues<\/a>/);
  });

  it('answers an unknown issue number, a non-numeric number and an unknown newsletter with a 404 page in the newsletter’s language', async () => {
    const slug = DEMO_NEWSLETTER.slug;
    for (const path of [`/archive/${slug}/999`, `/archive/${slug}/abc`, `/archive/${slug}/1/extra`, `/archive/${slug}/99999999999999999999`]) {
      // The browser asks for English; the newsletter speaks Chinese.
      const res = await get(path, { 'accept-language': 'en', accept: 'text/html' });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toContain('text/html');
      const html = await res.text();
      expect(html, path).toContain('<html lang="zh-CN">');
      expect(html, path).toContain('<title>页面不存在</title>');
      expect(html, path).toContain(`class="brand" href="/n/${slug}"`); // the public layout, wearing the newsletter's name
      expect(html, path).toContain(`href="/archive/${slug}">查看全部往期</a>`);
      expect(untranslated(html), path).toEqual([]);
    }
    const missing = await (await get(`/archive/${slug}/999`)).text();
    expect(missing).toContain('往期中没有第 999 期。');
    expect(missing).toContain('请检查您打开的链接，或在往期列表中查找。');
    // No newsletter to ask: the reader's language.
    const unknown = await get('/archive/no-such-list', ZH);
    expect(unknown.status).toBe(404);
    const html = await unknown.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<title>找不到简报</title>');
    expect(html).toContain('class="brand" href="/"');
    expect(untranslated(html)).toEqual([]);
    expect((await get('/archive/no-such-list/3', ZH)).status).toBe(404);
    // The API stays JSON.
    const api = await h.api('GET', '/api/v1/nothing-here');
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe('not_found');
  });
});

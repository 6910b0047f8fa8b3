/**
 * What a subscriber's mail client shows: confirm, welcome and goodbye emails that follow dark
 * mode and greet by name; the issue email dark to its edges; a List-Id a mail client can read
 * when the newsletter's name is Chinese; Chinese titles quoted with 《》 in the feed and the page titles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';

interface Mail {
  id: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

const DARK = '@media (prefers-color-scheme: dark)';
const ZH_NAME = '同一个地球网络 可持续公共采购计划简报';

describe.each(dbKinds)('emails a subscriber reads (%s)', (kind) => {
  let h: Harness;
  let ip = 0;
  const outbox = async (to: string) => ((await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).json()).items as Mail[]).reverse();
  const form = (path: string, fields: Record<string, string>) =>
    h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `192.0.2.${++ip}` },
      body: new URLSearchParams(fields).toString(),
    });
  /** Signs up (with a name or not), confirms through the emailed link, unsubscribes: confirm, welcome and goodbye, oldest first. */
  const journey = async (slug: string, email: string, name?: string) => {
    expect((await form(`/n/${slug}/subscribe`, { email, consent: 'yes', ...(name ? { name } : {}) })).status).toBe(200);
    await h.runJobs();
    const path = /\/confirm\/[A-Za-z0-9_.-]+/.exec((await outbox(email))[0]!.text)![0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await h.app.request(path)).text())![1]!;
    expect((await form(path, { csrf })).status).toBe(200);
    await h.runJobs();
    const unsub = /https:\/\/news\.example\.test(\/unsubscribe\/[A-Za-z0-9_.-]+)/.exec((await outbox(email))[1]!.text)![1]!;
    expect((await form(unsub, { 'List-Unsubscribe': 'One-Click' })).status).toBe(200);
    await h.runJobs();
    const mails = await outbox(email);
    expect(mails).toHaveLength(3);
    return { confirm: mails[0]!, welcome: mails[1]!, goodbye: mails[2]! };
  };
  const send = async (slug: string, content: Record<string, unknown>) => {
    const created = await (await h.api('POST', `/api/v1/newsletters/${slug}/issues`, { json: content })).json();
    await h.api('POST', `/api/v1/issues/${created.id}/schedule`, {
      json: { acknowledge: true, sendAt: new Date(h.clock.now().getTime() + 60_000).toISOString() },
    });
    h.clock.advance(120_000);
    await h.drain();
    return created.number as number;
  };

  beforeAll(async () => {
    h = await createHarness(kind, { env: { SIGNUP_RATE_LIMIT: '50' } });
    const zh = { slug: 'spp', name: ZH_NAME, fromEmail: 'news@example.org', language: 'zh-CN', goodbyeEnabled: true };
    expect((await h.api('POST', '/api/v1/newsletters', { json: zh })).status).toBe(201);
    expect(
      (await h.api('POST', '/api/v1/newsletters', { json: { slug: 'weekly', name: 'The Weekly', fromEmail: 'news@example.org', goodbyeEnabled: true } }))
        .status,
    ).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sends confirm, welcome and goodbye emails with dark-mode styles, greeting the subscriber by name when they gave one', async () => {
    const en = await journey('weekly', 'wang@example.org', 'Wang Jing');
    const zh = await journey('spp', 'wangjing@example.org', '王璟');
    for (const m of [en.confirm, en.welcome, en.goodbye, zh.confirm, zh.welcome, zh.goodbye]) {
      expect(m.html, m.subject).toContain(DARK);
      expect(m.html, m.subject).toContain('<meta name="color-scheme" content="light dark"');
      expect(m.html, m.subject).toMatch(/class="qt-bg"/);
    }
    for (const m of [en.confirm, en.welcome]) {
      expect(m.html).toContain('Hello Wang Jing,');
      expect(m.text).toContain('Hello Wang Jing,');
    }
    for (const m of [zh.confirm, zh.welcome]) {
      expect(m.html).toContain('王璟，您好：');
      expect(m.text).toContain('王璟，您好：');
    }
    // Without a name: a neutral greeting, never "Hello ,".
    const anon = await journey('weekly', 'anon@example.org');
    expect(anon.confirm.text).toMatch(/^Hello,$/m);
    expect(anon.welcome.html).toContain('>Hello,<');
    const anonZh = await journey('spp', 'niming@example.org');
    expect(anonZh.confirm.html).toContain('>您好：<');
    expect(anonZh.confirm.html).not.toContain('，您好：');
    // Chinese subjects quote the newsletter's name as a title.
    expect(zh.confirm.subject).toBe(`请确认订阅《${ZH_NAME}》`);
  });

  it('writes an ASCII List-Id (RFC 2047 encoded-words) for a Chinese newsletter name, in the .eml and in the headers handed to the provider', async () => {
    await journey('spp', 'reader@example.org', '读者');
    // The journey unsubscribed the reader; subscribe someone who stays.
    expect((await form('/n/spp/subscribe', { email: 'stays@example.org', consent: 'yes' })).status).toBe(200);
    await h.runJobs();
    const path = /\/confirm\/[A-Za-z0-9_.-]+/.exec((await outbox('stays@example.org'))[0]!.text)![0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await h.app.request(path)).text())![1]!;
    await form(path, { csrf });
    await send('spp', { title: '三月简报', volume: '2026年第3期', sections: [{ title: '进展', articles: [{ title: '指南', body: '正文。', sources: [] }] }] });
    const issueMail = (await outbox('stays@example.org')).find((m) => m.subject.startsWith('三月简报'))!;
    expect(issueMail).toBeTruthy();
    const listId = issueMail.headers['List-Id']!;
    expect(listId).toMatch(/^[\x20-\x7e]+$/);
    expect(listId).toMatch(/^(=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= ?)+ <spp\.news\.example\.test>$/);
    const decoded = [...listId.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('');
    expect(decoded).toBe(ZH_NAME);
    for (const word of listId.split(' ')) expect(word.length).toBeLessThanOrEqual(75);

    const eml = await (await h.api('GET', `/api/v1/outbox/${issueMail.id}.eml`)).text();
    const header = /^List-Id: (.*)$/m.exec(eml)![1]!.trim();
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(header).toBe(listId);
    // The issue email: dark to its edges (MJML's full-width wrapper inside <body> too).
    expect(issueMail.html).toMatch(/\.q-bg > div[^{]*\{ background: #0f1512 !important/);
  });

  it('keeps an ASCII newsletter name readable in List-Id', async () => {
    expect((await form('/n/weekly/subscribe', { email: 'keeps@example.org', consent: 'yes' })).status).toBe(200);
    await h.runJobs();
    const path = /\/confirm\/[A-Za-z0-9_.-]+/.exec((await outbox('keeps@example.org'))[0]!.text)![0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await h.app.request(path)).text())![1]!;
    await form(path, { csrf });
    await send('weekly', { title: 'March news', volume: 'Vol. 3', sections: [{ title: 'News', articles: [{ title: 'A', body: 'Text.', sources: [] }] }] });
    const m = (await outbox('keeps@example.org')).find((x) => x.subject.startsWith('March news'))!;
    expect(m.headers['List-Id']).toBe('The Weekly <weekly.news.example.test>');
  });

  it('quotes Chinese titles with 《》 in the RSS feed and the page titles; English keeps its own punctuation', async () => {
    const feed = await (await h.app.request('/archive/spp/feed.xml')).text();
    expect(feed).toContain('<title>《三月简报》2026年第3期</title>');
    const en = await (await h.app.request('/archive/weekly/feed.xml')).text();
    expect(en).toContain('<title>March news (Vol. 3)</title>');
    expect(await (await h.app.request('/archive/spp')).text()).toContain(`<title>《${ZH_NAME}》往期</title>`);
    expect(await (await h.app.request('/n/spp')).text()).toContain(`<title>订阅《${ZH_NAME}》</title>`);
    expect(await (await h.app.request('/archive/spp/1')).text()).toContain('<title>《三月简报》2026年第3期</title>');
    expect(await (await h.app.request('/archive/weekly/1')).text()).toContain('<title>March news (Vol. 3)</title>');
  });
});

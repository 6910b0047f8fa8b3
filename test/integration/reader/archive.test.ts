/**
 * The public archive (issue 21): which issues readers see (sent and published; never a draft, a
 * scheduled, cancelled or hidden one), newest first with pages; the web version's table of
 * contents, anchors, neighbours and sharing tags; the search in Chinese and English, page and
 * JSON; the feeds, read by a real RSS/Atom parser.
 */
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { untranslated } from '../../helpers/untranslated.ts';

type Status = 'draft' | 'scheduled' | 'sent' | 'cancelled' | 'published';
interface Article {
  title: string;
  body: string;
  sources?: { url: string; label: string }[];
  attribution?: string;
  image?: { url: string; alt: string };
}

const ZH_SLUG = 'spp';
const EN_SLUG = 'weekly';

describe.each(dbKinds)('the public archive (%s)', (kind) => {
  let h: Harness;
  let ip = 0;
  const get = (path: string, headers: Record<string, string> = {}) =>
    h.app.request(path, { headers: { 'x-forwarded-for': `198.51.100.${++ip % 250}`, ...headers } });
  const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000);

  /** Creates an issue through the API, then files it as `status` directly (publishing is another helper's API). */
  const issue = async (
    slug: string,
    o: { title: string; status: Status; publishedAt?: Date; hidden?: boolean; articles?: Article[]; intro?: string; volume?: string; date?: string },
  ) => {
    const res = await h.api('POST', `/api/v1/newsletters/${slug}/issues`, {
      json: {
        title: o.title,
        ...(o.volume ? { volume: o.volume } : {}),
        ...(o.date ? { date: o.date } : {}),
        language: slug === ZH_SLUG ? 'zh-CN' : 'en',
        ...(o.intro ? { intro: o.intro } : {}),
        sections: [{ title: slug === ZH_SLUG ? '政策动态' : 'News', articles: o.articles ?? [{ title: `${o.title} article`, body: 'Text.' }] }],
      },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: number; number: number };
    const visible = o.status === 'sent' || o.status === 'published';
    await h.db.db
      .updateTable('issues')
      .set({
        status: o.status,
        published_at: visible ? (o.publishedAt ?? h.clock.now()) : null,
        sent_at: o.status === 'sent' ? (o.publishedAt ?? h.clock.now()) : null,
        archive_hidden: o.hidden ?? false,
        updated_at: new Date(),
      })
      .where('id', '=', created.id)
      .execute();
    return created;
  };
  const search = async (slug: string, q: string, extra = '') => {
    const res = await get(`/api/v1/public/newsletters/${slug}/search?q=${encodeURIComponent(q)}${extra}`);
    expect(res.status, q).toBe(200);
    return (await res.json()) as {
      items: {
        number: number;
        title: string;
        publishedAt: string;
        article: { section: number; article: number; title: string };
        snippet: string;
        snippetHtml: string;
        url: string;
      }[];
      nextCursor: string | null;
    };
  };

  let zh: Record<string, { id: number; number: number }> = {};
  let en: Record<string, { id: number; number: number }> = {};

  beforeAll(async () => {
    h = await createHarness(kind);
    for (const json of [
      { slug: ZH_SLUG, name: '可持续公共采购简报', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai', description: '月度简报' },
      { slug: EN_SLUG, name: 'Procurement Weekly', fromEmail: 'news@example.org', language: 'en', description: 'Weekly news' },
      { slug: 'empty', name: 'Nothing Yet', fromEmail: 'news@example.org', language: 'en' },
    ]) {
      expect((await h.api('POST', '/api/v1/newsletters', { json })).status).toBe(201);
    }
    zh = {
      sent: await issue(ZH_SLUG, {
        title: '2025年第1期',
        status: 'sent',
        publishedAt: day(1),
        volume: '2025年第1期 总第13期',
        date: '2025-01-02',
        intro: '本期聚焦**绿色采购**政策。',
        articles: [
          {
            title: '欧盟发布绿色公共采购新标准',
            body: '欧盟委员会发布了新的标准，涵盖建筑与食品。',
            sources: [{ url: 'https://example.org/eu', label: '欧盟委员会网站' }],
          },
          { title: '中国推进政府采购改革', body: '财政部印发通知，要求各地推进**可持续采购**。含有 ]]> 的文字也要在订阅源里完整。' },
        ],
      }),
      published: await issue(ZH_SLUG, {
        title: '2024年第12期',
        status: 'published',
        publishedAt: day(0),
        articles: [{ title: '年度回顾', body: '回顾一年来的采购实践与案例。', image: { url: 'https://example.org/cover.png', alt: '封面' } }],
      }),
      draft: await issue(ZH_SLUG, { title: '草稿期', status: 'draft', articles: [{ title: '草稿文章', body: '未发布的采购内容。' }] }),
      scheduled: await issue(ZH_SLUG, { title: '计划期', status: 'scheduled', articles: [{ title: '计划文章', body: '计划中的采购内容。' }] }),
      cancelled: await issue(ZH_SLUG, { title: '取消期', status: 'cancelled', articles: [{ title: '取消文章', body: '取消的采购内容。' }] }),
      hidden: await issue(ZH_SLUG, {
        title: '隐藏期',
        status: 'sent',
        hidden: true,
        publishedAt: day(2),
        articles: [{ title: '隐藏文章', body: '隐藏的采购内容。' }],
      }),
    };
    en = {
      older: await issue(EN_SLUG, {
        title: 'January notes',
        status: 'published',
        publishedAt: day(10),
        articles: [
          {
            title: 'Circular economy basics',
            body: 'Reuse and repair come first. Public **procurement** can lead.',
            sources: [{ url: 'https://example.org/ce', label: 'Ellen MacArthur Foundation' }],
          },
          { title: 'Tenders in 100% recycled_paper', body: 'A 100% literal percent sign and an under_score.' },
        ],
      }),
      newer: await issue(EN_SLUG, {
        title: 'February notes',
        status: 'sent',
        publishedAt: day(20),
        articles: [
          { title: 'Procurement rules change', body: 'The new rules apply from March.' },
          { title: 'Events', body: 'A webinar on green procurement and social value.', attribution: 'From the Procurement Office' },
        ],
      }),
    };
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists sent and published issues newest first, with volume, date and article titles; never a draft, scheduled, cancelled or hidden issue', async () => {
    const res = await get(`/archive/${ZH_SLUG}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    const sentAt = html.indexOf('2025年第1期');
    const publishedAt = html.indexOf('2024年第12期');
    expect(sentAt).toBeGreaterThan(0);
    expect(publishedAt).toBeGreaterThan(sentAt);
    expect(html).toContain('2025年第1期 总第13期 · 2025年1月2日');
    expect(html).toContain('欧盟发布绿色公共采购新标准');
    expect(html).toContain('年度回顾');
    for (const t of ['草稿期', '计划期', '取消期', '隐藏期']) expect(html).not.toContain(t);
    expect(html).toContain(`action="/archive/${ZH_SLUG}/search"`);
    expect(html).toContain(`type="application/rss+xml"`);
    expect(html).toContain(`href="/archive/${ZH_SLUG}/feed.atom"`);
    expect(untranslated(html)).toEqual([]);

    for (const k of ['draft', 'scheduled', 'cancelled', 'hidden'] as const) {
      const page = await get(`/archive/${ZH_SLUG}/${zh[k]!.number}`, { 'accept-language': 'en' });
      expect(page.status, k).toBe(404);
      const body = await page.text();
      expect(body).toContain('<html lang="zh-CN">');
      expect(body).toContain(`往期中没有第 ${zh[k]!.number} 期。`);
    }
    for (const k of ['sent', 'published'] as const) expect((await get(`/archive/${ZH_SLUG}/${zh[k]!.number}`)).status, k).toBe(200);

    // The confirm page's "latest issue" follows the same rule: the hidden issue is newer but not shown.
    expect((await h.services.archive.latest(ZH_SLUG))?.number).toBe(zh.sent!.number);

    const empty = await (await get('/archive/empty')).text();
    expect(empty).toContain('No issues yet.');
    expect(empty).toContain('href="/n/empty"');
  });

  it('pages the list by publication order with older and newer links; a crafted cursor shows the first page', async () => {
    await h.api('POST', '/api/v1/newsletters', { json: { slug: 'many', name: 'Many', fromEmail: 'news@example.org', language: 'en' } });
    for (let i = 1; i <= 23; i++) await issue('many', { title: `Issue ${i}`, status: i % 2 ? 'sent' : 'published', publishedAt: day(100 + i) });
    const first = await (await get('/archive/many')).text();
    const titles = (html: string) => [...html.matchAll(/class="archive-title" href="[^"]+">([^<]+)</g)].map((m) => m[1]);
    expect(titles(first)).toHaveLength(20);
    expect(titles(first)[0]).toBe('Issue 23');
    expect(first).not.toContain('Newer issues');
    const older = /href="(\/archive\/many\?cursor=[^"]+)">Older issues/.exec(first)![1]!.replace(/&amp;/g, '&');
    const second = await (await get(older)).text();
    expect(titles(second)).toEqual(['Issue 3', 'Issue 2', 'Issue 1']);
    expect(second).not.toContain('Older issues');
    const newer = /href="(\/archive\/many\?cursor=[^"]+)">← Newer issues/.exec(second)![1]!;
    expect(titles(await (await get(newer)).text())).toEqual(titles(first));
    for (const bad of ['x', 'eyJkIjoibyJ9', Buffer.from('{"d":"o","t":"nope","n":"1"}').toString('base64url'), '%00']) {
      const res = await get(`/archive/many?cursor=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(200);
      expect(titles(await res.text())[0]).toBe('Issue 23');
    }
  });

  it('serves the web version with its contents, article anchors, previous and next issue, language, description and sharing tags, and no personal link', async () => {
    const res = await get(`/archive/${ZH_SLUG}/${zh.sent!.number}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toMatch(/<html lang="zh-CN"/);
    expect(html).toContain('href="#a-1-1"');
    expect(html).toContain('id="a-1-1"');
    expect(html).toContain('href="#a-1-2"');
    expect(html).toContain('id="a-1-2"');
    expect(html).toContain('<meta name="description" content="本期聚焦绿色采购政策。">');
    const url = `https://news.example.test/archive/${ZH_SLUG}/${zh.sent!.number}`;
    expect(html).toContain(`<link rel="canonical" href="${url}">`);
    expect(html).toContain(`<meta property="og:url" content="${url}">`);
    expect(html).toContain('<meta property="og:type" content="article">');
    expect(html).toContain('<meta property="og:site_name" content="可持续公共采购简报">');
    expect(html).toContain('<meta property="og:title" content="《2025年第1期》2025年第1期 总第13期">');
    expect(html).toContain(`type="application/rss+xml"`);
    // Previous is the older published issue; the hidden issue (newer) is no neighbour.
    expect(html).toMatch(new RegExp(`href="https://news\\.example\\.test/archive/${ZH_SLUG}/${zh.published!.number}"[^>]*rel="prev"`));
    expect(html).toContain('← 上一期');
    expect(html).not.toContain('下一期');
    expect(html).not.toContain(`/archive/${ZH_SLUG}/${zh.hidden!.number}"`);
    expect(html).toContain(`href="https://news.example.test/archive/${ZH_SLUG}"`);
    expect(html).not.toMatch(/unsubscribe\/|preferences\/|%%QUIRE_|<script/);

    const older = await (await get(`/archive/${ZH_SLUG}/${zh.published!.number}`)).text();
    expect(older).toContain('下一期 →');
    expect(older).toContain('<meta property="og:image" content="https://example.org/cover.png">');
    expect(older).toContain('<meta name="description" content="回顾一年来的采购实践与案例。">');

    const english = await (await get(`/archive/${EN_SLUG}/${en.newer!.number}`)).text();
    expect(english).toMatch(/<html lang="en"/);
    expect(english).toContain('← Previous issue');
    expect(english).toContain(`/archive/${EN_SLUG}/${en.older!.number}"`);
    expect(english).toContain('<meta name="description" content="The new rules apply from March.">');

    // A newly published neighbour shows on the page at once (the cached page is keyed by its neighbours).
    const later = await issue(ZH_SLUG, { title: '2025年第2期', status: 'published', publishedAt: day(3) });
    const again = await (await get(`/archive/${ZH_SLUG}/${zh.sent!.number}`)).text();
    expect(again).toContain('下一期 →');
    expect(again).toContain(`/archive/${ZH_SLUG}/${later.number}"`);
    await h.db.db.updateTable('issues').set({ status: 'draft', published_at: null }).where('id', '=', later.id).execute();
    expect(await (await get(`/archive/${ZH_SLUG}/${zh.sent!.number}`)).text()).not.toContain('下一期 →');
  });

  it('finds Chinese words without spaces, two characters included, in titles, bodies and source labels, only in visible issues', async () => {
    const r = await search(ZH_SLUG, '采购');
    const numbers = new Set(r.items.map((i) => i.number));
    expect(numbers).toEqual(new Set([zh.sent!.number, zh.published!.number]));
    // Titles first: the two articles with 采购 in their title come before the one with it only in its body.
    expect(r.items.map((i) => i.article.title)).toEqual(['欧盟发布绿色公共采购新标准', '中国推进政府采购改革', '年度回顾']);
    const first = r.items[0]!;
    expect(first.url).toBe(`https://news.example.test/archive/${ZH_SLUG}/${zh.sent!.number}#a-1-1`);
    expect(first.publishedAt).toBe(day(1).toISOString());
    expect(r.items[1]!.snippetHtml).toContain('<mark>采购</mark>');
    expect(r.items[1]!.snippet).toContain('可持续采购');

    expect((await search(ZH_SLUG, '委员会网站')).items.map((i) => i.article.title)).toEqual(['欧盟发布绿色公共采购新标准']);
    expect((await search(ZH_SLUG, '食品 建筑')).items).toHaveLength(1);
    expect((await search(ZH_SLUG, '食品 年度')).items).toHaveLength(0);
    for (const t of ['草稿', '计划文章', '取消文章', '隐藏']) expect((await search(ZH_SLUG, t)).items, t).toEqual([]);
    // One character: no gram to narrow by, still found.
    expect((await search(ZH_SLUG, '欧')).items).toHaveLength(1);

    const page = await (await get(`/archive/${ZH_SLUG}/search?q=${encodeURIComponent('采购')}`)).text();
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('<mark>采购</mark>');
    expect(page).toContain(`href="https://news.example.test/archive/${ZH_SLUG}/${zh.sent!.number}#a-1-1"`);
    expect(untranslated(page)).toEqual([]);
    const none = await (await get(`/archive/${ZH_SLUG}/search?q=${encodeURIComponent('不存在的词')}`)).text();
    expect(none).toContain('往期中没有与“不存在的词”相符的文章。');
    expect(untranslated(none)).toEqual([]);
  });

  it('finds English words whatever their case, all words of a query, titles first, with literal % and _', async () => {
    const r = await search(EN_SLUG, 'PROCUREMENT');
    expect(r.items.map((i) => i.article.title)).toEqual(['Procurement rules change', 'Events', 'Circular economy basics']);
    expect(r.items[1]!.snippetHtml).toContain('green <mark>procurement</mark>');
    expect(r.items[2]!.snippetHtml).toContain('Public <mark>procurement</mark>');
    expect((await search(EN_SLUG, 'green webinar')).items.map((i) => i.article.title)).toEqual(['Events']);
    expect((await search(EN_SLUG, 'macarthur')).items.map((i) => i.article.title)).toEqual(['Circular economy basics']);
    expect((await search(EN_SLUG, 'procurement office')).items.map((i) => i.article.title)).toEqual(['Events']);
    expect((await search(EN_SLUG, '100%')).items.map((i) => i.article.title)).toEqual(['Tenders in 100% recycled_paper']);
    expect((await search(EN_SLUG, '%')).items).toHaveLength(1);
    expect((await search(EN_SLUG, 'd_p')).items).toHaveLength(1);
    expect((await search(EN_SLUG, 'unde_')).items).toHaveLength(0); // _ is no wildcard
    expect((await search(EN_SLUG, '<script>')).items).toHaveLength(0);
    const xss = await (await get(`/archive/${EN_SLUG}/search?q=${encodeURIComponent('<b>x</b>')}`)).text();
    expect(xss).not.toContain('<b>x</b>');
  });

  it('searches an edited issue by its new text and forgets an issue taken off the archive', async () => {
    const fresh = await issue(EN_SLUG, {
      title: 'March notes',
      status: 'published',
      publishedAt: day(30),
      articles: [{ title: 'Kiwi', body: 'Original wording about kiwifruit.' }],
    });
    expect((await search(EN_SLUG, 'kiwifruit')).items).toHaveLength(1);
    const row = await h.db.db.selectFrom('issues').select('content').where('id', '=', fresh.id).executeTakeFirstOrThrow();
    const content = row.content as { sections: { articles: { body: string }[] }[] };
    content.sections[0]!.articles[0]!.body = 'Rewritten about mangosteen.';
    await h.db.db
      .updateTable('issues')
      .set({ content: JSON.stringify(content), updated_at: new Date(Date.now() + 1000) })
      .where('id', '=', fresh.id)
      .execute();
    expect((await search(EN_SLUG, 'kiwifruit')).items).toHaveLength(0);
    expect((await search(EN_SLUG, 'mangosteen')).items.map((i) => i.number)).toEqual([fresh.number]);
    await h.db.db.updateTable('issues').set({ archive_hidden: true }).where('id', '=', fresh.id).execute();
    expect((await search(EN_SLUG, 'mangosteen')).items).toHaveLength(0);
    await h.db.db.updateTable('issues').set({ archive_hidden: false, status: 'draft' }).where('id', '=', fresh.id).execute();
    expect((await search(EN_SLUG, 'mangosteen')).items).toHaveLength(0);
  });

  it('pages search results with a cursor it checks, and meets an empty, long or crafted query with a 4xx or a friendly page', async () => {
    const all = await search('many', 'issue');
    expect(all.items).toHaveLength(20);
    expect(all.nextCursor).toBeTruthy();
    const rest = await search('many', 'issue', `&cursor=${encodeURIComponent(all.nextCursor!)}`);
    expect(rest.items.map((i) => i.title)).toEqual(['Issue 3', 'Issue 2', 'Issue 1']);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...all.items, ...rest.items].map((i) => i.number)).size).toBe(23);

    const bad = await get(`/api/v1/public/newsletters/many/search?q=issue&cursor=forged`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('bad_request');
    const long = await get(`/api/v1/public/newsletters/many/search?q=${'长'.repeat(201)}`);
    expect(long.status).toBe(400);
    expect((await get(`/api/v1/public/newsletters/many/search?q=x&limit=0`)).status).toBe(422);
    expect((await get(`/api/v1/public/newsletters/nope/search?q=x`)).status).toBe(404);
    expect((await search('many', '   ')).items).toEqual([]);

    const empty = await get(`/archive/${ZH_SLUG}/search`);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain('输入一两个词，即可搜索全部往期的标题、正文和来源。');
    const tooLong = await get(`/archive/${ZH_SLUG}/search?q=${'长'.repeat(201)}`);
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('搜索内容过长：最多 200 个字符。');
    expect((await get(`/archive/${ZH_SLUG}/search?q=abc&cursor=forged`)).status).toBe(200);
    const unknown = await get('/archive/nope/search?q=x', { 'accept-language': 'zh-CN' });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('<title>找不到简报</title>');
  });

  it('limits public searches per client address', async () => {
    const headers = { 'x-forwarded-for': '192.0.2.77' };
    let status = 200;
    for (let i = 0; i < 61 && status === 200; i++) status = (await h.app.request(`/api/v1/public/newsletters/${EN_SLUG}/search?q=notes`, { headers })).status;
    expect(status).toBe(429);
    expect((await h.app.request(`/archive/${EN_SLUG}/search?q=notes`, { headers })).status).toBe(429);
    expect((await get(`/api/v1/public/newsletters/${EN_SLUG}/search?q=notes`)).status).toBe(200);
  });

  it('publishes RSS 2.0 with each whole issue and its publication date, an Atom feed and a JSON Feed, visible issues only', async () => {
    const res = await get(`/archive/${ZH_SLUG}/feed.xml`);
    expect(res.headers.get('content-type')).toContain('application/rss+xml');
    const xml = await res.text();
    const parser = new Parser({ customFields: { item: ['content:encoded'] } });
    const feed = await parser.parseString(xml);
    expect(feed.title).toBe('可持续公共采购简报');
    expect(feed.items.map((i) => i.link)).toEqual([
      `https://news.example.test/archive/${ZH_SLUG}/${zh.sent!.number}`,
      `https://news.example.test/archive/${ZH_SLUG}/${zh.published!.number}`,
    ]);
    const first = feed.items[0]!;
    expect(new Date(first.pubDate!).toISOString()).toBe(day(1).toISOString());
    const content = (first as unknown as Record<string, string>)['content:encoded']!;
    expect(content).toContain('欧盟委员会发布了新的标准');
    expect(content).toContain('含有 ]]&gt; 的文字也要在订阅源里完整。');
    expect(content).toContain('id="a-1-2"');
    expect(content).not.toMatch(/unsubscribe\/|preferences\/|%%QUIRE_|\/o\//);
    expect(xml).not.toContain('隐藏期');

    const atom = await parser.parseString(await (await get(`/archive/${ZH_SLUG}/feed.atom`)).text());
    expect(atom.items).toHaveLength(2);
    expect(atom.items[0]!.link).toBe(`https://news.example.test/archive/${ZH_SLUG}/${zh.sent!.number}`);
    expect(atom.items[0]!.content).toContain('欧盟委员会发布了新的标准');
    expect(new Date(atom.items[1]!.pubDate ?? atom.items[1]!.isoDate!).toISOString()).toBe(day(0).toISOString());

    const jres = await get(`/archive/${EN_SLUG}/feed.json`);
    expect(jres.headers.get('content-type')).toContain('application/feed+json');
    const json = (await jres.json()) as {
      version: string;
      title: string;
      feed_url: string;
      items: { id: string; url: string; title: string; content_html: string; date_published: string }[];
    };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.feed_url).toBe(`https://news.example.test/archive/${EN_SLUG}/feed.json`);
    expect(json.items.map((i) => i.title)).toEqual(['February notes', 'January notes']);
    for (const item of json.items) {
      expect(item.id).toMatch(/^https:\/\/news\.example\.test\/archive\/weekly\/\d+$/);
      expect(new Date(item.date_published).toISOString()).toBe(item.date_published);
      expect(item.content_html).toContain('<h3');
    }
    expect((await get('/archive/nope/feed.xml')).status).toBe(404);
  });
});

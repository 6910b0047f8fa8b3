// The public archive in Chromium (issue 21): the list, an issue's web version and the search, in
// English and Chinese, at 375 and 1280 px. Screenshots go to test-results/screenshots/archive-*.
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const ISSUES = {
  zh: [
    {
      title: '可持续公共采购简报',
      volume: '2025年第11期 总第23期',
      date: '2025-11-05',
      intro: '本期聚焦各国**绿色公共采购**的最新政策与实践。',
      sections: [
        {
          title: '政策动态',
          articles: [
            {
              title: '欧盟发布建筑产品绿色公共采购新标准',
              body: '欧盟委员会发布了新版建筑产品绿色公共采购标准，涵盖全生命周期碳排放、可回收材料比例与供应链透明度等要求。各成员国可在招标文件中直接引用。',
              sources: [{ url: 'https://example.org/eu-gpp', label: '欧盟委员会网站' }],
            },
            { title: '中国推进政府采购支持绿色建材', body: '财政部、住房城乡建设部联合印发通知，扩大政府采购支持绿色建材促进建筑品质提升政策的实施范围。' },
          ],
        },
        { title: '活动资讯', articles: [{ title: '可持续采购网络研讨会', body: '十二月将举办线上研讨会，介绍食品与餐饮服务的可持续采购经验。' }] },
      ],
    },
    {
      title: '可持续公共采购简报',
      volume: '2025年第10期 总第22期',
      date: '2025-10-08',
      sections: [{ title: '实践案例', articles: [{ title: '城市公交电动化的采购经验', body: '多个城市通过联合采购降低了电动公交车的采购成本。' }] }],
    },
  ],
  en: [
    {
      title: 'November notes',
      volume: 'Vol. 4, No. 11',
      date: '2025-11-05',
      intro: 'Green public procurement news from around the network.',
      sections: [
        {
          title: 'Policy',
          articles: [
            {
              title: 'New EU criteria for construction products',
              body: 'The European Commission published new green public procurement criteria for construction products, covering whole-life carbon, recycled content and supply-chain transparency.',
              sources: [{ url: 'https://example.org/eu-gpp', label: 'European Commission' }],
            },
            { title: 'Procurement of electric buses', body: 'Joint procurement lowered the price of electric buses in several cities.' },
          ],
        },
      ],
    },
    {
      title: 'October notes',
      volume: 'Vol. 4, No. 10',
      date: '2025-10-08',
      sections: [
        { title: 'Events', articles: [{ title: 'Webinar on catering', body: 'A webinar on sustainable procurement of food and catering services.' }] },
      ],
    },
  ],
} as const;

const SLUGS = { zh: 'spp', en: 'weekly' } as const;
type Tag = keyof typeof SLUGS;

describe.skipIf(!hasChromium)('the archive in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite');
    await h.api('POST', '/api/v1/newsletters', {
      json: {
        slug: SLUGS.zh,
        name: '同一个地球网络 可持续公共采购计划简报',
        fromEmail: 'news@example.org',
        language: 'zh-CN',
        timeZone: 'Asia/Shanghai',
        description: '政策动态、实践案例与活动资讯。',
      },
    });
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: SLUGS.en, name: 'Procurement Weekly', fromEmail: 'news@example.org', language: 'en', description: 'Sustainable procurement news.' },
    });
    for (const tag of ['zh', 'en'] as Tag[]) {
      const list = [...ISSUES[tag]].reverse();
      for (const [i, issue] of list.entries()) {
        const res = await h.api('POST', `/api/v1/newsletters/${SLUGS[tag]}/issues`, { json: { ...issue, language: tag === 'zh' ? 'zh-CN' : 'en' } });
        const { id } = (await res.json()) as { id: number };
        await h.db.db
          .updateTable('issues')
          .set({ status: i ? 'sent' : 'published', published_at: new Date(`${issue.date}T08:00:00Z`), updated_at: new Date() })
          .where('id', '=', id)
          .execute();
      }
    }
    server = await serveHarness(h);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  const shoot = async (name: string, width: number, path: string, check?: (p: Page) => Promise<void>) => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    // The web version links its pages at PUBLIC_URL; here they are served on 127.0.0.1.
    const res = await page.goto(`${server.url}${path}`);
    expect(res?.status(), path).toBe(200);
    await check?.(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at ${width}`).toBeLessThanOrEqual(width);
    expect(
      problems.filter((p) => /Content Security Policy|Refused/.test(p)),
      name,
    ).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/archive-${name}-${width}.png`, fullPage: true });
    await page.close();
  };

  it('shows the list, an issue and search results at 375 and 1280 px in both languages', async () => {
    for (const tag of ['zh', 'en'] as Tag[]) {
      const slug = SLUGS[tag];
      for (const width of [375, 1280]) {
        await shoot(`${tag}-list`, width, `/archive/${slug}`, async (p) => {
          const titles = await p.locator('a.archive-title').allTextContents();
          expect(titles).toHaveLength(2);
          expect(await p.locator('ul.archive-articles li').first().textContent()).toBe(ISSUES[tag][0].sections[0]!.articles[0]!.title);
        });
        await shoot(`${tag}-issue`, width, `/archive/${slug}/2`, async (p) => {
          expect(await p.locator('html').getAttribute('lang')).toBe(tag === 'zh' ? 'zh-CN' : 'en');
          await expect.poll(() => p.locator('#a-1-1').count()).toBe(1);
          expect(await p.locator('a[rel="prev"]').count()).toBe(1);
          expect(await p.locator('meta[property="og:title"]').count()).toBe(1);
        });
        await shoot(`${tag}-issue-older`, width, `/archive/${slug}/1`, async (p) => {
          expect(await p.locator('a[rel="next"]').count()).toBe(1);
        });
        const q = tag === 'zh' ? '采购' : 'procurement';
        await shoot(`${tag}-search`, width, `/archive/${slug}/search?q=${encodeURIComponent(q)}`, async (p) => {
          expect(await p.locator('ol.archive-results > li').count()).toBeGreaterThan(1);
          expect((await p.locator('mark').first().textContent())?.toLowerCase()).toBe(q);
        });
      }
      // The search box on the list page submits to the search page.
      const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
      await page.goto(`${server.url}/archive/${slug}`);
      await page.fill('input[name="q"]', tag === 'zh' ? '电动公交' : 'electric buses');
      await page.click('form.archive-search button');
      await page.waitForURL(/\/search\?q=/);
      expect(await page.locator('ol.archive-results > li').count()).toBe(1);
      await page.screenshot({ path: `${SCREENSHOT_DIR}/archive-${tag}-search-phrase-375.png`, fullPage: true });
      await page.close();
      await shoot(`${tag}-search-none`, 375, `/archive/${slug}/search?q=${encodeURIComponent(tag === 'zh' ? '不存在' : 'nothing-here')}`);
    }
  }, 120_000);
});

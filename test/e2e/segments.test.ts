/**
 * The segment builder in Chromium: the live count follows the conditions as they are typed (the
 * ops offered follow the field), a row is added, the segment is saved and listed with its count,
 * and an issue's send confirmation names the segment and counts only its subscribers.
 * Screenshots at 1280 and 375 px, English and Chinese: SCREENSHOT_DIR/segments-*.png.
 */
import fs from 'node:fs';
import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { addSubscribers, createIssue } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.skipIf(!hasChromium)('segment builder in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;

  const signIn = async (width: number, lang: 'en' | 'zh-CN'): Promise<Page> => {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, locale: lang === 'en' ? 'en-US' : 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/admin/login`);
    await page.locator('input[name=email]').fill('admin@example.org');
    await page.locator('input[name=password]').fill('correct horse battery');
    await page.locator('form[action="/admin/login"] button[type=submit]').click();
    await page.waitForURL(`${server.url}/admin`);
    return page;
  };
  const countText = (page: Page) => page.getByTestId('segment-count').textContent();

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'brief', name: 'Sustainable Procurement Brief', fromEmail: 'news@example.org', timeZone: 'Asia/Shanghai' },
    });
    await addSubscribers(h, 'brief', 40, 'reader');
    // 12 readers tagged "vip", 5 of them in Kenya; 4 tagged "press"
    await sql`UPDATE subscribers SET tags = ARRAY['vip'] WHERE email ~ '^reader-([0-9]|1[01])@'`.execute(h.db.db);
    await sql`UPDATE subscribers SET attributes = '{"country":"Kenya"}' WHERE email ~ '^reader-[0-4]@'`.execute(h.db.db);
    await sql`UPDATE subscribers SET tags = ARRAY['press'] WHERE email ~ '^reader-(2[0-3])@'`.execute(h.db.db);
    await h.api('POST', '/api/v1/newsletters/brief/topics', { json: { name: 'Events', key: 'events' } });
    server = await serveHarness(h);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  for (const lang of ['en', 'zh-CN'] as const)
    for (const width of [1280, 375])
      it(`builds a segment with a live count, saves it and sends an issue to it (${lang}, ${width} px)`, async () => {
        const page = await signIn(width, lang);
        await page.goto(`${server.url}/admin/segments/new`);
        // the empty first row (tag is …, no value yet) does not count; the page says why
        await page.locator('#seg-name').fill(`VIPs in Kenya ${lang} ${width}`);
        await page.locator('#value-0').fill('vip');
        await expect.poll(() => countText(page), { timeout: 5000 }).toMatch(lang === 'en' ? /^12 subscribers match; 12 of them/ : /^匹配 12 位订阅者/);
        // a second row: the server adds it (no script needed), then the attribute's key appears for attribute fields
        await page.getByTestId('add-row').click();
        await page.waitForSelector('#field-1');
        await page.locator('#field-1').selectOption('attribute');
        await expect(page.locator('#attr-1').isVisible()).resolves.toBe(true);
        // ops not fitting an attribute are not offered; those fitting are
        await expect(page.locator('#op-1 option[value="anyOf"]').isDisabled()).resolves.toBe(true);
        await page.locator('#attr-1').fill('country');
        await page.locator('#value-1').fill('Kenya');
        await expect.poll(() => countText(page), { timeout: 5000 }).toMatch(lang === 'en' ? /^5 subscribers match/ : /^匹配 5 位订阅者/);
        // any of: 12 + 0 more
        await page.locator('#seg-match').selectOption('any');
        await expect.poll(() => countText(page), { timeout: 5000 }).toMatch(lang === 'en' ? /^12 subscribers match/ : /^匹配 12 位订阅者/);
        await page.locator('#seg-match').selectOption('all');
        await expect.poll(() => countText(page), { timeout: 5000 }).toMatch(/5/);
        // a value that cannot be right says so instead of counting
        await page.locator('#op-1').selectOption('atLeast');
        await expect.poll(() => countText(page), { timeout: 5000 }).toMatch(lang === 'en' ? /No count: .*must be a number/ : /无法统计：.*须为数字/);
        await page.locator('#op-1').selectOption('is');
        await expect.poll(() => countText(page), { timeout: 5000 }).toMatch(/5/);
        await page.screenshot({ path: `${SCREENSHOT_DIR}/segments-builder-${lang}-${width}.png`, fullPage: true });
        await page.getByTestId('save-segment').click();
        await page.waitForURL(/\/admin\/segments\/\d+$/);
        expect(await countText(page)).toMatch(/5/);
        await page.goto(`${server.url}/admin/segments`);
        const row = page.locator('[data-testid=segments] tr', { hasText: `VIPs in Kenya ${lang} ${width}` });
        expect(await row.locator('td.num').first().textContent()).toBe('5');
        await page.screenshot({ path: `${SCREENSHOT_DIR}/segments-list-${lang}-${width}.png`, fullPage: true });

        // the issue's schedule form offers it; the confirmation names it and counts its people
        const issue = await createIssue(h, 'brief', `Brief ${lang} ${width}`);
        await page.goto(`${server.url}/admin/issues/${issue}`);
        await page
          .getByTestId('audience')
          .selectOption({ label: lang === 'en' ? `Segment: VIPs in Kenya ${lang} ${width}` : `分群：VIPs in Kenya ${lang} ${width}` });
        await page.getByTestId('schedule-submit').click();
        await page.getByTestId('confirm-question').waitFor();
        expect(await page.getByTestId('confirm-question').textContent()).toMatch(lang === 'en' ? / to 5 subscribers of / : / 5 位订阅者/);
        expect(await page.getByTestId('confirm-audience').textContent()).toContain(`VIPs in Kenya ${lang} ${width}`);
        await page.screenshot({ path: `${SCREENSHOT_DIR}/segments-confirm-${lang}-${width}.png`, fullPage: true });
        for (const box of await page.getByTestId('ack').all()) await box.check();
        await page.getByTestId('confirm-submit').click();
        await page.waitForURL(new RegExp(`/admin/issues/${issue}$`));
        expect(await page.getByTestId('audience-line').textContent()).toContain(`VIPs in Kenya ${lang} ${width}`);
        await page.goto(`${server.url}/admin/topics`);
        await page.screenshot({ path: `${SCREENSHOT_DIR}/segments-topics-${lang}-${width}.png`, fullPage: true });
        await page.context().close();
      }, 90_000);

  it('shows the topics on the signup form, ticked, in the newsletter’s language (en 1280, zh-CN 375)', async () => {
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'zh', name: '可持续公共采购简报', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
    });
    await h.api('POST', '/api/v1/newsletters/zh/topics', { json: { name: '项目动态', key: 'news' } });
    await h.api('POST', '/api/v1/newsletters/zh/topics', { json: { name: '活动与培训', key: 'events' } });
    for (const [slug, width] of [
      ['brief', 1280],
      ['zh', 375],
    ] as const) {
      const ctx = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${server.url}/n/${slug}`);
      const boxes = page.locator('input[name=topics]');
      expect(await boxes.count()).toBeGreaterThan(0);
      for (const b of await boxes.all()) expect(await b.isChecked()).toBe(true);
      await page.screenshot({ path: `${SCREENSHOT_DIR}/segments-signup-topics-${slug}-${width}.png`, fullPage: true });
      await ctx.close();
    }
  });
});

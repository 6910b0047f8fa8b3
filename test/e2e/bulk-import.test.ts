/**
 * The bulk import of back issues in Chromium, at 1280 and 375 px, in English and Chinese: three
 * files chosen at once (two real past issues and a bad one), each row filled live (the bad file's
 * own error, the others imported and published), the summary line; then the publish confirmation
 * of a draft ("nobody will be emailed"). Screenshots: SCREENSHOT_DIR/bulk-import-*.png, publish-confirm-*.png.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { seed } from '../helpers/seeds.ts';
import { issueEn } from '../fixtures/issue-en.ts';

const WIDTHS = [1280, 375] as const;
const LANGS = ['en', 'zh-CN'] as const;

describe.skipIf(!hasChromium)('bulk import of back issues in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
  const setLang = (lang: string) => page.goto(`${server.url}/admin/lang/${lang}?next=/admin`);

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await createNewsletter(h, 'spp', { name: '可持续公共采购计划简报', language: 'zh-CN', timeZone: 'Asia/Shanghai' });
    server = await serveHarness(h);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Shanghai' })).newPage();
    await page.goto(`${server.url}/admin/login`);
    await page.getByLabel('Email').fill('admin@example.org');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/admin`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  for (const lang of LANGS) {
    for (const width of WIDTHS) {
      it(`uploads three files, one bad, ${lang} at ${width} px: live rows, the bad one failing alone`, async () => {
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/issues`);
        await page.getByTestId('bulk-import-link').click();
        await page.waitForURL(`${server.url}/admin/issues/import`);
        await page.locator('input[type=file]').setInputFiles([
          { name: `001-${width}-${lang}.txt`, mimeType: 'text/plain', buffer: Buffer.from(seed('001')) },
          { name: `broken-${width}-${lang}.txt`, mimeType: 'text/plain', buffer: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]) },
          { name: `004-${width}-${lang}.txt`, mimeType: 'text/plain', buffer: Buffer.from(seed('004')) },
        ]);
        await page.locator('input[name=publish]').check();
        await page.getByTestId('bulk-submit').click();
        const rows = page.locator('[data-bulk-rows] tr');
        await page.waitForFunction(
          () => document.querySelectorAll('[data-bulk-rows] tr[data-state=done], [data-bulk-rows] tr[data-state=failed]').length === 3,
        );
        // Still the same page: the script did the work, one request per file.
        expect(page.url()).toBe(`${server.url}/admin/issues/import`);
        expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.state))).toEqual(['done', 'failed', 'done']);
        const zh = lang === 'zh-CN';
        await expect(page.getByTestId('bulk-summary').textContent()).resolves.toBe(zh ? '已导入 2 个，失败 1 个' : '2 imported, 1 failed');
        await expect(page.locator('[data-bulk-progress]').textContent()).resolves.toBe(zh ? '已完成 3/3' : '3 of 3');
        await expect(rows.nth(1).getByTestId('row-error').textContent()).resolves.toContain(zh ? '文件不是文本' : 'The file is not text');
        await expect(rows.nth(0).textContent()).resolves.toContain('2023-02-01');
        // The table scrolls inside its card on a phone rather than widening the page.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBeLessThanOrEqual(1);
        await rows.nth(0).locator('summary').click();
        await shot(`bulk-import-${lang}-${width}`);
      });
    }
  }

  for (const lang of LANGS) {
    it(`the publish confirmation says nobody is emailed, ${lang}, and publishing leaves the outbox empty`, async () => {
      await setLang(lang);
      const created = await (await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { ...issueEn, title: `Procurement Notes ${lang}` } })).json();
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/issues/${created.id}`);
        await page.getByTestId('publish-archive').click();
        await page.waitForURL(`${server.url}/admin/issues/${created.id}/publish`);
        await expect(page.getByTestId('nobody-emailed').isVisible()).resolves.toBe(true);
        await expect(page.locator('#publishedAt').inputValue()).resolves.toBe('2025-03-01');
        await shot(`publish-confirm-${lang}-${width}`);
      }
      await page.getByTestId('publish-submit').click();
      await page.waitForURL(`${server.url}/admin/issues/${created.id}`);
      await expect(page.locator('.badge-published').first().isVisible()).resolves.toBe(true);
      await shot(`publish-done-${lang}-375`);
      expect((await (await h.api('GET', '/api/v1/outbox')).json()).items).toHaveLength(0);
    });
  }
});

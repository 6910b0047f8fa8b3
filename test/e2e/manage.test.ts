/**
 * The admin's frame and its management pages in Chromium: one header row at 1280 px, a menu under
 * 120 px on a 375 px phone (opens without a script), the new API token's copy button. Screenshots
 * of the pages at 1280 and 375 px in English and Chinese go to SCREENSHOT_DIR/manage-*.png.
 */
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { addSubscribers } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const PAGES = [
  '/admin',
  '/admin/issues',
  '/admin/subscribers',
  '/admin/newsletters',
  '/admin/newsletters?created=second-brief',
  '/admin/users',
  '/admin/users/1/remove',
  '/admin/audit',
  '/admin/account',
];
/** A file name for a page: /admin/users/1/remove → users-1-remove. */
const shotName = (path: string) => path.replace(/^\/admin\/?/, '').replace(/[/?=]+/g, '-') || 'dashboard';
const LANGS = ['en', 'zh-CN'] as const;

describe.skipIf(!hasChromium)('admin frame and management pages in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'spp-brief', name: '可持续公共采购计划简报', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
    });
    await addSubscribers(h, 'spp-brief', 60);
    await h.api('POST', '/api/v1/newsletters', { json: { slug: 'second-brief', name: 'Second brief', fromEmail: 'news2@example.org', language: 'en' } });
    server = await serveHarness(h);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  async function signedIn(width: number, lang: string, opts: { js?: boolean } = {}): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({
      viewport: { width, height: 900 },
      locale: lang === 'en' ? 'en-US' : 'zh-CN',
      timezoneId: 'Europe/Berlin',
      javaScriptEnabled: opts.js ?? true,
      ...(opts.js === false ? {} : { permissions: ['clipboard-read', 'clipboard-write'] }),
    });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/admin/login`);
    await page.locator('#email').fill('admin@example.org');
    await page.locator('#password').fill('correct horse battery');
    await page.locator('form[action="/admin/login"] button[type=submit]').click();
    await page.waitForURL(`${server.url}/admin`);
    return { ctx, page };
  }

  const headerHeight = (page: Page) => page.locator('header.site').evaluate((e) => e.getBoundingClientRect().height);

  for (const lang of LANGS) {
    it(`keeps the header to one row at 1280 px on every page (${lang})`, async () => {
      const { ctx, page } = await signedIn(1280, lang);
      for (const path of PAGES) {
        await page.goto(`${server.url}${path}`);
        // One line: the brand, the newsletter, the navigation and the user share a row.
        const hh = await headerHeight(page);
        expect(hh, path).toBeLessThan(64);
        const brand = await page.locator('header.site .brand').boundingBox();
        const nav = await page.locator('nav.admin-nav').boundingBox();
        const who = await page.locator('header.site .who').boundingBox();
        const sw = await page.locator('#nl-switch').boundingBox();
        for (const b of [nav, who, sw]) expect(Math.abs(b!.y + b!.height / 2 - (brand!.y + brand!.height / 2)), path).toBeLessThan(12);
        await expect(page.getByTestId('menu-button').isVisible()).resolves.toBe(false);
        await page.screenshot({ path: `${SCREENSHOT_DIR}/manage-${shotName(path)}-1280-${lang}.png`, fullPage: true });
      }
      await ctx.close();
    });

    it(`puts the navigation behind a menu under 120 px on a 375 px phone (${lang})`, async () => {
      const { ctx, page } = await signedIn(375, lang);
      for (const path of PAGES) {
        await page.goto(`${server.url}${path}`);
        if (path === '/admin/subscribers') await page.locator('details.add-subscriber > summary').click();
        expect(await headerHeight(page), path).toBeLessThan(120);
        expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(375);
        // The first 1800 px: long lists would make an unreadable strip.
        const height = Math.min(1800, await page.evaluate(() => document.documentElement.scrollHeight));
        await page.screenshot({ path: `${SCREENSHOT_DIR}/manage-${shotName(path)}-375-${lang}.png`, fullPage: true, clip: { x: 0, y: 0, width: 375, height } });
      }
      await page.goto(`${server.url}/admin`);
      await expect(page.locator('nav.admin-nav').isVisible()).resolves.toBe(false);
      await page.getByTestId('menu-button').click();
      await expect(page.locator('nav.admin-nav').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: `${SCREENSHOT_DIR}/manage-menu-375-${lang}.png` });
      await page.locator('nav.admin-nav a[href="/admin/subscribers"]').click();
      await page.waitForURL(`${server.url}/admin/subscribers`);
      await ctx.close();
    });
  }

  it('opens the phone menu without JavaScript', async () => {
    const { ctx, page } = await signedIn(375, 'en', { js: false });
    await page.goto(`${server.url}/admin/issues`);
    await expect(page.locator('nav.admin-nav').isVisible()).resolves.toBe(false);
    await page.getByTestId('menu-button').click();
    await expect(page.locator('nav.admin-nav').isVisible()).resolves.toBe(true);
    await ctx.close();
  });

  it('shows a new API token once with a button that copies it', async () => {
    const { ctx, page } = await signedIn(1280, 'en');
    await page.goto(`${server.url}/admin/users`);
    await page.locator('#tk-name').fill('deploy');
    await page.locator('form[action="/admin/tokens"] button[type=submit]').click();
    await page.waitForURL(`${server.url}/admin/users`);
    const token = ((await page.getByTestId('new-token').textContent()) ?? '').trim();
    expect(token).toMatch(/^qk_/);
    await page.getByTestId('copy-token').click();
    await expect.poll(() => page.locator('[data-copy-status]').textContent()).toBe('Copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/manage-token-1280-en.png`, fullPage: true });
    await page.reload();
    await expect(page.getByTestId('new-token').count()).resolves.toBe(0);
    await ctx.close();
  });
});

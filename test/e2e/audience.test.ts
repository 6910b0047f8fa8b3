/**
 * The audience move's pages in Chromium, at 1280 and 375 px, in English and Chinese: the move page
 * after importing Mailchimp's ZIP (the outcome in words), the subscriber emails' editor with its
 * sandboxed preview after a draft, and a subscriber's page with the notes. No horizontal scroll on
 * a phone. Screenshots: SCREENSHOT_DIR/audience-*.png.
 */
import fs from 'node:fs';
import { zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const WIDTHS = [1280, 375] as const;
const LANGS = ['en', 'zh-CN'] as const;
const FIX = new URL('../fixtures/imports/', import.meta.url);

describe.skipIf(!hasChromium)('audience move pages in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;
  let page: Page;
  let personId = '';
  const zipPath = `${SCREENSHOT_DIR}/../mailchimp-export.zip`;

  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
  const setLang = (lang: string) => page.goto(`${server.url}/admin/lang/${lang}?next=/admin`);
  const noSideScroll = async () => expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    fs.writeFileSync(
      zipPath,
      zipSync(
        Object.fromEntries(
          ['subscribed', 'unsubscribed', 'cleaned'].map((k) => [
            `${k}_members_export_8f3a2c1d9e.csv`,
            fs.readFileSync(new URL(`${k}_members_export_8f3a2c1d9e.csv`, FIX)),
          ]),
        ),
      ),
    );
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await createNewsletter(h, 'brief', { name: 'Procurement Brief', timeZone: 'Asia/Shanghai' });
    const p = await h.api('POST', '/api/v1/newsletters/brief/subscribers', {
      json: { email: 'wang.xiaoming@example.cn', name: '王小明', consentNote: '会议报名表' },
    });
    personId = ((await p.json()) as { id: string }).id;
    await h.api('POST', `/api/v1/subscribers/${personId}/notes`, { json: { body: 'Asked by phone for the Chinese edition.\n电话中要求订阅中文版。' } });
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
      it(`move page after a Mailchimp ZIP, ${lang} at ${width} px`, async () => {
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/subscribers/move`);
        await page.locator('#format').selectOption('mailchimp');
        await page.locator('#move-file').setInputFiles(zipPath);
        await page.locator('#move-form button[type=submit]').click();
        await page.waitForSelector('[data-testid=move-result]');
        const result = await page.locator('[data-testid=move-result]').innerText();
        expect(result).toContain(lang === 'en' ? 'rows read' : '已读取');
        await shot(`audience-move-${lang}-${width}`);
        await noSideScroll();
      });

      it(`email editor with a previewed draft, ${lang} at ${width} px`, async () => {
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/messages/welcome/${lang}`);
        await page.locator('#subject').fill(lang === 'en' ? 'Welcome to {{newsletter}}, {{name}}' : '{{name}}，欢迎订阅《{{newsletter}}》');
        await page
          .locator('#body')
          .fill(lang === 'en' ? 'Dear {{name}},\n\nThank you for joining {{newsletter}}.' : '{{name}}，您好：\n\n感谢您订阅《{{newsletter}}》。');
        await page.locator('button[value=preview]').click();
        await page.waitForSelector('[data-testid=message-preview]');
        const frame = page.frameLocator('[data-testid=message-preview]');
        await expect.poll(() => frame.locator('body').innerText()).toContain(lang === 'en' ? 'Dear Ada Lovelace,' : '王小明，您好：');
        await shot(`audience-message-${lang}-${width}`);
        // The preview frame on its own, as it shows in the window (a full-page shot may not repaint a frame).
        await page.locator('[data-testid=message-preview]').scrollIntoViewIfNeeded();
        await page.locator('[data-testid=message-preview]').screenshot({ path: `${SCREENSHOT_DIR}/audience-message-preview-${lang}-${width}.png` });
        await noSideScroll();
      });

      it(`subscriber page with notes and actions, ${lang} at ${width} px`, async () => {
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/subscribers/${personId}`);
        expect(await page.locator('[data-testid=notes]').innerText()).toContain('电话中要求订阅中文版');
        await shot(`audience-person-${lang}-${width}`);
        // The actions and notes fit the phone (the page's own events table scrolls inside its frame).
        expect(
          await page.evaluate(() => {
            const el = document.querySelector('[aria-labelledby=person-h]')!;
            return el.scrollWidth <= el.clientWidth + 1;
          }),
        ).toBe(true);
      });
    }
  }
});

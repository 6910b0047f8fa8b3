/**
 * The stats page (with opens, and empty) and the CSV import summary in Chromium, at 1280 and 375 px,
 * in English and Chinese: the chart fills a desktop page and stays legible on a phone, "No opens
 * yet" when nobody has opened the issue, the outbox's "does not report deliveries" note, the send's
 * times; the import summary's lines in words. Screenshots: SCREENSHOT_DIR/stats-*.png, import-*.png.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPixelUrl } from '../../src/modules/events/pixel.ts';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const MINUTE = 60_000;
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const WIDTHS = [1280, 375] as const;
const LANGS = ['en', 'zh-CN'] as const;

describe.skipIf(!hasChromium)('stats page and import summary in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;
  let page: Page;
  let withOpens = 0;
  let noOpens = 0;

  const send = async (id: number) => {
    await h.api('POST', `/api/v1/issues/${id}/schedule`, { json: { acknowledge: true, sendAt: new Date(h.clock.now().getTime() + MINUTE).toISOString() } });
    h.clock.advance(2 * MINUTE);
    await h.drain();
  };
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
  const setLang = (lang: string) => page.goto(`${server.url}/admin/lang/${lang}?next=/admin`);

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await createNewsletter(h, 'brief', { name: 'Procurement Brief', timeZone: 'Asia/Shanghai', openTracking: true });
    await addSubscribers(h, 'brief', 60, 'reader');
    withOpens = await createIssue(h, 'brief', 'March brief');
    await send(withOpens);
    const rows = await h.db.db.selectFrom('deliveries').select('id').where('issue_id', '=', withOpens).orderBy('id').execute();
    // Opens spread over the first two days, most in the first hours.
    for (const [i, r] of rows.slice(0, 36).entries()) {
      h.clock.advance((i < 20 ? 10 : 75) * MINUTE);
      await h.app.request(new URL(openPixelUrl(h.config.publicUrl, h.config.secret!, r.id)).pathname, { headers: { 'user-agent': UA } });
    }
    noOpens = await createIssue(h, 'brief', 'April brief');
    await send(noOpens);
    server = await serveHarness(h);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Berlin' })).newPage();
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
      it(`stats with opens, ${lang} at ${width} px: the chart fills the width and its labels stay legible`, async () => {
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/issues/${withOpens}/stats`);
        const svg = page.locator(width < 640 ? 'svg.chart-narrow' : 'svg.chart-wide');
        await expect(svg.isVisible()).resolves.toBe(true);
        await expect(page.locator(width < 640 ? 'svg.chart-wide' : 'svg.chart-narrow').isVisible()).resolves.toBe(false);
        const box = (await svg.boundingBox())!;
        const card = (await page.locator('.card', { has: svg }).boundingBox())!;
        expect(box.width).toBeGreaterThan(card.width - 48); // the card's full width, phone or desktop
        // Axis labels at least 10 px tall on screen.
        const label = (await svg.locator('text').first().boundingBox())!;
        expect(label.height).toBeGreaterThanOrEqual(10);
        // No sideways scrolling on a phone.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await expect(page.getByTestId('no-delivery-events').isVisible()).resolves.toBe(true);
        await expect(page.getByTestId('send-times').isVisible()).resolves.toBe(true);
        await shot(`stats-data-${lang}-${width}`);
        await page.locator('.card', { has: svg }).screenshot({ path: `${SCREENSHOT_DIR}/stats-chart-${lang}-${width}.png` });
      });

      it(`stats with no opens yet, ${lang} at ${width} px`, async () => {
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/issues/${noOpens}/stats`);
        const empty = page.getByTestId('chart-empty');
        await expect(empty.textContent()).resolves.toContain(lang === 'en' ? 'No opens yet' : '还没有人打开');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await shot(`stats-empty-${lang}-${width}`);
      });
    }
  }

  for (const lang of LANGS) {
    for (const width of WIDTHS) {
      it(`import summary, ${lang} at ${width} px: rows counted, errors and notes by line in words`, async () => {
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/subscribers/import`);
        const rows = Array.from({ length: 198 }, (_, i) => `import-${lang}-${width}-${i}@example.org,Person ${i},${i === 4 ? 'klingon' : 'en'}`);
        const csv = `email,name,language\n${rows.join('\n')}\nnot-an-address,Nobody,en\nbroken-${lang}-${width}@example.org,"Broken,en\n`;
        const file = `${SCREENSHOT_DIR}/import-${lang}-${width}.csv`;
        fs.writeFileSync(file, csv);
        await page.setInputFiles('input[name=file]', file);
        await page.locator('#note').fill('Sign-up sheet, March');
        await page.locator('#import-form button[type=submit]').click();
        const result = page.getByTestId('import-result');
        await result.waitFor();
        const said = (await result.textContent()) ?? '';
        expect(said).toContain(lang === 'en' ? '198 imported of 200 rows' : '共 200 行，导入 198 个');
        expect(said).toContain(lang === 'en' ? 'Line 200: email is not a valid address' : '第 200 行：');
        expect(said).toContain(lang === 'en' ? 'Line 201: a quotation mark is not closed' : '第 201 行：引号没有闭合');
        expect(said).toContain(lang === 'en' ? 'Line 6: “klingon” is not a language code' : '第 6 行：“klingon”不是语言代码');
        expect(said.indexOf(lang === 'en' ? 'Line 200' : '第 200 行')).toBeLessThan(said.indexOf(lang === 'en' ? 'Line 201' : '第 201 行'));
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await shot(`import-summary-${lang}-${width}`);
      });
    }
  }
});

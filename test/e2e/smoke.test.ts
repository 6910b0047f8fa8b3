import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.skipIf(!hasChromium)('start page in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness('pglite');
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'spp-brief', name: '可持续公共采购计划简报', fromEmail: 'news@example.org', language: 'zh-CN' },
    });
    server = await serveHarness(h);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it('opens the start page and follows a link to a signup page', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    const res = await page.goto(`${server.url}/`);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe('Quire');
    await expect(page.getByText('可持续公共采购计划简报').count()).resolves.toBe(1);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/home-800.png`, fullPage: true });
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Subscribe' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/n/spp-brief');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.close();
  });
});

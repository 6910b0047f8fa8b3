// The whole consent journey in Chromium: signup form → confirmation mail → confirm button →
// unsubscribe page → unsubscribe button. States are checked through the admin API.
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsubscribeUrl } from '../../src/lib/tokens.ts';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.skipIf(!hasChromium)('signup, confirm and unsubscribe in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite');
    await h.api('POST', '/api/v1/newsletters', {
      json: {
        slug: 'spp-brief',
        name: '同一个地球网络 可持续公共采购计划简报',
        fromEmail: 'news@example.org',
        language: 'zh-CN',
        description: '每月一期，介绍可持续公共采购的最新进展。',
      },
    });
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'weekly', name: 'Procurement Weekly', fromEmail: 'news@example.org', language: 'en', openTracking: false },
    });
    server = await serveHarness(h);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  const subscriber = async (email: string) => {
    const list = await (await h.api('GET', `/api/v1/newsletters/weekly/subscribers?q=${encodeURIComponent(email)}`)).json();
    return list.items[0] as { id: string; status: string } | undefined;
  };

  it('renders the signup page in zh-CN and en at 375 and 800 px', async () => {
    for (const [slug, tag] of [
      ['spp-brief', 'zh'],
      ['weekly', 'en'],
    ] as const) {
      for (const width of [375, 800]) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        await page.goto(`${server.url}/n/${slug}`);
        expect(await page.getAttribute('html', 'lang')).toBe(slug === 'weekly' ? 'en' : 'zh-CN');
        // the honeypot is invisible to people
        const box = await page.locator('#website').boundingBox();
        expect(box!.x + box!.width).toBeLessThan(0); // far off-screen, and aria-hidden
        await page.screenshot({ path: `${SCREENSHOT_DIR}/signup-${tag}-${width}.png`, fullPage: true });
        await page.close();
      }
    }
  });

  it('shows field errors without JavaScript and keeps what was typed', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/n/weekly`);
    await page.getByLabel('Email address').fill('typo@example');
    await page.getByLabel('Name (optional)').fill('Robin');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForSelector('#error-summary');
    expect(await page.inputValue('#name')).toBe('Robin');
    expect(await page.getAttribute('#email', 'aria-invalid')).toBe('true');
    await page.screenshot({ path: `${SCREENSHOT_DIR}/signup-en-errors-375.png`, fullPage: true });
    await ctx.close();
  });

  it('subscribes, confirms from the emailed link, then unsubscribes', async () => {
    const email = 'e2e.reader@example.org';
    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    await page.goto(`${server.url}/n/weekly`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Name (optional)').fill('E2E Reader');
    await page.getByLabel(/I agree to receive Procurement Weekly/).check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    expect((await subscriber(email))?.status).toBe('pending');

    await h.runJobs();
    const { items } = await (await h.api('GET', `/api/v1/outbox?to=${email}`)).json();
    expect(items).toHaveLength(1);
    const link = /https:\/\/news\.example\.test(\/confirm\/\S+)/.exec(items[0].text)![1]!;
    await page.goto(server.url + link);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/confirm-800.png`, fullPage: true });
    expect((await subscriber(email))?.status).toBe('pending'); // opening the link changes nothing
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOT_DIR}/confirmed-800.png`, fullPage: true });
    const s = await subscriber(email);
    expect(s?.status).toBe('active');

    const unsub = new URL(unsubscribeUrl(h.config.publicUrl, h.config.secret!, s!.id));
    await page.goto(server.url + unsub.pathname);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/unsubscribe-800.png`, fullPage: true });
    expect((await subscriber(email))?.status).toBe('active');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOT_DIR}/unsubscribed-800.png`, fullPage: true });
    expect((await subscriber(email))?.status).toBe('unsubscribed');
    const detail = await (await h.api('GET', `/api/v1/subscribers/${s!.id}`)).json();
    expect(detail.events.map((e: { type: string; source: string }) => `${e.type}/${e.source}`)).toEqual(['signup/form', 'confirm/link', 'unsubscribe/link']);
    await page.close();
  });
});

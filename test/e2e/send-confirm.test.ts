/**
 * The send confirmation in Chromium: the issue page's "Schedule" leads to a page naming who gets
 * the issue and when, with each open warning to tick; the browser will not go on until every box
 * is ticked, then the issue is scheduled. Screenshots at 1280 and 375 px, English and Chinese:
 * SCREENSHOT_DIR/send-confirm-*.png.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { addSubscribers } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.skipIf(!hasChromium)('send confirmation in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;

  const issue = async (title: string) => {
    const res = await h.api('POST', '/api/v1/newsletters/brief/issues', {
      json: {
        title,
        sections: [
          {
            title: 'News',
            articles: [
              { title: 'One', body: 'See [the report](#) and https://www.example.com/report.', sources: [] },
              { title: '', body: 'An article without a title.', sources: [] },
            ],
          },
        ],
      },
    });
    return (await res.json()).id as number;
  };

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

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'brief', name: 'Sustainable Procurement Brief', fromEmail: 'news@example.org', timeZone: 'Asia/Shanghai' },
    });
    await addSubscribers(h, 'brief', 197, 'reader');
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
      it(`asks who gets it and each warning ticked, then schedules (${lang}, ${width} px)`, async () => {
        const id = await issue(`December brief ${lang} ${width}`);
        const page = await signIn(width, lang);
        await page.goto(`${server.url}/admin/issues/${id}`);
        await page.locator('#sendAt').fill('2026-12-02T09:00');
        await page.locator('#tz').selectOption('Asia/Shanghai');
        await page.getByTestId('schedule-submit').click();
        const question = page.getByTestId('confirm-question');
        await question.waitFor();
        const text = (await question.textContent()) ?? '';
        if (lang === 'en')
          expect(text).toMatch(/^Send “December brief en \d+” to 197 subscribers of “Sustainable Procurement Brief” on .+09:00.* Asia\/Shanghai\?$/);
        else expect(text).toMatch(/^确定于 .+09:00.* Asia\/Shanghai 将《December brief zh-CN \d+》发送给《Sustainable Procurement Brief》的 197 位订阅者？$/);
        const boxes = await page.getByTestId('ack').all();
        expect(boxes).toHaveLength(4); // placeholder link, example.com link, untitled article, no postal address
        await page.screenshot({ path: `${SCREENSHOT_DIR}/send-confirm-${lang}-${width}.png`, fullPage: true });
        // One box left: the browser does not submit, nothing is scheduled.
        for (const box of boxes.slice(1)) await box.check();
        await page.getByTestId('confirm-submit').click();
        expect(page.url()).toContain(`/admin/issues/${id}/schedule`);
        expect((await h.services.issues.get(id)).status).toBe('draft');
        await boxes[0]!.check();
        await page.getByTestId('confirm-submit').click();
        await page.waitForURL(new RegExp(`/admin/issues/${id}$`));
        await expect(page.getByTestId('scheduled-for').textContent()).resolves.toContain('Asia/Shanghai');
        const scheduled = await h.services.issues.get(id);
        expect(scheduled).toMatchObject({ status: 'scheduled', sendAt: '2026-12-02T01:00:00.000Z' });
        await page.screenshot({ path: `${SCREENSHOT_DIR}/send-confirm-done-${lang}-${width}.png`, fullPage: true });
        await page.context().close();
      });

  for (const lang of ['en', 'zh-CN'] as const)
    for (const width of [1280, 375])
      it(`refuses ready without a slot with a link, offers delete on a draft, and the dashboard warns (${lang}, ${width} px)`, async () => {
        const id = await issue(`Draft ${lang} ${width}`);
        const page = await signIn(width, lang);
        await page.goto(`${server.url}/admin/issues/${id}`);
        expect(await page.locator(`form[action="/admin/issues/${id}/cancel"]`).count()).toBe(0);
        await page.locator(`form[action="/admin/issues/${id}/ready"] button`).click();
        await page.waitForURL(new RegExp(`/admin/issues/${id}$`));
        await expect(page.locator('.flash-error a[href="/admin/newsletters#slot-h"]').count()).resolves.toBe(1);
        await page.screenshot({ path: `${SCREENSHOT_DIR}/send-issue-${lang}-${width}.png`, fullPage: true });
        await page.getByTestId('delete').click();
        await page.getByTestId('delete-question').waitFor();
        await page.screenshot({ path: `${SCREENSHOT_DIR}/send-delete-${lang}-${width}.png`, fullPage: true });
        await page.getByTestId('delete-submit').click();
        await page.waitForURL(/\/admin\/issues$/);
        expect((await h.api('GET', `/api/v1/issues/${id}`)).status).toBe(404);
        // Marked ready (a slot set then switched off): the dashboard warns that it will not go out.
        const ready = await issue(`Ready ${lang} ${width}`);
        await h.api('PUT', '/api/v1/newsletters/brief/schedule', { json: { rule: { kind: 'dayOfMonth', day: 1, time: '09:00' }, enabled: true } });
        expect((await h.api('POST', `/api/v1/issues/${ready}/ready`, { json: { ready: true } })).status).toBe(200);
        await h.api('PUT', '/api/v1/newsletters/brief/schedule', { json: { rule: { kind: 'dayOfMonth', day: 1, time: '09:00' }, enabled: false } });
        await page.goto(`${server.url}/admin`);
        await expect(page.locator('.flash-warn').count()).resolves.toBeGreaterThan(0);
        await page.screenshot({ path: `${SCREENSHOT_DIR}/send-dashboard-${lang}-${width}.png`, fullPage: true });
        await h.api('POST', `/api/v1/issues/${ready}/ready`, { json: { ready: false } });
        await page.context().close();
      });
});

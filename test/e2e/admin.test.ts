/**
 * The admin web app in Chromium: sign in, import an issue from a seed file, preview it, schedule
 * it, read its statistics, import a CSV of subscribers, and check that a viewer sees no edit
 * buttons. Screenshots of every main page in English and Chinese go to SCREENSHOT_DIR/admin-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { addSubscribers } from '../helpers/fixtures.ts';
import { openPixelUrl } from '../../src/modules/events/pixel.ts';

const SEEDS = path.resolve(import.meta.dirname, '../../../shared/seeds');
const seedFile = fs.existsSync(SEEDS) ? fs.readdirSync(SEEDS).filter((f) => f.endsWith('.txt')).sort()[0] : undefined;

describe.skipIf(!hasChromium)('admin web app in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;
  let page: Page;
  let issueId = 0;
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOT_DIR}/admin-${name}.png`, fullPage: true });

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    // Plain http on loopback: the session cookie is not Secure here (it is with an https PUBLIC_URL).
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'spp-brief', name: '可持续公共采购计划简报', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
    });
    await h.api('PUT', '/api/v1/newsletters/spp-brief/schedule', { json: { rule: { kind: 'weekdayOfMonth', week: 1, weekday: 2, time: '09:00' }, timeZone: 'Asia/Shanghai' } });
    await h.services.users.createUser('viewer@example.org', 'viewer password 1', 'viewer', 'test');
    server = await serveHarness(h);
    browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    page = await ctx.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it('signs in', async () => {
    await page.goto(server.url + '/admin');
    expect(page.url()).toContain('/admin/login');
    await shot('login-en');
    await page.getByLabel('Email').fill('admin@example.org');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(server.url + '/admin');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Dashboard');
    // The inline script stored the browser's time zone; the next page uses it.
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'tz')?.value).toBe(encodeURIComponent('Europe/Berlin'));
    const session = cookies.find((c) => c.name === 'quire_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
  });

  it.skipIf(!seedFile)('imports an issue from a seed file and previews it', async () => {
    await page.getByRole('link', { name: 'Issues', exact: true }).click();
    await page.getByRole('link', { name: 'Import an issue' }).first().click();
    await page.setInputFiles('input[name=file]', path.join(SEEDS, seedFile!));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/\/admin\/issues\/\d+$/);
    issueId = Number(/\/admin\/issues\/(\d+)/.exec(page.url())![1]);
    expect(issueId).toBeGreaterThan(0);
    await expect(page.locator('.flash').first().textContent()).resolves.toContain('Saved');
    // Both previews load through the session cookie.
    const frames = page.locator('.previews iframe');
    await expect(frames.count()).resolves.toBe(2);
    await frames.first().scrollIntoViewIfNeeded();
    const phone = page.frameLocator('.previews iframe').first();
    await phone.locator('body').waitFor();
    expect(((await phone.locator('body').textContent()) ?? '').length).toBeGreaterThan(200);
    expect(await frames.first().evaluate((f: HTMLIFrameElement) => f.getBoundingClientRect().width)).toBeCloseTo(375, -1);
    expect(await frames.nth(1).evaluate((f: HTMLIFrameElement) => f.getBoundingClientRect().width)).toBeCloseTo(800, -1);
    await shot('issue-en');
  });

  it.skipIf(!seedFile)('edits the title and schedules the issue', async () => {
    await page.goto(`${server.url}/admin/issues/${issueId}`);
    const title = page.locator('#f-title');
    await title.fill('Edited in the browser');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/admin/issues/${issueId}`));
    await expect(page.locator('h1').textContent()).resolves.toContain('Edited in the browser');
    await page.locator('#sendAt').fill('2026-03-10T09:30');
    await page.locator('#tz').selectOption('Asia/Shanghai');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.waitForURL(new RegExp(`/admin/issues/${issueId}`));
    await expect(page.getByTestId('scheduled-for').textContent()).resolves.toContain('Asia/Shanghai');
    const issue = await h.services.issues.get(issueId);
    expect(issue.status).toBe('scheduled');
    expect(issue.sendAt).toBe('2026-03-10T01:30:00.000Z');
  });

  it.skipIf(!seedFile)('reads the statistics page of a sent issue', async () => {
    // The scheduled issue goes out to 20 subscribers; two of them open it (one through Apple's proxy).
    await addSubscribers(h, 'spp-brief', 20, 'stats-reader');
    const signedInAt = h.clock.now();
    h.clock.set('2026-03-10T01:31:00Z');
    await h.drain();
    const rows = await h.db.db.selectFrom('deliveries').select('id').where('issue_id', '=', issueId).orderBy('id').limit(2).execute();
    h.clock.set('2026-03-10T03:00:00Z');
    await h.app.request(new URL(openPixelUrl('http://127.0.0.1', h.config.secret!, rows[0]!.id)).pathname, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)' } });
    await h.app.request(new URL(openPixelUrl('http://127.0.0.1', h.config.secret!, rows[1]!.id)).pathname, { headers: { 'user-agent': 'Mozilla/5.0' } });
    h.clock.set(signedInAt); // back to the session's time, so the browser stays signed in
    await page.goto(`${server.url}/admin/issues/${issueId}/stats`);
    const text = (await page.getByTestId('stats').textContent()) ?? '';
    expect(text).toContain('20');
    expect(await page.locator('svg').count()).toBeGreaterThan(0);
    await expect(page.getByTestId('no-clicks').textContent()).resolves.toContain('Quire does not track clicks');
    await expect(page.getByTestId('stats').textContent()).resolves.toContain('Recipients');
    await shot('stats-en');
  });

  it('imports subscribers from a CSV', async () => {
    await page.goto(`${server.url}/admin/subscribers/import`);
    const csv = 'email,name\nwang@example.cn,王小明\nanna@example.org,Anna\nnot-an-address,Broken\n';
    await page.setInputFiles('input[name=file]', { name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByLabel('How did these people agree?').fill('Signed up at the 2026 SPP conference');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-result').waitFor();
    await expect(page.getByTestId('import-result').textContent()).resolves.toContain('2 imported');
    await shot('subscribers-import-en');
    await page.goto(`${server.url}/admin/subscribers`);
    await expect(page.getByTestId('subscribers').textContent()).resolves.toContain('wang@example.cn');
    await page.getByLabel('Search by email or name').fill('anna');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByTestId('subscribers').textContent()).resolves.not.toContain('wang@example.cn');
    await page.getByRole('link', { name: 'anna@example.org' }).click();
    await expect(page.getByTestId('events').textContent()).resolves.toContain('import');
    await shot('subscriber-en');
  });

  it('takes screenshots of every main page in English and Chinese', async () => {
    const pages: [string, string][] = [
      ['dashboard', '/admin'],
      ['issues', '/admin/issues'],
      ['issue-new', '/admin/issues/new'],
      ...(issueId ? ([['issue', `/admin/issues/${issueId}`], ['stats', `/admin/issues/${issueId}/stats`]] as [string, string][]) : []),
      ['subscribers', '/admin/subscribers'],
      ['newsletters', '/admin/newsletters'],
      ['users', '/admin/users'],
      ['audit', '/admin/audit'],
      ['account', '/admin/account'],
    ];
    for (const lang of ['en', 'zh']) {
      await page.goto(`${server.url}/admin/lang/${lang === 'zh' ? 'zh-CN' : 'en'}?next=/admin`);
      for (const [name, p] of pages) {
        await page.goto(server.url + p);
        expect(await page.locator('html').getAttribute('lang')).toBe(lang === 'zh' ? 'zh-CN' : 'en');
        await shot(`${name}-${lang}`);
        // Long pages: the first screenful too, to look at without scaling.
        if (name === 'issue' || name === 'newsletters') await page.screenshot({ path: `${SCREENSHOT_DIR}/admin-${name}-top-${lang}.png` });
      }
    }
    await expect(page.getByRole('link', { name: '期刊', exact: true }).count()).resolves.toBe(1);
    // Dark theme, remembered in a cookie.
    await page.goto(`${server.url}/admin/theme/dark?next=/admin`);
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await shot('dashboard-zh-dark');
    if (issueId) {
      await page.goto(`${server.url}/admin/issues/${issueId}/stats`);
      await shot('stats-zh-dark');
    }
    await page.goto(`${server.url}/admin/theme/auto?next=/admin/lang/en`);
  });

  it('shows a viewer no edit buttons', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    await p.goto(server.url + '/admin/login');
    await p.locator('#email').fill('viewer@example.org');
    await p.locator('#password').fill('viewer password 1');
    await p.locator('form.card button[type=submit]').click();
    await p.waitForURL(server.url + '/admin');
    await p.goto(server.url + '/admin/issues');
    expect(await p.locator('a[href="/admin/issues/new"]').count()).toBe(0);
    if (issueId) {
      await p.goto(`${server.url}/admin/issues/${issueId}`);
      expect(await p.locator('#editor').count()).toBe(0);
      expect(await p.locator(`form[action="/admin/issues/${issueId}/schedule"]`).count()).toBe(0);
      expect(await p.locator(`form[action="/admin/issues/${issueId}/cancel"]`).count()).toBe(0);
      await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-issue-viewer.png`, fullPage: true });
    }
    await p.goto(server.url + '/admin/newsletters');
    expect(await p.locator('button[type=submit]:visible', { hasText: 'Save' }).count()).toBe(0);
    const res = await p.goto(server.url + '/admin/users');
    expect(res?.status()).toBe(403);
    await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-forbidden.png`, fullPage: true });
    await ctx.close();
  });
});

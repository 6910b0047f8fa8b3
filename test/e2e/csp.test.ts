/**
 * The Content-Security-Policy in Chromium: the main public and admin pages (the issue page with
 * its framed preview and the live preview) load and work with no violation reported, neither as a
 * `securitypolicyviolation` event nor in the console. Screenshots: SCREENSHOT_DIR/csp-*.png.
 */
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preferencesUrl, unsubscribeUrl } from '../../src/lib/tokens.ts';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const MINUTE = 60_000;

describe.skipIf(!hasChromium)('Content-Security-Policy in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let issueId = 0;
  let subscriberId = '';
  const violations: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await createNewsletter(h, 'csp');
    await addSubscribers(h, 'csp', 2, 'csp');
    issueId = await createIssue(h, 'csp');
    // One issue sent, for the archive's web version.
    const sent = await createIssue(h, 'csp', 'Sent brief');
    await h.api('POST', `/api/v1/issues/${sent}/schedule`, { json: { acknowledge: true, sendAt: new Date(h.clock.now().getTime() + MINUTE).toISOString() } });
    h.clock.advance(2 * MINUTE);
    await h.drain();
    const s = await h.db.db.selectFrom('subscribers').select('id').where('email_normalized', '=', 'csp-0@example.org').executeTakeFirstOrThrow();
    subscriberId = String(s.id);
    server = await serveHarness(h);
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    // Runs in every frame before its scripts (injected by the browser, not subject to the page's policy).
    await ctx.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`securitypolicyviolation ${e.violatedDirective} ${e.blockedURI} at ${e.documentURI}`);
      });
    });
    page = await ctx.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (/securitypolicyviolation|Content Security Policy/i.test(text)) violations.push(`${page.url()}: ${text}`);
    });
    page.on('pageerror', (e) => violations.push(`${page.url()}: page error ${e.message}`));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  const visit = async (path: string, shot?: string) => {
    const res = await page.goto(`${server.url}${path}`);
    expect(res?.headers()['content-security-policy'], path).toBeTruthy();
    await page.waitForLoadState('load');
    if (shot) await page.screenshot({ path: `${SCREENSHOT_DIR}/csp-${shot}.png`, fullPage: true });
  };

  it('public pages load with no violation', async () => {
    await visit('/', 'home');
    await visit('/n/csp', 'signup');
    await page.getByLabel(/email/i).first().fill('csp-new@example.org');
    await page.getByRole('checkbox').first().check();
    await page.getByRole('button', { name: /subscribe/i }).click();
    await page.waitForLoadState('load');
    await visit(unsubscribeUrl('', h.config.secret!, subscriberId), 'unsubscribe');
    await visit(preferencesUrl('', h.config.secret!, subscriberId), 'preferences');
    await visit('/confirm/not-a-token');
    await visit('/archive/csp', 'archive');
    await visit('/archive/csp/2', 'web-version');
    await visit('/api/docs');
    await visit('/no/such/page');
    expect(violations).toEqual([]);
  });

  it('admin pages, the framed preview and the live preview work with no violation', async () => {
    await visit('/admin/login');
    await page.getByLabel('Email').fill('admin@example.org');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/admin`);
    // The bundled script ran (it sets the time-zone cookie).
    expect((await ctx.cookies()).some((c) => c.name === 'tz')).toBe(true);
    for (const p of [
      '/admin',
      '/admin/issues',
      '/admin/issues/new',
      '/admin/subscribers',
      `/admin/subscribers/${subscriberId}`,
      '/admin/subscribers/import',
      '/admin/newsletters',
      '/admin/account',
      '/admin/users',
      '/admin/audit',
      `/admin/issues/${issueId + 1}/stats`,
    ]) {
      await visit(p);
    }
    await visit(`/admin/issues/${issueId}`, 'admin-issue');
    const frame = page.frameLocator('#preview iframe');
    await expect(frame.getByText('First article').first().textContent()).resolves.toContain('First article');
    // The live preview writes the email into a srcdoc frame (it inherits the admin's policy).
    const title = page.locator('#editor input[name="title"]').first();
    await title.fill('Typed under the policy');
    await expect.poll(() => page.locator('#preview').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    await expect(frame.getByText('Typed under the policy').first().textContent()).resolves.toContain('Typed under the policy');
    await page.screenshot({ path: `${SCREENSHOT_DIR}/csp-admin-live-preview.png`, fullPage: true });
    expect(violations).toEqual([]);
  });
});

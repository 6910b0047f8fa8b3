/**
 * The admin web app in Chromium: sign in, import an issue from a seed file, preview it, schedule
 * it, read its statistics, import a CSV of subscribers, and check that a viewer sees no edit
 * buttons. Screenshots of every main page in English and Chinese go to SCREENSHOT_DIR/admin-*.png.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { addSubscribers } from '../helpers/fixtures.ts';
import { openPixelUrl } from '../../src/modules/events/pixel.ts';
import { seedFiles, seedPath } from '../helpers/seeds.ts';

const seedFile = seedFiles()[0]!;

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
    await h.api('PUT', '/api/v1/newsletters/spp-brief/schedule', {
      json: { rule: { kind: 'weekdayOfMonth', week: 1, weekday: 2, time: '09:00' }, timeZone: 'Asia/Shanghai' },
    });
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
    await page.goto(`${server.url}/admin`);
    expect(page.url()).toContain('/admin/login');
    await shot('login-en');
    await page.getByLabel('Email').fill('admin@example.org');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/admin`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Dashboard');
    // The inline script stored the browser's time zone; the next page uses it.
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'tz')?.value).toBe(encodeURIComponent('Europe/Berlin'));
    const session = cookies.find((c) => c.name === 'quire_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
  });

  it('imports an issue from a seed file and previews it', async () => {
    await page.getByRole('link', { name: 'Issues', exact: true }).click();
    await page.getByRole('link', { name: 'Import an issue' }).first().click();
    await page.setInputFiles('input[name=file]', seedPath(seedFile));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/\/admin\/issues\/\d+$/);
    issueId = Number(/\/admin\/issues\/(\d+)/.exec(page.url())![1]);
    expect(issueId).toBeGreaterThan(0);
    await expect(page.locator('.flash').first().textContent()).resolves.toContain('Saved');
    // The preview loads through the session cookie, beside the form, at phone width first.
    const frame = page.locator('#preview iframe');
    await expect(frame.count()).resolves.toBe(1);
    const phone = page.frameLocator('#preview iframe');
    await phone.locator('body').waitFor();
    expect(((await phone.locator('body').textContent()) ?? '').length).toBeGreaterThan(200);
    expect(await frame.evaluate((f: HTMLIFrameElement) => f.getBoundingClientRect().width)).toBeCloseTo(375, -1);
    const pane = await page.locator('#preview').boundingBox();
    const form = await page.locator('#editor').boundingBox();
    expect(pane!.x).toBeGreaterThan(form!.x + form!.width - 1); // side by side at 1280 px
    // Desktop: an 800 px page, scaled down to the pane's width.
    await page.locator('label[for=pv-desktop]').click();
    expect(await frame.evaluate((f: HTMLIFrameElement) => f.offsetWidth)).toBe(800);
    const shown = await frame.evaluate((f: HTMLIFrameElement) => f.getBoundingClientRect().width);
    const stage = await page.locator('[data-pv-stage]').evaluate((e) => e.clientWidth);
    expect(shown).toBeLessThan(800);
    expect(shown).toBeCloseTo(stage, -1);
    await page.locator('label[for=pv-plain]').click();
    await expect(page.locator('[data-pv-text]').isVisible()).resolves.toBe(true);
    await page.locator('label[for=pv-email]').click();
    await page.locator('label[for=pv-phone]').click();
    await shot('issue-en');
  });

  it('updates the preview live while the title is typed, without saving', async () => {
    await page.goto(`${server.url}/admin/issues/${issueId}`);
    const saved = await h.services.issues.get(issueId);
    const frame = page.frameLocator('#preview iframe');
    await frame.locator('body').waitFor();
    // Scrolled down in the preview: the live update keeps the place.
    await page.locator('#preview iframe').evaluate((f: HTMLIFrameElement) => f.contentWindow!.scrollTo(0, 400));
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });
    await page.locator('#f-title').fill('');
    await page.locator('#f-title').pressSequentially('Live title typed', { delay: 20 });
    await frame.locator('body', { hasText: 'Live title typed' }).waitFor();
    await expect(page.locator('#preview').getAttribute('data-state')).resolves.toBe('live');
    await expect(page.locator('[data-pv-status]').textContent()).resolves.toContain('unsaved');
    await expect.poll(() => page.locator('#preview iframe').evaluate((f: HTMLIFrameElement) => f.contentWindow!.scrollY)).toBeGreaterThan(300);
    // Debounced: a few requests, not one per key; and only to the preview route (the editor's
    // autosave, two seconds after typing stops, is the only other post, and the preview stores nothing).
    const previews = posts.filter((p) => p === `/admin/issues/${issueId}/preview`);
    expect(previews.length).toBeGreaterThan(0);
    expect(previews.length).toBeLessThan(6);
    expect(posts.every((p) => p === `/admin/issues/${issueId}/preview` || p === `/admin/issues/${issueId}/autosave`)).toBe(true);
    if (!posts.includes(`/admin/issues/${issueId}/autosave`)) expect((await h.services.issues.get(issueId)).title).toBe(saved.title);
    expect(await page.locator('h1').textContent()).toContain(saved.title);
    // An empty title is refused with a message in the pane; the frame keeps the last good render.
    await page.locator('#f-title').fill('');
    await page.locator('[data-pv-error]:visible').waitFor();
    await expect(page.locator('[data-pv-error]').textContent()).resolves.toMatch(/title/i);
    await expect(frame.locator('body').textContent()).resolves.toContain('Live title typed');
    await page.locator('#f-title').fill('Live title again');
    await frame.locator('body', { hasText: 'Live title again' }).waitFor();
    await expect(page.locator('[data-pv-error]').isVisible()).resolves.toBe(false);
    expect((await h.services.issues.get(issueId)).title).toBe(saved.title);
  });

  it('never lets an older preview answer overwrite a newer one', async () => {
    await page.goto(`${server.url}/admin/issues/${issueId}`);
    await page.frameLocator('#preview iframe').locator('body').waitFor();
    // The first preview request is held back until after the second has answered.
    let first = true;
    let releaseFirst: () => void = () => {};
    const held = new Promise<void>((r) => (releaseFirst = r));
    await page.route('**/admin/issues/*/preview', async (route) => {
      if (first) {
        first = false;
        await held;
        // The page may have aborted it already; either way it must not paint.
        await route.continue().catch(() => {});
      } else {
        await route.continue();
      }
    });
    try {
      await page.locator('#f-title').fill('Older edit');
      await page.waitForTimeout(700); // past the debounce: the first request is in flight
      await page.locator('#f-title').fill('Newer edit');
      const frame = page.frameLocator('#preview iframe');
      await frame.locator('body', { hasText: 'Newer edit' }).waitFor();
      releaseFirst();
      await page.waitForTimeout(800);
      await expect(frame.locator('body').textContent()).resolves.toContain('Newer edit');
      await expect(frame.locator('body').textContent()).resolves.not.toContain('Older edit');
    } finally {
      releaseFirst();
      await page.unroute('**/admin/issues/*/preview');
    }
  });

  it('edits the title and schedules the issue', async () => {
    await page.goto(`${server.url}/admin/issues/${issueId}`);
    const title = page.locator('#f-title');
    await title.fill('Edited in the browser');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/admin/issues/${issueId}`));
    await expect(page.locator('h1').textContent()).resolves.toContain('Edited in the browser');
    await page.locator('#sendAt').fill('2026-03-10T09:30');
    await page.locator('#tz').selectOption('Asia/Shanghai');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    // The confirmation: every open warning ticked, then the send confirmed.
    await page.getByTestId('confirm-question').waitFor();
    for (const box of await page.getByTestId('ack').all()) await box.check();
    await page.getByTestId('confirm-submit').click();
    await page.waitForURL(new RegExp(`/admin/issues/${issueId}$`));
    await expect(page.getByTestId('scheduled-for').textContent()).resolves.toContain('Asia/Shanghai');
    const issue = await h.services.issues.get(issueId);
    expect(issue.status).toBe('scheduled');
    expect(issue.sendAt).toBe('2026-03-10T01:30:00.000Z');
  });

  it('reads the statistics page of a sent issue', async () => {
    // The scheduled issue goes out to 20 subscribers; two of them open it (one through Apple's proxy).
    await addSubscribers(h, 'spp-brief', 20, 'stats-reader');
    const signedInAt = h.clock.now();
    h.clock.set('2026-03-10T01:31:00Z');
    await h.drain();
    const rows = await h.db.db.selectFrom('deliveries').select('id').where('issue_id', '=', issueId).orderBy('id').limit(2).execute();
    h.clock.set('2026-03-10T03:00:00Z');
    await h.app.request(new URL(openPixelUrl('http://127.0.0.1', h.config.secret!, rows[0]!.id)).pathname, {
      headers: { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)' },
    });
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

  it('shows upload and processing progress for a large CSV import, then the summary', async () => {
    await page.goto(`${server.url}/admin/subscribers/import`);
    // Every text the progress line shows, recorded as it changes.
    await page.evaluate(() => {
      const w = window as unknown as { progressSeen: string[] };
      w.progressSeen = [];
      const line = document.querySelector('#import-progress [data-line]')!;
      new MutationObserver(() => w.progressSeen.push(line.textContent ?? '')).observe(line, { childList: true, characterData: true, subtree: true });
    });
    const rows = ['email,name'];
    for (let i = 0; i < 20_000; i++) rows.push(`bulk${i}@example.org,Bulk ${i}`);
    rows.push('still-not-an-address,Broken');
    await page.setInputFiles('input[name=file]', { name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(`${rows.join('\n')}\n`) });
    await page.getByLabel('How did these people agree?').fill('Imported from the old mailing list');
    // A slow uplink (~1 s for the 0.6 MB file) so that the upload phase can be seen and shot.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, uploadThroughput: 600_000, downloadThroughput: -1 });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    try {
      await page.locator('#import-progress [data-line]', { hasText: /Uploading… [1-9]\d*%/ }).waitFor();
      await page.screenshot({ path: `${SCREENSHOT_DIR}/admin-subscribers-import-uploading-en.png` });
      await page.locator('#import-progress [data-line]', { hasText: /[1-9][\d,]* of about/ }).waitFor();
      await page.screenshot({ path: `${SCREENSHOT_DIR}/admin-subscribers-import-progress-en.png` });
      await page.getByTestId('import-result').waitFor({ timeout: 60_000 });
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, uploadThroughput: -1, downloadThroughput: -1 });
      await cdp.detach();
    }
    const result = (await page.getByTestId('import-result').textContent()) ?? '';
    expect(result).toContain('20000 imported of 20001 rows');
    expect(result).toContain('Line 20002: email is not a valid address');
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    expect(seen.some((t) => /^Uploading… \d+%$/.test(t))).toBe(true);
    expect(seen.some((t) => /Processing: [1-9][\d,]* of about 20,001 rows read, [\d,]+ added \(\d+%\)/.test(t))).toBe(true);
    expect(page.url()).toBe(`${server.url}/admin/subscribers/import`); // no page load: the script did it
    await shot('subscribers-import-progress-done-en');
  }, 90_000);

  it('adds, previews and saves an article image in the issue editor', async () => {
    // The image host is answered by the test (no network): a small generated PNG.
    await page.context().route('https://cdn.example.org/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: testPng(240, 150) }));
    const created = (await (
      await h.api('POST', '/api/v1/newsletters/spp-brief/issues', {
        json: { source: '# 图片测试\n\n## 新闻\n\n### 风电\n\n风机遍布山野。\n\n### 光伏\n\n屋顶上的太阳能板。\n', format: 'markdown' },
      })
    ).json()) as { id: number };
    await page.goto(`${server.url}/admin/issues/${created.id}#s0a0`);
    await page.locator('#s0a0-img-url').fill('https://cdn.example.org/turbine.png');
    await page.locator('#s0a0-img-alt').fill('山坡上的一台风机');
    // The thumbnail follows the address as it is typed.
    await expect(page.locator('#s0a0 .image-thumb img').getAttribute('src')).resolves.toBe('https://cdn.example.org/turbine.png');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(new RegExp(`/admin/issues/${created.id}`));
    expect((await h.services.issues.get(created.id)).sections[0]!.articles[0]!.image).toEqual({
      url: 'https://cdn.example.org/turbine.png',
      alt: '山坡上的一台风机',
    });
    const thumb = page.locator('#s0a0 .image-thumb img');
    await expect(thumb.getAttribute('alt')).resolves.toBe('山坡上的一台风机');
    await thumb.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => (document.querySelector('#s0a0 .image-thumb img') as HTMLImageElement | null)?.naturalWidth === 240);
    // The phone preview shows it too.
    const phone = page.frameLocator('#preview iframe');
    await phone.locator('img[alt="山坡上的一台风机"]').waitFor();
    await page.locator('#s0a0').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOT_DIR}/admin-issue-image-editor-en.png` });
    await page.locator('#preview').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOT_DIR}/admin-issue-image-preview-en.png` });
  });

  it('shows the editor beside its preview at 1400 px, in English and Chinese', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    await ctx.addCookies(await page.context().cookies());
    const p = await ctx.newPage();
    const draft = (await (
      await h.api('POST', '/api/v1/newsletters/spp-brief/issues', { json: { source: fs.readFileSync(seedPath(seedFile), 'utf8'), format: 'auto' } })
    ).json()) as { id: number };
    for (const lang of ['en', 'zh-CN']) {
      await p.goto(`${server.url}/admin/lang/${lang}?next=/admin/issues/${draft.id}`);
      await p.frameLocator('#preview iframe').locator('body').waitFor();
      const pane = (await p.locator('#preview').boundingBox())!;
      expect(pane.width).toBeGreaterThan(420);
      expect(pane.x + pane.width).toBeLessThanOrEqual(1400);
      await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-editor-top-${lang}.png` });
      await p.locator('#editor').scrollIntoViewIfNeeded();
      await p.locator('#s0a0-t').fill(lang === 'en' ? 'A headline being typed' : '正在输入的标题');
      await p.locator('#preview[data-state=live]').waitFor();
      await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-editor-${lang}.png` });
      await p.locator('label[for=pv-desktop]').click();
      await p.locator('#s0a0').scrollIntoViewIfNeeded();
      await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-editor-desktop-${lang}.png` });
      await p.locator('#f-title').fill('');
      await p.locator('#preview[data-state=error]').waitFor();
      await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-editor-error-${lang}.png` });
      await p.locator('label[for=pv-phone]').click();
    }
    // A narrow window: the preview sits below the form, reachable from the save bar.
    await p.setViewportSize({ width: 800, height: 1000 });
    await p.goto(`${server.url}/admin/issues/${draft.id}`);
    const form = (await p.locator('#editor').boundingBox())!;
    const pane = (await p.locator('#preview').boundingBox())!;
    expect(pane.y).toBeGreaterThan(form.y + form.height - 1);
    await p.locator('.save-bar a[href="#preview"]').click();
    await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-editor-narrow-zh-CN.png` });
    await p.goto(`${server.url}/admin/lang/en?next=/admin`);
    await ctx.close();
  });

  it('takes screenshots of every main page in English and Chinese', async () => {
    const pages: [string, string][] = [
      ['dashboard', '/admin'],
      ['issues', '/admin/issues'],
      ['issue-new', '/admin/issues/new'],
      ...(issueId
        ? ([
            ['issue', `/admin/issues/${issueId}`],
            ['stats', `/admin/issues/${issueId}/stats`],
          ] as [string, string][])
        : []),
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
  }, 90_000); // twenty pages and screenshots: slow on two busy cores

  it('shows a viewer no edit buttons', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    await p.goto(`${server.url}/admin/login`);
    await p.locator('#email').fill('viewer@example.org');
    await p.locator('#password').fill('viewer password 1');
    await p.locator('form.card button[type=submit]').click();
    await p.waitForURL(`${server.url}/admin`);
    await p.goto(`${server.url}/admin/issues`);
    expect(await p.locator('a[href="/admin/issues/new"]').count()).toBe(0);
    if (issueId) {
      await p.goto(`${server.url}/admin/issues/${issueId}`);
      expect(await p.locator('#editor').count()).toBe(0);
      expect(await p.locator(`form[action="/admin/issues/${issueId}/schedule"]`).count()).toBe(0);
      expect(await p.locator(`form[action="/admin/issues/${issueId}/cancel"]`).count()).toBe(0);
      await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-issue-viewer.png`, fullPage: true });
    }
    await p.goto(`${server.url}/admin/newsletters`);
    expect(await p.locator('button[type=submit]:visible', { hasText: 'Save' }).count()).toBe(0);
    const res = await p.goto(`${server.url}/admin/users`);
    expect(res?.status()).toBe(403);
    await p.screenshot({ path: `${SCREENSHOT_DIR}/admin-forbidden.png`, fullPage: true });
    await ctx.close();
  });
});

/** A small RGB PNG with a diagonal gradient, made without any image library. */
function testPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = 40 + Math.round((120 * x) / width);
      raw[row + 2 + x * 3] = 140 + Math.round((100 * y) / height);
      raw[row + 3 + x * 3] = 90;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

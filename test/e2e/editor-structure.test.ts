/**
 * The editor's structure tools in Chromium (issue 20): split an article at a paragraph, make a
 * line its title, undo, move and merge articles, the fix button of an importer note, autosave's
 * "Saved at" mark and its conflict message when someone else saved. Screenshots of the editor at
 * 1280 and 375 px in English and Chinese go to SCREENSHOT_DIR/editor-structure-*.png.
 */
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const MD = [
  '# 第十二期',
  '',
  '## 新闻',
  '',
  '### 风电进山',
  '',
  '风机遍布山野，见[报告](https://example.org/report?utm_source=newsletter&id=3)。',
  '',
  '光伏园区',
  '',
  '沙漠里铺满了光伏板，详见[联系我们](#)和[官网](https://example.org/about/https://other.org/x)。',
  '',
  '### 铁路准点',
  '',
  '火车准点率创新高。',
  '',
  '## 活动',
  '',
  '### 五月展会',
  '',
  '五月在北京举行。',
  '',
].join('\n');

interface IssueJson {
  id: number;
  title: string;
  sections: { title: string; articles: { title: string; body: string }[] }[];
}

describe.skipIf(!hasChromium)('editor structure tools in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let id = 0;
  const get = async () => (await (await h.api('GET', `/api/v1/issues/${id}`)).json()) as IssueJson;
  const titles = (i: IssueJson) => i.sections.map((s) => s.articles.map((a) => a.title));
  /** Clicks a submit button of the editor and waits for the page it redirects to. */
  const press = async (selector: string) => {
    await Promise.all([page.waitForNavigation(), page.locator(selector).click()]);
  };

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'spp-brief', name: '可持续公共采购计划简报', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
    });
    const r = await h.api('POST', '/api/v1/newsletters/spp-brief/issues', { json: { source: MD, format: 'markdown' } });
    id = ((await r.json()) as IssueJson).id;
    // A note as the importer writes them (issue 20): placed on an article, with its likely fix.
    const notes = [
      {
        key: 'editorUx.fix.split',
        place: { section: 1, article: 0, paragraph: 0, excerpt: '五月在北京举行。' },
        fix: { op: 'makeSubheading', section: 1, article: 0, paragraph: 0 },
      },
    ];
    await h.db.db
      .updateTable('issues')
      .set({ import_warnings: JSON.stringify(notes) })
      .where('id', '=', id)
      .execute();
    server = await serveHarness(h);
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    page = await ctx.newPage();
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

  it('splits an article at a paragraph and makes a line its title, keeping what was typed', async () => {
    await page.goto(`${server.url}/admin/issues/${id}`);
    // Typed but not yet saved: the split carries it.
    await page.locator('#f-intro').fill('Typed before the split');
    await page.locator('[data-para-tools="s0a0"] summary').click();
    await press('[data-para-tools="s0a0"] button[value="split:0:0:1"]');
    expect(page.url()).toContain('#s0a1');
    let j = await get();
    expect(titles(j)[0]).toEqual(['风电进山', '', '铁路准点']);
    expect((j as unknown as { intro: string }).intro).toBe('Typed before the split');
    await page.locator('[data-para-tools="s0a1"] summary').click();
    await press('[data-para-tools="s0a1"] button[value="makeTitle:0:1:0"]');
    await expect(page.locator('#s0a1-t').inputValue()).resolves.toBe('光伏园区');
    j = await get();
    expect(titles(j)[0]).toEqual(['风电进山', '光伏园区', '铁路准点']);
    // The live preview follows: the saved version has the new article title.
    await page.frameLocator('#preview iframe').getByText('光伏园区', { exact: true }).first().waitFor();
  });

  it('undo reverts the last structural change and then is gone', async () => {
    await page.locator('[data-undo]').first().waitFor();
    await press('[data-undo]');
    await expect(page.locator('#s0a1-t').inputValue()).resolves.toBe('');
    expect(titles(await get())[0]).toEqual(['风电进山', '', '铁路准点']);
    await expect(page.locator('[data-undo]').count()).resolves.toBe(0);
  });

  it('moves an article down and to another section, and merges one into the previous', async () => {
    await press('#s0a0 button[value="down:0:0"]');
    expect(titles(await get())[0]).toEqual(['', '风电进山', '铁路准点']);
    await page.locator('#mv-0-2').selectOption('1');
    await press('#s0a2 button[value="moveTo:0:2"]');
    expect(titles(await get())).toEqual([
      ['', '风电进山'],
      ['五月展会', '铁路准点'],
    ]);
    await press('#s0a1 button[value="mergePrevious:0:1"]');
    const j = await get();
    expect(titles(j)[0]).toEqual(['']);
    expect(j.sections[0]!.articles[0]!.body).toContain('### 风电进山');
  });

  it("applies an importer note's fix from beside its article", async () => {
    // The note on the untouched article kept its place through the changes in section 0.
    const note = page.locator('#s1a0 [data-testid="note-fix"]');
    await expect(note.textContent()).resolves.toContain('Make this line a sub-heading');
    await press('#s1a0 [data-testid="note-fix"]');
    expect((await get()).sections[1]!.articles[0]!.body).toBe('### 五月在北京举行。');
    await expect(page.locator('[data-testid="note-fix"]').count()).resolves.toBe(0);
  });

  it('paragraph tools follow the text being typed: a split at a paragraph just written', async () => {
    await page.locator('#s1a0-b').fill('One.\n\nTwo typed.\n\nThree typed.');
    await page.locator('[data-para-tools="s1a0"] li:nth-child(3)').waitFor({ state: 'attached' });
    await page.locator('[data-para-tools="s1a0"] summary').click();
    await expect(page.locator('[data-para-tools="s1a0"] summary').textContent()).resolves.toContain('3 paragraphs');
    await press('[data-para-tools="s1a0"] button[value="split:1:0:1"]');
    const j = await get();
    expect(titles(j)[1]).toEqual(['五月展会', '', '铁路准点']);
    expect(j.sections[1]!.articles.map((a) => a.body).slice(0, 2)).toEqual(['One.', 'Two typed.\n\nThree typed.']);
  });

  it('autosaves a moment after typing and shows when; warns before leaving with unsaved changes', async () => {
    await page.locator('#f-title').fill('第十二期（自动保存）');
    const status = page.locator('[data-autosave-status]');
    await expect(status.textContent()).resolves.toBe('Unsaved changes');
    // Leaving now would ask first (the page's beforeunload handler cancels the event)…
    const leaving = () =>
      page.evaluate(() => {
        const e = new Event('beforeunload', { cancelable: true });
        window.dispatchEvent(e);
        return e.defaultPrevented;
      });
    await expect(leaving()).resolves.toBe(true);
    await page.locator('[data-autosave-status][data-state=saved]').waitFor({ timeout: 10_000 });
    await expect(status.textContent()).resolves.toMatch(/^Saved at \d{2}:\d{2}/);
    expect((await get()).title).toBe('第十二期（自动保存）');
    // …and once saved, it does not.
    await expect(leaving()).resolves.toBe(false);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-structure-autosaved-en.png` });
  });

  it('says so, and overwrites nothing, when someone else saved in between', async () => {
    await page.reload();
    expect((await h.api('PATCH', `/api/v1/issues/${id}`, { json: { title: 'Saved by someone else' } })).status).toBe(200);
    await page.locator('#f-title').fill('My late edit');
    await page.locator('[data-autosave-conflict]:not([hidden])').waitFor({ timeout: 10_000 });
    await expect(page.locator('[data-autosave-conflict]').textContent()).resolves.toContain('Someone else saved this issue');
    expect((await get()).title).toBe('Saved by someone else');
    await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-structure-conflict-en.png` });
    // Reloading shows theirs.
    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForNavigation(), page.locator('[data-conflict-reload]').click()]);
    await expect(page.locator('#f-title').inputValue()).resolves.toBe('Saved by someone else');
  });

  it('shows the editor at 1280 and 375 px in English and Chinese', async () => {
    // Something to undo and a note, so the screenshots show them.
    expect((await h.api('POST', `/api/v1/issues/${id}/structure`, { json: { op: 'moveSection', section: 1, to: 0 } })).status).toBe(200);
    await h.db.db
      .updateTable('issues')
      .set({
        import_warnings: JSON.stringify([
          {
            key: 'editorUx.fix.makeTitle',
            place: { section: 0, article: 0, paragraph: 0, excerpt: 'One.' },
            fix: { op: 'makeTitle', section: 0, article: 0, paragraph: 0 },
          },
        ]),
      })
      .where('id', '=', id)
      .execute();
    for (const lang of ['en', 'zh-CN']) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${server.url}/admin/lang/${lang}?next=/admin/issues/${id}`);
      await page.locator('#lint').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-structure-top-${lang}-1280.png` });
      await page.locator('#s0a0 [data-para-tools] summary').click();
      await page.locator('#s0a0').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-structure-${lang}-1280.png` });
      await page.setViewportSize({ width: 375, height: 800 });
      await page.locator('#s0a0').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-structure-${lang}-375.png` });
      await page.locator('#lint').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SCREENSHOT_DIR}/editor-structure-lint-${lang}-375.png` });
      // Nothing wider than the phone.
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(wide).toBeLessThanOrEqual(375);
    }
    await page.goto(`${server.url}/admin/lang/en?next=/admin`);
  });
});

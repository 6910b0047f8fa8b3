/**
 * The CSV import's mapping step in Chromium, at 1280 and 375 px, in English and Chinese: choosing a
 * file shows each column with sample values and a guessed select (Chinese headers too); a changed
 * select is what the import does (a column set to ignore is not kept); the summary names the new
 * fields, and the list shows the attributes as columns and the tags as chips; the choice is
 * remembered for the next import. Screenshots: SCREENSHOT_DIR/csv-mapping-*.png, csv-list-*.png.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const WIDTHS = [1280, 375] as const;
const LANGS = ['en', 'zh-CN'] as const;

describe.skipIf(!hasChromium)('CSV import mapping step in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;
  let page: Page;
  let run = 0;

  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
  const setLang = (lang: string) => page.goto(`${server.url}/admin/lang/${lang}?next=/admin`);
  const csvFile = (tag: string) => {
    const csv = [
      '邮箱,姓名,Organisation,Country,标签,Notes',
      `ana-${tag}@example.org,Ana,UNEP,CN,"speaker;vip",private note`,
      `bo-${tag}@example.org,Bo,Ministry of Finance,FR,speaker,private note`,
      `cy-${tag}@example.org,Cy,ICLEI,KE,,private note`,
    ].join('\n');
    const file = `${SCREENSHOT_DIR}/csv-mapping-${tag}.csv`;
    fs.writeFileSync(file, `${csv}\n`);
    return file;
  };
  const selectFor = (header: string) => page.locator(`#import-mapping select[data-header="${header}"]`);

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite', { env: { PUBLIC_URL: 'http://127.0.0.1' } });
    await createNewsletter(h, 'brief', { name: 'Procurement Brief', timeZone: 'Asia/Shanghai' });
    server = await serveHarness(h);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })).newPage();
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
      it(`maps columns, ${lang} at ${width} px: samples, guessed selects, a changed select, the summary and the list`, async () => {
        const first = run++ === 0;
        const tag = `${lang}-${width}`;
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/subscribers/import`);
        await expect(page.locator('#import-mapping').isVisible()).resolves.toBe(false);
        await page.setInputFiles('input[name=file]', csvFile(tag));
        const table = page.getByTestId('mapping');
        await table.waitFor();
        await expect(table.locator('tbody tr').count()).resolves.toBe(6);
        // Three sample values beside each column.
        await expect(
          table
            .locator('tbody tr', { has: page.locator('th', { hasText: /^Organisation$/ }) })
            .locator('.sample')
            .allTextContents(),
        ).resolves.toEqual(['UNEP', 'Ministry of Finance', 'ICLEI']);
        // Guessed from the headers, Chinese ones too.
        await expect(selectFor('邮箱').inputValue()).resolves.toBe('email');
        await expect(selectFor('姓名').inputValue()).resolves.toBe('name');
        await expect(selectFor('标签').inputValue()).resolves.toBe('tags');
        await expect(selectFor('Organisation').inputValue()).resolves.toBe(first ? 'new' : 'attribute:organisation');
        // The last import's choice is remembered: Notes was set to ignore the first time.
        await expect(selectFor('Notes').inputValue()).resolves.toBe(first ? 'new' : 'ignore');
        if (first) await selectFor('Notes').selectOption('ignore');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await shot(`csv-mapping-${lang}-${width}`);

        await page.locator('#note').fill('Conference sign-up sheet');
        await page.locator('#import-form button[type=submit]').click();
        const result = page.getByTestId('import-result');
        await result.waitFor();
        const said = (await result.textContent()) ?? '';
        expect(said).toContain(lang === 'en' ? '3 imported of 3 rows' : '共 3 行，导入 3 个');
        if (first) expect(await page.getByTestId('fields-created').textContent()).toContain('organisation, country');
        await expect(page.locator('#import-mapping').isVisible()).resolves.toBe(false);

        await page.goto(`${server.url}/admin/subscribers?tag=speaker&q=${encodeURIComponent(`ana-${tag}`)}`);
        const list = page.getByTestId('subscribers');
        await expect(list.locator('tbody tr').count()).resolves.toBe(1);
        const row = list.locator('tbody tr').first();
        await expect(row.locator('td[data-field=organisation]').textContent()).resolves.toBe('UNEP');
        await expect(row.locator('td[data-field=country]').textContent()).resolves.toBe('CN');
        await expect(row.locator('.chip').allTextContents()).resolves.toEqual(['speaker', 'vip']);
        await expect(page.locator('th[data-field=organisation]').textContent()).resolves.toBe('Organisation');
        await expect(page.content()).resolves.not.toContain('private note');
        await page.goto(`${server.url}/admin/subscribers`);
        await shot(`csv-list-${lang}-${width}`);
      });
    }
  }

  it('shows the fields page and a person’s attributes and tags, in both languages at both widths', async () => {
    const list = await (await h.api('GET', '/api/v1/newsletters/brief/subscribers?q=ana-en-1280')).json();
    const id = list.items[0].id;
    for (const lang of LANGS) {
      for (const width of WIDTHS) {
        await setLang(lang);
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${server.url}/admin/subscribers/fields`);
        await expect(page.getByTestId('fields').locator('section').count()).resolves.toBe(2);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await shot(`csv-fields-${lang}-${width}`);
        await page.goto(`${server.url}/admin/subscribers/${id}`);
        await expect(page.locator('#attr-organisation').inputValue()).resolves.toBe('UNEP');
        await expect(page.locator('#profile-tags').inputValue()).resolves.toBe('speaker, vip');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await shot(`csv-person-${lang}-${width}`);
      }
    }
    // Editing on the person's page: a tag added, an attribute changed.
    await page.locator('#attr-country').fill('DE');
    await page.locator('#profile-tags').fill('speaker, vip, board');
    await page.locator('[data-testid=profile] button[type=submit]').click();
    await page.waitForURL(`${server.url}/admin/subscribers/${id}`);
    const after = await (await h.api('GET', `/api/v1/subscribers/${id}`)).json();
    expect(after).toMatchObject({ attributes: { country: 'DE', organisation: 'UNEP' }, tags: ['speaker', 'vip', 'board'] });
  });
});

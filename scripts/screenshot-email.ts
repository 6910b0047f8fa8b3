/**
 * Renders the Chinese fixture issue and screenshots it at phone and desktop widths, to look at
 * the email the way a reader would. Usage: npx tsx scripts/screenshot-email.ts OUT_DIR
 * Needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-cjk).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { renderIssue } from '../src/mail/render/issue.ts';
import { createPersonaliser } from '../src/mail/render/personalise.ts';
import { issueZh, newsletterZh } from '../test/fixtures/issue-zh.ts';

const PLACEHOLDER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="560" viewBox="0 0 1200 560">' +
  '<rect width="1200" height="560" fill="#2f7d57"/><circle cx="960" cy="150" r="90" fill="#cfe6d9"/>' +
  '<path d="M0 560 L380 250 L620 430 L860 300 L1200 560 Z" fill="#1f5a3c"/></svg>';

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? 'screenshots');
  const colorScheme = process.argv.includes('--dark') ? 'dark' : 'light';
  await mkdir(outDir, { recursive: true });

  const rendered = await renderIssue({
    content: issueZh,
    newsletter: newsletterZh,
    number: 23,
    archiveUrl: 'https://quire.example/archive/spp-brief/23',
  });
  if (rendered.errors.length) console.warn(`MJML errors:\n${rendered.errors.join('\n')}`);
  const { html, text } = createPersonaliser(rendered)({
    unsubscribeUrl: 'https://quire.example/unsubscribe/tok123',
    preferencesUrl: 'https://quire.example/preferences/tok123',
    name: '王璟',
  });
  await writeFile(join(outDir, 'issue-zh.html'), html);
  await writeFile(join(outDir, 'issue-zh.txt'), text);
  console.log(`html ${rendered.sizeBytes} bytes, subject: ${rendered.subject}`);

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    for (const width of [375, 800]) {
      const page = await browser.newPage({ viewport: { width, height: 800 }, colorScheme });
      // Offline: remote images get a local stand-in of their own aspect, anything else fails.
      await page.route(/^https?:/, (route) =>
        route.request().resourceType() === 'image' ? route.fulfill({ contentType: 'image/svg+xml', body: PLACEHOLDER_SVG }) : route.abort(),
      );
      await page.setContent(html, { waitUntil: 'load' });
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      if (scrollWidth > width) console.warn(`${width}px: content overflows to ${scrollWidth}px`);
      const file = join(outDir, `issue-zh-${width}${colorScheme === 'dark' ? '-dark' : ''}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

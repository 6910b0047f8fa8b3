// What readers see, in Chromium: the public pages and the subscriber's emails, light and dark, on
// a phone and wider, in English and Chinese. Screenshots go to test-results/screenshots/reader-*.
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NEWSLETTER } from '../../src/runtime/bootstrap.ts';
import { hasChromium, launchBrowser, SCREENSHOT_DIR, serveHarness } from '../helpers/browser.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

interface Mail {
  subject: string;
  text: string;
  html: string;
}

const NEWSLETTERS = { zh: DEMO_NEWSLETTER.slug, en: 'weekly' } as const;
type Tag = keyof typeof NEWSLETTERS;

describe.skipIf(!hasChromium)('reader pages and emails in Chromium', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof serveHarness>>;
  let browser: Browser;
  const mails: Record<Tag, { confirm: Mail; welcome: Mail; issue: Mail }> = {} as never;
  const confirmedPath: Partial<Record<Tag, string>> = {};
  let ip = 0;

  const outbox = async (to: string) => ((await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).json()).items as Mail[]).reverse();
  const form = (path: string, fields: Record<string, string>) =>
    h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `192.0.2.${++ip}` },
      body: new URLSearchParams(fields).toString(),
    });

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    h = await createHarness('pglite');
    await h.api('POST', '/api/v1/newsletters', { json: DEMO_NEWSLETTER });
    await h.api('POST', '/api/v1/newsletters', {
      json: {
        slug: 'weekly',
        name: 'Procurement Weekly',
        fromEmail: 'news@example.org',
        language: 'en',
        description: 'Sustainable procurement news, every week.',
      },
    });
    for (const [tag, slug] of Object.entries(NEWSLETTERS) as [Tag, string][]) {
      const email = `reader-${tag}@example.org`;
      await form(`/n/${slug}/subscribe`, { email, consent: 'yes', name: tag === 'zh' ? '王璟' : 'Wang Jing' });
      await h.runJobs();
      const path = /\/confirm\/[A-Za-z0-9_.-]+/.exec((await outbox(email))[0]!.text)![0];
      const csrf = /name="csrf" value="([^"]+)"/.exec(await (await h.app.request(path)).text())![1]!;
      await form(path, { csrf });
      await h.runJobs();
      const issue =
        tag === 'zh'
          ? {
              title: '可持续公共采购简报',
              volume: '2026年第3期',
              date: '2026-03-01',
              intro: '{{name}}，您好！本期介绍各地的新进展。',
              sections: [
                {
                  title: '最新进展',
                  articles: [
                    { title: '指南正式发布', body: '某机构近日发布了新的采购指南。', sources: [{ url: 'https://example.org/guide', label: '机构网站' }] },
                  ],
                },
              ],
            }
          : {
              title: 'March news',
              volume: 'Vol. 3',
              date: '2026-03-01',
              intro: 'Hello {{name}}, here is what happened.',
              sections: [
                {
                  title: 'News',
                  articles: [
                    {
                      title: 'A new guide',
                      body: 'An agency published a new procurement guide.',
                      sources: [{ url: 'https://example.org/guide', label: 'Agency site' }],
                    },
                  ],
                },
              ],
            };
      const created = await (await h.api('POST', `/api/v1/newsletters/${slug}/issues`, { json: issue })).json();
      await h.api('POST', `/api/v1/issues/${created.id}/schedule`, {
        json: { acknowledge: true, sendAt: new Date(h.clock.now().getTime() + 60_000).toISOString() },
      });
      h.clock.advance(120_000);
      await h.drain();
      const [confirm, welcome, sent] = await outbox(email);
      mails[tag] = { confirm: confirm!, welcome: welcome!, issue: sent! };
      // A second reader confirms after the issue went out: the page offers it.
      const late = `late-${tag}@example.org`;
      await form(`/n/${slug}/subscribe`, { email: late, consent: 'yes' });
      await h.runJobs();
      confirmedPath[tag] = /\/confirm\/[A-Za-z0-9_.-]+/.exec((await outbox(late))[0]!.text)![0];
    }
    server = await serveHarness(h);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  const shoot = async (name: string, width: number, scheme: 'light' | 'dark', go: (p: Page) => Promise<unknown>, check?: (p: Page) => Promise<void>) => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.emulateMedia({ colorScheme: scheme });
    await go(page);
    await check?.(page);
    // No sideways scrolling on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(width);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/reader-${name}-${width}-${scheme}.png`, fullPage: true });
    await page.close();
  };

  it('shows the public pages to readers, light and dark, at 375 and 1280 px', async () => {
    for (const tag of ['en', 'zh'] as Tag[]) {
      const slug = NEWSLETTERS[tag];
      const headers = { 'Accept-Language': tag === 'zh' ? 'zh-CN' : 'en' };
      const pages: [string, string][] = [
        ['home', '/'],
        ['signup', `/n/${slug}`],
        ['archive', `/archive/${slug}`],
        ['issue', `/archive/${slug}/1`],
        ['notfound', `/archive/${slug}/999`],
        ['apidocs', '/api/docs'],
      ];
      for (const [name, path] of pages)
        for (const width of [375, 1280])
          for (const scheme of ['light', 'dark'] as const)
            await shoot(`${name}-${tag}`, width, scheme, async (p) => {
              await p.setExtraHTTPHeaders(headers);
              await p.goto(`${server.url}${path}`);
            });
      // The confirm button, then the page after it (with the latest issue).
      for (const width of [375, 1280])
        await shoot(`confirmed-${tag}`, width, 'light', async (p) => {
          await p.goto(`${server.url}${confirmedPath[tag]}`);
          // Once confirmed, the same link shows the page after the button.
          if (await p.$('main button[type=submit]')) await Promise.all([p.waitForNavigation(), p.click('main button[type=submit]')]);
          expect(await p.textContent('main')).toContain(tag === 'zh' ? '阅读最新一期' : 'Read the latest issue');
        });
    }
  }, 180_000);

  it('shows the confirm, welcome and issue emails light and dark at 375 and 800 px, dark to the edges', async () => {
    for (const tag of ['en', 'zh'] as Tag[]) {
      for (const kind of ['confirm', 'welcome', 'issue'] as const) {
        for (const width of [375, 800]) {
          for (const scheme of ['light', 'dark'] as const) {
            await shoot(
              `mail-${kind}-${tag}`,
              width,
              scheme,
              (p) => p.setContent(mails[tag][kind].html),
              async (p) => {
                // The page around the content, at the far right edge, follows the scheme.
                const edge = await p.evaluate(() => {
                  const el = document.elementFromPoint(document.documentElement.clientWidth - 2, 5)!;
                  let e: Element | null = el;
                  while (e && getComputedStyle(e).backgroundColor === 'rgba(0, 0, 0, 0)') e = e.parentElement;
                  return e ? getComputedStyle(e).backgroundColor : getComputedStyle(document.body).backgroundColor;
                });
                const [r, g, b] = edge.match(/\d+/g)!.map(Number);
                const light = (r! + g! + b!) / 3 > 128;
                expect(light, `${kind} ${tag} ${width} ${scheme}: ${edge}`).toBe(scheme === 'light');
              },
            );
          }
        }
      }
    }
  }, 180_000);
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { IssueContent } from '../../../src/modules/issues/model.ts';
import {
  GMAIL_CLIP_BYTES,
  NAME_TOKEN,
  OPEN_PIXEL_URL_TOKEN,
  PREFERENCES_URL_TOKEN,
  UNSUBSCRIBE_URL_TOKEN,
  renderIssue,
  renderWebArchive,
  type RenderedIssue,
} from '../../../src/mail/render/issue.ts';
import { issueZh, newsletterZh } from '../../fixtures/issue-zh.ts';
import { issueEn, newsletterEn } from '../../fixtures/issue-en.ts';
import { eventAttributes } from './html-checks.ts';

const ARCHIVE = 'https://quire.example/archive/spp-brief/23';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe('renderIssue (zh fixture)', () => {
  let r: RenderedIssue;
  beforeAll(async () => {
    r = await renderIssue({ content: issueZh, newsletter: newsletterZh, number: 23, archiveUrl: ARCHIVE, openPixel: true });
  });

  it('compiles with no MJML errors and stays under Gmail clipping', () => {
    expect(r.errors).toEqual([]);
    console.log(`zh fixture: html ${r.sizeBytes} bytes (${(r.sizeBytes / 1024).toFixed(1)} KiB), text ${new TextEncoder().encode(r.text).length} bytes`);
    expect(r.sizeBytes).toBe(new TextEncoder().encode(r.html).length);
    expect(r.sizeBytes).toBeLessThan(GMAIL_CLIP_BYTES);
  });

  it('has a resolving anchor for every table-of-contents link', () => {
    const hrefs = [...r.html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs).toContain('s1');
    expect(hrefs).toContain('s3');
    for (const id of new Set(hrefs)) expect(count(r.html, `id="${id}"`), `#${id}`).toBe(1);
    // One TOC entry per section and per titled article.
    expect(hrefs.filter((h) => /^s\d+$/.test(h))).toHaveLength(3);
    expect(hrefs.filter((h) => /^s\d+-\d+$/.test(h))).toHaveLength(8);
  });

  it('puts each placeholder where expected, once', () => {
    expect(count(r.html, UNSUBSCRIBE_URL_TOKEN)).toBe(1);
    expect(count(r.html, PREFERENCES_URL_TOKEN)).toBe(1);
    expect(count(r.html, OPEN_PIXEL_URL_TOKEN)).toBe(1);
    expect(count(r.text, UNSUBSCRIBE_URL_TOKEN)).toBe(1);
    expect(count(r.text, PREFERENCES_URL_TOKEN)).toBe(1);
    expect(count(r.text, OPEN_PIXEL_URL_TOKEN)).toBe(0);
    // The editor wrote {{name}} once, in the intro; the preheader quotes the intro too.
    expect(count(r.text, NAME_TOKEN)).toBe(1);
    expect(r.html).toMatch(new RegExp(`>${NAME_TOKEN}，您好！`));
    expect(r.html).toContain(`href="${UNSUBSCRIBE_URL_TOKEN}"`);
    expect(r.html).toContain(`href="${PREFERENCES_URL_TOKEN}"`);
    expect(r.html).not.toContain('{{name}}');
  });

  it('ends the body with a 1×1 open pixel', () => {
    const pixel = r.html.match(/<img[^>]*%%QUIRE_OPEN_PIXEL_URL%%[^>]*>\s*<\/body>/)?.[0] ?? '';
    expect(pixel).toContain('width="1"');
    expect(pixel).toContain('height="1"');
    expect(pixel).toContain('alt=""');
    expect(pixel).toMatch(/display:block/);
    expect(pixel).toMatch(/border:0/);
  });

  it('has the document chrome: lang, colour schemes, preheader, font stack, view-in-browser', () => {
    expect(r.html).toMatch(/<html lang="zh-CN"/);
    expect(r.html).toContain('<meta name="color-scheme" content="light dark">');
    expect(r.html).toContain('<meta name="supported-color-schemes" content="light dark">');
    expect(r.html).toContain('@media (prefers-color-scheme: dark)');
    expect(r.html).toContain("'PingFang SC','Microsoft YaHei','Noto Sans CJK SC'");
    expect(r.html).toContain('line-height:1.7');
    expect(r.html).toMatch(/display:none[^>]*>%%QUIRE_NAME%%，您好！ 本期简报聚焦/);
    expect(r.html).toContain(`href="${ARCHIVE}"`);
    for (const s of ['在浏览器中查看', '目录', '退订', '管理订阅偏好', '来源']) expect(r.html).toContain(s);
    expect(r.subject).toBe('同一个地球网络 可持续公共采购计划简报 | 2025年第4期 总第23期');
  });

  it('shows every source as a visible link with its label', () => {
    for (const article of issueZh.sections.flatMap((s) => s.articles)) {
      for (const source of article.sources) {
        const href = `href="${source.url.replace(/&/g, '&amp;')}"`;
        expect(r.html, source.url).toContain(href);
        if (source.label) expect(r.html).toContain(`>${source.label}</a>`);
      }
    }
    expect(r.html).toContain('word-break:break-all');
  });

  it('builds the text part from the model: titles, sources under their article, no tags', () => {
    const text = r.text;
    expect(text).not.toMatch(/<\/?(?:p|a|div|span|br|ul|ol|li|strong|em|h\d|table|tr|td|img|mj-[a-z]+)\b[^>]*>/i);
    expect(text).toContain('目录');
    const articles = issueZh.sections.flatMap((s) => s.articles);
    articles.forEach((article, i) => {
      const start = text.indexOf(`${article.title}\n---`);
      expect(start, article.title).toBeGreaterThan(0);
      const next = articles[i + 1];
      const end = next ? text.indexOf(`${next.title}\n---`) : text.indexOf('\n--\n');
      const block = text.slice(start, end);
      expect(block).toContain('来源：');
      for (const source of article.sources) expect(block, source.url).toMatch(new RegExp(`\\n(?:- |  )${escapeRe(source.url)}\\n`));
    });
    expect(text).toContain('1. 赋予各级政府推动可持续采购的权力。');
    expect(text).not.toContain('**');
    expect(text).toContain(`退订：${UNSUBSCRIBE_URL_TOKEN}`);
    expect(text).toContain(`在线阅读：${ARCHIVE}`);
  });
});

describe('renderIssue (en fixture)', () => {
  it('switches the chrome strings to English', async () => {
    const r = await renderIssue({ content: issueEn, newsletter: newsletterEn, number: 4, archiveUrl: 'https://quire.example/archive/notes/4' });
    expect(r.errors).toEqual([]);
    expect(r.html).toMatch(/<html lang="en"/);
    for (const s of ['View in browser', 'Contents', 'Unsubscribe', 'Manage preferences', 'Sources']) {
      expect(r.html).toContain(s);
      expect(r.text).toContain(s);
    }
    for (const s of ['在浏览器中查看', '目录', '退订', '来源']) expect(r.html).not.toContain(s);
    // Dates through Intl in the issue's own tag: `en` writes the month first, `en-GB` the day.
    expect(r.html).toContain('No. 4 · March 1, 2025');
    const gb = await renderIssue({
      content: { ...issueEn, language: 'en-GB' },
      newsletter: newsletterEn,
      number: 4,
      archiveUrl: 'https://quire.example/archive/notes/4',
    });
    expect(gb.html).toContain('No. 4 · 1 March 2025');
    expect(r.html).toMatch(/display:none[^>]*>In this issue: News/);
    expect(r.text).toContain('Sources:\n- Announcement\n  https://example.org/news/framework');
    expect(r.text).toContain('Sources:\n- https://example.org/awards');
    // No pixel unless asked for.
    expect(r.html).not.toContain(OPEN_PIXEL_URL_TOKEN);
    expect(r.subject).toBe('Procurement Notes');
  });

  it('says in the text part what an article image shows, in the issue language; drops a non-web one', async () => {
    const withImages = (content: IssueContent, url: string, alt: string): IssueContent => ({
      ...content,
      sections: content.sections.map((sec, i) =>
        i === 0 ? { ...sec, articles: sec.articles.map((a, j) => (j === 0 ? { ...a, image: { url, alt } } : a)) } : sec,
      ),
    });
    const en = await renderIssue({
      content: withImages(issueEn, 'https://example.org/chart.png', 'Bar chart of\ntender savings'),
      newsletter: newsletterEn,
      number: 4,
      archiveUrl: ARCHIVE,
    });
    expect(en.html).toContain('src="https://example.org/chart.png"');
    expect(en.text).toContain('[Image: Bar chart of tender savings]');
    const zh = await renderIssue({
      content: withImages(issueZh, 'https://example.org/a.png', '会议现场照片'),
      newsletter: newsletterZh,
      number: 23,
      archiveUrl: ARCHIVE,
    });
    expect(zh.text).toContain('[图片：会议现场照片]');
    const bad = await renderIssue({
      content: withImages(issueEn, 'data:image/png;base64,AAAA', 'Never shown'),
      newsletter: newsletterEn,
      number: 4,
      archiveUrl: ARCHIVE,
    });
    expect(bad.text).not.toContain('Never shown');
    expect(bad.html).not.toContain('Never shown');
  });
  it('wraps English body text at 76 columns', async () => {
    const r = await renderIssue({ content: issueEn, newsletter: newsletterEn, archiveUrl: 'https://quire.example/a' });
    for (const line of r.text.split('\n')) if (!line.includes('http')) expect(line.length, line).toBeLessThanOrEqual(76);
  });
});

describe('escaping of user-supplied content', () => {
  const evil: IssueContent = {
    title: 'T <script>alert(1)</script> "q" \'s\'',
    volume: '<b>vol</b>',
    language: 'en" onload="x',
    intro: '<img src=x onerror=alert(1)> %%QUIRE_UNSUBSCRIBE_URL%%',
    sections: [
      {
        title: '<i>sec</i>',
        articles: [
          {
            title: 'A </h3><script>x</script>',
            body: '[x](javascript:alert(1)) <script>alert(2)</script>',
            image: { url: 'https://img.example/a.png" onerror="alert(3)', alt: '"><script>alert(4)</script>' },
            attribution: '<u>attr</u>',
            sources: [
              { url: 'javascript:alert(5)', label: 'bad <b>link</b>' },
              { url: 'https://ok.example/?a="b"&c=<d>', label: '"quoted" & <tag>' },
            ],
          },
        ],
      },
    ],
    footer: {
      editor: '<e>',
      contact: '<script>@x.y javascript:alert(6)',
      organisation: '</mj-text><mj-raw><script>x</script></mj-raw>',
      disclaimer: '<iframe src=x>',
    },
  };

  it('neutralises scripts, event handlers and javascript: URLs everywhere', async () => {
    const r = await renderIssue({ content: evil, newsletter: { name: 'N <x>', slug: 's' }, archiveUrl: 'https://q.example/a?x="1"' });
    expect(r.errors).toEqual([]);
    expect(r.html).not.toMatch(/<script/i);
    expect(r.html).not.toMatch(/<iframe/i);
    expect(r.html).not.toMatch(/<(?:b|i|u|e)>/);
    expect(eventAttributes(r.html)).toEqual([]);
    expect(r.html).not.toMatch(/(?:href|src)="\s*javascript:/i);
    expect(r.html).toContain('&lt;script&gt;');
    expect(r.html).toMatch(/<html lang="en"/); // invalid tag replaced
    expect(r.html).toContain('href="https://ok.example/?a=&quot;b&quot;&amp;c=&lt;d&gt;"');
    expect(r.html).toContain('src="https://img.example/a.png&quot; onerror=&quot;alert(3)"');
    expect(r.html).toContain('href="https://q.example/a?x=&quot;1&quot;"');
    // A placeholder typed by the editor is defused: only the footer's link is live.
    expect(r.html.split(UNSUBSCRIBE_URL_TOKEN)).toHaveLength(2);
    expect(r.text.split(UNSUBSCRIBE_URL_TOKEN)).toHaveLength(2);
    // The javascript: source keeps its label as text, without a link.
    expect(r.html).toContain('bad &lt;b&gt;link&lt;/b&gt;');
    expect(r.text).not.toContain('javascript:alert(5)');
  });
});

describe('renderWebArchive', () => {
  it('has no personal links, no placeholders, no pixel; links to the signup page', async () => {
    const r = await renderWebArchive({ content: issueZh, newsletter: newsletterZh, number: 23, archiveUrl: ARCHIVE });
    expect(r.errors).toEqual([]);
    expect(r.html).not.toMatch(/%%QUIRE_/);
    expect(r.text).not.toMatch(/%%QUIRE_/);
    expect(r.html).not.toContain('退订');
    expect(r.html).not.toMatch(/<img[^>]*width="1"/);
    expect(r.html).toContain('href="/n/spp-brief"');
    expect(r.html).toContain('订阅本简报');
    expect(r.html).not.toContain('在浏览器中查看');
    expect(r.html).toContain('>读者，您好！');
    const abs = await renderWebArchive({
      content: issueEn,
      newsletter: newsletterEn,
      archiveUrl: 'https://q.example/archive/notes/1',
      signupUrl: 'https://q.example/n/notes',
    });
    expect(abs.html).toContain('href="https://q.example/n/notes"');
    expect(abs.html).toContain('Subscribe to this newsletter');
  });
});

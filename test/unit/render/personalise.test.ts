import { beforeAll, describe, expect, it } from 'vitest';
import { renderIssue, type RenderedIssue } from '../../../src/mail/render/issue.ts';
import { NAME_TOKEN, OPEN_PIXEL_URL_TOKEN, PREFERENCES_URL_TOKEN, UNSUBSCRIBE_URL_TOKEN, createPersonaliser } from '../../../src/mail/render/personalise.ts';
import { issueZh, newsletterZh } from '../../fixtures/issue-zh.ts';

const values = {
  unsubscribeUrl: 'https://quire.example/unsubscribe/abc?x=1&y=2',
  preferencesUrl: 'https://quire.example/preferences/abc',
  name: '王璟',
  openPixelUrl: 'https://quire.example/o/abc',
};

describe('createPersonaliser', () => {
  let rendered: RenderedIssue;
  beforeAll(async () => {
    rendered = await renderIssue({
      content: issueZh,
      newsletter: newsletterZh,
      number: 23,
      archiveUrl: 'https://quire.example/archive/spp-brief/23',
      openPixel: true,
    });
  });

  it('fills every placeholder: escaped in HTML, raw in text', () => {
    const { html, text } = createPersonaliser(rendered)(values);
    expect(html).not.toMatch(/%%QUIRE_/);
    expect(text).not.toMatch(/%%QUIRE_/);
    expect(html).toContain('href="https://quire.example/unsubscribe/abc?x=1&amp;y=2"');
    expect(text).toContain('退订：https://quire.example/unsubscribe/abc?x=1&y=2');
    expect(html).toContain('href="https://quire.example/preferences/abc"');
    expect(html).toMatch(/<img src="https:\/\/quire\.example\/o\/abc" width="1" height="1"[^>]*>\s*<\/body>/);
    expect(html).toContain('>王璟，您好！');
    expect(text).toContain('王璟，您好！');
  });

  it('escapes an attacker-controlled name in HTML and keeps it raw in text', () => {
    const evil = '<script>alert("x")</script>&';
    const { html, text } = createPersonaliser(rendered)({ ...values, name: evil, unsubscribeUrl: 'https://q.example/u/"><script>' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    expect(html).toContain('href="https://q.example/u/&quot;&gt;&lt;script&gt;"');
    expect(text).toContain(`${evil}，您好！`);
  });

  it('does not re-expand placeholders found inside values', () => {
    const { html, text } = createPersonaliser(rendered)({ ...values, name: UNSUBSCRIBE_URL_TOKEN });
    expect(text).toContain(`${UNSUBSCRIBE_URL_TOKEN}，您好！`);
    expect(html).toContain(`${UNSUBSCRIBE_URL_TOKEN}，您好！`);
  });

  it('uses the name fallback and drops the whole pixel when there is no value', () => {
    const { html, text } = createPersonaliser(rendered)({ unsubscribeUrl: 'u', preferencesUrl: 'p', name: '  ' });
    expect(html).toContain('>读者，您好！');
    expect(text).toContain('读者，您好！');
    expect(html).not.toMatch(/<img[^>]*width="1"/);
    expect(html).toMatch(/<\/div>\s*<\/body>/);
  });

  it('keeps values on one line', () => {
    const { text } = createPersonaliser(rendered)({ ...values, name: 'A\r\nB' });
    expect(text).toContain('A B，您好！');
  });

  it('personalises fast enough for the send hot path (prints the rate, asserts nothing timed)', () => {
    // Pad the fixture to ~60 KB of HTML, the size the target is stated for.
    const padding = `<!-- ${'x'.repeat(Math.max(0, 60_000 - rendered.html.length))} -->`;
    const big = { html: rendered.html.replace('</body>', `${padding}</body>`), text: rendered.text, nameFallback: '读者' };
    const personalise = createPersonaliser(big);
    const n = 20_000;
    let bytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const m = personalise({
        unsubscribeUrl: `https://quire.example/unsubscribe/${i}`,
        preferencesUrl: `https://quire.example/preferences/${i}`,
        name: `Reader ${i}`,
        openPixelUrl: `https://quire.example/o/${i}`,
      });
      // charCodeAt flattens V8's string rope, so the copy a transport would make is counted too.
      bytes += m.html.charCodeAt(m.html.length - 1) + m.text.charCodeAt(m.text.length - 1) > 0 ? m.html.length : 0;
    }
    const ms = performance.now() - t0;
    console.log(
      `personalise: ${n} messages of ${(big.html.length / 1024).toFixed(1)} KiB (chars) in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} msg/s`,
    );
    expect(bytes).toBeGreaterThan(0);
    expect([NAME_TOKEN, PREFERENCES_URL_TOKEN, OPEN_PIXEL_URL_TOKEN].every((t) => big.html.includes(t))).toBe(true);
  });
});

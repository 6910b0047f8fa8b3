/** The API reference page renders the descriptions' Markdown: code as <code>, links, lists; never a literal backtick, never raw HTML from a description. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { blockMarkdown, inlineMarkdown } from '../../../src/ui/markdown.tsx';

describe.each(dbKinds)('API reference page (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows code spans as <code> and no literal backtick', async () => {
    for (const lang of ['en', 'zh-CN']) {
      const res = await h.app.request('/api/docs', { headers: { 'accept-language': lang } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toContain('`');
      // The API description: "Errors are `{error: {code, message, details?}}`".
      expect(html).toContain('<code>{error: {code, message, details?}}</code>');
      expect(html).toContain('Health: <code>{ok: true, db: &quot;pglite&quot; | &quot;postgres&quot;}</code>');
      expect(html).toContain('Schedule or reschedule (<code>sendAt</code> wall-clock in <code>timeZone</code>)');
      expect(html).toContain('<code>q</code> (address or name prefix)');
    }
  });

  it('renders links and lists, escapes HTML and drops unsafe links', () => {
    expect(String(inlineMarkdown('see [the guide](https://example.org/g) and `x<y`'))).toBe(
      'see <a href="https://example.org/g">the guide</a> and <code>x&lt;y</code>',
    );
    expect(String(blockMarkdown('- one\n- `two`'))).toBe('<ul>\n<li>one</li>\n<li><code>two</code></li>\n</ul>\n');
    expect(String(inlineMarkdown('<script>alert(1)</script>'))).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(String(inlineMarkdown('[x](javascript:alert(1))'))).not.toContain('href');
    expect(String(inlineMarkdown('[docs](/api/docs)'))).toBe('<a href="/api/docs">docs</a>');
  });
});

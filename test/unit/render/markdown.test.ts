import { describe, expect, it } from 'vitest';
import { markdownToHtml, markdownToText, wrapText } from '../../../src/mail/render/markdown.ts';
import { eventAttributes } from './html-checks.ts';

describe('markdownToHtml', () => {
  it('renders paragraphs, bold, lists and links with inline email styles', () => {
    const html = markdownToHtml('Hello **world**.\n\n- one\n- two\n\n[site](https://example.org/a?b=1&c=2)');
    expect(html).toContain('<strong>world</strong>');
    expect(html).toMatch(/<p style="margin:0 0 14px;">Hello/);
    expect(html).toMatch(/<ul style="[^"]+">\s*<li style="[^"]+">one<\/li>/);
    expect(html).toContain('href="https://example.org/a?b=1&amp;c=2"');
    expect(html).toMatch(/<a href="[^"]+" style="color:#1f6f4a;[^"]*" class="q-link">site<\/a>/);
    // Plain links: no tracking, no target/rel.
    expect(html).not.toMatch(/target=|rel=/);
  });

  it('neutralises script tags, event attributes and javascript: links', () => {
    const html = markdownToHtml(
      '<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) ![i](javascript:alert(1)) [d](data:text/html,<b>x</b>) [v](vbscript:msgbox)',
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/href="(?:javascript|data|vbscript):/i);
    expect(eventAttributes(html)).toEqual([]);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('allows only http(s) and mailto links', () => {
    const html = markdownToHtml('[a](http://a.example) [b](https://b.example) [c](mailto:c@example.org) [d](ftp://d.example) [e](/relative)');
    expect(html).toContain('href="http://a.example"');
    expect(html).toContain('href="https://b.example"');
    expect(html).toContain('href="mailto:c@example.org"');
    expect(html).not.toContain('ftp://d.example"');
    expect(html).not.toContain('href="/relative"');
  });

  it('does not leave a space where a soft break splits CJK text', () => {
    expect(markdownToHtml('同一个地球\n网络')).toContain('同一个地球网络');
    expect(markdownToHtml('one\ntwo')).toContain('one\ntwo');
  });

  it('demotes headings below the template headings', () => {
    expect(markdownToHtml('# Big')).toMatch(/^<h4 style="[^"]+">Big<\/h4>/);
  });
});

describe('markdownToText', () => {
  it('drops emphasis markers and writes lists as "- " and "1. "', () => {
    const text = markdownToText('A **bold** and *em* word.\n\n- one\n- two\n\n01. first\n02. second');
    expect(text).toBe('A bold and em word.\n\n- one\n- two\n\n1. first\n2. second');
  });

  it('writes links as "label (url)" and keeps bare URLs as they are', () => {
    expect(markdownToText('See [the site](https://example.org/x).')).toBe('See the site (https://example.org/x).');
    expect(markdownToText('在[框架](https://example.org/f)下行动')).toBe('在框架 (https://example.org/f) 下行动');
    expect(markdownToText('[https://example.org](https://example.org)')).toBe('https://example.org');
    expect(markdownToText('[mail me](mailto:a@example.org)')).toBe('mail me (a@example.org)');
  });

  it('shows rejected links and raw HTML as literal text, without tags', () => {
    const text = markdownToText('[x](javascript:alert(1)) <b>hi</b>');
    expect(text).toBe('[x](javascript:alert(1)) <b>hi</b>');
  });

  it('wraps Latin paragraphs at 76 columns but never CJK', () => {
    const latin = 'word '.repeat(40).trim();
    for (const line of markdownToText(latin).split('\n')) expect(line.length).toBeLessThanOrEqual(76);
    const cjk = '可持续公共采购'.repeat(30);
    expect(markdownToText(cjk)).toBe(cjk);
    // Long URLs are never split.
    const url = `https://example.org/${'x'.repeat(100)}`;
    expect(wrapText(`see ${url} now`, 76)).toBe(`see\n${url}\nnow`);
  });
});

import { describe, expect, it } from 'vitest';
import { renderIssue, renderWebArchive } from '../../src/mail/render/issue.ts';
import { documentsOf, gramsOf, normalise, queryTerms, snippetOf } from '../../src/modules/archive/search-text.ts';
import { issueContentSchema } from '../../src/modules/issues/model.ts';

describe('archive search text', () => {
  it('normalises full-width letters, case, spaces and control characters', () => {
    expect(normalise('  ＰＤＦ\u0000Guide\n\tGreen  ')).toBe('pdf guide green');
    expect(gramsOf('绿色 采购')).toEqual(['绿色', '采购']);
  });

  it('splits a query on white space, deduplicates and caps the grams a long word asks of the index', () => {
    const terms = queryTerms('Procurement procurement  采购 x');
    expect(terms.map((t) => t.text)).toEqual(['procurement', '采购', 'x']);
    expect(terms[1]!.grams).toEqual(['采购']);
    expect(terms[2]!.grams).toEqual([]);
    expect(queryTerms('supercalifragilisticexpialidocious')[0]!.grams.length).toBe(12);
  });

  it('marks every match in the original text, escaping the rest', () => {
    const s = snippetOf('Green <b>Procurement</b> & more procurement', queryTerms('procurement'));
    expect(s.html).toBe('Green &lt;b&gt;<mark>Procurement</mark>&lt;/b&gt; &amp; more <mark>procurement</mark>');
    expect(s.text).toBe('Green <b>Procurement</b> & more procurement');
    const long = snippetOf(`${'前文'.repeat(100)}绿色采购${'后文'.repeat(100)}`, queryTerms('采购'));
    expect(long.text.startsWith('…')).toBe(true);
    expect(long.text.endsWith('…')).toBe(true);
    expect(long.html).toContain('绿色<mark>采购</mark>');
  });

  it('makes one document per article with its body, attribution and source labels', () => {
    const content = issueContentSchema.parse({
      title: 'T',
      sections: [
        {
          title: 'S',
          articles: [{ title: 'A', body: '**Bold** text', attribution: 'From X', sources: [{ url: 'https://e.org', label: 'Label Y' }] }, { body: 'Two' }],
        },
      ],
    });
    const docs = documentsOf(content);
    expect(docs.map((d) => [d.section, d.article])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(docs[0]!.body).toBe('Bold text From X Label Y');
    expect(docs[0]!.textNorm).toBe('a bold text from x label y');
  });

  it('anchors articles as #a-S-A in the web version only; the email keeps its own', async () => {
    const content = issueContentSchema.parse({
      title: 'T',
      language: 'en',
      sections: [{ title: 'S', articles: [{ title: 'A', body: 'x' }, { body: 'untitled' }] }],
    });
    const newsletter = { name: 'N', slug: 'n', language: 'en' };
    const email = await renderIssue({ content, newsletter, archiveUrl: 'https://e.org/archive/n/1' });
    expect(email.html).toContain('id="s1-1"');
    expect(email.html).not.toContain('a-1-');
    const web = await renderWebArchive({ content, newsletter, archiveUrl: 'https://e.org/archive/n/1' });
    expect(web.html).toContain('id="a-1-1"');
    expect(web.html).toContain('id="a-1-2"');
    expect(web.html).toContain('<link rel="canonical" href="https://e.org/archive/n/1">');
  });
});

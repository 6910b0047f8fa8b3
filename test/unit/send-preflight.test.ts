import { describe, expect, it } from 'vitest';
import { issueContentSchema } from '../../src/modules/issues/model.ts';
import { openWarnings, sendWarnings } from '../../src/modules/sending/preflight.ts';

const content = (c: Record<string, unknown>) => issueContentSchema.parse({ title: 'T', ...c });
const keys = (w: { said: { key: string } }[]) => w.map((x) => x.said.key);

describe('the warnings before a send', () => {
  it('flags example domains (sources, images, bodies, footer), not real ones, and trims punctuation', () => {
    const w = sendWarnings({
      content: content({
        intro: 'Read https://docs.example.org/x, then https://www.un.org/y.',
        sections: [
          {
            title: 'S',
            articles: [{ title: 'A', sources: [{ url: 'https://example.com/a', label: '' }], image: { url: 'https://cdn.shop.example/i.png', alt: 'x' } }],
          },
        ],
        footer: { organisation: '1 Main St' },
      }),
      lint: [],
      importNotes: [],
      newsletterOrganisation: null,
    });
    expect(keys(w)).toEqual(['sendux.warn.exampleLinks']);
    expect(w[0]!.said.params).toMatchObject({ count: 3, links: 'https://docs.example.org/x https://example.com/a https://cdn.shop.example/i.png' });
    expect(w[0]!.id).toBe('0:sendux.warn.exampleLinks');
  });

  it('needs a postal address from the newsletter or the footer, and acknowledges by id or all', () => {
    const base = { content: content({}), lint: [], importNotes: ['an old plain-text note'] };
    const w = sendWarnings({ ...base, newsletterOrganisation: '' });
    expect(keys(w)).toEqual(['sendux.warn.importNote', 'sendux.warn.noPostalAddress']);
    expect(keys(sendWarnings({ ...base, newsletterOrganisation: 'Org, 1 Main St' }))).toEqual(['sendux.warn.importNote']);
    expect(openWarnings(w, { ticked: [w[0]!.id] })).toEqual([w[1]]);
    expect(openWarnings(w, { all: true })).toEqual([]);
    expect(openWarnings(w, {})).toEqual(w);
  });
});

describe('Gmail clipping before a send (issue 20)', () => {
  const facts = { content: content({ footer: { organisation: '1 Main St' } }), lint: [], importNotes: [], newsletterOrganisation: null };
  it('warns, with the size in KB, when the email is over 102 KB, and not at or under it', () => {
    const w = sendWarnings({ ...facts, sizeBytes: 150_000 });
    expect(keys(w)).toEqual(['editorUx.warn.gmailClip']);
    expect(w[0]!.said.params).toEqual({ size: 146 });
    expect(keys(sendWarnings({ ...facts, sizeBytes: 102 * 1024 }))).toEqual([]);
    expect(keys(sendWarnings(facts))).toEqual([]);
  });
});

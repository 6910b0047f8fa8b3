/** The editor's structure tools as pure edits of the issue model: each op, and positions that do not exist (422, never a crash). */
import { describe, expect, it } from 'vitest';
import { applyStructureOp, notesAfterOp, paragraphsOf, type StructureOp } from '../../../src/content/structure-ops.ts';
import { AppError } from '../../../src/lib/errors.ts';
import type { IssueContent } from '../../../src/modules/issues/model.ts';

const art = (title: string, body: string, extra: object = {}) => ({ title, body, sources: [], ...extra });
const issue = (): IssueContent => ({
  title: 'Brief',
  language: 'en',
  footer: {},
  sections: [
    {
      title: 'News',
      articles: [
        art('Wind', 'Turbines on the hills.\n\nSolar Parks\n\nPanels in the desert.', { sources: [{ url: 'https://a.example/1', label: 'A' }] }),
        art('Rail', 'Trains run on time.', {
          sources: [
            { url: 'https://a.example/1', label: 'A' },
            { url: 'https://b.example/2', label: 'B' },
          ],
        }),
      ],
    },
    { title: 'Events', articles: [art('Fair', 'In May.')] },
  ],
});
const titles = (c: IssueContent) => c.sections.map((s) => s.articles.map((a) => a.title));

function refused(c: IssueContent, op: unknown): AppError {
  try {
    applyStructureOp(c, op as StructureOp);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error(`op was accepted: ${JSON.stringify(op)}`);
}

describe('paragraphsOf', () => {
  it('splits on blank lines, ignoring blank lines at either end and lines of spaces', () => {
    expect(paragraphsOf('\n\na\nb\n\n  \n\nc\n\n')).toEqual(['a\nb', 'c']);
    expect(paragraphsOf('x\r\n\r\ny')).toEqual(['x', 'y']);
    expect(paragraphsOf('  \n ')).toEqual([]);
  });
});

describe('applyStructureOp', () => {
  it('splits an article before a paragraph: the rest becomes a new untitled article after it; sources stay on the first', () => {
    const before = issue();
    const c = applyStructureOp(before, { op: 'split', section: 0, article: 0, paragraph: 1 });
    expect(titles(c)[0]).toEqual(['Wind', '', 'Rail']);
    expect(c.sections[0]!.articles[0]!.body).toBe('Turbines on the hills.');
    expect(c.sections[0]!.articles[1]!.body).toBe('Solar Parks\n\nPanels in the desert.');
    expect(c.sections[0]!.articles[0]!.sources).toHaveLength(1);
    expect(c.sections[0]!.articles[1]!.sources).toEqual([]);
    // Pure: the content passed in is unchanged.
    expect(before).toEqual(issue());
  });

  it('then makes a line the title; the old title (if any) becomes a sub-heading', () => {
    const split = applyStructureOp(issue(), { op: 'split', section: 0, article: 0, paragraph: 1 });
    const c = applyStructureOp(split, { op: 'makeTitle', section: 0, article: 1, paragraph: 0 });
    expect(c.sections[0]!.articles[1]).toMatchObject({ title: 'Solar Parks', body: 'Panels in the desert.' });
    const again = applyStructureOp(c, { op: 'makeTitle', section: 0, article: 1, paragraph: 0 });
    expect(again.sections[0]!.articles[1]).toMatchObject({ title: 'Panels in the desert.', body: '### Solar Parks' });
  });

  it('makes a paragraph a sub-heading, stripping bold and heading marks', () => {
    const c = applyStructureOp(
      { ...issue(), sections: [{ title: '', articles: [art('T', 'a\n\n**Solar Parks**\n\nb')] }] },
      { op: 'makeSubheading', section: 0, article: 0, paragraph: 1 },
    );
    expect(c.sections[0]!.articles[0]!.body).toBe('a\n\n### Solar Parks\n\nb');
  });

  it('merges an article into the previous one: its title becomes a sub-heading, new sources are kept once', () => {
    const c = applyStructureOp(issue(), { op: 'mergePrevious', section: 0, article: 1 });
    expect(titles(c)[0]).toEqual(['Wind']);
    const a = c.sections[0]!.articles[0]!;
    expect(a.body).toBe('Turbines on the hills.\n\nSolar Parks\n\nPanels in the desert.\n\n### Rail\n\nTrains run on time.');
    expect(a.sources.map((s) => s.url)).toEqual(['https://a.example/1', 'https://b.example/2']);
  });

  it('moves an article up, down and to another section', () => {
    const down = applyStructureOp(issue(), { op: 'moveArticle', section: 0, article: 0, to: { section: 0, index: 1 } });
    expect(titles(down)).toEqual([['Rail', 'Wind'], ['Fair']]);
    const up = applyStructureOp(down, { op: 'moveArticle', section: 0, article: 1, to: { section: 0, index: 0 } });
    expect(titles(up)).toEqual([['Wind', 'Rail'], ['Fair']]);
    const across = applyStructureOp(issue(), { op: 'moveArticle', section: 0, article: 1, to: { section: 1, index: 1 } });
    expect(titles(across)).toEqual([['Wind'], ['Fair', 'Rail']]);
  });

  it('adds and deletes articles and sections, and reorders sections', () => {
    expect(titles(applyStructureOp(issue(), { op: 'addArticle', section: 1, index: 0 }))).toEqual([
      ['Wind', 'Rail'],
      ['', 'Fair'],
    ]);
    expect(titles(applyStructureOp(issue(), { op: 'deleteArticle', section: 0, article: 0 }))).toEqual([['Rail'], ['Fair']]);
    const added = applyStructureOp(issue(), { op: 'addSection', index: 1 });
    expect(added.sections.map((s) => s.title)).toEqual(['News', '', 'Events']);
    expect(added.sections[1]!.articles).toHaveLength(1);
    expect(applyStructureOp(issue(), { op: 'deleteSection', section: 0 }).sections.map((s) => s.title)).toEqual(['Events']);
    expect(applyStructureOp(issue(), { op: 'moveSection', section: 1, to: 0 }).sections.map((s) => s.title)).toEqual(['Events', 'News']);
  });

  it('refuses positions that do not exist with a 422 naming them, and malformed ops with a 422', () => {
    const c = issue();
    expect(refused(c, { op: 'split', section: 5, article: 0, paragraph: 1 }).said).toMatchObject({
      key: 'editorUx.op.noSection',
      params: { section: 6, count: 2 },
    });
    expect(refused(c, { op: 'deleteArticle', section: 0, article: 9 }).said).toMatchObject({ key: 'editorUx.op.noArticle' });
    expect(refused(c, { op: 'makeTitle', section: 0, article: 1, paragraph: 3 }).said).toMatchObject({ key: 'editorUx.op.noParagraph', params: { count: 1 } });
    expect(refused(c, { op: 'split', section: 0, article: 0, paragraph: 0 }).said.key).toBe('editorUx.op.badTarget');
    expect(refused(c, { op: 'mergePrevious', section: 0, article: 0 }).said.key).toBe('editorUx.op.badTarget');
    expect(refused(c, { op: 'moveArticle', section: 0, article: 0, to: { section: 0, index: 2 } }).said.key).toBe('editorUx.op.badTarget');
    expect(refused(c, { op: 'moveSection', section: 0, to: 2 }).said.key).toBe('editorUx.op.badTarget');
    expect(refused(c, { op: 'addSection', index: 3 }).said.key).toBe('editorUx.op.badTarget');
    for (const op of [
      { op: 'explode' },
      { op: 'split', section: -1, article: 0, paragraph: 1 },
      { op: 'split', section: 0 },
      null,
      'split',
      { op: 'addSection', index: 1.5 },
    ]) {
      expect(refused(c, op).status).toBe(422);
    }
    // A paragraph too long to be a title is refused, not truncated.
    const long = { ...c, sections: [{ title: '', articles: [art('', 'x'.repeat(600))] }] };
    expect(refused(long, { op: 'makeTitle', section: 0, article: 0, paragraph: 0 }).status).toBe(422);
  });
});

describe('notesAfterOp', () => {
  const notes = [
    { key: 'a', place: { section: 0, article: 0, paragraph: 2 } },
    { key: 'b', place: { section: 0, article: 1 } },
    { key: 'c', place: { section: 1, article: 0 } },
    { key: 'plain' },
    'old text note',
  ];
  const kept = (op: StructureOp) => notesAfterOp(notes, op).map((n) => (typeof n === 'string' ? n : n.key));
  it('drops notes whose place the op touched or shifted, keeps the rest and notes with no place', () => {
    expect(kept({ op: 'split', section: 0, article: 1, paragraph: 1 })).toEqual(['a', 'c', 'plain', 'old text note']);
    expect(kept({ op: 'mergePrevious', section: 0, article: 1 })).toEqual(['c', 'plain', 'old text note']);
    expect(kept({ op: 'addArticle', section: 1, index: 1 })).toEqual(['a', 'b', 'c', 'plain', 'old text note']);
    expect(kept({ op: 'moveArticle', section: 0, article: 1, to: { section: 1, index: 0 } })).toEqual(['a', 'plain', 'old text note']);
    expect(kept({ op: 'deleteSection', section: 1 })).toEqual(['a', 'b', 'plain', 'old text note']);
    expect(kept({ op: 'addSection', index: 0 })).toEqual(['plain', 'old text note']);
    expect(kept({ op: 'moveSection', section: 1, to: 1 })).toEqual(['a', 'b', 'plain', 'old text note']);
  });
});

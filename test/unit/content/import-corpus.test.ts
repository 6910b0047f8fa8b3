/**
 * The importer on the corpus (test/fixtures/corpus): issues of other newsletters in the shapes
 * real exports take, each with its expected structure. Prints a score per fixture (titles right,
 * sections right, text kept, front page and footer) and wants full marks for each. Then the
 * invariants every seed must keep (issue 20).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importIssue } from '../../../src/content/import/index.ts';
import { EDITOR_LINE, PRIVATE_USE } from '../../../src/content/import/text.ts';
import { i18n } from '../../../src/i18n/index.ts';
import { type ExpectedIssue, type Score, contentUrls, scoreImport, sourceUrls } from '../../helpers/import-score.ts';
import { seed, seedFiles } from '../../helpers/seeds.ts';

const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/corpus');
const fixtures = fs
  .readdirSync(CORPUS)
  .filter((f) => /\.(txt|md)$/.test(f))
  .sort();

const scores = new Map<string, Score>();

describe('importIssue on the corpus', () => {
  it('has at least 12 fixtures, each with its golden file', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
    for (const f of fixtures) expect(fs.existsSync(path.join(CORPUS, f.replace(/\.(txt|md)$/, '.expected.json')))).toBe(true);
  });

  it.each(fixtures)('%s scores full marks', (file) => {
    const source = fs.readFileSync(path.join(CORPUS, file), 'utf8');
    const expected = JSON.parse(fs.readFileSync(path.join(CORPUS, file.replace(/\.(txt|md)$/, '.expected.json')), 'utf8')) as ExpectedIssue;
    const score = scoreImport(source, importIssue(source), expected);
    scores.set(file, score);
    expect(score.problems).toEqual([]);
    expect([score.titles, score.sections, score.text, score.front]).toEqual([1, 1, 1, 1]);
  });

  // The same issue extracted with other spacing or line ends reads the same: the rules look at
  // the shape of the text, not at one file's blank lines.
  const variants: [string, (s: string) => string][] = [
    [
      'double-spaced',
      (s) =>
        s
          .split('\n')
          .map((l) => (l.trim() ? `${l}\n` : l))
          .join('\n'),
    ],
    ['single-spaced', (s) => s.replace(/\n\n(?=\S)/g, '\n')],
    ['CRLF', (s) => s.replace(/\n/g, '\r\n')],
  ];
  it.each(fixtures.filter((f) => f.endsWith('.txt')).flatMap((f) => variants.map(([name, make]) => [f, name, make] as const)))(
    '%s %s scores full marks too',
    (file, _name, make) => {
      const source = make(fs.readFileSync(path.join(CORPUS, file), 'utf8'));
      const expected = JSON.parse(fs.readFileSync(path.join(CORPUS, file.replace(/\.txt$/, '.expected.json')), 'utf8')) as ExpectedIssue;
      expect(scoreImport(source, importIssue(source), expected).problems).toEqual([]);
    },
  );

  it('prints the score table', () => {
    const pct = (n: number) => `${Math.round(n * 100)}%`.padStart(5);
    const rows = [...scores].map(([file, s]) => `${file.padEnd(34)} ${pct(s.titles)} ${pct(s.sections)} ${pct(s.text)} ${pct(s.front)}`);
    console.log(['fixture                             titles sections text front', ...rows].join('\n'));
    expect(scores.size).toBe(fixtures.length);
  });
});

describe('importIssue keeps the seed invariants', () => {
  describe.each(seedFiles().map((f) => f.slice(0, 3)))('seed %s', (prefix) => {
    const source = seed(prefix);
    const result = importIssue(source);
    const { content } = result;

    it('has no repeated section and no untitled article', () => {
      const titles = content.sections.map((s) => s.title);
      expect(new Set(titles).size).toBe(titles.length);
      for (const s of content.sections) for (const a of s.articles) expect(a.title).not.toBe('');
    });

    it('has no private-use glyph anywhere', () => {
      expect(JSON.stringify(content)).not.toMatch(PRIVATE_USE);
    });

    it('never doubles a footer label', () => {
      expect(content.footer.editor ?? '').not.toMatch(EDITOR_LINE);
      expect(content.footer.contact ?? '').not.toMatch(/^(联系|contact)/i);
    });

    it('keeps every source URL as a link of its own', () => {
      const urls = contentUrls(content);
      for (const url of sourceUrls(source)) expect(urls).toContain(url);
      // No link holds two addresses (two lines joined into one URL).
      for (const url of urls) expect(url.replace(/^[a-z]+:\/\//i, '')).not.toMatch(/https?:|mailto:|@.*\//i);
    });

    it('has an intro of prose or none', () => {
      const intro = content.intro?.trim() ?? '';
      if (intro !== '') expect(intro).not.toMatch(/^(?:<?https?:|mailto:|www\.|\S+@\S+$)|^One planet/im);
    });

    it('names where each guess is, in the page language', () => {
      for (const w of result.warnings) {
        if (!w.place) continue;
        expect(w.place.section).toBeLessThan(content.sections.length);
        if (w.place.article !== undefined) expect(w.place.article).toBeLessThan(content.sections[w.place.section]!.articles.length);
      }
      const chinese = result.warnings.map((w) => i18n('zh-CN').m(w)).join('\n');
      expect(chinese).not.toMatch(/article\(s\)|without a title/);
    });
  });
});

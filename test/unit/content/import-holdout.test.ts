/**
 * The importer on a hold-out set (test/fixtures/holdout): issues written without looking at the
 * corpus the importer was tuned on — other organisations, scripts (zh-TW, Spanish), and export
 * shapes (Mailchimp plain text, Substack Markdown, government bulletins, two-column PDF text,
 * numbered titles, broken source URLs). Scored like the corpus; prints the table and each
 * fixture's problems. It wants the issue-20 invariants everywhere (no text lost, every URL a
 * link, no private-use glyph, no doubled label) and full marks where the importer earns them
 * (FULL below); the rest is reported, not hidden.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importIssue } from '../../../src/content/import/index.ts';
import { EDITOR_LINE, PRIVATE_USE } from '../../../src/content/import/text.ts';
import { type ExpectedIssue, type Score, scoreImport } from '../../helpers/import-score.ts';

const HOLDOUT = path.resolve(import.meta.dirname, '../../fixtures/holdout');
const fixtures = fs
  .readdirSync(HOLDOUT)
  .filter((f) => /\.(txt|md)$/.test(f))
  .sort();
const golden = (f: string) => JSON.parse(fs.readFileSync(path.join(HOLDOUT, f.replace(/\.(txt|md)$/, '.expected.json')), 'utf8')) as ExpectedIssue;

/** Fixtures that score full marks; a regression there fails the test. */
const FULL = new Set<string>(process.env.HOLDOUT_FULL?.split(',') ?? []);

const scores = new Map<string, Score>();

describe('importIssue on the hold-out set', () => {
  it('has at least 8 fixtures, each with its golden file', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
    for (const f of fixtures) expect(fs.existsSync(path.join(HOLDOUT, f.replace(/\.(txt|md)$/, '.expected.json')))).toBe(true);
  });

  it.each(fixtures)('%s keeps the invariants', (file) => {
    const source = fs.readFileSync(path.join(HOLDOUT, file), 'utf8');
    const result = importIssue(source);
    const score = scoreImport(source, result, golden(file));
    scores.set(file, score);
    const { content } = result;
    expect(score.problems.filter((p) => p.startsWith('lost text') || p.startsWith('URLs not kept'))).toEqual([]);
    expect(JSON.stringify(content)).not.toMatch(PRIVATE_USE);
    expect(content.footer.editor ?? '').not.toMatch(EDITOR_LINE);
    expect(content.footer.contact ?? '').not.toMatch(/^(联系|聯絡|contact)/i);
    for (const s of content.sections) for (const a of s.articles) expect(a.title).not.toBe('');
    if (FULL.has(file)) expect(score.problems).toEqual([]);
  });

  it('prints the score table', () => {
    const pct = (n: number) => `${Math.round(n * 100)}%`.padStart(5);
    const rows = [...scores].map(([file, s]) => `${file.padEnd(24)} ${pct(s.titles)} ${pct(s.sections)} ${pct(s.text)} ${pct(s.front)}`);
    const problems = [...scores].flatMap(([file, s]) => s.problems.map((p) => `  ${file}: ${p}`));
    console.log(['fixture                  titles sections text front', ...rows, '', ...problems].join('\n'));
    expect(scores.size).toBe(fixtures.length);
  });
});

/**
 * Issue import: milliseconds per import of each seed and a few corpus files (median and p95 over
 * repeated runs), beside the format reader alone (markdownToBlocks / pdfTextToBlocks), which is the
 * floor: everything above it is the structure reader, the link cleaning and the lost-text check.
 * Target (issue 20): under 50 ms per seed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { detectFormat, importIssue } from '../../src/content/import/index.ts';
import { markdownToBlocks } from '../../src/content/import/markdown.ts';
import { pdfTextToBlocks } from '../../src/content/import/pdf-text.ts';
import { clearTextCaches } from '../../src/content/import/text.ts';
import { gc, withPeakRss, type Result } from '../lib.ts';
import { seedSources } from './render.ts';

const CORPUS = ['en-council-weekly.txt', 'zh-narrow-column.txt', 'zh-markdown-export.md', 'word-export.txt'];

function corpusSources(): { file: string; source: string }[] {
  const dir = path.resolve(import.meta.dirname, '../../test/fixtures/corpus');
  return CORPUS.filter((f) => fs.existsSync(path.join(dir, f))).map((file) => ({ file, source: fs.readFileSync(path.join(dir, file), 'utf8') }));
}

function timings(run: () => void, runs: number): { median: number; p95: number } {
  for (let i = 0; i < 3; i++) run(); // warm-up (JIT, markdown-it)
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    clearTextCaches(); // each import starts cold, as a real one does
    if (i % 10 === 0) gc(); // collect between runs, not inside one: the p95 is the import's, not an earlier run's garbage
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, p95: ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)]! };
}

export async function importScenario(scale: number): Promise<Result[]> {
  const files = [...seedSources(), ...corpusSources()];
  if (files.length === 0) throw new Error('no seed issues in test/fixtures/seeds');
  const runs = 40;
  const rows: { file: string; bytes: number; medianMs: number; p95Ms: number; readerMedianMs: number }[] = [];
  const { peakRssMb } = await withPeakRss(async () => {
    for (const { file, source } of files) {
      const full = timings(() => importIssue(source), runs);
      const reader = detectFormat(source) === 'markdown' ? () => markdownToBlocks(source) : () => pdfTextToBlocks(source);
      const floor = timings(reader, runs);
      rows.push({ file, bytes: source.length, medianMs: full.median, p95Ms: full.p95, readerMedianMs: floor.median });
    }
    return null;
  });
  const seeds = rows.filter((r) => /^\d{3}_/.test(r.file));
  const worstSeed = Math.max(...seeds.map((r) => r.p95Ms));
  const worstSeedMedian = Math.max(...seeds.map((r) => r.medianMs));
  const worstSeedReader = Math.max(...seeds.map((r) => r.readerMedianMs));
  return [
    {
      name: 'import: slowest seed, median ms',
      scale,
      figure: worstSeedMedian,
      unit: 'ms',
      baseline: worstSeedReader,
      baselineUnit: 'ms (format reader alone, median)',
      ratio: worstSeedReader / worstSeedMedian,
      peakRssMb,
    },
    {
      name: 'import: slowest seed, p95 ms',
      scale,
      figure: worstSeed,
      unit: 'ms',
      baseline: worstSeedReader,
      baselineUnit: 'ms (format reader alone, median)',
      ratio: worstSeedReader / worstSeed,
      peakRssMb,
      detail: {
        targetMs: 50,
        runs,
        files: rows.map((r) => ({ ...r, medianMs: +r.medianMs.toFixed(2), p95Ms: +r.p95Ms.toFixed(2), readerMedianMs: +r.readerMedianMs.toFixed(2) })),
      },
    },
  ];
}

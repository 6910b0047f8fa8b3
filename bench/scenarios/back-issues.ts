/**
 * The bulk import of back issues: 50 issue files (the real past issues and variants of them, each
 * printing its own number and date) through `importBackIssues` — read, checked, imported,
 * numbered from the source and published — against the parse alone (importer and `parseVolume`,
 * no database) of the same files in the same run. Figures: ms per file and in all.
 */
import { importIssue } from '../../src/content/import/index.ts';
import { parseVolume } from '../../src/content/import/volume.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { type BackIssueFile, importBackIssues } from '../../src/modules/issues/back-issues.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { benchServices, gc, withPeakRss, type BenchDb, type Result } from '../lib.ts';
import { seedSources } from './render.ts';

const FILES = 50;

/** The seeds as they are, then variants: each a monthly issue of its own, 2021 onwards, overall numbers from 100. */
function backIssueFiles(): BackIssueFile[] {
  const seeds = seedSources();
  if (seeds.length === 0) throw new Error('no seed issues in test/fixtures/seeds');
  const enc = new TextEncoder();
  return Array.from({ length: FILES }, (_, i) => {
    const s = seeds[i % seeds.length]!;
    if (i < seeds.length) return { name: s.file, content: enc.encode(s.source) };
    const year = 2021 + Math.floor(i / 12);
    const month = (i % 12) + 1;
    // The volume line where the issue prints one (seed 001), else a first line saying it.
    const volume = `${year}年第${month}期 总第${100 + i}期`;
    const source = /\d{4}年第\**\d+\**期\s*\n+\s*总第\**\d+\**期/.test(s.source)
      ? s.source.replace(/\d{4}年第\**\d+\**期\s*\n+\s*总第\**\d+\**期/, volume)
      : `${volume}\n\n${s.source}`;
    return { name: `${String(i).padStart(3, '0')}_${year}-${String(month).padStart(2, '0')}.txt`, content: enc.encode(source) };
  });
}

export async function backIssuesScenario(db: BenchDb, scale: number): Promise<Result[]> {
  const files = backIssueFiles();
  const dec = new TextDecoder();

  // Baseline: what the import cannot do without, the parse, with no database.
  for (const f of files.slice(0, 4)) importIssue(dec.decode(f.content as Uint8Array)); // warm-up
  gc();
  const p0 = performance.now();
  for (const f of files) {
    const { content } = importIssue(dec.decode(f.content as Uint8Array));
    parseVolume([content.volume, content.title].filter(Boolean).join(' '));
  }
  const parseMs = performance.now() - p0;

  const s = benchServices(db, new OutboxMailer(new OutboxRepository(db.handle.db), systemClock));
  await s.newsletters.create({ slug: 'back', name: '可持续公共采购计划简报', fromEmail: 'news@example.org', language: 'zh-CN' }, null);
  gc();
  db.timer.reset();
  const perFile: number[] = [];
  let last = performance.now();
  const { value: results, peakRssMb } = await withPeakRss(async () =>
    importBackIssues(
      s.issues,
      'back',
      files,
      {
        publish: true,
        onResult: () => {
          const now = performance.now();
          perFile.push(now - last);
          last = now;
        },
      },
      null,
    ),
  );
  const totalMs = perFile.reduce((a, b) => a + b, 0);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new Error(`${failed.length} back issues failed: ${JSON.stringify(failed[0])}`);
  const numbered = results.filter((r) => r.ok && r.number >= 100).length;
  const sorted = [...perFile].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return [
    {
      name: `backIssues: bulk import of ${FILES} issue files, ms per file (imported, numbered from the source, published)`,
      scale,
      figure: totalMs / FILES,
      unit: 'ms/file',
      baseline: parseMs / FILES,
      baselineUnit: 'ms/file (importer and parseVolume alone, no database)',
      ratio: parseMs / totalMs,
      peakRssMb,
      detail: {
        files: FILES,
        totalMs: Math.round(totalMs),
        parseOnlyTotalMs: Math.round(parseMs),
        medianMs: round(sorted[Math.floor(sorted.length / 2)]!),
        p95Ms: round(sorted[Math.floor(sorted.length * 0.95)]!),
        maxMs: round(sorted[sorted.length - 1]!),
        dbMs: Math.round(db.timer.ms),
        queries: db.timer.queries,
        numberedFromSource: numbered,
        ratio: 'parse time ÷ import time: the share of the import the parse is',
      },
    },
  ];
}

/** Render once, personalise per recipient — against MJML per recipient (what a naive sender does). */
import fs from 'node:fs';
import path from 'node:path';
import { importIssue } from '../../src/content/import/index.ts';
import { preferencesUrl, unsubscribeUrl } from '../../src/lib/tokens.ts';
import { renderIssue } from '../../src/mail/render/issue.ts';
import { createPersonaliser } from '../../src/mail/render/personalise.ts';
import { withPeakRss, type Result } from '../lib.ts';

const SECRET = 'b'.repeat(40);

export function seedSources(): { file: string; source: string }[] {
  const dir = path.resolve(import.meta.dirname, '../../test/fixtures/seeds');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((file) => ({ file, source: fs.readFileSync(path.join(dir, file), 'utf8') }));
}

export async function renderScenario(scale: number): Promise<Result[]> {
  const seeds = seedSources();
  if (seeds.length === 0) throw new Error('no seed issues in test/fixtures/seeds');
  const newsletter = { name: '可持续公共采购计划简报', slug: 'spp-brief', language: 'zh-CN' };
  const compiles: { file: string; ms: number; bytes: number }[] = [];
  let largest = { html: '', text: '', nameFallback: '', sizeBytes: 0 };
  for (const { file, source } of seeds) {
    const { content } = importIssue(source);
    await renderIssue({ content, newsletter, archiveUrl: 'https://news.example.org/archive/spp-brief/1', openPixel: true }); // warm-up
    const runs = 5;
    const t0 = performance.now();
    let r = await renderIssue({ content, newsletter, archiveUrl: 'https://news.example.org/archive/spp-brief/1', openPixel: true });
    for (let i = 1; i < runs; i++) r = await renderIssue({ content, newsletter, archiveUrl: 'https://news.example.org/archive/spp-brief/1', openPixel: true });
    compiles.push({ file, ms: (performance.now() - t0) / runs, bytes: r.sizeBytes });
    if (r.sizeBytes > largest.sizeBytes) largest = r;
  }

  // Personalisation of the largest seed, including signing each recipient's links.
  const personalise = createPersonaliser(largest);
  const count = Math.max(20_000, Math.min(scale, 100_000));
  const { value: personalRate, peakRssMb } = await withPeakRss(async () => {
    const t0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const m = personalise({
        unsubscribeUrl: unsubscribeUrl('https://news.example.org', SECRET, i),
        preferencesUrl: preferencesUrl('https://news.example.org', SECRET, i),
        name: `Reader ${i}`,
        openPixelUrl: `https://news.example.org/o/${i}`,
      });
      bytes += m.html.length;
    }
    if (bytes === 0) throw new Error('nothing personalised');
    return count / ((performance.now() - t0) / 1000);
  });

  // The naive baseline: MJML compile for every recipient.
  const { content } = importIssue(seeds.reduce((a, b) => (a.source.length > b.source.length ? a : b)).source);
  const naiveRuns = 10;
  const t1 = performance.now();
  for (let i = 0; i < naiveRuns; i++)
    await renderIssue({ content: { ...content, title: `${content.title} ${i}` }, newsletter, archiveUrl: 'x', openPixel: true });
  const naiveRate = naiveRuns / ((performance.now() - t1) / 1000);

  const meanCompile = compiles.reduce((a, c) => a + c.ms, 0) / compiles.length;
  return [
    {
      name: 'render: MJML compile per issue (mean of seeds)',
      scale,
      figure: meanCompile,
      unit: 'ms',
      baseline: null,
      ratio: null,
      peakRssMb,
      detail: { seeds: compiles.map((c) => ({ file: c.file, ms: Math.round(c.ms * 10) / 10, htmlBytes: c.bytes, underGmailClip: c.bytes < 102 * 1024 })) },
    },
    {
      name: 'render: personalised messages per second',
      scale,
      figure: personalRate,
      unit: 'msg/s',
      baseline: naiveRate,
      baselineUnit: 'msg/s (MJML compile per recipient)',
      ratio: personalRate / naiveRate,
      peakRssMb,
      detail: { messages: count, htmlBytes: largest.sizeBytes, bar: 'ratio ≥ 200' },
    },
  ];
}

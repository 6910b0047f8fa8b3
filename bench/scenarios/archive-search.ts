/**
 * The archive's search (issue 21): 300 published issues of 10 articles each, Chinese and English
 * mixed (Chinese drawn from the real seed issues, English from a procurement vocabulary), and
 * ~200 queries (Chinese of 2–4 characters, English words, two-word phrases, some that match
 * nothing) through ArchiveService.search — the freshness check of the search documents included —
 * beside a plain ILIKE scan over issues.content::text, the baseline, in the same run.
 */
import { importIssue } from '../../src/content/import/index.ts';
import { ArchiveRepository } from '../../src/modules/archive/repository.ts';
import { queryTerms } from '../../src/modules/archive/search-text.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { systemClock } from '../../src/lib/clock.ts';
import type { IssueContent } from '../../src/modules/issues/model.ts';
import { benchServices, withPeakRss, type BenchDb, type Result } from '../lib.ts';
import { seedSources } from './render.ts';

const ISSUES = 300;
const ARTICLES = 10;
const QUERIES = 200;

/** A small deterministic generator: the same corpus and queries every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const EN_WORDS =
  'procurement sustainable public tender criteria supplier circular economy carbon emissions reduction policy framework guidance municipal contract lifecycle cost renewable energy efficiency building materials food catering textiles furniture vehicles electric transport social value labour rights fair trade recycled packaging waste reporting monitoring market engagement innovation training network partners ministry regional national european commission programme webinar workshop conference results survey indicators'.split(
    ' ',
  );

function englishText(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    let w = EN_WORDS[Math.floor(r() * EN_WORDS.length)]!;
    if (i === 0 || out[i - 1]!.endsWith('.')) w = w[0]!.toUpperCase() + w.slice(1);
    out.push(r() < 0.08 ? `${w}.` : w);
  }
  return `${out.join(' ')}.`;
}

export async function archiveSearchScenario(db: BenchDb): Promise<Result[]> {
  const s = benchServices(db, new OutboxMailer(new OutboxRepository(db.handle.db), systemClock));
  const newsletter = await s.newsletters.create({ slug: 'search', name: 'Search bench', fromEmail: 'news@example.org', language: 'zh-CN' }, null);
  const r = rng(21);

  // Chinese paragraphs from the seed issues: real lengths, real vocabulary.
  const zhBodies = seedSources()
    .flatMap(({ source }) => importIssue(source).content.sections.flatMap((sec) => sec.articles))
    .map((a) => ({ title: a.title, body: a.body, sources: a.sources }))
    .filter((a) => a.body.length > 40);
  if (zhBodies.length === 0) throw new Error('no seed issues in test/fixtures/seeds');

  for (let n = 1; n <= ISSUES; n++) {
    const articles = Array.from({ length: ARTICLES }, (_, j) => {
      if ((n + j) % 2 === 0) {
        const a = zhBodies[Math.floor(r() * zhBodies.length)]!;
        return { title: a.title || `第${n}期文章${j + 1}`, body: a.body, sources: a.sources };
      }
      return {
        title: englishText(r, 6).replace(/\.$/, ''),
        body: [englishText(r, 60), englishText(r, 80), englishText(r, 50)].join('\n\n'),
        sources: [{ url: `https://example.org/${n}/${j}`, label: englishText(r, 3).replace(/\.$/, '') }],
      };
    });
    const content: IssueContent = {
      title: `简报 ${n}`,
      volume: `${2000 + Math.floor(n / 12)}年第${(n % 12) + 1}期`,
      language: 'zh-CN',
      sections: [
        { title: '政策动态', articles: articles.slice(0, 5) },
        { title: 'News', articles: articles.slice(5) },
      ],
      footer: {},
    };
    const row = await s.repos.issues.insert({ newsletterId: newsletter.id, number: n, content, lint: [], warnings: [], sourceFormat: 'structured' });
    await db.handle.db
      .updateTable('issues')
      .set({ status: n % 3 ? 'published' : 'sent', published_at: new Date(Date.UTC(2000, 0, 1) + n * 86_400_000) })
      .where('id', '=', row!.id)
      .execute();
  }

  // The queries: Chinese 2–4 characters cut from the corpus, English words and phrases, misses.
  const han = zhBodies.map((a) => a.body.replace(/[^\p{Script=Han}]/gu, '')).filter((x) => x.length > 10);
  const queries: string[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const kind = i % 5;
    if (kind <= 1) {
      const text = han[Math.floor(r() * han.length)]!;
      const len = 2 + Math.floor(r() * 3);
      const at = Math.floor(r() * (text.length - len));
      queries.push(text.slice(at, at + len));
    } else if (kind === 2) queries.push(EN_WORDS[Math.floor(r() * EN_WORDS.length)]!);
    else if (kind === 3) queries.push(`${EN_WORDS[Math.floor(r() * EN_WORDS.length)]} ${EN_WORDS[Math.floor(r() * EN_WORDS.length)]}`);
    else queries.push(i % 10 === 4 ? '不存在的词' : 'nonexistentword');
  }

  const repo = new ArchiveRepository(db.handle.db);
  const t0 = performance.now();
  await s.archive.indexAll('search');
  const indexMs = performance.now() - t0;

  const timeAll = async (fn: (q: string) => Promise<number>) => {
    for (const q of queries.slice(0, 20)) await fn(q); // warm-up
    const times: number[] = [];
    let hits = 0;
    for (const q of queries) {
      const t = performance.now();
      hits += await fn(q);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
    return { p50: at(0.5), p95: at(0.95), max: times[times.length - 1]!, hits };
  };

  const { value: quire, peakRssMb } = await withPeakRss(() => timeAll(async (q) => (await s.archive.search('search', q)).items.length));
  const baseline = await timeAll((q) =>
    repo.scanBaseline(
      newsletter.id,
      queryTerms(q).map((t) => t.text),
      20,
    ),
  );
  const round = (x: number) => Math.round(x * 100) / 100;
  return [
    {
      name: `search: p95 over ${QUERIES} queries, ${ISSUES} issues × ${ARTICLES} articles`,
      scale: ISSUES * ARTICLES,
      figure: quire.p95,
      unit: 'ms',
      baseline: baseline.p95,
      baselineUnit: 'ms (ILIKE scan of issues.content::text)',
      ratio: baseline.p95 / quire.p95,
      peakRssMb,
      detail: {
        quire: { p50: round(quire.p50), p95: round(quire.p95), max: round(quire.max), hits: quire.hits },
        baseline: { p50: round(baseline.p50), p95: round(baseline.p95), max: round(baseline.max), hits: baseline.hits },
        firstIndexMs: Math.round(indexMs),
      },
    },
  ];
}

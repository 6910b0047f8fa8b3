/**
 * `npm run bench`: every scenario at BENCH_SCALE (10k default, 100k, 1m), each figure beside its
 * baseline measured in the same run. Prints a table; writes bench/results.json and bench/report.md.
 * PostgreSQL when DATABASE_URL is set, PGlite otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fmt, openBenchDb, SCALES, type Result } from './lib.ts';
import { writeReport } from './report.ts';
import { backIssuesScenario } from './scenarios/back-issues.ts';
import { archiveSearchScenario } from './scenarios/archive-search.ts';
import { csvScenario } from './scenarios/csv.ts';
import { mailchimpScenario } from './scenarios/mailchimp.ts';
import { eventsScenario } from './scenarios/events.ts';
import { importScenario } from './scenarios/import.ts';
import { pacingScenario } from './scenarios/pacing.ts';
import { renderScenario } from './scenarios/render.ts';
import { sendScenario } from './scenarios/send.ts';
import { signupScenario } from './scenarios/signup.ts';
import { segmentsScenario } from './scenarios/segments.ts';

const scaleName = process.env.BENCH_SCALE ?? '10k';
if (!SCALES[scaleName]) {
  console.error(`BENCH_SCALE must be one of ${Object.keys(SCALES).join(', ')}`);
  process.exit(2);
}
const scale = SCALES[scaleName]!;
const only = process.env.BENCH_ONLY?.split(',');

type Scenario = { name: string; run: () => Promise<Result[]> };

async function main() {
  const started = Date.now();
  const log = (s: string) => console.log(s);
  const db = await openBenchDb();
  log(
    `Quire benchmark — scale ${scaleName} (${fmt(scale)} subscribers), database ${db.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (in memory)'}, Node ${process.version}`,
  );
  const scenarios: Scenario[] = [
    { name: 'render', run: () => renderScenario(scale) },
    { name: 'send', run: () => sendScenario(db, scale, log) },
    { name: 'pacing', run: () => pacingScenario(db, scale) },
    { name: 'signup', run: () => signupScenario(db, scale) },
    { name: 'csv', run: () => csvScenario(db, scale) },
    { name: 'events', run: () => eventsScenario(db, scale, log) },
    { name: 'mailchimp', run: () => mailchimpScenario(db) },
    { name: 'backIssues', run: () => backIssuesScenario(db, scale) },
    { name: 'segments', run: () => segmentsScenario(db, scale, log) },
    { name: 'import', run: () => importScenario(scale) },
    { name: 'search', run: () => archiveSearchScenario(db) },
  ];

  const results: Result[] = [];
  const failures: string[] = [];
  try {
    for (const sc of scenarios) {
      if (only && !only.includes(sc.name)) continue;
      log(`\n▶ ${sc.name}`);
      const t0 = Date.now();
      try {
        const r = await sc.run();
        results.push(...r);
        for (const x of r)
          log(
            `  ${x.name}: ${fmt(x.figure, x.figure < 100 ? 2 : 0)} ${x.unit}${x.baseline !== null ? `  (baseline ${fmt(x.baseline, x.baseline < 100 ? 2 : 0)}; ratio ${fmt(x.ratio ?? 0, 2)})` : ''}`,
          );
      } catch (e) {
        failures.push(`${sc.name}: ${e instanceof Error ? e.message : String(e)}`);
        log(`  FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
      log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await db.close();
  }

  const dir = path.resolve('bench');
  if (process.env.BENCH_NO_WRITE) {
    // Exploratory runs (profiling, a helper's check) print but keep the recorded figures.
    console.log(`\n${table(results)}\n`);
    for (const r of results) if (r.detail) console.log(`${r.name}: ${JSON.stringify(r.detail)}`);
    console.log('\nBENCH_NO_WRITE set: bench/results.json and the report were left as they were.');
    if (failures.length) process.exitCode = 1;
    return;
  }
  const payload = {
    scale: scaleName,
    subscribers: scale,
    database: db.kind,
    node: process.version,
    at: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    results,
  };
  fs.writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.mkdirSync(path.join(dir, 'history'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'history', `${scaleName}-${db.kind}.json`), `${JSON.stringify(payload, null, 2)}\n`);
  writeReport(dir);

  console.log(`\n${table(results)}`);
  console.log(`\nWrote bench/results.json and bench/report.md in ${payload.seconds} s.`);
  if (failures.length) {
    console.log(`\n${failures.length} scenario(s) failed:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

function table(results: Result[]): string {
  const rows = results.map((r) => [
    r.name,
    `${fmt(r.figure, r.figure < 100 ? 2 : 0)} ${r.unit}`,
    r.baseline === null ? '—' : `${fmt(r.baseline, r.baseline < 100 ? 2 : 0)}`,
    r.ratio === null ? '—' : fmt(r.ratio, 2),
    `${r.peakRssMb} MB`,
  ]);
  const head = ['scenario', 'figure', 'baseline', 'ratio', 'peak RSS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

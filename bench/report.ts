/** bench/report.md: the latest figures of every scale run so far, and an SVG chart of how costs grow. */
import fs from 'node:fs';
import path from 'node:path';
import type { Result } from './lib.ts';

interface Run {
  scale: string;
  subscribers: number;
  database: string;
  node: string;
  at: string;
  results: Result[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: n < 100 ? 2 : 0 }));

/** Per-email costs that should stay flat as the list grows, plotted on a log x axis. */
const CHARTED: { match: string; label: string; per: (r: Result) => number | null; unit: string }[] = [
  { match: 'send: emails per second', label: 'send: µs of wall time per email', per: (r) => 1e6 / r.figure, unit: 'µs' },
  { match: 'send: Quire CPU per email', label: 'send: µs of Quire CPU per email', per: (r) => r.figure, unit: 'µs' },
  { match: 'send: database time', label: 'send: µs of database time per email', per: (r) => (r.figure * 1000) / r.scale, unit: 'µs' },
  { match: 'csv import', label: 'CSV import: µs per row', per: (r) => 1e6 / r.figure, unit: 'µs' },
];

function chart(runs: Run[]): string {
  const W = 640;
  const H = 300;
  const pad = { l: 60, r: 200, t: 20, b: 40 };
  const colours = ['#1f6f4a', '#b54708', '#175cd3', '#9e1c6a'];
  const series = CHARTED.map((c, i) => ({
    ...c,
    colour: colours[i]!,
    points: runs
      .map((run) => {
        const r = run.results.find((x) => x.name.startsWith(c.match));
        const y = r ? c.per(r) : null;
        return y === null || !Number.isFinite(y) ? null : { x: run.subscribers, y };
      })
      .filter((p): p is { x: number; y: number } => p !== null)
      .sort((a, b) => a.x - b.x),
  }));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const yMax = Math.max(1, ...ys) * 1.15;
  const xs = [10_000, 100_000, 1_000_000];
  const xPos = (x: number) => pad.l + ((Math.log10(x) - 4) / 2) * (W - pad.l - pad.r);
  const yPos = (y: number) => H - pad.b - (y / yMax) * (H - pad.t - pad.b);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Cost per email or row as the list grows" font-family="system-ui, sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  for (let i = 0; i <= 4; i++) {
    const y = (yMax / 4) * i;
    parts.push(
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${yPos(y)}" y2="${yPos(y)}" stroke="#e4e7ec"/><text x="${pad.l - 6}" y="${yPos(y) + 4}" text-anchor="end" fill="#475467">${num(Math.round(y))}</text>`,
    );
  }
  for (const x of xs) parts.push(`<text x="${xPos(x)}" y="${H - pad.b + 16}" text-anchor="middle" fill="#475467">${x >= 1e6 ? '1M' : `${x / 1000}k`}</text>`);
  parts.push(`<text x="${(pad.l + W - pad.r) / 2}" y="${H - 6}" text-anchor="middle" fill="#475467">subscribers (log scale)</text>`);
  parts.push(
    `<text x="14" y="${(pad.t + H - pad.b) / 2}" transform="rotate(-90 14 ${(pad.t + H - pad.b) / 2})" text-anchor="middle" fill="#475467">µs per email / row</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length) {
      parts.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${s.points.map((p) => `${xPos(p.x)},${yPos(p.y)}`).join(' ')}"/>`);
      for (const p of s.points)
        parts.push(
          `<circle cx="${xPos(p.x)}" cy="${yPos(p.y)}" r="3.5" fill="${s.colour}"><title>${esc(s.label)}: ${num(p.y)} ${s.unit} at ${num(p.x)}</title></circle>`,
        );
    }
    parts.push(
      `<rect x="${W - pad.r + 12}" y="${pad.t + i * 22}" width="12" height="3" fill="${s.colour}"/><text x="${W - pad.r + 30}" y="${pad.t + i * 22 + 5}" fill="#344054">${esc(s.label.replace(/^[^:]+: /, ''))}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function writeReport(dir: string): void {
  const historyDir = path.join(dir, 'history');
  const runs: Run[] = fs.existsSync(historyDir)
    ? fs
        .readdirSync(historyDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(fs.readFileSync(path.join(historyDir, f), 'utf8')) as Run)
    : [];
  runs.sort((a, b) => a.subscribers - b.subscribers || a.database.localeCompare(b.database));
  fs.writeFileSync(path.join(dir, 'cost-growth.svg'), `${chart(runs.filter((r) => r.database === (runs.at(-1)?.database ?? r.database)))}\n`);
  const lines: string[] = [
    '# Quire benchmark report',
    '',
    'Produced by `npm run bench` (`BENCH_SCALE=10k|100k|1m`; PostgreSQL when `DATABASE_URL` is set). Each figure is measured beside its baseline in the same run; ratios matter more than absolute times on a shared 2-core machine.',
    '',
    '![Cost per email as the list grows](cost-growth.svg)',
    '',
  ];
  for (const run of runs) {
    lines.push(`## ${run.scale} subscribers on ${run.database} (${run.at.slice(0, 16).replace('T', ' ')} UTC, Node ${run.node})`, '');
    lines.push('| scenario | figure | baseline | ratio | peak RSS |', '|---|---:|---|---:|---:|');
    for (const r of run.results) {
      lines.push(
        `| ${r.name} | ${num(r.figure)} ${r.unit} | ${r.baseline === null ? '—' : `${num(r.baseline)} ${r.baselineUnit ?? ''}`} | ${num(r.ratio)} | ${r.peakRssMb} MB |`,
      );
    }
    lines.push('');
  }
  // The reading of the figures (which bars are met, why the others are not) is written by hand.
  const notes = path.join(dir, 'notes.md');
  if (fs.existsSync(notes)) lines.push(fs.readFileSync(notes, 'utf8').trim(), '');
  fs.writeFileSync(path.join(dir, 'report.md'), lines.join('\n'));
}

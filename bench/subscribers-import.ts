/**
 * CSV import benchmark (not part of `npm run bench` yet): 100 000 rows through POST /api/v1/newsletters/:slug/subscribers/import,
 * streamed in 64 KiB chunks. Prints rows/s and the process's peak RSS.
 *   npx tsx bench/subscribers-import.ts            (PGlite in memory)
 *   TEST_DATABASE_URL=postgres://… npx tsx bench/subscribers-import.ts postgres
 */
import { createHarness } from '../test/helpers/harness.ts';

const kind = (process.argv[2] ?? 'pglite') as 'pglite' | 'postgres';
const rows = Number(process.argv[3] ?? 100_000);

const h = await createHarness(kind);
await h.api('POST', '/api/v1/newsletters', { json: { slug: 'bench', name: 'Bench', fromEmail: 'news@example.org' } });

const enc = new TextEncoder();
let i = -1;
const body = new ReadableStream<Uint8Array>({
  pull(ctl) {
    if (i >= rows) return ctl.close();
    let s = '';
    if (i < 0) s = 'Email Address,Name\n';
    for (let n = 0; n < 1000 && i < rows; n++, i++) if (i >= 0) s += `reader.${i}@example${i % 97}.org,Reader ${i}\n`;
    if (i < 0) i = 0;
    ctl.enqueue(enc.encode(s));
  },
});

let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const res = await h.app.request('/api/v1/newsletters/bench/subscribers/import?consentNote=bench', {
  method: 'POST',
  headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'text/csv' },
  body,
  // @ts-expect-error Node's fetch needs this for a streamed body
  duplex: 'half',
});
const out = (await res.json()) as { imported: number; total: number };
const s = (performance.now() - t0) / 1000;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss); // PGlite's WASM blocks the sampler while it works
console.log(
  `${kind}: ${out.imported}/${out.total} rows imported in ${s.toFixed(2)} s = ${Math.round(out.total / s)} rows/s; ` +
    `RSS before ${Math.round(rssBefore / 1e6)} MB, peak ${Math.round(peak / 1e6)} MB`,
);
await h.close();

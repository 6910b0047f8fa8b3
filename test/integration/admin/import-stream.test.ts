// The admin's CSV import streams the file (issue 23, item 14): the page's script sends it as a
// text/csv body with the CSRF token in a header, and the server reads it as it arrives, answering
// the same live NDJSON progress as before. Without the token nothing is read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { AdminClient } from './client.ts';

const ROWS = 2500;

function csvStream(rows: number): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (i === 0) ctl.enqueue(enc.encode('email,name\n'));
      if (i >= rows) return ctl.close();
      const n = Math.min(500, rows - i);
      ctl.enqueue(enc.encode(Array.from({ length: n }, (_, k) => `s${i + k}@example.org,Reader ${i + k}\n`).join('')));
      i += n;
    },
  });
}

describe.each(dbKinds)('streamed admin import (%s)', (kind) => {
  let h: Harness;
  let admin: AdminClient;
  beforeAll(async () => {
    h = await createHarness(kind);
    await h.api('POST', '/api/v1/newsletters', { json: { slug: 'st', name: 'Streamed', fromEmail: 'news@example.org' } });
    admin = new AdminClient(h);
    expect((await admin.login('admin@example.org', 'correct horse battery')).status).toBe(303);
  });
  afterAll(() => h.close());

  const post = (headers: Record<string, string>) =>
    admin.request('POST', `/admin/subscribers/import?newsletter=st&consentNote=${encodeURIComponent('workshop list')}&fileName=workshop.csv&rows=${ROWS}`, {
      headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson', ...headers },
      body: csvStream(ROWS),
    });

  it('imports a text/csv body as it arrives, with live progress and the summary', async () => {
    const csrf = await admin.csrfFrom('/admin/subscribers/import');
    const res = await post({ 'x-csrf-token': csrf });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; estimatedRows?: number; rows?: number; result?: { imported: number; total: number } });
    expect(lines[0]).toMatchObject({ type: 'start', estimatedRows: ROWS });
    expect(lines.some((l) => l.type === 'progress' && (l.rows ?? 0) >= 1000)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'done', result: { imported: ROWS, total: ROWS } });
    const [record] = (await (await h.api('GET', '/api/v1/newsletters/st/subscribers/imports')).json()).items;
    expect(record).toMatchObject({ fileName: 'workshop.csv', state: 'done', rowsRead: ROWS, rowsExpected: ROWS });
  });

  it('refuses a streamed upload without the CSRF token, and reads nothing', async () => {
    const before = (await (await h.api('GET', '/api/v1/newsletters/st/subscribers/imports')).json()).items.length;
    const res = await post({});
    expect(res.status).toBe(403);
    const after = (await (await h.api('GET', '/api/v1/newsletters/st/subscribers/imports')).json()).items.length;
    expect(after).toBe(before);
  });
});

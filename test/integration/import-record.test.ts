// A subscriber import is a recorded job: killed mid-way, it shows on the subscribers page, the
// dashboard and the API as stopped at its last count, and the audit log has its start (issue 23, item 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { AdminClient } from './admin/client.ts';

const ROWS_PER_CHUNK = 1000;

/** A CSV body that sends a header and `rows` rows, then hangs as a killed upload's reader would see it. */
function hangingCsv(rows: number) {
  let fail: (e: Error) => void = () => {};
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(ctl) {
      ctl.enqueue(enc.encode('email,name\n'));
      for (let i = 0; i < rows; i += 500) {
        ctl.enqueue(enc.encode(Array.from({ length: 500 }, (_, k) => `cut-${i + k}@example.org,Reader ${i + k}\n`).join('')));
      }
      fail = (e) => ctl.error(e);
    },
  });
  return { stream, kill: () => fail(new Error('the process was killed')) };
}

describe.each(dbKinds)('an interrupted subscriber import (%s)', (kind) => {
  let h: Harness;
  let admin: AdminClient;
  beforeAll(async () => {
    h = await createHarness(kind);
    await h.api('POST', '/api/v1/newsletters', { json: { slug: 'imp', name: 'Imports', fromEmail: 'news@example.org', timeZone: 'UTC' } });
    admin = new AdminClient(h);
    expect((await admin.login('admin@example.org', 'correct horse battery')).status).toBe(303);
  });
  afterAll(() => h.close());

  it('is shown as stopped at its last count, then gone once the file is run again to the end', async () => {
    const user = { id: 1, email: 'admin@example.org', role: 'admin' as const };
    const upload = hangingCsv(3 * ROWS_PER_CHUNK);
    const running = h.services.subscriberList.import('imp', upload.stream, 'conference sign-up sheet', user, undefined, {
      name: 'members.csv',
      expectedRows: 5000,
    });
    // Wait until the first chunks are in, as a process would have written them before dying.
    for (let i = 0; i < 200; i++) {
      const [r] = await h.services.subscriberList.importHistory('imp');
      if (r && r.rowsRead >= 2 * ROWS_PER_CHUNK) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const [during] = await h.services.subscriberList.importHistory('imp');
    expect(during).toMatchObject({ fileName: 'members.csv', state: 'running', startedBy: 'admin@example.org', rowsExpected: 5000 });

    // Nothing moves for three minutes: the process is gone.
    h.clock.advance(3 * 60_000);
    const api = await (await h.api('GET', '/api/v1/newsletters/imp/subscribers/imports')).json();
    expect(api.items[0]).toMatchObject({ fileName: 'members.csv', state: 'stopped', imported: during!.imported });
    expect(api.items[0].rowsRead).toBeGreaterThanOrEqual(2 * ROWS_PER_CHUNK);

    const page = await (await admin.request('GET', '/admin/subscribers')).text();
    expect(page.includes('data-testid="unfinished-import"'), 'the warning on the subscribers page').toBe(true);
    expect(/The import of “members\.csv” stopped at [\d,]+ of 5,000 rows/.test(page)).toBe(true);
    const dash = await (await admin.request('GET', '/admin')).text();
    expect(dash.includes('The import of “members.csv” stopped at'), 'the warning on the dashboard').toBe(true);
    await admin.request('GET', '/admin/lang/zh-CN?next=/admin/subscribers');
    const zh = await (await admin.request('GET', '/admin/subscribers')).text();
    expect(zh.includes('“members.csv”的导入在'), 'the warning in Chinese').toBe(true);
    await admin.request('GET', '/admin/lang/en?next=/admin/subscribers');

    const audit = await h.db.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'subscribers.import.start').execute();
    expect(audit).toHaveLength(1);

    // The killed reader: the import ends as failed (a real kill never gets here; the row stays "running").
    upload.kill();
    await expect(running).rejects.toThrow('the process was killed');

    // Run again to the end: the warning goes, the history says done.
    const again = await h.api('POST', '/api/v1/newsletters/imp/subscribers/import?consentNote=conference%20sign-up%20sheet&fileName=members.csv', {
      body: `email,name\n${Array.from({ length: 3000 }, (_, i) => `cut-${i}@example.org,Reader ${i}`).join('\n')}\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(again.status).toBe(200);
    const after = await (await admin.request('GET', '/admin/subscribers')).text();
    expect(after.includes('data-testid="unfinished-import"'), 'no warning once finished').toBe(false);
    const history = await (await h.api('GET', '/api/v1/newsletters/imp/subscribers/imports')).json();
    expect(history.items.map((r: { state: string }) => r.state)).toEqual(['done', 'failed']);
    expect(history.items[0]).toMatchObject({ rowsRead: 3000, fileName: 'members.csv' });
  });
});

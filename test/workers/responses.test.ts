// worker.ts closes each request's database connection once the response body has been produced.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createProcessCaches } from '../../src/runtime/caches.ts';
import worker from '../../src/worker.ts';
import { dbAvailable, withRequestServices } from './request-services.ts';

describe.skipIf(!dbAvailable)('response bodies and the per-request connection', () => {
  it('streams the CSV export (read from the database while it is sent) in full, then closes', async () => {
    const token = await withRequestServices(createProcessCaches(), async (s) => {
      await s.users.createUser('export-editor@example.org', 'correct horse battery staple', 'editor', 'test');
      return s.users.createToken('export-editor@example.org', 'export test');
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request('https://news.example.test/api/v1/newsletters/wk/subscribers/export', { headers: { authorization: `Bearer ${token}` } }),
      env as never,
      ctx,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).trim().split(/\r?\n/);
    await waitOnExecutionContext(ctx);
    expect(lines.filter((l) => /wk\d+@example\.org/.test(l))).toHaveLength(150);
  });

  it('closes at once for a body nobody reads yet, and for none at all', async () => {
    const ctx = createExecutionContext();
    const page = await worker.fetch(new Request('https://news.example.test/archive/wk'), env as never, ctx);
    const redirect = await worker.fetch(new Request('https://news.example.test/admin'), env as never, ctx);
    // Resolves before either body is read: nothing waits for a reader.
    await waitOnExecutionContext(ctx);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Workers brief');
    expect([302, 303]).toContain(redirect.status);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe('API description', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('pglite');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('describes every API route the app serves', async () => {
    const res = await h.api('GET', '/api/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`),
      ),
    );
    const served = new Set(
      h.app.routes
        .filter((r) => r.method !== 'ALL' && (r.path.startsWith('/api/v1/') || r.path === '/healthz' || r.path.startsWith('/webhooks/')))
        .map(
          (r) =>
            `${r.method} ${r.path
              .replace(/\/:(\w+)\{[^}]*\\\.eml\}/, '/{$1}.eml')
              .replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')
              .replace('{file}.eml', '{id}.eml')}`,
        ),
    );
    const missing = [...served].filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
  });

  it('renders a readable reference page', async () => {
    const res = await h.api('GET', '/api/docs', { token: null });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('POST</strong> /api/v1/issues/{id}/schedule');
    expect(html).toContain('href="/api/v1/openapi.json"');
  });
});

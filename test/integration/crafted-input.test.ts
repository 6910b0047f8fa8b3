/**
 * Crafted input never gives a 500 (issue 23): every route of the app (taken from its route list)
 * with crafted path segments (a NUL byte, broken percent-encoding, CR/LF, a forged cursor, …) and
 * crafted query parameters, as an admin, answers 4xx (or 2xx/3xx) with the usual error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { AdminClient } from './admin/client.ts';

const FORGED_CURSOR = 'eyJ4IjoxfQ'; // {"x":1}
const SEGMENTS = [
  '%00',
  '%00.eml',
  '%E0%A4%A',
  '%ff',
  '%0d%0aSet-Cookie:x',
  FORGED_CURSOR,
  '..%2f..%2fetc%2fpasswd',
  '%25',
  'x'.repeat(2000),
  '-1',
  '99999999999999999999',
];
const QUERY = `cursor=${FORGED_CURSOR}&next=%2Fadmin%3F%0d%0aSet-Cookie:x&q=%00&status=%00&limit=%00&to=%00&hours=%E0%A4%A`;

describe.each(dbKinds)('crafted input on %s', (kind) => {
  let h: Harness;
  let admin: AdminClient;
  let csrf: string;
  const known: Record<string, string> = {};

  beforeAll(async () => {
    h = await createHarness(kind);
    await createNewsletter(h, 'fz');
    await addSubscribers(h, 'fz', 2, 'fz');
    known.issue = String(await createIssue(h, 'fz'));
    const s = await h.db.db.selectFrom('subscribers').select('id').where('email_normalized', '=', 'fz-0@example.org').executeTakeFirstOrThrow();
    known.subscriber = String(s.id);
    admin = new AdminClient(h);
    expect((await admin.login('admin@example.org', 'correct horse battery')).status).toBe(303);
    csrf = await admin.csrfFrom('/admin/account');
  });
  afterAll(async () => {
    await h?.close();
  });

  /** The app's routes, one per method and path (middleware entries left out). */
  const routes = () => {
    const seen = new Map<string, { method: string; path: string }>();
    for (const r of h.app.routes) {
      if (r.method === 'ALL' || !/^(GET|POST|PUT|PATCH|DELETE)$/.test(r.method)) continue;
      seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
    }
    return [...seen.values()];
  };
  /** A route's path with each parameter (`:name` or `:name{regex}`) replaced. */
  const fill = (path: string, value: (name: string) => string) => path.replace(/:([A-Za-z]+)(\{(?:[^{}]|\{[^}]*\})*\})?/g, (_, name: string) => value(name));
  const goodValue = (path: string) => (name: string) => {
    if (name === 'slug') return 'fz';
    if (name === 'id') return path.includes('subscribers') ? known.subscriber! : known.issue!;
    if (name === 'number') return '1';
    if (name === 'file') return 'x.eml';
    return 'x';
  };

  const request = (method: string, path: string) => {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (path.startsWith('/api/v1/') && !path.startsWith('/api/v1/public/')) headers.authorization = `Bearer ${h.adminToken}`;
    if (path.startsWith('/admin')) {
      headers.cookie = admin.cookieHeader();
      headers['x-csrf-token'] = csrf;
    }
    if (method !== 'GET') {
      headers['content-type'] = path.startsWith('/api/') ? 'application/json' : 'application/x-www-form-urlencoded';
      body = path.startsWith('/api/') ? '{}' : '';
    }
    return h.app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
  };

  it('answers every route with crafted path segments and queries without a 500', async () => {
    const list = routes();
    expect(list.length).toBeGreaterThan(60);
    const failures: string[] = [];
    for (const r of list) {
      const paths = /:[A-Za-z]/.test(r.path) ? SEGMENTS.map((s) => fill(r.path, () => s)) : [];
      // Every GET with real parameters and a crafted query (forged cursor, CR/LF in next, NUL bytes).
      if (r.method === 'GET') paths.push(`${fill(r.path, goodValue(r.path))}?${QUERY}`);
      for (const p of paths) {
        const res = await request(r.method, p);
        if (res.status >= 500) failures.push(`${r.method} ${p.slice(0, 120)} → ${res.status} ${(await res.text()).slice(0, 200)}`);
        for (const sc of res.headers.getSetCookie()) if (/^x\b/i.test(sc)) failures.push(`${r.method} ${p} set a crafted cookie`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses the reported requests with 400/404 in the usual shape: JSON for the API, a page for people', async () => {
    for (const p of [
      '/api/v1/newsletters/%00',
      '/api/v1/outbox/%00.eml',
      `/api/v1/outbox?cursor=${FORGED_CURSOR}`,
      `/api/v1/newsletters/fz/subscribers?cursor=${FORGED_CURSOR}`,
    ]) {
      const res = await h.api('GET', p);
      expect([400, 404], p).toContain(res.status);
      expect((await res.json()).error.code, p).toMatch(/^(bad_request|not_found)$/);
    }
    for (const p of ['/archive/%00', '/archive/%E0%A4%A']) {
      const res = await h.app.request(p, { headers: { accept: 'text/html' } });
      expect([400, 404], p).toContain(res.status);
      expect(res.headers.get('content-type'), p).toContain('text/html');
      expect(await res.text(), p).toContain('<main');
    }
    // A NUL byte in a body (which the edge does not read) is a 400 too, not a database error.
    const nul = await h.api('POST', '/api/v1/newsletters', { json: { slug: 'nul', name: 'News\u0000', fromEmail: 'news@example.org' } });
    expect(nul.status).toBe(400);
    expect((await nul.json()).error.code).toBe('bad_request');
    const lang = await admin.request('GET', '/admin/lang/en?next=%2Fadmin%3F%0d%0aSet-Cookie:x');
    expect(lang.status).toBe(302);
    expect(lang.headers.get('location')).toBe('/admin');
    const subs = await admin.request('GET', `/admin/subscribers?cursor=${FORGED_CURSOR}`, { headers: { accept: 'text/html' } });
    expect(subs.status).toBe(400);
    expect(subs.headers.get('content-type')).toContain('text/html');
  });
});

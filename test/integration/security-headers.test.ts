/** Security headers a browser acts on: personal pages are never cached nor leak their URL; every page has its CSP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFor, preferencesUrl, unsubscribeUrl } from '../../src/lib/tokens.ts';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.each(dbKinds)('security headers on %s', (kind) => {
  let h: Harness;
  let subscriberId: string;

  beforeAll(async () => {
    h = await createHarness(kind);
    await createNewsletter(h, 'sec');
    await addSubscribers(h, 'sec', 1, 'sec');
    const s = await h.db.db.selectFrom('subscribers').select('id').where('email_normalized', '=', 'sec-0@example.org').executeTakeFirstOrThrow();
    subscriberId = String(s.id);
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (path: string, fields: Record<string, string>) =>
    h.app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const personal = (res: Response) => {
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  };

  it('sends no-store and no-referrer on confirm, unsubscribe and preferences pages and their POSTs, valid token or not', async () => {
    const unsub = unsubscribeUrl('', h.config.secret!, subscriberId);
    const prefs = preferencesUrl('', h.config.secret!, subscriberId);
    const prefsPage = await h.app.request(prefs);
    expect(prefsPage.status).toBe(200);
    personal(prefsPage);
    const unsubPage = await h.app.request(unsub);
    expect(unsubPage.status).toBe(200);
    personal(unsubPage);
    personal(await post(prefs, { csrf: csrfFor(h.config.secret!, prefs.split('/').pop()!), name: 'Sec', subscribed: 'sec' }));
    personal(await post(unsub, { 'List-Unsubscribe': 'One-Click' }));
    for (const p of ['/confirm/nope', '/unsubscribe/nope', '/preferences/nope']) {
      personal(await h.app.request(p));
      personal(await post(p, { csrf: 'x' }));
    }
    // Other pages keep the site-wide policy.
    expect((await h.app.request('/n/sec')).headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  });

  it('gives public and admin pages a script-src self policy, framed by nobody; the preview a sandbox framed by the admin only', async () => {
    const csp = async (path: string, headers: Record<string, string> = {}) => {
      const res = await h.app.request(path, { headers });
      return res.headers.get('content-security-policy') ?? '';
    };
    for (const p of ['/', '/n/sec', '/confirm/nope', '/admin/login', '/archive/sec', '/no/such/page']) {
      const v = await csp(p);
      expect(v, p).toContain("script-src 'self'");
      expect(v, p).toContain("frame-ancestors 'none'");
      expect(v, p).not.toMatch(/script-src[^;]*unsafe-inline/);
    }
    const issueId = await createIssue(h, 'sec');
    const preview = await csp(`/api/v1/issues/${issueId}/preview.html`, { authorization: `Bearer ${h.adminToken}` });
    expect(preview).toMatch(/^sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox; default-src 'none'/);
    expect(preview).toContain("frame-ancestors 'self'");
    expect(preview).not.toContain('script-src');
    // JSON has none to obey.
    expect((await h.api('GET', '/api/v1/newsletters')).headers.get('content-security-policy')).toBeNull();
  });
});

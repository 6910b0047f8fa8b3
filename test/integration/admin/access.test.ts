/**
 * Admin web app access: sign-in, throttling and lockout, the session cookie, sign-out (here and
 * everywhere), password change, CSRF on forms and on the JSON API with the cookie, and the role
 * required by every admin route (enumerated from the app, so a new route cannot slip through).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/lib/crypto.ts';
import { LOCK_AFTER, LOGIN_IP_LIMIT, SESSION_IDLE_MS } from '../../../src/modules/auth/service.ts';
import { ADMIN_ROUTE_ROLES } from '../../../src/modules/admin/routes/index.ts';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { AdminClient } from './client.ts';

const ADMIN = { email: 'admin@example.org', password: 'correct horse battery' };
const EDITOR = { email: 'editor@example.org', password: 'editor password 1' };
const VIEWER = { email: 'viewer@example.org', password: 'viewer password 1' };

describe.each(dbKinds)('admin access (%s)', (kind) => {
  let h: Harness;
  let ipCounter = 1;
  const freshIp = () => `198.51.100.${ipCounter++}`;
  const client = () => new AdminClient(h, freshIp());

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.services.users.createUser(EDITOR.email, EDITOR.password, 'editor', 'test');
    await h.services.users.createUser(VIEWER.email, VIEWER.password, 'viewer', 'test');
    const r = await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'spp', name: 'SPP brief', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
    });
    expect(r.status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('signs in with the right password and sets a hardened session cookie stored only as a hash', async () => {
    const b = client();
    const r = await b.login(ADMIN.email, ADMIN.password);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/admin');
    const sc = b.lastSetCookies.find((c) => c.startsWith('quire_session='))!;
    expect(sc).toBeTruthy();
    expect(sc).toMatch(/HttpOnly/i);
    expect(sc).toMatch(/Secure/i); // PUBLIC_URL is https in the harness
    expect(sc).toMatch(/SameSite=Lax/i);
    expect(sc).toMatch(/Path=\//);
    expect(sc).toMatch(/Max-Age=\d+/);
    const token = b.cookies.get('quire_session')!;
    const rows = await h.db.db.selectFrom('sessions').select(['id', 'user_id']).execute();
    expect(rows.some((s) => s.id === token)).toBe(false);
    expect(rows.some((s) => s.id === sha256Hex(token))).toBe(true);
    const page = await b.get('/admin');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('admin@example.org');
  });

  it('is not Secure when PUBLIC_URL is plain http', async () => {
    const h2 = await createHarness(kind, { env: { PUBLIC_URL: 'http://localhost:8787' } });
    try {
      const b = new AdminClient(h2);
      await b.login(ADMIN.email, ADMIN.password);
      const sc = b.lastSetCookies.find((c) => c.startsWith('quire_session='))!;
      expect(sc).toMatch(/HttpOnly/i);
      expect(sc).not.toMatch(/Secure/i);
    } finally {
      await h2.close();
    }
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    const b = client();
    const wrong = await b.login(ADMIN.email, 'not the password');
    expect(wrong.status).toBe(401);
    const wrongText = await wrong.text();
    expect(wrongText).toContain('The email or password is wrong');
    expect(b.cookies.has('quire_session')).toBe(false);
    const unknown = await b.login('nobody@example.org', 'whatever password');
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toContain('The email or password is wrong');
    // The failure count goes back to zero after a success.
    expect((await b.login(ADMIN.email, ADMIN.password)).status).toBe(303);
    const u = await h.db.db.selectFrom('users').select(['failed_logins', 'locked_until']).where('email', '=', ADMIN.email).executeTakeFirstOrThrow();
    expect(u.failed_logins).toBe(0);
  });

  it('refuses a sign-in form without its CSRF token', async () => {
    const b = client();
    await b.get('/admin/login');
    const r = await b.request('POST', '/admin/login', { form: { email: ADMIN.email, password: ADMIN.password } });
    expect(r.status).toBe(403);
    expect(b.cookies.has('quire_session')).toBe(false);
  });

  it(`locks a client out of an account after ${LOCK_AFTER} failures, even for the right password, until the lock expires`, async () => {
    await h.services.users.createUser('locky@example.org', 'locky password 1', 'editor', 'test');
    const a = freshIp();
    for (let i = 0; i < LOCK_AFTER; i++) {
      const r = await new AdminClient(h, a).login('locky@example.org', `wrong ${i}`);
      expect(r.status).toBe(401);
    }
    const locked = await new AdminClient(h, a).login('locky@example.org', 'locky password 1');
    expect(locked.status).toBe(429);
    expect(await locked.text()).toContain('Too many failed attempts for this account');
    h.clock.advance(16 * 60_000);
    expect((await new AdminClient(h, a).login('locky@example.org', 'locky password 1')).status).toBe(303);
  });

  it('does not let a lockout from one client keep the account out from another', async () => {
    await h.services.users.createUser('target@example.org', 'target password 1', 'admin', 'test');
    const attacker = freshIp();
    for (let i = 0; i <= LOCK_AFTER + 2; i++) await new AdminClient(h, attacker).login('target@example.org', `guess ${i}`);
    expect((await new AdminClient(h, attacker).login('target@example.org', 'target password 1')).status).toBe(429);
    // The admin, from their own address, signs in at once.
    const admin = new AdminClient(h, freshIp());
    expect((await admin.login('target@example.org', 'target password 1')).status).toBe(303);
    expect(admin.cookies.has('quire_session')).toBe(true);
    // An IPv6 client is one client for its whole /64: another address in it is still locked.
    for (let i = 0; i < LOCK_AFTER; i++) await new AdminClient(h, '2001:db8:1:2::a').login('target@example.org', `guess ${i}`);
    expect((await new AdminClient(h, '2001:db8:1:2:ffff::1').login('target@example.org', 'target password 1')).status).toBe(429);
    expect((await new AdminClient(h, '2001:db8:1:3::a').login('target@example.org', 'target password 1')).status).toBe(303);
  });

  it('answers an unknown address with the same lockout, so accounts cannot be enumerated', async () => {
    let last: Response | undefined;
    const ip = freshIp();
    for (let i = 0; i <= LOCK_AFTER; i++) last = await new AdminClient(h, ip).login('ghost@example.org', `guess ${i}`);
    expect(last!.status).toBe(429);
    expect(await last!.text()).toContain('Too many failed attempts for this account');
  });

  it(`rate-limits sign-in attempts per IP (${LOGIN_IP_LIMIT} per 15 minutes)`, async () => {
    const b = new AdminClient(h, '192.0.2.99');
    let r: Response | undefined;
    for (let i = 0; i <= LOGIN_IP_LIMIT; i++) r = await b.login(`spray${i}@example.org`, 'password guess');
    expect(r!.status).toBe(429);
    expect(r!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await r!.text()).toContain('Too many sign-in attempts');
    // Even the right password waits while the window lasts.
    expect((await b.login(ADMIN.email, ADMIN.password)).status).toBe(429);
    h.clock.advance(16 * 60_000);
    expect((await b.login(ADMIN.email, ADMIN.password)).status).toBe(303);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const b = client();
    await b.login(EDITOR.email, EDITOR.password);
    const token = b.cookies.get('quire_session')!;
    const r = await b.post('/admin/logout');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/admin/login?m=out');
    expect(b.cookies.has('quire_session')).toBe(false);
    const replay = await h.app.request('/admin', { headers: { cookie: `quire_session=${token}` } });
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toMatch(/^\/admin\/login/);
  });

  it('"log out everywhere" ends every session of the user', async () => {
    const a = client();
    const b = client();
    await a.login(EDITOR.email, EDITOR.password);
    await b.login(EDITOR.email, EDITOR.password);
    expect((await b.get('/admin')).status).toBe(200);
    expect((await a.post('/admin/logout-everywhere')).status).toBe(303);
    expect((await a.get('/admin')).status).toBe(302);
    expect((await b.get('/admin')).status).toBe(302);
    expect((await b.get('/api/v1/newsletters')).status).toBe(401);
  });

  it('a password change ends the other sessions, keeps this browser signed in, and the new password works', async () => {
    await h.services.users.createUser('pw@example.org', 'first password 1', 'viewer', 'test');
    const a = client();
    const other = client();
    await a.login('pw@example.org', 'first password 1');
    await other.login('pw@example.org', 'first password 1');
    const bad = await a.post('/admin/account/password', { current: 'wrong', next: 'second password 2', confirm: 'second password 2' });
    expect(bad.status).toBe(303); // back to the form with the error
    expect(await (await a.get('/admin/account')).text()).toContain('The current password is wrong');
    const ok = await a.post('/admin/account/password', { current: 'first password 1', next: 'second password 2', confirm: 'second password 2' });
    expect(ok.status).toBe(303);
    expect((await a.get('/admin/account')).status).toBe(200);
    expect((await other.get('/admin')).status).toBe(302);
    expect((await client().login('pw@example.org', 'first password 1')).status).toBe(401);
    expect((await client().login('pw@example.org', 'second password 2')).status).toBe(303);
  });

  it('expires an idle session', async () => {
    const b = client();
    await b.login(VIEWER.email, VIEWER.password);
    expect((await b.get('/admin')).status).toBe(200);
    h.clock.advance(SESSION_IDLE_MS + 60_000);
    expect((await b.get('/admin')).status).toBe(302);
  });

  it("refuses admin forms without the CSRF token, or with another session's", async () => {
    const a = client();
    const other = client();
    await a.login(ADMIN.email, ADMIN.password);
    await other.login(ADMIN.email, ADMIN.password);
    const none = await a.request('POST', '/admin/tokens', { form: { name: 'x', email: ADMIN.email } });
    expect(none.status).toBe(403);
    expect(await none.text()).toContain('The form had expired');
    const foreign = await a.request('POST', '/admin/tokens', { form: { name: 'x', email: ADMIN.email, _csrf: await other.csrfFrom('/admin/account') } });
    expect(foreign.status).toBe(403);
    const good = await a.post('/admin/tokens', { name: 'ok', email: ADMIN.email });
    expect(good.status).toBe(303);
  });

  it('lets the session cookie use the JSON API: reads freely, writes only with X-CSRF-Token', async () => {
    const b = client();
    await b.login(EDITOR.email, EDITOR.password);
    expect((await b.get('/api/v1/newsletters')).status).toBe(200);
    const body = JSON.stringify({ source: '# Test issue\n\nHello [link](https://example.org/?utm_source=x)', format: 'markdown' });
    const noToken = await b.request('POST', '/api/v1/newsletters/spp/issues', { headers: { 'content-type': 'application/json' }, body });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const csrf = await b.csrfFrom('/admin/account');
    const withToken = await b.request('POST', '/api/v1/newsletters/spp/issues', {
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body,
    });
    expect(withToken.status).toBe(201);
    const issue = (await withToken.json()) as { id: number };
    // The preview iframes load with the cookie alone.
    const preview = await b.get(`/api/v1/issues/${issue.id}/preview.html`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toMatch(/text\/html/);
    // A viewer's cookie reads but cannot write, token or not.
    const v = client();
    await v.login(VIEWER.email, VIEWER.password);
    const vcsrf = await v.csrfFrom('/admin/account');
    expect(
      (
        await v.request('PATCH', `/api/v1/issues/${issue.id}`, {
          headers: { 'content-type': 'application/json', 'x-csrf-token': vcsrf },
          body: JSON.stringify({ title: 'x' }),
        })
      ).status,
    ).toBe(403);
  });

  it('creates an API token shown once, lists it, and revokes it', async () => {
    const b = client();
    await b.login(ADMIN.email, ADMIN.password);
    const r = await b.post('/admin/tokens', { name: 'ci deploy', email: EDITOR.email });
    expect(r.status).toBe(303);
    const page = await (await b.get('/admin/users')).text();
    const token = /data-testid="new-token">(qk_[A-Za-z0-9_-]+)</.exec(page)?.[1];
    expect(token).toBeTruthy();
    expect((await h.api('GET', '/api/v1/newsletters', { token: token! })).status).toBe(200);
    // Shown once: the next view of the page no longer has it.
    expect(await (await b.get('/admin/users')).text()).not.toContain(token!);
    const row = await h.db.db.selectFrom('api_tokens').select(['id']).where('name', '=', 'ci deploy').executeTakeFirstOrThrow();
    expect((await b.post(`/admin/tokens/${row.id}/revoke`)).status).toBe(303);
    expect((await h.api('GET', '/api/v1/newsletters', { token: token! })).status).toBe(401);
    const audit = await (await b.get('/admin/audit')).text();
    expect(audit).toContain('token.revoke');
    expect(audit).toContain('login');
  });

  it('hides edit forms from a viewer and refuses their posts', async () => {
    const created = await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: '# Viewer test\n\nBody text.', format: 'markdown' } });
    const issue = (await created.json()) as { id: number };
    const v = client();
    await v.login(VIEWER.email, VIEWER.password);
    const html = await (await v.get(`/admin/issues/${issue.id}`)).text();
    expect(html).not.toContain(`action="/admin/issues/${issue.id}/schedule"`);
    expect(html).not.toContain(`action="/admin/issues/${issue.id}/test"`);
    expect(html).not.toContain('id="editor"');
    expect(html).toContain('read-only');
    const list = await (await v.get('/admin/issues')).text();
    expect(list).not.toContain('href="/admin/issues/new"');
    const r = await v.post(`/admin/issues/${issue.id}`, { title: 'Changed by viewer' });
    expect(r.status).toBe(403);
    expect((await h.services.issues.get(issue.id)).title).toBe('Viewer test');
  });

  describe('every admin route requires the right role', () => {
    let ids: { issue: number; subscriber: string; token: number };
    const routes = () =>
      h.app.routes
        .filter((r) => r.path.startsWith('/admin') && r.method !== 'ALL')
        .map((r) => ({ method: r.method, path: r.path, key: `${r.method} ${r.path}` }))
        .filter((r, i, all) => all.findIndex((x) => x.key === r.key) === i);
    const concrete = (path: string) =>
      path
        .replace(
          /:id\{\[0-9\]\+\}/,
          path.startsWith('/admin/subscribers') ? ids.subscriber : path.startsWith('/admin/tokens') ? String(ids.token) : String(ids.issue),
        )
        .replace(/:action\{[^}]+\}/, 'pause')
        .replace(':slug', 'spp')
        .replace(':lang', 'en')
        .replace(':theme', 'dark');

    beforeAll(async () => {
      const i = (await (await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: '# Roles\n\nText.', format: 'markdown' } })).json()) as {
        id: number;
      };
      const s = (await (await h.api('POST', '/api/v1/newsletters/spp/subscribers', { json: { email: 'reader@example.net', consentNote: 'test' } })).json()) as {
        id: string;
      };
      const tokenRow = await h.db.db.selectFrom('api_tokens').select('id').orderBy('id').executeTakeFirstOrThrow();
      ids = { issue: i.id, subscriber: s.id, token: tokenRow.id };
    });

    it('lists a role for every registered admin route', () => {
      const found = routes();
      expect(found.length).toBeGreaterThan(30);
      const missing = found.filter((r) => !(r.key in ADMIN_ROUTE_ROLES)).map((r) => r.key);
      expect(missing).toEqual([]);
      const stale = Object.keys(ADMIN_ROUTE_ROLES).filter((k) => !found.some((r) => r.key === k));
      expect(stale).toEqual([]);
    });

    it('without a session: pages redirect to sign-in, JSON answers 401', async () => {
      for (const r of routes()) {
        if (ADMIN_ROUTE_ROLES[r.key] === 'public') continue;
        const path = concrete(r.path);
        const res = await h.app.request(path, {
          method: r.method,
          headers: r.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
          ...(r.method === 'POST' ? { body: '' } : {}),
        });
        if (path.endsWith('.json')) {
          expect(res.status, r.key).toBe(401);
        } else {
          expect([302, 303], r.key).toContain(res.status);
          expect(res.headers.get('location'), r.key).toMatch(/^\/admin\/login/);
        }
      }
    });

    it('with too low a role: 403, for viewer and for editor', async () => {
      const rankOf = { viewer: 1, editor: 2, admin: 3 } as const;
      for (const who of [VIEWER, EDITOR]) {
        const b = client();
        expect((await b.login(who.email, who.password)).status).toBe(303);
        const csrf = await b.csrfFrom('/admin/account');
        const myRank = who === VIEWER ? 1 : 2;
        for (const r of routes()) {
          const need = ADMIN_ROUTE_ROLES[r.key]!;
          if (need === 'public' || rankOf[need] <= myRank) continue;
          const res = await b.request(r.method, concrete(r.path), r.method === 'POST' ? { form: { _csrf: csrf } } : {});
          expect(res.status, `${who.email} ${r.key}`).toBe(403);
        }
      }
    });
  });
});

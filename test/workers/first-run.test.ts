// A Worker deployed on an empty database: its first request migrates and creates the first admin
// from the ADMIN_EMAIL and ADMIN_PASSWORD secrets, who can then sign in (issue 23, item 10).
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/worker.ts';
import { dbAvailable, vars } from './request-services.ts';

const fresh = {
  ...(env as object),
  DATABASE_URL: vars.QUIRE_TEST_FRESH_DB_URL,
  ADMIN_EMAIL: 'first-admin@example.org',
  ADMIN_PASSWORD: 'a long first password',
} as never;

async function call(path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://news.example.test${path}`, { redirect: 'manual', ...init }), fresh, ctx);
  const body = await res.text();
  await waitOnExecutionContext(ctx);
  return new Response(res.status === 204 || res.status === 304 ? null : body, res);
}

const cookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

describe.skipIf(!dbAvailable || !vars.QUIRE_TEST_FRESH_DB_URL)('first run on Workers', () => {
  it('migrates the empty database and creates the first admin, who can sign in', async () => {
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, db: 'postgres' });

    const form = await call('/admin/login');
    expect(form.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    expect(csrf).toBeTruthy();
    const login = await call('/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(form), origin: 'https://news.example.test' },
      body: new URLSearchParams({ email: 'first-admin@example.org', password: 'a long first password', _csrf: csrf!, next: '/admin' }).toString(),
    });
    expect(login.status).toBe(303);
    expect(cookieOf(login)).toMatch(/quire_session=/);
    const dashboard = await call('/admin', { headers: { cookie: cookieOf(login) } });
    expect(dashboard.status).toBe(200);
  });
});

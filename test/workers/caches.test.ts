// Inside workerd, where services are built per request: process caches still hit (one per isolate).
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/auth.ts';
import { createProcessCaches } from '../../src/runtime/caches.ts';
import worker from '../../src/worker.ts';
import { dbAvailable, vars, withRequestServices } from './request-services.ts';

const domainsCalls = async () => ((await (await fetch(`${vars.RESEND_BASE_URL}/_stats`)).json()) as { domainsRequests: number }).domainsRequests;

describe.skipIf(!dbAvailable)('process caches in workerd', () => {
  it('two dashboard-like clickTracking() calls through two per-request service sets ask Resend once', async () => {
    const caches = createProcessCaches();
    const before = await domainsCalls();
    expect(await withRequestServices(caches, async (s) => s.mailer.clickTracking?.())).toBe(false);
    expect(await withRequestServices(caches, async (s) => s.mailer.clickTracking?.())).toBe(false);
    expect((await domainsCalls()) - before).toBe(1);
  });

  it("the Worker's own caches: two admin dashboard views, one Domains API call", async () => {
    const cookie = await withRequestServices(createProcessCaches(), async (s) => {
      const { user } = await s.users.createUser('cache-admin@example.org', 'correct horse battery staple', 'admin', 'test');
      const { token } = await s.auth.createSession({ id: user.id, email: user.email, role: user.role }, { ip: null, userAgent: null });
      return `${SESSION_COOKIE}=${token}`;
    });
    const view = async () => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request('https://news.example.test/admin', { headers: { cookie } }), env as never, ctx);
      const text = await res.text();
      await waitOnExecutionContext(ctx);
      return { status: res.status, text };
    };
    const before = await domainsCalls();
    const first = await view();
    expect(first.status).toBe(200);
    const second = await view();
    expect(second.status).toBe(200);
    expect((await domainsCalls()) - before).toBe(1);
  });
});

import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { TrustProxy } from '../../src/config.ts';
import { parseConfig } from '../../src/config.ts';
import { clientIp } from '../../src/http/client.ts';

/** A bare app whose one route answers with the IP clientIp decides on, under a TRUST_PROXY setting. */
function appTrusting(trustProxy: TrustProxy) {
  const app = new Hono();
  app.use(async (c, next) => {
    c.set('services' as never, { config: { trustProxy } } as never);
    await next();
  });
  app.get('/', (c) => c.text(clientIp(c)));
  return app;
}

const spoofed = { 'x-forwarded-for': '203.0.113.7, 10.0.0.1', 'x-real-ip': '203.0.113.8', 'cf-connecting-ip': '203.0.113.9' };

describe('client IP and TRUST_PROXY', () => {
  it('plain Node believes no header by default, so a client cannot choose its own address', async () => {
    expect(parseConfig({}).trustProxy).toBe('none');
    const res = await appTrusting('none').request('/', { headers: spoofed });
    expect(await res.text()).toBe('unknown'); // no socket in app.request(): never a header's value
  });

  it('the Worker entry defaults to Cloudflare, and only CF-Connecting-IP counts there', async () => {
    expect(parseConfig({}, { trustProxy: 'cloudflare' }).trustProxy).toBe('cloudflare');
    expect(await (await appTrusting('cloudflare').request('/', { headers: spoofed })).text()).toBe('203.0.113.9');
    const onlyXff = await appTrusting('cloudflare').request('/', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(await onlyXff.text()).toBe('unknown');
  });

  it('behind an own proxy, the first X-Forwarded-For entry, else X-Real-IP', async () => {
    const app = appTrusting('forwarded');
    expect(await (await app.request('/', { headers: spoofed })).text()).toBe('203.0.113.7');
    expect(await (await app.request('/', { headers: { 'x-real-ip': '203.0.113.8' } })).text()).toBe('203.0.113.8');
    expect(await (await app.request('/', { headers: { 'x-forwarded-for': '<script>' } })).text()).toBe('script');
  });

  it('an explicit TRUST_PROXY wins over the entry default, and a wrong value names the variable', () => {
    expect(parseConfig({ TRUST_PROXY: 'forwarded' }, { trustProxy: 'cloudflare' }).trustProxy).toBe('forwarded');
    expect(() => parseConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
  });
});

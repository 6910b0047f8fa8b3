/**
 * Cloudflare Turnstile on signups (TURNSTILE_SITE_KEY and TURNSTILE_SECRET): the signup page shows
 * the widget and its policy allows Cloudflare's script and frame there only; the form and the JSON
 * endpoint store nothing without a valid token; when Cloudflare cannot be asked the signup is
 * refused and says so. Without keys, signups are as before. The siteverify call is a fake here;
 * the real one is checked against a fake HTTP answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { CloudflareTurnstile, FakeTurnstile, TurnstileUnavailable } from '../../src/modules/subscribers/turnstile.ts';
import { dbKinds } from '../helpers/db.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const KEYS = { TURNSTILE_SITE_KEY: '1x00000000000000000000AA', TURNSTILE_SECRET: '1x0000000000000000000000000000000AA' };
const GOOD = 'XXXX.DUMMY.TOKEN.XXXX';
let ip = 0;

describe.each(dbKinds)('Turnstile on %s', (kind) => {
  let h: Harness;
  let off: Harness;
  const fake = new FakeTurnstile();
  const json = (x: Harness, body: Record<string, unknown>) =>
    x.app.request('/api/v1/public/newsletters/bots/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${++ip}` },
      body: JSON.stringify({ consent: true, ...body }),
    });
  const form = (x: Harness, fields: Record<string, string>, lang = 'en') =>
    x.app.request('/n/bots/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `203.0.113.${++ip}`, 'accept-language': lang },
      body: new URLSearchParams({ consent: 'yes', ...fields }).toString(),
    });
  const stored = async (x: Harness, email: string) =>
    !!(await x.db.db.selectFrom('subscribers').select('id').where('email_normalized', '=', email).executeTakeFirst());

  beforeAll(async () => {
    h = await createHarness(kind, { env: KEYS, turnstile: fake });
    off = await createHarness(kind);
    await createNewsletter(h, 'bots', { language: 'en' });
    await createNewsletter(off, 'bots', { language: 'en' });
  });
  afterAll(async () => {
    await h?.close();
    await off?.close();
  });

  it('shows the widget on the signup page, whose policy alone allows challenges.cloudflare.com', async () => {
    const page = await h.app.request('/n/bots');
    const html = await page.text();
    expect(html).toContain(`data-sitekey="${KEYS.TURNSTILE_SITE_KEY}"`);
    expect(html).toContain('src="https://challenges.cloudflare.com/turnstile/v0/api.js"');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self' https:\/\/challenges\.cloudflare\.com/);
    expect(csp).toMatch(/frame-src https:\/\/challenges\.cloudflare\.com/);
    expect((await h.app.request('/archive/bots')).headers.get('content-security-policy') ?? '').not.toContain('challenges.cloudflare.com');
    const plain = await off.app.request('/n/bots');
    expect(await plain.text()).not.toContain('cf-turnstile');
    expect(plain.headers.get('content-security-policy')).not.toContain('challenges.cloudflare.com');
  });

  it('the JSON endpoint needs a valid turnstileToken; the client IP goes to siteverify', async () => {
    const none = await json(h, { email: 'no.token@example.org' });
    expect(none.status).toBe(422);
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain('not a robot is missing');
    const bad = await json(h, { email: 'bad.token@example.org', turnstileToken: 'forged' });
    expect(bad.status).toBe(422);
    expect(await stored(h, 'bad.token@example.org')).toBe(false);
    const good = await json(h, { email: 'good.token@example.org', turnstileToken: GOOD });
    expect(good.status).toBe(202);
    expect(await stored(h, 'good.token@example.org')).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ token: GOOD, ip: `203.0.113.${ip}` });
    // Without keys: no token needed, as before.
    expect((await json(off, { email: 'plain@example.org' })).status).toBe(202);
  });

  it('the form shows what went wrong in the reader’s language and keeps what they typed; an unreachable Cloudflare refuses (fail closed)', async () => {
    const r = await form(h, { email: 'form.user@example.org', name: 'Form User' });
    expect(r.status).toBe(422);
    const html = await r.text();
    expect(html).toContain('The check that you are not a robot is missing');
    expect(html).toContain('value="form.user@example.org"');
    expect(await stored(h, 'form.user@example.org')).toBe(false);
    expect((await form(h, { email: 'form.user@example.org', 'cf-turnstile-response': GOOD })).status).toBe(200);
    expect(await stored(h, 'form.user@example.org')).toBe(true);

    fake.down = true;
    try {
      const down = await form(h, { email: 'while.down@example.org', 'cf-turnstile-response': GOOD });
      expect(down.status).toBe(503);
      expect(await down.text()).toContain('cannot be made right now');
      expect((await json(h, { email: 'while.down@example.org', turnstileToken: GOOD })).status).toBe(503);
      expect(await stored(h, 'while.down@example.org')).toBe(false);
    } finally {
      fake.down = false;
    }
  });

  it('reads both keys or neither; the real verifier posts to siteverify and fails closed', async () => {
    expect(() => parseConfig({ TURNSTILE_SITE_KEY: 'x' })).toThrow(/TURNSTILE_SECRET/);
    expect(parseConfig(KEYS).turnstile).toEqual({ siteKey: KEYS.TURNSTILE_SITE_KEY, secret: KEYS.TURNSTILE_SECRET });
    expect(parseConfig({}).turnstile).toBeNull();
    const seen: { url: string; body: string }[] = [];
    const answer = (status: number, body: unknown) => async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(url), body: String(init?.body) });
      return new Response(JSON.stringify(body), { status });
    };
    const ok = new CloudflareTurnstile('s3cret', { fetch: answer(200, { success: true }) as typeof fetch });
    expect(await ok.verify('tok', '192.0.2.1')).toBe(true);
    expect(seen[0]!.url).toBe('https://challenges.cloudflare.com/turnstile/v0/siteverify');
    expect(new URLSearchParams(seen[0]!.body).get('remoteip')).toBe('192.0.2.1');
    expect(await new CloudflareTurnstile('s', { fetch: answer(200, { success: false }) as typeof fetch }).verify('tok', null)).toBe(false);
    await expect(new CloudflareTurnstile('s', { fetch: answer(500, {}) as typeof fetch }).verify('tok', null)).rejects.toBeInstanceOf(TurnstileUnavailable);
    const hang = (async (_u: unknown, init?: RequestInit) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('timeout'))))) as typeof fetch;
    await expect(new CloudflareTurnstile('s', { fetch: hang, timeoutMs: 20 }).verify('tok', null)).rejects.toBeInstanceOf(TurnstileUnavailable);
  });
});

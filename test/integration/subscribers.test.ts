import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, unsubscribeUrl, preferencesUrl, csrfFor } from '../../src/lib/tokens.ts';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

let ipCounter = 0;
/** A fresh client address per call, so per-IP limits only bite where a test wants them to. */
const freshIp = () => `198.51.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

describe.each(dbKinds)('subscribers and consent on %s', (kind) => {
  let h: Harness;
  const publicUrl = 'https://news.example.test';

  const newsletter = async (slug: string, extra: Record<string, unknown> = {}) => {
    const r = await h.api('POST', '/api/v1/newsletters', { json: { slug, name: `News ${slug}`, fromEmail: 'news@example.org', ...extra } });
    expect(r.status).toBe(201);
  };
  const signup = (slug: string, json: unknown, o: { ip?: string; headers?: Record<string, string> } = {}) =>
    h.app.request(`/api/v1/public/newsletters/${slug}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': o.ip ?? freshIp(), 'user-agent': 'TestAgent/1.0', ...o.headers },
      body: typeof json === 'string' ? json : JSON.stringify(json),
    });
  const form = (path: string, fields: Record<string, string | string[]>, o: { ip?: string } = {}) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    return h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': o.ip ?? freshIp() },
      body: body.toString(),
    });
  };
  const get = (path: string, headers: Record<string, string> = {}) => h.app.request(path, { headers });
  const row = (slug: string, email: string) =>
    h.db.db
      .selectFrom('subscribers as s')
      .innerJoin('newsletters as n', 'n.id', 's.newsletter_id')
      .selectAll('s')
      .where('n.slug', '=', slug)
      .where('s.email_normalized', '=', email.toLowerCase())
      .executeTakeFirst();
  const events = async (id: string | number) =>
    await h.db.db.selectFrom('subscriber_events').selectAll().where('subscriber_id', '=', String(id)).orderBy('id').execute();
  const outbox = async (to: string) =>
    (await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).json()).items as {
      subject: string;
      text: string;
      html: string;
      headers: Record<string, string>;
    }[];
  const confirmPath = async (to: string) => {
    const [m] = await outbox(to);
    const match = /\/confirm\/([A-Za-z0-9_.-]+)/.exec(m!.text);
    return `/confirm/${match![1]}`;
  };
  const count = async (table: 'subscribers' | 'subscriber_events' | 'jobs' | 'rate_limits') =>
    Number(
      (
        await h.db.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** Signs up, runs the jobs, confirms through the emailed link. Returns the subscriber id. */
  const subscribeAndConfirm = async (slug: string, email: string, name?: string) => {
    expect((await signup(slug, { email, consent: true, ...(name ? { name } : {}) })).status).toBe(202);
    await h.runJobs();
    const path = await confirmPath(email);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await get(path)).text())![1]!;
    expect((await form(path, { csrf })).status).toBe(200);
    const r = await row(slug, email);
    expect(r!.status).toBe('active');
    return String(r!.id);
  };

  beforeAll(async () => {
    h = await createHarness(kind, { env: { SIGNUP_RATE_LIMIT: '30' } });
    await newsletter('brief', { language: 'zh-CN', name: '可持续公共采购计划简报' });
    await newsletter('weekly', { language: 'en', openTracking: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('signup page', () => {
    it('renders an accessible form in the newsletter language, with consent text, honeypot and tracking notice', async () => {
      const zh = await get('/n/brief');
      expect(zh.status).toBe(200);
      const html = await zh.text();
      expect(html).toContain('<html lang="zh-CN">');
      expect(html).toContain('<label for="email">电子邮箱</label>');
      expect(html).toContain('autocomplete="email"');
      expect(html).toContain('我同意通过电子邮件接收《可持续公共采购计划简报》');
      expect(html).toContain('name="website"'); // honeypot
      expect(html).toContain('我们会记录邮件是否被打开');
      expect(html).toContain('action="/n/brief/subscribe"');
      expect(html).not.toContain(`${publicUrl}/n/brief/subscribe`); // the embed snippet is for editors (the admin)
      const en = await (await get('/n/weekly')).text();
      expect(en).toContain('<html lang="en">');
      expect(en).toContain('We do not record whether you open our emails');
    });

    it('serves the embeddable snippet and 404s an unknown newsletter with a page', async () => {
      const snip = await get('/n/weekly/embed');
      expect(snip.status).toBe(200);
      const text = await snip.text();
      expect(text).toMatch(/^<form method="post" action="https:\/\/news\.example\.test\/n\/weekly\/subscribe"/);
      expect(text).toContain('name="consent"');
      const missing = await get('/n/no-such-list');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('text/html');
      expect((await signup('no-such-list', { email: 'a@example.org', consent: true })).status).toBe(404);
      expect((await form('/n/no-such-list/subscribe', { email: 'a@example.org', consent: 'yes' })).status).toBe(404);
    });
  });

  describe('public JSON signup', () => {
    it('creates a pending subscriber with a consent event and sends the confirmation from a job', async () => {
      const res = await signup('weekly', { email: '  Ann.Reader@Example.ORG ', name: 'Ann', consent: true }, { ip: '203.0.113.7' });
      expect(res.status).toBe(202);
      const r = await row('weekly', 'ann.reader@example.org');
      expect(r).toMatchObject({ status: 'pending', email: 'Ann.Reader@Example.ORG', name: 'Ann', source: 'api' });
      const ev = await events(r!.id);
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({ type: 'signup', source: 'api', ip: '203.0.113.7', user_agent: 'TestAgent/1.0', consent_text_version: 1 });
      expect(await outbox('ann.reader@example.org')).toHaveLength(0); // not sent inside the request
      await h.runJobs();
      const [mail] = await outbox('ann.reader@example.org');
      expect(mail!.subject).toBe('Confirm your subscription to News weekly');
      expect(mail!.text).toMatch(/https:\/\/news\.example\.test\/confirm\/\S+/);
      expect(mail!.html).toContain('Confirm subscription');
    });

    it('writes the confirmation in the newsletter language (zh-CN)', async () => {
      await signup('brief', { email: 'zh-reader@example.org', consent: true });
      await h.runJobs();
      const [mail] = await outbox('zh-reader@example.org');
      expect(mail!.subject).toBe('请确认订阅《可持续公共采购计划简报》');
      expect(mail!.html).toContain('lang="zh-CN"');
    });

    it('needs no admin token, and ignores a bogus Authorization header', async () => {
      const res = await signup('weekly', { email: 'bearer@example.org', consent: true }, { headers: { authorization: 'Bearer nonsense' } });
      expect(res.status).toBe(202);
    });

    it('answers CORS preflights and puts CORS headers on answers and errors', async () => {
      const pre = await h.app.request('/api/v1/public/newsletters/weekly/subscribe', {
        method: 'OPTIONS',
        headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('*');
      expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
      const ok = await signup('weekly', { email: 'cors@example.org', consent: true }, { headers: { origin: 'https://elsewhere.example' } });
      expect(ok.headers.get('access-control-allow-origin')).toBe('*');
      const bad = await signup('weekly', { email: 'nope', consent: true }, { headers: { origin: 'https://elsewhere.example' } });
      expect(bad.status).toBe(422);
      expect(bad.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('gives the same answer for new, pending, active, unsubscribed and suppressed addresses', async () => {
      await subscribeAndConfirm('weekly', 'enum-active@example.org');
      await signup('weekly', { email: 'enum-pending@example.org', consent: true });
      const unsubId = await subscribeAndConfirm('weekly', 'enum-unsub@example.org');
      await h.services.subscribers.unsubscribe(signToken(h.config.secret!, 'unsubscribe', unsubId), 'link', { ip: null, userAgent: null });
      const suppId = await subscribeAndConfirm('weekly', 'enum-supp@example.org');
      await h.services.subscribers.suppress(suppId, 'hard_bounce', {});
      const answers = [];
      for (const email of ['enum-new@example.org', 'enum-pending@example.org', 'enum-active@example.org', 'enum-unsub@example.org', 'enum-supp@example.org']) {
        const r = await signup('weekly', { email, consent: true });
        answers.push({ status: r.status, body: await r.text(), type: r.headers.get('content-type') });
      }
      for (const a of answers) expect(a).toEqual(answers[0]);
      expect(answers[0]!.status).toBe(202);
    });

    it('sends a pending address at most one confirmation per 10 minutes, and an active one none', async () => {
      await signup('weekly', { email: 'again@example.org', consent: true });
      await h.runJobs();
      await signup('weekly', { email: 'again@example.org', consent: true });
      await signup('weekly', { email: 'AGAIN@example.org', consent: true });
      await h.runJobs();
      expect(await outbox('again@example.org')).toHaveLength(1);
      h.clock.advance(10 * 60_000 + 1);
      await signup('weekly', { email: 'again@example.org', consent: true });
      await h.runJobs();
      expect(await outbox('again@example.org')).toHaveLength(2);

      await subscribeAndConfirm('weekly', 'quiet@example.org');
      await h.runJobs();
      const before = (await outbox('quiet@example.org')).length; // confirmation + welcome
      h.clock.advance(11 * 60_000);
      expect((await signup('weekly', { email: 'quiet@example.org', consent: true })).status).toBe(202);
      await h.runJobs();
      expect(await outbox('quiet@example.org')).toHaveLength(before);
      expect((await row('weekly', 'quiet@example.org'))!.status).toBe('active');
    });

    it('sends an unsubscribed address back through double opt-in, recording a resubscribe', async () => {
      const id = await subscribeAndConfirm('weekly', 'comeback@example.org');
      const token = signToken(h.config.secret!, 'unsubscribe', id);
      expect((await form(`/unsubscribe/${token}`, { 'List-Unsubscribe': 'One-Click' })).status).toBe(200);
      const oldConfirm = await confirmPath('comeback@example.org'); // the latest mail: welcome has none, so find it
      void oldConfirm;
      h.clock.advance(1_000);
      expect((await signup('weekly', { email: 'comeback@example.org', consent: true })).status).toBe(202);
      const r = await row('weekly', 'comeback@example.org');
      expect(r!.status).toBe('pending');
      expect((await events(id)).map((e) => e.type)).toEqual(['signup', 'confirm', 'unsubscribe', 'resubscribe']);
      await h.runJobs();
      const mails = await outbox('comeback@example.org');
      expect(mails.filter((m) => m.subject.startsWith('Confirm'))).toHaveLength(2);
    });

    it('names each bad field, refuses CR/LF in the name, and stores nothing', async () => {
      const before = await count('subscribers');
      const bad = await signup('weekly', { email: 'not an email', name: 'Eve\r\nBcc: all@example.org', consent: false });
      expect(bad.status).toBe(422);
      const body = await bad.json();
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['consent', 'email', 'name']);
      for (const email of [
        'a@b',
        'a@@example.org',
        'a b@example.org',
        'a@example.org\r\nBcc: x@example.org',
        `${'x'.repeat(65)}@example.org`,
        `a@${'b'.repeat(250)}.org`,
        '.a@example.org',
        'a..b@example.org',
        'a@-example.org',
        'a@example.123',
        '"a"@example.org',
        'a@exa mple.org',
        '',
      ]) {
        expect((await signup('weekly', { email, consent: true })).status, email).toBe(422);
      }
      expect((await signup('weekly', { email: 'x@example.org', consent: 'yes' })).status).toBe(422);
      expect((await signup('weekly', { email: 'x@example.org', name: 'A\u0000B', consent: true })).status).toBe(422);
      expect(await count('subscribers')).toBe(before);
    });

    it('accepts internationalised domains in Unicode or punycode as one address', async () => {
      expect((await signup('weekly', { email: '读者@例子.中国', consent: true })).status).toBe(202);
      expect((await signup('weekly', { email: 'user@bücher.de', consent: true })).status).toBe(202);
      expect((await signup('weekly', { email: 'user@xn--bcher-kva.de', consent: true })).status).toBe(202);
      const rows = await h.db.db.selectFrom('subscribers').select(['email', 'email_normalized']).where('email_normalized', 'like', '%xn--%').execute();
      expect(rows.map((r) => r.email_normalized).sort()).toEqual(['user@xn--bcher-kva.de', '读者@xn--fsqu00a.xn--fiqs8s']);
    });

    it('pretends success when the honeypot is filled and stores nothing', async () => {
      const before = await Promise.all([count('subscribers'), count('subscriber_events'), count('jobs'), count('rate_limits')]);
      const res = await signup('weekly', { email: 'bot@example.org', consent: true, website: 'http://spam.example' });
      expect(res.status).toBe(202);
      const f = await form('/n/weekly/subscribe', { email: 'bot2@example.org', consent: 'yes', website: 'x' });
      expect(f.status).toBe(200);
      expect(await f.text()).toContain('Check your inbox');
      expect(await Promise.all([count('subscribers'), count('subscriber_events'), count('jobs'), count('rate_limits')])).toEqual(before);
    });

    it('refuses oversized bodies with 413 and wrong content types with 415', async () => {
      const huge = await signup('weekly', { email: 'big@example.org', consent: true, name: 'x'.repeat(20_000) });
      expect(huge.status).toBe(413);
      expect((await huge.json()).error.code).toBe('payload_too_large');
      const hugeForm = await form('/n/weekly/subscribe', { email: 'big@example.org', name: 'x'.repeat(20_000), consent: 'yes' });
      expect(hugeForm.status).toBe(413);
      const wrong = await signup('weekly', 'email=a@example.org', { headers: { 'content-type': 'text/plain' } });
      expect(wrong.status).toBe(415);
      expect((await signup('weekly', '{"email":')).status).toBe(400);
      expect(await row('weekly', 'big@example.org')).toBeUndefined();
    });

    it('limits signups per IP (SIGNUP_RATE_LIMIT per hour) with 429 and Retry-After', async () => {
      const ip = '192.0.2.200';
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 1000; i++) {
        const r = await signup('weekly', { email: `flood${i}@example.org`, consent: true }, { ip });
        statuses.push(r.status);
        if (r.status === 429 && !retryAfter) {
          retryAfter = r.headers.get('retry-after');
          expect((await r.json()).error.code).toBe('rate_limited');
        }
      }
      expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
      expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeLessThanOrEqual(3600);
      // the form gets a page, with the same header
      const page = await form('/n/weekly/subscribe', { email: 'late@example.org', consent: 'yes' }, { ip });
      expect(page.status).toBe(429);
      expect(page.headers.get('retry-after')).toBeTruthy();
      expect(await page.text()).toContain('Please wait a little');
      // another IP is unaffected; a new hour opens the window again
      expect((await signup('weekly', { email: 'other-ip@example.org', consent: true })).status).toBe(202);
      h.clock.advance(3600_000);
      expect((await signup('weekly', { email: 'flood-next-hour@example.org', consent: true }, { ip })).status).toBe(202);
    });

    it('limits signups per address, whatever the IP', async () => {
      const statuses = [];
      for (let i = 0; i < 12; i++) statuses.push((await signup('weekly', { email: 'hammered@example.org', consent: true })).status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(10);
      expect(statuses.slice(10)).toEqual([429, 429]);
    });
  });

  describe('signup form (no JavaScript)', () => {
    it('answers with a "check your inbox" page', async () => {
      const res = await form('/n/brief/subscribe', { email: 'form-reader@example.org', name: '李雷', consent: 'yes', website: '' });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('请查收邮件');
      expect(html).toContain('form-reader@example.org');
      const r = await row('brief', 'form-reader@example.org');
      expect(r).toMatchObject({ status: 'pending', name: '李雷', source: 'form' });
      expect((await events(r!.id))[0]).toMatchObject({ type: 'signup', source: 'form' });
    });

    it('shows the form again with per-field errors announced and the typed values kept', async () => {
      const res = await form('/n/weekly/subscribe', { email: 'typo@example', name: 'Zoë <b>', consent: '' });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain('aria-invalid="true" aria-describedby="email-error"');
      expect(html).toContain('id="email-error"');
      expect(html).toContain('id="consent-error"');
      expect(html).toContain('value="typo@example"');
      expect(html).toContain('value="Zoë &lt;b&gt;"');
      expect(html).not.toContain('<b>"');
    });
  });

  describe('confirmation', () => {
    it('never confirms on GET, confirms on POST with the CSRF field, then welcomes', async () => {
      await signup('weekly', { email: 'confirmer@example.org', consent: true });
      await h.runJobs();
      const path = await confirmPath('confirmer@example.org');
      for (let i = 0; i < 3; i++) expect((await get(path)).status).toBe(200); // link scanners
      expect((await row('weekly', 'confirmer@example.org'))!.status).toBe('pending');
      const page = await (await get(path)).text();
      expect(page).toContain('<button type="submit">Confirm my subscription</button>');
      expect((await form(path, {})).status).toBe(403); // no CSRF field
      expect((await row('weekly', 'confirmer@example.org'))!.status).toBe('pending');
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const done = await form(path, { csrf }, { ip: '203.0.113.9' });
      expect(done.status).toBe(200);
      const html = await done.text();
      expect(html).toContain('You are subscribed');
      expect(html).not.toContain('Read the latest issue'); // nothing sent yet: no link to an empty archive
      const r = await row('weekly', 'confirmer@example.org');
      expect(r!.status).toBe('active');
      expect(r!.confirmed_at).toBeTruthy();
      const ev = await events(r!.id);
      expect(ev.map((e) => e.type)).toEqual(['signup', 'confirm']);
      expect(ev[1]).toMatchObject({ source: 'link', ip: '203.0.113.9', consent_text_version: 1 });
      await h.runJobs();
      const welcome = (await outbox('confirmer@example.org')).find((m) => m.subject.startsWith('Welcome'));
      expect(welcome).toBeTruthy();
      expect(welcome!.headers['List-Unsubscribe']).toMatch(/^<https:\/\/news\.example\.test\/unsubscribe\/\S+>$/);
      expect(welcome!.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      // used again: "already confirmed", nothing recorded
      const again = await form(path, { csrf });
      expect(again.status).toBe(200);
      expect(await again.text()).toContain('already confirmed');
      expect(await events(r!.id)).toHaveLength(2);
    });

    it('refuses expired, forged, other-purpose and stale tokens', async () => {
      await signup('weekly', { email: 'late-confirm@example.org', consent: true });
      await h.runJobs();
      const path = await confirmPath('late-confirm@example.org');
      const token = path.split('/')[2]!;
      const r = await row('weekly', 'late-confirm@example.org');
      const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
      expect((await get(`/confirm/${forged}`)).status).toBe(400);
      expect((await get(`/confirm/${signToken('y'.repeat(40), 'confirm', token.split('.')[0]!)}`)).status).toBe(400);
      expect((await get(`/confirm/${signToken(h.config.secret!, 'unsubscribe', String(r!.id))}`)).status).toBe(400);
      expect((await get('/confirm/garbage')).status).toBe(400);
      h.clock.advance(7 * 24 * 3600_000 + 1000);
      const expired = await get(path);
      expect(expired.status).toBe(400);
      expect(await expired.text()).toContain('invalid or has expired');
      expect((await form(path, { csrf: csrfFor(h.config.secret!, token) })).status).toBe(400);
      expect((await row('weekly', 'late-confirm@example.org'))!.status).toBe('pending');
    });

    it('does not let an old confirmation link re-activate an address that unsubscribed', async () => {
      await signup('weekly', { email: 'stale@example.org', consent: true });
      await h.runJobs();
      const path = await confirmPath('stale@example.org');
      const id = String((await row('weekly', 'stale@example.org'))!.id);
      await form(`/unsubscribe/${signToken(h.config.secret!, 'unsubscribe', id)}`, { 'List-Unsubscribe': 'One-Click' });
      expect((await row('weekly', 'stale@example.org'))!.status).toBe('unsubscribed');
      h.clock.advance(2_000);
      await signup('weekly', { email: 'stale@example.org', consent: true }); // pending again, new period
      const token = path.split('/')[2]!;
      expect((await form(path, { csrf: csrfFor(h.config.secret!, token) })).status).toBe(400);
      expect((await row('weekly', 'stale@example.org'))!.status).toBe('pending');
    });
  });

  describe('unsubscribe', () => {
    it('never unsubscribes on GET; one-click POST answers 200 without redirect, idempotently', async () => {
      const id = await subscribeAndConfirm('weekly', 'leaver@example.org');
      const url = unsubscribeUrl(publicUrl, h.config.secret!, id);
      const path = new URL(url).pathname;
      for (let i = 0; i < 3; i++) expect((await get(path)).status).toBe(200);
      const page = await (await get(path)).text();
      expect(page).toContain('<button type="submit">Unsubscribe</button>');
      expect(page).toContain('href="/preferences/');
      expect((await row('weekly', 'leaver@example.org'))!.status).toBe('active');
      const one = await form(path, { 'List-Unsubscribe': 'One-Click' }, { ip: '203.0.113.50' });
      expect(one.status).toBe(200);
      expect(one.headers.get('location')).toBeNull();
      expect((await row('weekly', 'leaver@example.org'))!.status).toBe('unsubscribed');
      const two = await form(path, { 'List-Unsubscribe': 'One-Click' });
      expect(two.status).toBe(200);
      const ev = (await events(id)).filter((e) => e.type === 'unsubscribe');
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({ source: 'one-click', ip: '203.0.113.50' });
      expect(await h.services.subscribers.sendableIds([id])).toEqual(new Set());
    });

    it('unsubscribes from the page button (CSRF field), source "link"; refuses a bare POST and a bad token', async () => {
      const id = await subscribeAndConfirm('weekly', 'button@example.org');
      const path = new URL(unsubscribeUrl(publicUrl, h.config.secret!, id)).pathname;
      expect((await form(path, {})).status).toBe(403);
      expect((await form(path, { csrf: 'x'.repeat(22) })).status).toBe(403);
      const csrf = /name="csrf" value="([^"]+)"/.exec(await (await get(path)).text())![1]!;
      expect((await form(path, { csrf })).status).toBe(200);
      expect((await events(id)).at(-1)).toMatchObject({ type: 'unsubscribe', source: 'link' });
      expect((await get('/unsubscribe/123.AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
      expect((await form('/unsubscribe/123.AAAAAAAAAAAAAAAAAAAAAA', { 'List-Unsubscribe': 'One-Click' })).status).toBe(404);
    });

    it('sends a goodbye email only when the newsletter asks for it', async () => {
      await newsletter('bye', { language: 'en' });
      await h.db.db.updateTable('newsletters').set({ goodbye_enabled: true }).where('slug', '=', 'bye').execute();
      const id = await subscribeAndConfirm('bye', 'goodbye@example.org');
      await form(new URL(unsubscribeUrl(publicUrl, h.config.secret!, id)).pathname, { 'List-Unsubscribe': 'One-Click' });
      await h.runJobs();
      expect((await outbox('goodbye@example.org')).map((m) => m.subject)).toContain('You are unsubscribed from News bye');
      const other = await subscribeAndConfirm('weekly', 'no-goodbye@example.org');
      await form(new URL(unsubscribeUrl(publicUrl, h.config.secret!, other)).pathname, { 'List-Unsubscribe': 'One-Click' });
      await h.runJobs();
      expect((await outbox('no-goodbye@example.org')).map((m) => m.subject).filter((s) => s.includes('unsubscribed'))).toEqual([]);
    });
  });

  describe('preferences', () => {
    it("changes name and language, and unsubscribes and resubscribes across the same address's newsletters", async () => {
      const a = await subscribeAndConfirm('weekly', 'prefs@example.org', 'Pat');
      const b = await subscribeAndConfirm('brief', 'prefs@example.org');
      const path = new URL(preferencesUrl(publicUrl, h.config.secret!, a)).pathname;
      const page = await get(path);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('News weekly');
      expect(html).toContain('可持续公共采购计划简报');
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
      expect((await form(path, { name: 'X', subscribed: [] })).status).toBe(403);
      const saved = await form(path, { csrf, name: 'Pat Doe', language: 'zh-CN', subscribed: [a] });
      expect(saved.status).toBe(200);
      expect(await saved.text()).toContain('您的偏好已保存'); // now in the chosen language
      expect(await row('weekly', 'prefs@example.org')).toMatchObject({ status: 'active', name: 'Pat Doe', language: 'zh-CN' });
      expect(await row('brief', 'prefs@example.org')).toMatchObject({ status: 'unsubscribed', name: 'Pat Doe' });
      expect((await events(b)).at(-1)).toMatchObject({ type: 'unsubscribe', source: 'preferences' });
      // resubscribe by the person's own action: straight back to active, recorded
      await form(path, { csrf, name: 'Pat Doe', language: 'zh-CN', subscribed: [a, b] });
      expect((await row('brief', 'prefs@example.org'))!.status).toBe('active');
      expect((await events(b)).at(-1)).toMatchObject({ type: 'resubscribe', source: 'preferences' });
      expect((await form(path, { csrf, name: 'bad\r\nname', subscribed: [a, b] })).status).toBe(422);
      expect((await get('/preferences/1.AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    });
  });

  describe('delivery feedback', () => {
    it('sendableIds keeps only active subscribers; suppress and soft bounces stop mail', async () => {
      const active = await subscribeAndConfirm('weekly', 'send-a@example.org');
      const soft = await subscribeAndConfirm('weekly', 'send-b@example.org');
      const hard = await subscribeAndConfirm('weekly', 'send-c@example.org');
      await signup('weekly', { email: 'send-pending@example.org', consent: true });
      const pending = String((await row('weekly', 'send-pending@example.org'))!.id);
      const s = h.services.subscribers;
      expect(await s.sendableIds([active, soft, hard, pending, '999999999'])).toEqual(new Set([active, soft, hard]));
      expect(await s.suppress(hard, 'hard_bounce', { bounceType: 'Permanent' })).toBe(true);
      expect(await s.suppress(hard, 'hard_bounce', {})).toBe(false); // idempotent
      expect(await s.recordSoftBounce(soft)).toEqual({ count: 1, suppressed: false });
      await s.resetSoftBounces(soft);
      expect(await s.recordSoftBounce(soft)).toEqual({ count: 1, suppressed: false });
      expect(await s.recordSoftBounce(soft)).toEqual({ count: 2, suppressed: false });
      expect(await s.recordSoftBounce(soft)).toEqual({ count: 3, suppressed: true }); // SOFT_BOUNCE_THRESHOLD 3
      expect(await s.sendableIds([active, soft, hard])).toEqual(new Set([active]));
      expect((await events(hard)).at(-1)).toMatchObject({ type: 'suppress_bounce', source: 'webhook' });
      expect(await row('weekly', 'send-b@example.org')).toMatchObject({ status: 'suppressed', suppression_reason: 'soft_bounce_threshold' });
    });
  });

  describe('admin API', () => {
    let viewer: string;
    let editor: string;
    beforeAll(async () => {
      await h.services.users.createUser('viewer@example.org', 'viewer password 1', 'viewer', 'test');
      await h.services.users.createUser('editor@example.org', 'editor password 1', 'editor', 'test');
      viewer = await h.services.users.createToken('viewer@example.org', 'v');
      editor = await h.services.users.createToken('editor@example.org', 'e');
      await newsletter('admin-list');
    });

    it('creates subscribers (consentNote required), refuses duplicates, records audit and events', async () => {
      const noNote = await h.api('POST', '/api/v1/newsletters/admin-list/subscribers', { token: editor, json: { email: 'a1@example.org' } });
      expect(noNote.status).toBe(422);
      expect((await noNote.json()).error.details.fields[0].field).toBe('consentNote');
      expect(
        (await h.api('POST', '/api/v1/newsletters/admin-list/subscribers', { token: viewer, json: { email: 'a1@example.org', consentNote: 'x' } })).status,
      ).toBe(403);
      expect(
        (await h.api('POST', '/api/v1/newsletters/admin-list/subscribers', { token: null, json: { email: 'a1@example.org', consentNote: 'x' } })).status,
      ).toBe(401);
      const res = await h.api('POST', '/api/v1/newsletters/admin-list/subscribers', {
        token: editor,
        json: { email: 'A1@Example.org', name: 'Al', consentNote: 'Signed the paper form at the 2026 workshop' },
      });
      expect(res.status).toBe(201);
      const s = await res.json();
      expect(s).toMatchObject({ email: 'A1@Example.org', name: 'Al', status: 'active', newsletter: 'admin-list' });
      expect(s.events).toEqual([
        expect.objectContaining({
          type: 'admin_create',
          source: 'admin',
          detail: expect.objectContaining({ consentNote: 'Signed the paper form at the 2026 workshop' }),
        }),
      ]);
      expect(
        (await h.api('POST', '/api/v1/newsletters/admin-list/subscribers', { token: editor, json: { email: 'a1@example.org', consentNote: 'x' } })).status,
      ).toBe(409);
      const audit = await h.services.repos.audit.list(5);
      expect(audit.find((a) => a.action === 'subscriber.create' && a.target === `subscriber:${s.id}`)).toBeTruthy();
      const pending = await (
        await h.api('POST', '/api/v1/newsletters/admin-list/subscribers', {
          json: { email: 'a2@example.org', status: 'pending', consentNote: 'asked by phone' },
        })
      ).json();
      expect(pending.status).toBe('pending');
      await h.runJobs();
      expect((await outbox('a2@example.org'))[0]!.subject).toContain('Confirm');
    });

    it('lists with search, status filter and cursor pagination; reads one with its events', async () => {
      for (let i = 0; i < 7; i++)
        await h.api('POST', '/api/v1/newsletters/admin-list/subscribers', {
          json: { email: `page${i}@example.org`, name: i === 3 ? 'Zhang Wei' : null, consentNote: 'test' },
        });
      const p1 = await (await h.api('GET', '/api/v1/newsletters/admin-list/subscribers?q=page&limit=3', { token: viewer })).json();
      expect(p1.items).toHaveLength(3);
      expect(p1.items[0].email).toBe('page6@example.org'); // newest first
      const p2 = await (await h.api('GET', `/api/v1/newsletters/admin-list/subscribers?q=page&limit=3&cursor=${p1.nextCursor}`)).json();
      const p3 = await (await h.api('GET', `/api/v1/newsletters/admin-list/subscribers?q=page&limit=3&cursor=${p2.nextCursor}`)).json();
      expect([...p1.items, ...p2.items, ...p3.items].map((s: { email: string }) => s.email)).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `page${i}@example.org`));
      expect(p3.nextCursor).toBeNull();
      const byName = await (await h.api('GET', '/api/v1/newsletters/admin-list/subscribers?q=zhang')).json();
      expect(byName.items.map((s: { email: string }) => s.email)).toEqual(['page3@example.org']);
      const wild = await (await h.api('GET', '/api/v1/newsletters/admin-list/subscribers?q=%25')).json();
      expect(wild.items).toEqual([]);
      const pending = await (await h.api('GET', '/api/v1/newsletters/admin-list/subscribers?status=pending')).json();
      expect(pending.items.map((s: { email: string }) => s.email)).toEqual(['a2@example.org']);
      expect((await h.api('GET', '/api/v1/newsletters/admin-list/subscribers?status=nope')).status).toBe(422);
      expect((await h.api('GET', '/api/v1/newsletters/admin-list/subscribers?limit=201')).status).toBe(422);
      expect((await h.api('GET', '/api/v1/newsletters/admin-list/subscribers?cursor=zzz')).status).toBe(400);
      expect((await h.api('GET', '/api/v1/newsletters/nope/subscribers')).status).toBe(404);
      const one = await (await h.api('GET', `/api/v1/subscribers/${p1.items[0].id}`, { token: viewer })).json();
      expect(one).toMatchObject({
        id: p1.items[0].id,
        email: 'page6@example.org',
        status: 'active',
        events: [expect.objectContaining({ type: 'admin_create' })],
      });
      expect((await h.api('GET', '/api/v1/subscribers/999999999')).status).toBe(404);
      expect((await h.api('GET', '/api/v1/subscribers/abc')).status).toBe(404);
    });

    it('exports the list as CSV and a person as JSON', async () => {
      await h.api('POST', '/api/v1/newsletters/admin-list/subscribers', {
        json: { email: 'csv@example.org', name: '=HYPERLINK("x"), "quoted"', consentNote: 'test' },
      });
      const res = await h.api('GET', '/api/v1/newsletters/admin-list/subscribers/export', { token: editor });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/csv');
      const csv = await res.text();
      const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
      expect(lines[0]).toBe('email,name,status,language,subscribed_at,confirmed_at,unsubscribed_at,source,consent_text_version,tags');
      expect(csv).toContain(`csv@example.org,"'=HYPERLINK(""x""), ""quoted"""`);
      expect(lines.filter((l) => l.includes('@')).length).toBeGreaterThanOrEqual(10);
      expect((await h.api('GET', '/api/v1/newsletters/admin-list/subscribers/export', { token: viewer })).status).toBe(403);
      const id = (await row('admin-list', 'csv@example.org'))!.id;
      const person = await (await h.api('GET', `/api/v1/subscribers/${id}/export`)).json();
      expect(person.email).toBe('csv@example.org');
      expect(person.subscriptions[0].events[0].type).toBe('admin_create');
      expect(Array.isArray(person.storedEmails)).toBe(true);
    });

    it('versions the consent text and records which version each consent saw', async () => {
      const r = await h.api('POST', '/api/v1/newsletters/weekly/consent-texts', { json: { text: 'Yes, send me News weekly. v2' } });
      expect(r.status).toBe(201);
      expect((await r.json()).version).toBe(2);
      expect(await (await get('/n/weekly')).text()).toContain('Yes, send me News weekly. v2');
      await signup('weekly', { email: 'v2@example.org', consent: true });
      const s = await row('weekly', 'v2@example.org');
      expect(s!.consent_text_version).toBe(2);
      expect((await events(s!.id))[0]!.consent_text_version).toBe(2);
      expect((await h.api('POST', '/api/v1/newsletters/weekly/consent-texts', { token: editor, json: { text: 'x' } })).status).toBe(403);
    });
  });

  describe('CSV import', () => {
    const importCsv = (slug: string, csv: string, note: string | null = 'Attendees who ticked the box, 2026-02', token?: string) =>
      h.api('POST', `/api/v1/newsletters/${slug}/subscribers/import${note === null ? '' : `?consentNote=${encodeURIComponent(note)}`}`, {
        body: csv,
        headers: { 'content-type': 'text/csv' },
        ...(token ? { token } : {}),
      });

    beforeAll(async () => {
      await newsletter('imp');
    });

    it('imports as active with header aliases, dedupes case-insensitively, and reports errors by line', async () => {
      const csv =
        '\uFEFFEmail Address,Full Name,Extra\r\n' +
        'one@example.org,One,x\r\n' +
        ' ONE@example.org ,Dup,\r\n' +
        'not-an-email,Bad,\r\n' +
        '"two@example.org","Two, with comma",\r\n' +
        ',Empty,\r\n' +
        '"three@example.org","Multi\nline",\r\n' +
        'four@例子.中国,四,\r\n';
      const res = await importCsv('imp', csv);
      expect(res.status).toBe(200);
      const r = await res.json();
      expect(r).toMatchObject({ imported: 3, total: 7, skipped: { duplicate: 1, already_subscribed: 0, unsubscribed: 0, suppressed: 0, erased: 0 } });
      expect(r.errors).toEqual([
        { line: 4, code: 'csv.rowInvalid', message: 'email is not a valid address' },
        { line: 6, code: 'csv.rowEmpty', message: 'email is empty' },
        { line: 7, code: 'csv.rowName', message: 'name must be one line of at most 200 characters' }, // where the row starts
      ]);
      const one = await row('imp', 'one@example.org');
      expect(one).toMatchObject({ status: 'active', name: 'One', source: 'import' });
      expect((await events(one!.id))[0]).toMatchObject({ type: 'import', source: 'import', detail: { consentNote: 'Attendees who ticked the box, 2026-02' } });
      expect((await row('imp', 'two@example.org'))!.name).toBe('Two, with comma');
      const audit = await h.services.repos.audit.list(3);
      expect(audit.find((a) => a.action === 'subscribers.import')).toBeTruthy();
    });

    it('accepts Chinese headers and never re-subscribes unsubscribed, suppressed, pending or erased addresses', async () => {
      const un = await subscribeAndConfirm('imp', 'imp-unsub@example.org');
      await form(new URL(unsubscribeUrl(publicUrl, h.config.secret!, un)).pathname, { 'List-Unsubscribe': 'One-Click' });
      const sup = await subscribeAndConfirm('imp', 'imp-supp@example.org');
      await h.services.subscribers.suppress(sup, 'complaint');
      await signup('imp', { email: 'imp-pending@example.org', consent: true });
      const er = await subscribeAndConfirm('imp', 'imp-erased@example.org');
      expect((await h.api('DELETE', `/api/v1/subscribers/${er}`)).status).toBe(200);
      const res = await importCsv(
        'imp',
        '邮箱,姓名\nimp-unsub@example.org,u\nimp-supp@example.org,s\nimp-pending@example.org,p\nIMP-ERASED@example.org,e\none@example.org,o\nfresh@example.org,f\n',
      );
      const r = await res.json();
      expect(r).toMatchObject({
        imported: 1,
        total: 6,
        skipped: { unsubscribed: 1, suppressed: 1, pending: 1, erased: 1, already_subscribed: 1, duplicate: 0 },
        errors: [],
      });
      expect((await row('imp', 'imp-unsub@example.org'))!.status).toBe('unsubscribed');
      expect((await row('imp', 'imp-supp@example.org'))!.status).toBe('suppressed');
      expect((await row('imp', 'imp-pending@example.org'))!.status).toBe('pending');
      expect(await row('imp', 'imp-erased@example.org')).toBeUndefined();
    });

    it('refuses a missing consentNote, a missing email column, an empty body, and a viewer', async () => {
      expect((await importCsv('imp', 'email\nx@example.org\n', null)).status).toBe(422);
      const noEmail = await importCsv('imp', 'name,phone\nA,1\n');
      expect(noEmail.status).toBe(422);
      expect((await noEmail.json()).error.message).toContain('no email column');
      expect((await importCsv('imp', '')).status).toBe(422);
      await h.services.users.createUser('imp-viewer@example.org', 'viewer password 1', 'viewer', 'test');
      const v = await h.services.users.createToken('imp-viewer@example.org', 'v');
      expect((await importCsv('imp', 'email\nx@example.org\n', 'note', v)).status).toBe(403);
      expect(await row('imp', 'x@example.org')).toBeUndefined();
    });

    it('keeps going past a broken quote and bounds the error list', async () => {
      const lines = ['email'];
      for (let i = 0; i < 150; i++) lines.push(`bad-${i}`);
      lines.push('ok-after-errors@example.org');
      const r = await (await importCsv('imp', `${lines.join('\n')}\n`)).json();
      expect(r.errors).toHaveLength(100);
      expect(r.errorCount).toBe(150);
      expect(r.imported).toBe(1);
      const broken = await (await importCsv('imp', 'email,name\nq1@example.org,"unterminated\nq2@example.org,fine\n')).json();
      expect(broken.errors.length).toBeGreaterThan(0);
    });

    it('imports a file larger than the 1 MB JSON limit, in chunks', async () => {
      const rows = ['email,name'];
      for (let i = 0; i < 30_000; i++) rows.push(`bulk${i}@example.org,Reader number ${i}`);
      const csv = rows.join('\n');
      expect(csv.length).toBeGreaterThan(1024 * 1024);
      const t0 = performance.now();
      const r = await (await importCsv('imp', csv)).json();
      const ms = performance.now() - t0;
      expect(r).toMatchObject({ imported: 30_000, total: 30_000, errorCount: 0 });
      console.log(`[import] ${kind}: 30 000 rows in ${Math.round(ms)} ms`);
      const again = await (await importCsv('imp', csv)).json();
      expect(again).toMatchObject({ imported: 0, skipped: { already_subscribed: 30_000 } });
    });

    it('imports each address once when two overlapping files are imported at the same time', async () => {
      // On PostgreSQL both imports look the addresses up before either commits; the later insert
      // then fails on the unique index and its chunk runs again, finding them already there.
      await newsletter('imp-race');
      const rows = ['email'];
      for (let i = 0; i < 3_000; i++) rows.push(`race${i}@example.org`);
      const [a, b] = await Promise.all([importCsv('imp-race', rows.join('\n')), importCsv('imp-race', rows.join('\n'))]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const [ra, rb] = [await a.json(), await b.json()];
      expect(ra.imported + rb.imported).toBe(3_000);
      expect(ra.imported + ra.skipped.already_subscribed).toBe(3_000);
      expect(rb.imported + rb.skipped.already_subscribed).toBe(3_000);
      const n = await h.db.db.selectFrom('newsletters').select('id').where('slug', '=', 'imp-race').executeTakeFirstOrThrow();
      const subs = await h.db.db
        .selectFrom('subscribers')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('newsletter_id', '=', n.id)
        .executeTakeFirstOrThrow();
      const evs = await h.db.db
        .selectFrom('subscriber_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('newsletter_id', '=', n.id)
        .where('type', '=', 'import')
        .executeTakeFirstOrThrow();
      expect([Number(subs.n), Number(evs.n)]).toEqual([3_000, 3_000]);
    });
  });

  describe('erasure', () => {
    it('is admin-only, removes the address from every table in one go, keeps anonymous facts, and blocks re-import', async () => {
      await newsletter('erase-a');
      const addr = 'Forget.Me@Example.org';
      const id = await subscribeAndConfirm('weekly', addr, 'Forget Me Name');
      await subscribeAndConfirm('erase-a', addr);
      await h.runJobs(); // welcome emails in the outbox
      // An issue reaches the person too: the delivery ledger and the outbox hold the address.
      const issue = await (await h.api('POST', '/api/v1/newsletters/weekly/issues', { json: { title: 'Before erasure' } })).json();
      await h.api('POST', `/api/v1/issues/${issue.id}/schedule`, {
        json: { sendAt: new Date(h.clock.now().getTime() + 60_000).toISOString(), acknowledge: true },
      });
      h.clock.advance(120_000);
      await h.drain();
      expect((await (await h.api('GET', `/api/v1/issues/${issue.id}/progress`)).json()).sent).toBeGreaterThan(0);
      expect((await outbox(addr)).length).toBeGreaterThan(1);
      await h.services.users.createUser('erase-editor@example.org', 'editor password 1', 'editor', 'test');
      const editorToken = await h.services.users.createToken('erase-editor@example.org', 'e');
      expect((await h.api('DELETE', `/api/v1/subscribers/${id}`, { token: editorToken })).status).toBe(403);

      const res = await h.api('DELETE', `/api/v1/subscribers/${id}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id, status: 'erased', erased: 2 });

      // Every text/json column of every table in the schema: the address and the name are gone.
      const cols = await sql<{ table_name: string; column_name: string }>`
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json')`.execute(h.db.db);
      expect(cols.rows.length).toBeGreaterThan(10);
      for (const c of cols.rows) {
        const hits = await sql<{
          n: string;
        }>`SELECT count(*) AS n FROM ${sql.table(c.table_name)} WHERE lower(${sql.ref(c.column_name)}::text) LIKE ${'%forget.me@example.org%'} OR ${sql.ref(c.column_name)}::text LIKE ${'%Forget Me Name%'}`.execute(
          h.db.db,
        );
        expect(Number(hits.rows[0]!.n), `${c.table_name}.${c.column_name}`).toBe(0);
      }
      const s = await h.api('GET', `/api/v1/subscribers/${id}`);
      const body = await s.json();
      expect(body).toMatchObject({ id, email: null, name: null, status: 'erased' });
      expect(body.events.map((e: { type: string }) => e.type)).toEqual(['signup', 'confirm', 'erase']);
      expect(body.events.every((e: { ip: unknown; userAgent: unknown }) => e.ip === null && e.userAgent === null)).toBe(true);
      expect(await outbox(addr)).toEqual([]);
      expect((await h.api('DELETE', `/api/v1/subscribers/${id}`)).status).toBe(200); // idempotent

      const imp = await (
        await h.api('POST', `/api/v1/newsletters/weekly/subscribers/import?consentNote=x`, {
          body: `email\n${addr}\n`,
          headers: { 'content-type': 'text/csv' },
        })
      ).json();
      expect(imp).toMatchObject({ imported: 0, skipped: { erased: 1 } });
      expect((await h.api('POST', '/api/v1/newsletters/weekly/subscribers', { json: { email: addr, consentNote: 'x' } })).status).toBe(409);
      // the person may come back by their own action: a new pending row
      expect((await signup('weekly', { email: addr, consent: true })).status).toBe(202);
      expect((await row('weekly', addr))!.status).toBe('pending');
    });

    it('enforces the append-only consent record in the database', async () => {
      const id = await subscribeAndConfirm('weekly', 'append-only@example.org');
      await expect(sql`UPDATE subscriber_events SET type = 'confirm' WHERE subscriber_id = ${id}`.execute(h.db.db)).rejects.toThrow(/append-only/);
      await expect(sql`UPDATE subscriber_events SET ip = NULL WHERE subscriber_id = ${id}`.execute(h.db.db)).rejects.toThrow(/append-only/);
      await expect(sql`DELETE FROM subscriber_events WHERE subscriber_id = ${id}`.execute(h.db.db)).rejects.toThrow(/append-only/);
      expect(await events(id)).toHaveLength(2);
    });
  });
});

/** The admin's management pages: subscriber counts, adding one person, paging both ways; users' roles and removal; newsletter settings; the dashboard API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { addSubscribers, createNewsletter } from '../../helpers/fixtures.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { signToken } from '../../../src/lib/tokens.ts';
import type { DashboardService } from '../../../src/modules/admin/dashboard-service.ts';
import { AdminClient } from './client.ts';

const flashOf = (html: string) => /<p class="flash[^"]*"[^>]*>([^<]*)<\/p>/.exec(html)?.[1] ?? '';
const emailsOn = (html: string) => [...html.matchAll(/<a href="\/admin\/subscribers\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]!);
const hrefOf = (html: string, testid: string) => {
  const m = new RegExp(`<a href="([^"]+)"[^>]*data-testid="${testid}"`).exec(html);
  return m ? m[1]!.replace(/&amp;/g, '&') : null;
};

describe.each(dbKinds)('admin management (%s)', (kind) => {
  let h: Harness;
  let b: AdminClient;

  beforeAll(async () => {
    h = await createHarness(kind);
    await createNewsletter(h, 'mgmt', { language: 'en', timeZone: 'Europe/Berlin' });
    b = new AdminClient(h);
    expect((await b.login('admin@example.org', 'correct horse battery')).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('subscribers', () => {
    beforeAll(async () => {
      await addSubscribers(h, 'mgmt', 120);
      const list = await h.services.subscriberList.list('mgmt', { q: 'reader-7@', limit: '1' });
      await h.services.subscribers.unsubscribe(signToken(h.config.secret!, 'unsubscribe', list.items[0]!.id), 'link', { ip: null, userAgent: null });
    });

    it('shows the total and a count per status, each a filter link', async () => {
      await h.api('POST', '/api/v1/newsletters/mgmt/subscribers', {
        json: { email: 'waiting@example.org', status: 'pending', consentNote: 'asked at the fair' },
      });
      const html = await (await b.get('/admin/subscribers')).text();
      const count = (status: string) => new RegExp(`data-status="${status}"><span class="n">([\\d,]+)</span>`).exec(html)?.[1];
      expect(count('')).toBe('121');
      expect(count('pending')).toBe('1');
      expect(count('active')).toBe('119');
      expect(count('unsubscribed')).toBe('1');
      expect(count('suppressed')).toBe('0');
      expect(html).toContain('href="/admin/subscribers?status=pending"');
      const pending = await (await b.get('/admin/subscribers?status=pending')).text();
      expect(emailsOn(pending)).toEqual(['waiting@example.org']);
    });

    it('adds a subscriber by hand: an admin-added consent event and an audit entry', async () => {
      const r = await b.post('/admin/subscribers', { email: 'Added@Example.org', name: 'Ada', language: 'zh-CN', consentNote: 'signed the paper list' });
      expect(r.status).toBe(303);
      const to = r.headers.get('location')!;
      expect(to).toMatch(/^\/admin\/subscribers\/\d+$/);
      const page = await (await b.get(to)).text();
      expect(flashOf(page)).toContain('Added@Example.org was added');
      const s = await h.services.subscriberList.get(to.split('/').pop()!);
      expect(s).toMatchObject({ email: 'Added@Example.org', name: 'Ada', language: 'zh-CN', status: 'active', source: 'admin' });
      expect(s.events.map((e) => e.type)).toEqual(['admin_create']);
      expect(s.events[0]!.detail).toMatchObject({ consentNote: 'signed the paper list', by: 'admin@example.org' });
      const audit = await h.services.auth.auditPage({ limit: 5, action: 'subscriber.create' });
      expect(audit[0]).toMatchObject({ actor: 'admin@example.org', target: `subscriber:${s.id}` });
    });

    it('adds a subscriber as pending when asked: a confirmation email goes out', async () => {
      const r = await b.post('/admin/subscribers', { email: 'asks@example.org', consentNote: 'wants to confirm', status: 'pending' });
      expect(r.status).toBe(303);
      const s = await h.services.subscriberList.get(r.headers.get('location')!.split('/').pop()!);
      expect(s.status).toBe('pending');
      await h.runJobs();
      const mail = ((await (await h.api('GET', '/api/v1/outbox?to=asks%40example.org')).json()) as { items: { text: string }[] }).items;
      expect(mail).toHaveLength(1);
      expect(mail[0]!.text).toMatch(/\/confirm\//);
    });

    it('says clearly when the address is invalid or already on the list', async () => {
      const dup = await b.request('POST', '/admin/subscribers', {
        form: { _csrf: await b.csrfFrom('/admin/subscribers'), email: 'added@example.org', consentNote: 'again' },
        headers: { referer: 'http://localhost/admin/subscribers' },
      });
      expect(dup.status).toBe(303);
      expect(dup.headers.get('location')).toBe('/admin/subscribers');
      expect(flashOf(await (await b.get('/admin/subscribers')).text())).toContain('This address is already in this newsletter');
      const bad = await b.post('/admin/subscribers', { email: 'not-an-address', consentNote: 'x' });
      expect(bad.status).toBe(303);
      expect(flashOf(await (await b.get('/admin/subscribers')).text())).toContain('must be an email address');
      const noNote = await b.post('/admin/subscribers', { email: 'nonote@example.org', consentNote: '' });
      expect(noNote.status).toBe(303);
      expect((await h.services.subscriberList.list('mgmt', { q: 'nonote' })).items).toEqual([]);
    });

    it('pages forward and back through the list', async () => {
      const p1 = await (await b.get('/admin/subscribers?status=active')).text();
      expect(hrefOf(p1, 'prev')).toBeNull();
      const first = emailsOn(p1);
      expect(first).toHaveLength(50);
      const p2 = await (await b.get(hrefOf(p1, 'next')!)).text();
      const second = emailsOn(p2);
      expect(second).toHaveLength(50);
      expect(second.some((e) => first.includes(e))).toBe(false);
      const p3 = await (await b.get(hrefOf(p2, 'next')!)).text();
      expect(emailsOn(p3)).toHaveLength(20);
      expect(hrefOf(p3, 'next')).toBeNull();
      expect(hrefOf(p3, 'prev')).toContain('status=active');
      const back2 = await (await b.get(hrefOf(p3, 'prev')!)).text();
      expect(emailsOn(back2)).toEqual(second);
      const back1 = await (await b.get(hrefOf(back2, 'prev')!)).text();
      expect(emailsOn(back1)).toEqual(first);
      expect(hrefOf(back1, 'prev')).toBeNull();
      // The API says the same: prevCursor beside nextCursor.
      const a1 = (await (await h.api('GET', '/api/v1/newsletters/mgmt/subscribers?limit=2')).json()) as { nextCursor: string; prevCursor: null };
      expect(a1.prevCursor).toBeNull();
      const a2 = (await (await h.api('GET', `/api/v1/newsletters/mgmt/subscribers?limit=2&cursor=${a1.nextCursor}`)).json()) as { prevCursor: string };
      const a0 = (await (await h.api('GET', `/api/v1/newsletters/mgmt/subscribers?limit=2&cursor=${a2.prevCursor}`)).json()) as { items: unknown[] };
      expect(a0).toEqual((await (await h.api('GET', '/api/v1/newsletters/mgmt/subscribers?limit=2')).json()) as object);
    });

    it('answers a crafted cursor with 400, not 500', async () => {
      const crafted = [
        'garbage!!',
        Buffer.from('{"id":"1 OR 1=1"}').toString('base64url'),
        Buffer.from('{"after":[1]}').toString('base64url'),
        Buffer.from('{"x":1}').toString('base64url'),
        Buffer.from('[1]').toString('base64url'),
      ];
      for (const c of crafted) {
        expect((await b.get(`/admin/subscribers?cursor=${encodeURIComponent(c)}`)).status, c).toBe(400);
        const api = await h.api('GET', `/api/v1/newsletters/mgmt/subscribers?cursor=${encodeURIComponent(c)}`);
        expect(api.status, c).toBe(400);
        expect(((await api.json()) as { error: { code: string } }).error.code).toBe('bad_request');
      }
    });
  });
  describe('users', () => {
    const idOf = async (email: string) => (await h.services.auth.listUsers()).find((u) => u.email === email)!.id;
    const lastAudit = async (action: string) => (await h.services.auth.auditPage({ limit: 1, action }))[0];

    it("changes a user's role, with an audit entry", async () => {
      await h.services.users.createUser('ed@example.org', 'editor password 1', 'editor', 'test');
      const id = await idOf('ed@example.org');
      const r = await b.post(`/admin/users/${id}/role`, { role: 'viewer' });
      expect(r.status).toBe(303);
      expect(flashOf(await (await b.get('/admin/users')).text())).toContain('ed@example.org is now viewer');
      expect((await h.services.users.findById(id))!.role).toBe('viewer');
      expect(await lastAudit('user.role')).toMatchObject({
        actor: 'admin@example.org',
        target: 'ed@example.org',
        detail: { role: 'viewer', previousRole: 'editor' },
      });
      // The audit page reads it as fields, not JSON.
      const audit = await (await b.get('/admin/audit?action=user.role')).text();
      expect(audit).toContain('<dt>Previous role</dt><dd translate="no">editor</dd>');
      expect(audit).not.toContain('previousRole');
      // The new role holds at once: a viewer's session cannot write.
      const ed = new AdminClient(h, '203.0.113.9');
      await ed.login('ed@example.org', 'editor password 1');
      expect((await ed.post('/admin/subscribers', { email: 'x@example.org', consentNote: 'x' })).status).toBe(403);
      // An unknown role is refused, not read as viewer.
      expect((await b.post(`/admin/users/${id}/role`, { role: 'owner' })).status).toBe(303);
      expect((await h.services.users.findById(id))!.role).toBe('viewer');
    });

    it('never removes or demotes the last admin', async () => {
      const me = await idOf('admin@example.org');
      // Your own role: a warning page first, then the refusal (the only admin).
      const ask = await b.post(`/admin/users/${me}/role`, { role: 'editor' });
      expect(ask.status).toBe(200);
      expect(await ask.text()).toContain('This is your own account');
      const refused = await b.post(`/admin/users/${me}/role`, { role: 'editor', confirmSelf: 'yes' });
      expect(refused.status).toBe(303);
      expect(flashOf(await (await b.get('/admin/users')).text())).toContain('This is the only admin');
      const rm = await b.post(`/admin/users/${me}/remove`, { confirmSelf: 'yes' });
      expect(rm.status).toBe(303);
      expect(flashOf(await (await b.get('/admin/users')).text())).toContain('This is the only admin');
      expect((await h.services.users.findById(me))!.role).toBe('admin');
      // Through the service too, the same refusal.
      await expect(h.services.users.removeUser(me, { id: 0, email: 'cli', role: 'admin' })).rejects.toMatchObject({ code: 'invalid_state' });
    });

    it('removes a user after asking, ends their sessions and tokens, and records it', async () => {
      await h.services.users.createUser('temp@example.org', 'temporary pass 1', 'admin', 'test');
      const id = await idOf('temp@example.org');
      const token = await h.services.users.createToken('temp@example.org', 'temp');
      const t = new AdminClient(h, '203.0.113.10');
      await t.login('temp@example.org', 'temporary pass 1');
      const confirm = await (await b.get(`/admin/users/${id}/remove`)).text();
      expect(confirm).toContain('Remove temp@example.org?');
      expect(confirm).not.toContain('This is your own account');
      expect((await b.post(`/admin/users/${id}/remove`)).status).toBe(303);
      expect(await h.services.users.findById(id)).toBeUndefined();
      expect(await lastAudit('user.remove')).toMatchObject({ actor: 'admin@example.org', target: 'temp@example.org', detail: { role: 'admin' } });
      expect((await t.get('/admin')).status).toBe(302);
      expect((await h.api('GET', '/api/v1/newsletters', { token })).status).toBe(401);
    });

    it('removes yourself only after a warning, then signs you out', async () => {
      await h.services.users.createUser('second@example.org', 'second admin pw 1', 'admin', 'test');
      const s = new AdminClient(h, '203.0.113.11');
      await s.login('second@example.org', 'second admin pw 1');
      const id = await idOf('second@example.org');
      expect(await (await s.get(`/admin/users/${id}/remove`)).text()).toContain('This is your own account');
      // Without the confirmation the form answers with the warning, and nothing happens.
      const ask = await s.post(`/admin/users/${id}/remove`);
      expect(ask.status).toBe(200);
      expect(await h.services.users.findById(id)).toBeDefined();
      const done = await s.post(`/admin/users/${id}/remove`, { confirmSelf: 'yes' });
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/admin/login?m=out');
      expect(await h.services.users.findById(id)).toBeUndefined();
      expect(await lastAudit('user.remove')).toMatchObject({ actor: 'second@example.org', target: 'second@example.org' });
    });

    it('shows a new API token once, with a copy button', async () => {
      const r = await b.post('/admin/tokens', { name: 'ci', email: 'admin@example.org' });
      expect(r.status).toBe(303);
      const page = await (await b.get('/admin/users')).text();
      const token = /data-testid="new-token"[^>]*>\s*(qk_[^<\s]+)/.exec(page)?.[1];
      expect(token).toBeDefined();
      expect(page).toContain('data-copy="#new-token"');
      expect((await h.api('GET', '/api/v1/newsletters', { token: token! })).status).toBe(200);
      expect(await (await b.get('/admin/users')).text()).not.toContain(token!);
    });
  });
  describe('newsletter settings', () => {
    const settingsForm = (over: Record<string, string>) => ({
      name: 'News mgmt',
      fromEmail: 'news@mgmt.example.org',
      language: 'en',
      timeZone: 'Europe/Berlin',
      welcomeEnabled: 'on',
      ...over,
    });
    const outbox = async (to: string) =>
      ((await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).json()) as { items: { subject: string; html: string; text: string }[] })
        .items;

    it('offers language and time zone as selects, and refuses an unknown zone', async () => {
      const page = await (await b.get('/admin/newsletters')).text();
      const select = (id: string) => new RegExp(`<select id="${id}" name="\\w+">([\\s\\S]*?)</select>`).exec(page)?.[1] ?? '';
      expect(select('nl-lang')).toContain('<option value="zh-CN">');
      expect(select('nl-lang')).toContain('<option value="en" selected="">');
      expect(select('nl-lang')).toContain('value="pt-BR"');
      expect(select('nl-tz')).toContain('<option value="Asia/Tokyo">');
      expect(select('nl-tz')).toContain('<option value="Europe/Berlin" selected="">');
      expect(select('c-lang')).toContain('value="zh-CN"');
      const r = await b.post('/admin/newsletters/mgmt', settingsForm({ timeZone: 'Mars/Olympus_Mons' }));
      expect(r.status).toBe(303);
      expect(flashOf(await (await b.get('/admin/newsletters')).text())).toContain('IANA');
      expect((await h.services.newsletters.getRow('mgmt')).time_zone).toBe('Europe/Berlin');
      expect((await b.post('/admin/newsletters/mgmt', settingsForm({ language: 'zh-CN', timeZone: 'Asia/Tokyo' }))).status).toBe(303);
      const row = await h.services.newsletters.getRow('mgmt');
      expect([row.language, row.time_zone]).toEqual(['zh-CN', 'Asia/Tokyo']);
      await b.post('/admin/newsletters/mgmt', settingsForm({}));
    });

    it('creates a newsletter without switching to it, and offers the switch', async () => {
      const r = await b.post('/admin/newsletters', {
        slug: 'second',
        name: 'Second letter',
        fromEmail: 'news@second.example.org',
        language: 'en',
        timeZone: 'UTC',
      });
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe('/admin/newsletters?created=second');
      expect(b.lastSetCookies.join(';')).not.toContain('quire_newsletter');
      const page = await (await b.get(r.headers.get('location')!)).text();
      expect(page).toContain('data-testid="created-notice"');
      expect(page).toContain('<input type="hidden" name="n" value="second"/>');
      // Still on the first newsletter.
      expect(page).toMatch(/<option value="mgmt" selected="">/);
      expect(page).toContain('/mgmt</span>');
      // The button switches.
      expect((await b.get('/admin/switch?n=second&next=/admin/newsletters')).status).toBe(302);
      expect(await (await b.get('/admin/newsletters')).text()).toMatch(/<option value="second" selected="">/);
      await b.get('/admin/switch?n=mgmt&next=/admin');
    });

    it('warns about a missing postal address on the settings page and the dashboard, and puts it in every email footer once set', async () => {
      expect(await (await b.get('/admin/newsletters')).text()).toContain('data-testid="postal-warning"');
      expect(await (await b.get('/admin')).text()).toContain('No postal address is set for this newsletter');
      const address = 'Mgmt Press, 12 Rue du Rhône, 1204 Genève';
      expect((await b.post('/admin/newsletters/mgmt', settingsForm({ organisation: address }))).status).toBe(303);
      expect(await (await b.get('/admin/newsletters')).text()).not.toContain('data-testid="postal-warning"');
      expect(await (await b.get('/admin')).text()).not.toContain('No postal address is set');
      // An issue (its own footer names no address): the newsletter's shows.
      const issue = (await (
        await h.api('POST', '/api/v1/newsletters/mgmt/issues', { json: { source: '# Footer test\n\n## News\n\n### One\n\nText.', format: 'markdown' } })
      ).json()) as { id: number };
      expect((await h.api('POST', `/api/v1/issues/${issue.id}/test`, { json: { to: ['footer-test@example.org'] } })).status).toBe(200);
      const [test] = await outbox('footer-test@example.org');
      expect(test!.html).toContain('12 Rue du Rhône');
      expect(test!.text).toContain('12 Rue du Rhône');
      // The confirmation and the welcome email too.
      await h.app.request('/api/v1/public/newsletters/mgmt/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'footer-reader@example.org', consent: true }),
      });
      await h.drain();
      const [confirm] = await outbox('footer-reader@example.org');
      expect(confirm!.html).toContain('12 Rue du Rhône');
      expect(confirm!.text).toContain('12 Rue du Rhône');
      const token = /\/confirm\/([A-Za-z0-9_.-]+)/.exec(confirm!.text)![1];
      await h.services.subscribers.confirm(token!, { ip: null, userAgent: null });
      await h.drain();
      const mails = await outbox('footer-reader@example.org');
      expect(mails.length).toBe(2);
      expect(mails.every((m) => m.html.includes('12 Rue du Rhône'))).toBe(true);
    });
  });
  describe('dashboard API', () => {
    it('answers what the dashboard shows, for a viewer, built on the dashboard service', async () => {
      await createNewsletter(h, 'dash', { language: 'en', timeZone: 'Europe/Berlin' });
      await addSubscribers(h, 'dash', 3, 'dash');
      await h.api('PUT', '/api/v1/newsletters/dash/schedule', { json: { rule: { kind: 'dayOfMonth', day: 15, time: '09:00' }, timeZone: 'Europe/Berlin' } });
      const make = async (title: string) =>
        (
          (await (
            await h.api('POST', '/api/v1/newsletters/dash/issues', { json: { source: `# ${title}\n\n## News\n\n### One\n\nText.`, format: 'markdown' } })
          ).json()) as { id: number }
        ).id;
      const sentId = await make('Sent one');
      await h.api('POST', `/api/v1/issues/${sentId}/schedule`, {
        json: { acknowledge: true, sendAt: new Date(h.clock.now().getTime() + 60_000).toISOString() },
      });
      h.clock.advance(120_000);
      await h.drain();
      const laterId = await make('Later one');
      const at = new Date(h.clock.now().getTime() + 5 * 86400_000).toISOString();
      expect((await h.api('POST', `/api/v1/issues/${laterId}/schedule`, { json: { acknowledge: true, sendAt: at } })).status).toBe(200);

      await h.services.users.createUser('look@example.org', 'viewer password 1', 'viewer', 'test');
      const viewerToken = await h.services.users.createToken('look@example.org', 'look');
      const r = await h.api('GET', '/api/v1/newsletters/dash/dashboard', { token: viewerToken });
      expect(r.status).toBe(200);
      const d = (await r.json()) as Omit<Awaited<ReturnType<DashboardService['api']>>, 'warnings'> & { warnings: unknown[] };
      expect(d.newsletter).toEqual({ slug: 'dash', name: 'News dash', timeZone: 'Europe/Berlin' });
      expect(d.subscribers).toEqual({ total: 3, byStatus: { active: 3, pending: 0, unsubscribed: 0, suppressed: 0, erased: 0 } });
      expect(d.nextSlot).toMatchObject({ timeZone: 'Europe/Berlin' });
      expect(d.nextSlot!.at).toMatch(/^2026-03-15T08:00:00/);
      expect(d.next).toMatchObject({ id: laterId, title: 'Later one', status: 'scheduled', sendAt: at });
      expect(d.scheduled.map((i: { id: number }) => i.id)).toEqual([laterId]);
      expect(d.sending).toEqual([]);
      expect(d.recent).toHaveLength(1);
      expect(d.recent[0]).toMatchObject({ id: sentId, status: 'sent', stats: { recipients: 3, sent: 3 } });
      expect(d.growth.active).toBe(3);
      // The page's warnings, as API messages.
      expect(d.warnings).toEqual([{ code: 'dash.noPostalAddress', message: expect.stringContaining('No postal address') }]);
      const page = await (await b.get('/admin/switch?n=dash&next=/admin').then(() => b.get('/admin'))).text();
      expect(page).toContain('No postal address is set for this newsletter');
      await b.get('/admin/switch?n=mgmt&next=/admin');
    });

    it('needs a token, and knows only real newsletters', async () => {
      expect((await h.api('GET', '/api/v1/newsletters/dash/dashboard', { token: null })).status).toBe(401);
      expect((await h.api('GET', '/api/v1/newsletters/no-such/dashboard')).status).toBe(404);
    });
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { openPixelUrl } from '../../src/modules/events/pixel.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { svixSign } from '../../src/modules/events/svix.ts';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const MINUTE = 60_000;
const GMAIL = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const APPLE_MAIL = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';

interface Ledger {
  id: string;
  subscriberId: string;
  email: string;
  pid: string;
}

describe.each(dbKinds)('delivery events on %s', (kind) => {
  let h: Harness;
  let n = 0;

  beforeAll(async () => {
    // The outbox standing in for Resend: the webhooks replayed here are what Resend would send.
    h = await createHarness(kind, {
      env: { RESEND_WEBHOOK_SECRET: SECRET },
      mailer: ({ db, clock }) => Object.assign(new OutboxMailer(new OutboxRepository(db.db), clock, 'news.example.test'), { reportsDeliveryEvents: true }),
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  // ---- helpers ----------------------------------------------------------------------------------

  const nowS = () => Math.floor(h.clock.now().getTime() / 1000);

  function signed(body: string, o: { id?: string; ts?: number; secret?: string; signature?: string } = {}) {
    const id = o.id ?? `msg_${randomUUID()}`;
    const ts = o.ts ?? nowS();
    return {
      'svix-id': id,
      'svix-timestamp': String(ts),
      'svix-signature': o.signature ?? svixSign(o.secret ?? SECRET, id, ts, body),
      'content-type': 'application/json',
    };
  }

  function event(type: string, emailId: string | null, at: Date | string = h.clock.now(), data: Record<string, unknown> = {}) {
    return JSON.stringify({
      type,
      created_at: new Date(at).toISOString(),
      data: { ...(emailId ? { email_id: emailId } : {}), from: 'news@example.org', to: ['x@example.org'], subject: 'Brief', ...data },
    });
  }

  const webhook = (body: string, headers: Record<string, string> = signed(body)) => h.app.request('/webhooks/resend', { method: 'POST', body, headers });
  const send = async (type: string, pid: string | null, at?: Date | string, data?: Record<string, unknown>, id?: string) => {
    const body = event(type, pid, at, data);
    const res = await webhook(body, signed(body, id ? { id } : {}));
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()).outcome as string;
  };
  const hardBounce = { bounce: { type: 'Permanent', subType: 'General', message: '550 5.1.1 user unknown' } };
  const softBounce = { bounce: { type: 'Transient', subType: 'MailboxFull', message: '452 mailbox full' } };

  const stats = async (issueId: number) => {
    const res = await h.api('GET', `/api/v1/issues/${issueId}/stats`);
    expect(res.status).toBe(200);
    return res.json();
  };
  const subscriber = async (id: string) => (await h.api('GET', `/api/v1/subscribers/${id}`)).json();
  const webhookRows = () => h.db.db.selectFrom('webhook_events').selectAll().execute();
  const delivery = (id: string) => h.db.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** A newsletter, `count` active subscribers, a draft issue, and ledger rows as the pipeline leaves them after sending. */
  async function ledger(
    count: number,
    o: { openTracking?: boolean; slug?: string; sentAt?: Date } = {},
  ): Promise<{ issueId: number; slug: string; rows: Ledger[] }> {
    const slug = o.slug ?? `ev${++n}`;
    if (!o.slug) {
      await createNewsletter(h, slug, o.openTracking === false ? { openTracking: false } : {});
      await addSubscribers(h, slug, count, slug);
    }
    const issueId = await createIssue(h, slug);
    const subs = await h.db.db
      .selectFrom('subscribers')
      .innerJoin('newsletters', 'newsletters.id', 'subscribers.newsletter_id')
      .select(['subscribers.id', 'subscribers.email'])
      .where('newsletters.slug', '=', slug)
      .orderBy('subscribers.id')
      .limit(count)
      .execute();
    const sentAt = o.sentAt ?? h.clock.now();
    await h.db.db.updateTable('issues').set({ status: 'sent', started_at: sentAt, sent_at: sentAt }).where('id', '=', issueId).execute();
    const rows = await h.db.db
      .insertInto('deliveries')
      .values(
        subs.map((s) => ({
          issue_id: issueId,
          subscriber_id: s.id,
          email: s.email!,
          batch: 0,
          status: 'sent' as const,
          provider_message_id: randomUUID(),
          sent_at: sentAt,
        })),
      )
      .returning(['id', 'subscriber_id', 'email', 'provider_message_id'])
      .execute();
    return { issueId, slug, rows: rows.map((r) => ({ id: String(r.id), subscriberId: String(r.subscriber_id), email: r.email, pid: r.provider_message_id! })) };
  }

  const pixel = (url: string, ua?: string, method = 'GET') =>
    h.app.request(url.replace('https://news.example.test', ''), { method, headers: ua ? { 'user-agent': ua } : {} });
  const pixelFor = (deliveryId: string) => openPixelUrl(h.config.publicUrl, h.config.secret!, deliveryId);

  // ---- signatures -------------------------------------------------------------------------------

  describe('webhook signatures', () => {
    it('accepts a signed event and rejects unsigned, wrong-secret, tampered, stale and future ones', async () => {
      const { rows } = await ledger(1);
      const body = event('email.delivered', rows[0]!.pid);
      const before = (await webhookRows()).length;

      const unsigned = await webhook(body, { 'content-type': 'application/json' });
      expect(unsigned.status).toBe(401);
      expect((await unsigned.json()).error.code).toBe('unauthorized');

      const wrong = await webhook(body, signed(body, { secret: `whsec_${randomBytes(24).toString('base64')}` }));
      expect(wrong.status).toBe(401);

      const tampered = await webhook(body.replace('delivered', 'bounced'), signed(body));
      expect(tampered.status).toBe(401);

      expect((await webhook(body, signed(body, { ts: nowS() - 6 * 60 }))).status).toBe(401);
      expect((await webhook(body, signed(body, { ts: nowS() + 6 * 60 }))).status).toBe(401);
      expect((await webhook(body, { ...signed(body), 'svix-timestamp': 'yesterday' })).status).toBe(401);

      expect(await webhookRows()).toHaveLength(before);
      expect((await delivery(rows[0]!.id)).delivered_at).toBeNull();

      // four minutes late is within the window
      const ok = await webhook(body, signed(body, { ts: nowS() - 4 * 60 }));
      expect(ok.status).toBe(200);
      expect((await ok.json()).outcome).toBe('applied');
      expect((await delivery(rows[0]!.id)).delivered_at).not.toBeNull();
    });

    it('accepts a header with several v1 signatures when one of them is valid', async () => {
      const { rows } = await ledger(1);
      const body = event('email.delivered', rows[0]!.pid);
      const good = signed(body);
      const other = svixSign(`whsec_${randomBytes(24).toString('base64')}`, good['svix-id'], good['svix-timestamp'], body);
      const res = await webhook(body, { ...good, 'svix-signature': `v2,abc ${other} v1,bm90LWEtc2ln ${good['svix-signature']}` });
      expect(res.status).toBe(200);
      const none = await webhook(body, { ...good, 'svix-id': 'msg_other', 'svix-signature': `${other} v1,bm90LWEtc2ln` });
      expect(none.status).toBe(401);
    });

    it('refuses everything when no webhook secret is configured', async () => {
      const bare = await createHarness(kind);
      try {
        const body = event('email.delivered', 'x');
        const res = await bare.app.request('/webhooks/resend', { method: 'POST', body, headers: signed(body) });
        expect(res.status).toBe(401);
        expect((await res.json()).error.message).toMatch(/RESEND_WEBHOOK_SECRET/);
        expect(await bare.db.db.selectFrom('webhook_events').selectAll().execute()).toHaveLength(0);
      } finally {
        await bare.close();
      }
    });

    it('answers 400 to a signed body that is not JSON', async () => {
      const res = await webhook('not json', signed('not json'));
      expect(res.status).toBe(400);
    });
  });

  // ---- idempotency and storage ------------------------------------------------------------------

  describe('webhook log', () => {
    it('acknowledges a replay (same svix-id) without counting it twice', async () => {
      const { issueId, rows } = await ledger(1);
      const body = event('email.opened', rows[0]!.pid, new Date(h.clock.now().getTime() + MINUTE));
      const headers = signed(body);
      const first = await webhook(body, headers);
      const again = await webhook(body, headers);
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect((await again.json()).outcome).toBe('duplicate');
      expect((await stats(issueId)).opened).toEqual({ unique: 1, total: 1, likelyHuman: 1 });
      const stored = (await webhookRows()).filter((r) => r.svix_id === headers['svix-id']);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.attempts).toBe(1);
    });

    it('keeps unknown types and unmatched ids, answering 200, and applies an unmatched one once the ledger knows it', async () => {
      expect(await send('email.clicked', randomUUID())).toBe('ignored');
      expect(await send('contact.created', null)).toBe('ignored');
      expect(await send('email.delivered', null)).toBe('no_email_id');
      const early = randomUUID();
      expect(await send('email.delivered', early)).toBe('unmatched');
      const types = (await webhookRows()).map((r) => r.type);
      expect(types).toEqual(expect.arrayContaining(['email.clicked', 'contact.created']));

      // the pipeline records the provider id after the webhook arrived
      const { issueId, rows } = await ledger(1);
      await h.db.db.updateTable('deliveries').set({ provider_message_id: early }).where('id', '=', rows[0]!.id).execute();
      h.clock.advance(MINUTE);
      await h.drain();
      expect((await delivery(rows[0]!.id)).delivered_at).not.toBeNull();
      expect((await stats(issueId)).delivered).toBe(1);
      const row = (await webhookRows()).find((r) => r.email_id === early)!;
      expect(row.outcome).toBe('applied');
    });

    it('absorbs concurrent events (with duplicates) and counts each once', async () => {
      const { issueId, rows } = await ledger(40);
      const requests = rows.flatMap((r) => {
        const body = event('email.delivered', r.pid);
        const headers = signed(body);
        return [webhook(body, headers), webhook(body, headers)];
      });
      const res = await Promise.all(requests);
      expect(res.map((r) => r.status).every((s) => s === 200)).toBe(true);
      const s = await stats(issueId);
      expect(s).toMatchObject({ recipients: 40, sent: 40, delivered: 40 });
      const tl = await (await h.api('GET', `/api/v1/issues/${issueId}/stats/timeline?hours=72`)).json();
      expect(tl.buckets.reduce((a: number, b: { delivered: number }) => a + b.delivered, 0)).toBe(40);
      if (kind === 'postgres') {
        // Concurrent requests used several pool connections, each moving its own counter shard
        // (migration 0014), so none waited for another's commit; the figures above are their sums.
        const shards = await h.db.db.selectFrom('issue_stats').select('shard').distinct().where('issue_id', '=', issueId).execute();
        expect(shards.length).toBeGreaterThan(1);
      }
    });
  });

  // ---- out-of-order -----------------------------------------------------------------------------

  describe('out-of-order events', () => {
    const permutations = <T>(xs: T[]): T[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

    it.each(['hard', 'soft'] as const)('every order of delivered / bounced (%s) / opened ends in the same state', async (bounceKind) => {
      const orders = permutations(['delivered', 'bounced', 'opened']);
      const { issueId, rows } = await ledger(orders.length);
      const t0 = h.clock.now().getTime();
      const at = { delivered: new Date(t0 + 1_000), bounced: new Date(t0 + 2_000), opened: new Date(t0 + 60_000) };
      for (const [i, order] of orders.entries()) {
        for (const what of order) {
          const type = what === 'delivered' ? 'email.delivered' : what === 'bounced' ? 'email.bounced' : 'email.opened';
          await send(type, rows[i]!.pid, at[what as keyof typeof at], what === 'bounced' ? (bounceKind === 'hard' ? hardBounce : softBounce) : {});
        }
      }
      const states = await Promise.all(
        rows.map(async (r) => {
          const d = await delivery(r.id);
          const iso = (x: Date | null) => (x ? new Date(x).toISOString() : null);
          return {
            delivered: iso(d.delivered_at),
            bounced: iso(d.bounced_at),
            type: d.bounce_type,
            opened: iso(d.first_opened_at),
            human: iso(d.human_opened_at),
            opens: d.open_count,
          };
        }),
      );
      for (const s of states) expect(s).toEqual(states[0]);
      expect(states[0]).toMatchObject({ type: bounceKind, opens: 1 });
      const s = await stats(issueId);
      expect(s).toMatchObject({
        recipients: 6,
        delivered: 0,
        bounced: { hard: bounceKind === 'hard' ? 6 : 0, soft: bounceKind === 'soft' ? 6 : 0 },
        opened: { unique: 6, total: 6 },
      });
      const list = await (await h.api('GET', `/api/v1/issues/${issueId}/recipients`)).json();
      expect(new Set(list.items.map((x: { state: string }) => x.state))).toEqual(new Set([bounceKind === 'hard' ? 'bounced' : 'soft_bounced']));
      if (bounceKind === 'hard') {
        for (const r of rows) expect((await subscriber(r.subscriberId)).status).toBe('suppressed');
      }
    });

    it('an open before the delivered event still counts as delivered; a complaint is final', async () => {
      const { issueId, rows } = await ledger(2);
      const t0 = h.clock.now().getTime();
      await send('email.opened', rows[0]!.pid, new Date(t0 + 30_000));
      expect((await stats(issueId)).delivered).toBe(1);
      await send('email.delivered', rows[0]!.pid, new Date(t0 + 1_000));
      expect((await stats(issueId)).delivered).toBe(1);

      await send('email.complained', rows[1]!.pid, new Date(t0 + 90_000));
      await send('email.delivered', rows[1]!.pid, new Date(t0 + 1_000));
      const list = await (await h.api('GET', `/api/v1/issues/${issueId}/recipients`)).json();
      expect(list.items.map((x: { state: string }) => x.state)).toEqual(['opened', 'complained']);
      expect(await stats(issueId)).toMatchObject({ delivered: 2, complained: 1 });
    });
  });

  // ---- suppression ------------------------------------------------------------------------------

  describe('suppression', () => {
    it('suppresses at once on a hard bounce, with the reason and a consent event from the webhook', async () => {
      const { rows } = await ledger(1);
      await send('email.bounced', rows[0]!.pid, undefined, hardBounce);
      const s = await subscriber(rows[0]!.subscriberId);
      expect(s).toMatchObject({ status: 'suppressed', suppressionReason: 'hard_bounce' });
      const ev = s.events.find((e: { type: string }) => e.type === 'suppress_bounce');
      expect(ev).toMatchObject({ source: 'webhook' });
      expect(ev.detail).toMatchObject({ event: 'email.bounced', detail: expect.stringContaining('550 5.1.1') });
    });

    it('treats a bounce with no type as soft, and Resend suppression as a failure that suppresses', async () => {
      const { issueId, rows } = await ledger(2);
      await send('email.bounced', rows[0]!.pid, undefined, {});
      expect((await delivery(rows[0]!.id)).bounce_type).toBe('soft');
      expect((await subscriber(rows[0]!.subscriberId)).status).toBe('active');
      await send('email.suppressed', rows[1]!.pid, undefined, { suppressed: { message: 'on the suppression list', type: 'OnAccountSuppressionList' } });
      expect(await subscriber(rows[1]!.subscriberId)).toMatchObject({ status: 'suppressed', suppressionReason: 'hard_bounce' });
      expect(await stats(issueId)).toMatchObject({ failed: 1, bounced: { hard: 0, soft: 1 } });
    });

    it('suppresses after three soft bounces in a row; a delivery resets the count', async () => {
      const first = await ledger(1);
      const slug = first.slug;
      const sub = first.rows[0]!.subscriberId;
      const issues = [first];
      for (let i = 0; i < 5; i++) issues.push(await ledger(1, { slug }));
      const soft = (i: number) => send('email.bounced', issues[i]!.rows[0]!.pid, undefined, softBounce);
      await soft(0);
      await soft(1);
      expect((await subscriber(sub)).softBounceCount).toBe(2);
      await send('email.delivered', issues[2]!.rows[0]!.pid);
      expect((await subscriber(sub)).softBounceCount).toBe(0);
      await soft(3);
      await soft(4);
      // the same email bouncing twice is one soft bounce, not two in a row
      await soft(4);
      expect(await subscriber(sub)).toMatchObject({ status: 'active', softBounceCount: 2 });
      await soft(5);
      const s = await subscriber(sub);
      expect(s).toMatchObject({ status: 'suppressed', suppressionReason: 'soft_bounce_threshold' });
      expect(s.events.filter((e: { type: string }) => e.type === 'suppress_soft_bounce')).toHaveLength(1);
    });

    it('suppresses on a complaint and warns about the complaint rate', async () => {
      const { issueId, rows } = await ledger(3);
      for (const r of rows) await send('email.delivered', r.pid);
      await send('email.complained', rows[0]!.pid);
      const s = await subscriber(rows[0]!.subscriberId);
      expect(s).toMatchObject({ status: 'suppressed', suppressionReason: 'complaint' });
      expect(s.events.find((e: { type: string }) => e.type === 'suppress_complaint')).toMatchObject({ source: 'webhook' });
      const st = await stats(issueId);
      expect(st.complained).toBe(1);
      expect(st.complaintRate).toBeCloseTo(1 / 3);
      expect(st.warnings.map((w: { code: string }) => w.code)).toEqual(['complaint_rate_critical']);
      expect(st.warnings[0].message).toMatch(/0\.3 %/);
    });

    it('warns above 0.1 % and says never to reach 0.3 %', async () => {
      const issueId = await createIssue(h, `ev${n}`);
      // 800 ledger rows (subscribers need not exist for the counters), delivered, one complaint
      const t = h.clock.now();
      await h.db.db
        .insertInto('deliveries')
        .values(
          Array.from({ length: 800 }, (_, i) => ({
            issue_id: issueId,
            subscriber_id: 9_000_000 + i,
            email: `r${i}@example.org`,
            batch: 0,
            status: 'sent' as const,
            provider_message_id: `bulk-${issueId}-${i}`,
            sent_at: t,
            delivered_at: t,
          })),
        )
        .execute();
      expect((await stats(issueId)).warnings).toEqual([]);
      await send('email.complained', `bulk-${issueId}-7`);
      const st = await stats(issueId);
      expect(st).toMatchObject({ recipients: 800, delivered: 800, complained: 1 });
      expect(st.complaintRate).toBeCloseTo(1 / 800);
      expect(st.warnings).toHaveLength(1);
      expect(st.warnings[0]).toMatchObject({ code: 'complaint_rate_high', message: expect.stringMatching(/0\.1 %.*0\.3 %/) });
    });
  });

  // ---- pixel ------------------------------------------------------------------------------------

  describe('open pixel', () => {
    const expectGif = async (res: Response) => {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/gif');
      expect(res.headers.get('cache-control')).toBe('no-store, max-age=0');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(bytes.length).toBe(42);
      expect(String.fromCharCode(...bytes.slice(0, 6))).toBe('GIF89a');
    };
    const opens = (deliveryId: string) => h.db.db.selectFrom('delivery_opens').selectAll().where('delivery_id', '=', deliveryId).orderBy('id').execute();

    it('answers the GIF to good, forged and malformed tokens, and records only the good one', async () => {
      const { issueId, rows } = await ledger(1);
      const good = pixelFor(rows[0]!.id);
      expect(good).toMatch(/^https:\/\/news\.example\.test\/o\/[\w-]+\.[\w-]{22}$/);
      const token = good.split('/o/')[1]!;
      const forged = `/o/${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
      const otherRow = `/o/${String(Number(rows[0]!.id) + 1)}.${token.split('.')[1]}`;
      for (const url of [forged, otherRow, '/o/abc', '/o/...', '/o/a%2Fb', `/o/${'x'.repeat(500)}`, '/o/%E0%A4%A'])
        await expectGif(await pixel(url, APPLE_MAIL));
      expect(await opens(rows[0]!.id)).toHaveLength(0);
      // a genuine token for a ledger row that does not exist
      await expectGif(await pixel(pixelFor('999999999'), APPLE_MAIL));

      h.clock.advance(MINUTE);
      await expectGif(await pixel(good, APPLE_MAIL));
      const head = await pixel(good, APPLE_MAIL, 'HEAD'); // what link scanners send: not an open
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('image/gif');
      const got = await opens(rows[0]!.id);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ client: 'desktop-client', likely_human: true, source: 'pixel' });
      expect((await stats(issueId)).opened).toEqual({ unique: 1, total: 1, likelyHuman: 1 });
    });

    it('classifies machine opens: Apple MPP, scanners, and the Gmail proxy right after delivery', async () => {
      const { issueId, rows } = await ledger(3);
      const [mpp, scanner, gmail] = rows as [Ledger, Ledger, Ledger];
      h.clock.advance(3_000);
      await pixel(pixelFor(gmail.id), GMAIL); // 3 s after sending: prefetch
      await pixel(pixelFor(mpp.id), 'Mozilla/5.0');
      await pixel(pixelFor(scanner.id), 'python-requests/2.31.0');
      await pixel(pixelFor(scanner.id), 'Mozilla/5.0 (compatible; Barracuda Sentinel)');
      await pixel(pixelFor(scanner.id)); // no user agent
      let s = await stats(issueId);
      expect(s.opened).toEqual({ unique: 3, total: 5, likelyHuman: 0 });
      expect((await opens(mpp.id))[0]).toMatchObject({ client: 'apple-mpp', likely_human: false });
      expect((await opens(scanner.id)).map((o) => o.client)).toEqual(['scanner', 'scanner', 'unknown']);
      expect((await opens(gmail.id))[0]).toMatchObject({ client: 'gmail-proxy', likely_human: false });

      h.clock.advance(10 * MINUTE);
      await pixel(pixelFor(gmail.id), GMAIL); // the person opens it later
      s = await stats(issueId);
      expect(s.opened).toEqual({ unique: 3, total: 6, likelyHuman: 1 });
      const humans = await (await h.api('GET', `/api/v1/issues/${issueId}/recipients?status=human_opened`)).json();
      expect(humans.items.map((x: { id: string }) => x.id)).toEqual([gmail.id]);
    });

    it('records nothing when the newsletter has open tracking off (pixel or provider)', async () => {
      const { issueId, rows } = await ledger(1, { openTracking: false });
      await expectGif(await pixel(pixelFor(rows[0]!.id), APPLE_MAIL));
      expect(await send('email.opened', rows[0]!.pid)).toBe('tracking_off');
      expect(await opens(rows[0]!.id)).toHaveLength(0);
      expect((await stats(issueId)).opened).toEqual({ unique: 0, total: 0, likelyHuman: 0 });
    });
  });

  // ---- stats API and end to end -----------------------------------------------------------------

  describe('stats API', () => {
    it('needs a signed-in viewer and a real issue', async () => {
      const { issueId } = await ledger(1);
      expect((await h.api('GET', `/api/v1/issues/${issueId}/stats`, { token: null })).status).toBe(401);
      await h.services.users.createUser(`viewer${n}@example.org`, 'correct horse battery', 'viewer', 'test');
      const token = await h.services.users.createToken(`viewer${n}@example.org`, 'test');
      expect((await h.api('GET', `/api/v1/issues/${issueId}/stats`, { token })).status).toBe(200);
      expect((await h.api('GET', `/api/v1/issues/${issueId}/recipients`, { token })).status).toBe(200);
      expect((await h.api('GET', '/api/v1/issues/99999999/stats')).status).toBe(404);
      expect((await h.api('GET', '/api/v1/issues/99999999999999/stats')).status).toBe(404);
      expect((await h.api('GET', `/api/v1/issues/${issueId}/recipients?status=nonsense`)).status).toBe(422);
    });

    it('end to end: send through the pipeline, replay provider events, read stats, timeline and recipients', async () => {
      const slug = `e2e${++n}`;
      await createNewsletter(h, slug);
      const emails = await addSubscribers(h, slug, 6, slug);
      const issueId = await createIssue(h, slug);
      const start = h.clock.now();
      await h.api('POST', `/api/v1/issues/${issueId}/schedule`, { json: { sendAt: new Date(start.getTime() + MINUTE).toISOString(), acknowledge: true } });
      h.clock.advance(2 * MINUTE);
      await h.drain();
      expect(await stats(issueId)).toMatchObject({ recipients: 6, sent: 6, delivered: 0, unsubscribed: 0 });

      const rows = await h.db.db
        .selectFrom('deliveries')
        .select(['id', 'email', 'subscriber_id', 'provider_message_id'])
        .where('issue_id', '=', issueId)
        .orderBy('id')
        .execute();
      const by = (i: number) => rows.find((r) => r.email === emails[i])!;
      // the email carries this recipient's pixel (the outbox API's view of it does not: looking is not opening)
      const outbox = await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(emails[0]!)}`)).json();
      expect(outbox.items[0].html).not.toContain('/o/');
      const stored = await h.db.db.selectFrom('outbox_messages').select('html').where('id', '=', outbox.items[0].id).executeTakeFirstOrThrow();
      const pixelUrl = /https:\/\/news\.example\.test\/o\/[\w.-]+/.exec(stored.html ?? '')?.[0];
      expect(pixelUrl).toBe(pixelFor(String(by(0).id)));

      h.clock.advance(30_000);
      const t = h.clock.now().getTime();
      for (const i of [0, 1, 2, 3]) await send('email.delivered', by(i).provider_message_id, new Date(t + i * 1000));
      await send('email.delivery_delayed', by(4).provider_message_id);
      await send('email.bounced', by(4).provider_message_id, undefined, hardBounce);
      await send('email.failed', by(5).provider_message_id, undefined, { failed: { reason: 'reached_daily_quota' } });
      await send('email.complained', by(3).provider_message_id);
      h.clock.advance(2 * 3600_000); // two hours later the readers open it
      await pixel(pixelUrl!, APPLE_MAIL);
      await pixel(pixelUrl!, APPLE_MAIL);
      await pixel(pixelFor(String(by(1).id)), 'Mozilla/5.0');
      await send('email.opened', by(2).provider_message_id);
      // one reader unsubscribes with the link from this issue's email
      const unsub = outbox.items[0].headers['List-Unsubscribe'].slice(1, -1).replace('https://news.example.test', '');
      expect(
        (await h.app.request(unsub, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
          .status,
      ).toBe(200);

      const s = await stats(issueId);
      expect(s).toEqual({
        issueId,
        recipients: 6,
        sent: 6,
        delivered: 4,
        failed: 1,
        bounced: { hard: 1, soft: 0 },
        complained: 1,
        opened: { unique: 3, total: 4, likelyHuman: 2 },
        unsubscribed: 1,
        complaintRate: 0.25,
        deliveryEvents: true,
        // every rate is a share of the 6 sent
        rates: { delivered: 4 / 6, bounced: 1 / 6, complained: 1 / 6, opened: 3 / 6, unsubscribed: 1 / 6 },
        send: { startedAt: expect.any(String), finishedAt: expect.any(String), durationMs: expect.any(Number), timeZone: 'UTC' },
        // a whole-list send (segments: issue 24)
        audience: null,
        warnings: [expect.objectContaining({ code: 'complaint_rate_critical' })],
      });
      expect((await subscriber(String(by(4).subscriber_id))).status).toBe('suppressed');
      expect((await subscriber(String(by(3).subscriber_id))).suppressionReason).toBe('complaint');
      expect((await subscriber(String(by(0).subscriber_id))).status).toBe('unsubscribed');

      // a newer issue closes this issue's unsubscribe window: later unsubscribes are not this issue's
      h.clock.advance(MINUTE);
      await ledger(1, { slug });
      h.clock.advance(MINUTE);
      await h.services.subscribers.suppress(String(by(5).subscriber_id), 'hard_bounce'); // (not an unsubscribe)
      const unsub1 = outbox.items.length
        ? (await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(emails[1]!)}`)).json()).items[0].headers['List-Unsubscribe']
            .slice(1, -1)
            .replace('https://news.example.test', '')
        : '';
      expect(
        (await h.app.request(unsub1, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
          .status,
      ).toBe(200);
      expect((await subscriber(String(by(1).subscriber_id))).status).toBe('unsubscribed');
      expect((await stats(issueId)).unsubscribed).toBe(1);

      const tl = await (await h.api('GET', `/api/v1/issues/${issueId}/stats/timeline?hours=72`)).json();
      expect(tl.buckets).toHaveLength(72);
      const total = (k: string) => tl.buckets.reduce((a: number, b: Record<string, number>) => a + b[k]!, 0);
      expect({
        sent: total('sent'),
        delivered: total('delivered'),
        uniqueOpens: total('uniqueOpens'),
        opens: total('opens'),
        humanOpens: total('humanOpens'),
      }).toEqual({ sent: 6, delivered: 4, uniqueOpens: 3, opens: 4, humanOpens: 3 });
      const openedAt = t + 2 * 3600_000;
      expect(tl.buckets[Math.floor((openedAt - Date.parse(tl.from)) / 3600_000)].opens).toBe(4);

      // recipients: filters, search and keyset pages
      const page1 = await (await h.api('GET', `/api/v1/issues/${issueId}/recipients?limit=4`)).json();
      expect(page1.items).toHaveLength(4);
      const page2 = await (await h.api('GET', `/api/v1/issues/${issueId}/recipients?limit=4&cursor=${page1.nextCursor}`)).json();
      expect(page2.items).toHaveLength(2);
      expect(page2.nextCursor).toBeNull();
      const all = [...page1.items, ...page2.items];
      expect(new Set(all.map((x) => x.email))).toEqual(new Set(emails));
      const stateOf = (i: number) => all.find((x) => x.email === emails[i]).state;
      expect([0, 1, 2, 3, 4, 5].map(stateOf)).toEqual(['opened', 'opened', 'opened', 'complained', 'bounced', 'failed']);
      const bounced = await (await h.api('GET', `/api/v1/issues/${issueId}/recipients?status=bounced`)).json();
      expect(bounced.items).toHaveLength(1);
      expect(bounced.items[0]).toMatchObject({ email: emails[4], bounceType: 'hard', bounceDetail: expect.stringContaining('user unknown') });
      const q = await (await h.api('GET', `/api/v1/issues/${issueId}/recipients?q=${encodeURIComponent(emails[5]!.slice(0, -12))}`)).json();
      expect(q.items.map((x: { email: string }) => x.email)).toEqual([emails[5]]);
      expect(q.items[0]).toMatchObject({ failureDetail: 'reached_daily_quota', state: 'failed' });
    });
  });
});

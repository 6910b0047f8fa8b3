/**
 * Honest figures on the stats page and the stats API: with a transport that reports no delivery
 * events (the outbox) they say so and give rates over sent, never "Delivered 0 · 0 %"; opens are
 * a share of sent; no admin view of an issue (preview.html, the editor's preview, the issue page,
 * the outbox) carries the open pixel, so looking at one adds no open; the page shows when the send
 * started and finished, in the newsletter's time zone; the chart has an empty state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { i18n } from '../../src/i18n/index.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { openPixelUrl } from '../../src/modules/events/pixel.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { AdminClient } from './admin/client.ts';

const MINUTE = 60_000;
const APPLE_MAIL = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)';
const TZ = 'Asia/Shanghai';

/** Every URL an HTML page would load by itself (img, iframe, script, link). */
const loadedUrls = (html: string) => [...html.matchAll(/<(?:img|iframe|script|link|source)\b[^>]*\s(?:src|href|srcset)=["']([^"']+)["']/gi)].map((m) => m[1]!);
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|\s+/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&');

describe.each(dbKinds)('honest stats on %s', (kind) => {
  let h: Harness;
  let admin: AdminClient;
  let issueId = 0;
  let slug = '';
  let startedAt: Date;

  const stats = async (id = issueId) => {
    const res = await h.api('GET', `/api/v1/issues/${id}/stats`);
    expect(res.status).toBe(200);
    return res.json();
  };
  const page = async (lang = 'en') => {
    const res = await admin.get(`/admin/issues/${issueId}/stats`, { 'accept-language': lang });
    expect(res.status).toBe(200);
    return res.text();
  };
  /** Every admin view of the issue's email, as HTML. */
  const adminViews = async () => {
    const views: Record<string, string> = {};
    views['preview.html'] = await (await h.api('GET', `/api/v1/issues/${issueId}/preview.html`)).text();
    views['issue page'] = await (await admin.get(`/admin/issues/${issueId}`)).text();
    const outbox = await (await h.api('GET', '/api/v1/outbox?limit=200')).json();
    for (const m of outbox.items) {
      views[`outbox ${m.to[0]}`] = m.html;
      views[`outbox/${m.id}`] = (await (await h.api('GET', `/api/v1/outbox/${m.id}`)).json()).html;
    }
    return views;
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    admin = new AdminClient(h);
    expect((await admin.login('admin@example.org', 'correct horse battery')).status).toBe(303);
    slug = `honest-${kind}`;
    await createNewsletter(h, slug, { timeZone: TZ, openTracking: true });
    await addSubscribers(h, slug, 3, slug);
    issueId = await createIssue(h, slug);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('before the send: the editor preview, preview.html and the issue page carry no open pixel', async () => {
    const editorPreview = await admin.post(`/admin/issues/${issueId}/preview`, { title: 'Monthly brief', number: '1', 's.0.title': 'News' });
    expect(editorPreview.status).toBe(200);
    const views = { ...(await adminViews()), 'editor preview': await editorPreview.text() };
    for (const [name, html] of Object.entries(views)) {
      expect(html, name).not.toContain('/o/');
      expect(html, name).not.toContain('%%QUIRE_OPEN_PIXEL');
    }
    expect(text(await page())).toContain('Not sent yet');
  });

  it('after an outbox send: the API says the transport reports no deliveries and gives rates over sent', async () => {
    startedAt = new Date(h.clock.now().getTime() + MINUTE);
    await h.api('POST', `/api/v1/issues/${issueId}/schedule`, { json: { acknowledge: true, sendAt: startedAt.toISOString() } });
    h.clock.advance(2 * MINUTE);
    await h.drain();
    const s = await stats();
    expect(s).toMatchObject({
      recipients: 3,
      sent: 3,
      deliveryEvents: false,
      rates: { delivered: null, bounced: null, complained: null, opened: 0, unsubscribed: 0 },
    });
    expect(s.warnings).toContainEqual({ code: 'no_delivery_events', message: expect.stringContaining('This transport does not report deliveries') });
    expect(s.send.startedAt).not.toBeNull();
    expect(s.send.finishedAt).not.toBeNull();
    expect(s.send.timeZone).toBe(TZ);
    expect(s.send.durationMs).toBe(new Date(s.send.finishedAt).getTime() - new Date(s.send.startedAt).getTime());
  });

  it('looking at every admin view of the sent issue adds no open (no "unique 100 %" after one preview)', async () => {
    const views = await adminViews();
    expect(Object.keys(views).filter((k) => k.startsWith('outbox/'))).toHaveLength(3);
    for (const [name, html] of Object.entries(views)) {
      expect(html, name).not.toContain('/o/');
      // Load what a browser would load from our own origin, as a mail app would.
      for (const url of loadedUrls(html).filter((u) => u.startsWith(h.config.publicUrl) || u.startsWith('/'))) {
        await h.app.request(url.replace(h.config.publicUrl, ''), { headers: { 'user-agent': APPLE_MAIL } });
      }
    }
    expect((await stats()).opened).toEqual({ unique: 0, total: 0, likelyHuman: 0 });
    // The message itself still carries its recipient's pixel (only the admin's views drop it).
    const stored = await h.db.db.selectFrom('outbox_messages').select('html').execute();
    expect(stored.filter((r) => r.html?.includes(`${h.config.publicUrl}/o/`))).toHaveLength(3);
  });

  it('the page says the transport reports no deliveries, shows no "Delivered 0 · 0 %", an empty chart, and the send times', async () => {
    const html = await page();
    const t = text(html);
    expect(t).toContain('This transport does not report deliveries');
    expect(html).toContain('data-testid="chart-empty"');
    expect(t).toContain('No opens yet');
    expect(t).toContain('Opens and emails sent in the first 72 hours'); // not "deliveries"
    const delivered = text(/<div class="kpi"><div class="n">[^<]*<\/div><div class="l">Delivered<\/div>.*?<\/div><\/div>/s.exec(html)?.[0] ?? '');
    expect(delivered).toContain('—');
    expect(delivered).toContain('not reported');
    expect(delivered).not.toMatch(/0\s*%/);
    const s = await stats();
    const en = i18n('en');
    expect(t).toContain(`Started ${en.dateTime(new Date(s.send.startedAt), TZ)}`);
    expect(t).toContain(`Finished ${en.dateTime(new Date(s.send.finishedAt), TZ)}`);
    expect(t).toContain(s.send.durationMs < 30_000 ? 'Duration less than a minute' : `Duration ${en.duration(s.send.durationMs)}`);
    expect(t).toContain(TZ);
  });

  it('opens are a share of sent; the chart replaces its empty state; Chinese says the same', async () => {
    const rows = await h.db.db.selectFrom('deliveries').select('id').where('issue_id', '=', issueId).orderBy('id').execute();
    h.clock.advance(3600_000);
    await h.app.request(new URL(openPixelUrl(h.config.publicUrl, h.config.secret!, rows[0]!.id)).pathname, { headers: { 'user-agent': APPLE_MAIL } });
    const s = await stats();
    expect(s.opened.unique).toBe(1);
    expect(s.rates.opened).toBeCloseTo(1 / 3);
    const t = text(await page());
    expect(t).toContain('unique 33.3% of sent');
    expect(t).not.toContain('No opens yet');
    const html = await page();
    expect(html).toContain('class="chart-wide"');
    expect(html).toContain('class="chart-narrow"');

    const zh = text(await page('zh-CN'));
    expect(zh).toContain('此发送方式不报告送达情况');
    expect(zh).toContain('未报告');
    expect(zh).toContain('占已发送的 33.3%');
    expect(zh).toContain(`开始 ${i18n('zh-CN').dateTime(new Date(s.send.startedAt), TZ)}`);
  });
});

describe.each(dbKinds)('stats with a transport that reports deliveries on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(kind, {
      mailer: ({ db, clock }) => Object.assign(new OutboxMailer(new OutboxRepository(db.db), clock, 'news.example.test'), { reportsDeliveryEvents: true }),
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('has no "no delivery events" warning, and gives opens over sent (one open of four is 25 %, not "unique 100 %")', async () => {
    await createNewsletter(h, 'reporting');
    await addSubscribers(h, 'reporting', 4, 'reporting');
    const id = await createIssue(h, 'reporting');
    await h.api('POST', `/api/v1/issues/${id}/schedule`, { json: { acknowledge: true, sendAt: new Date(h.clock.now().getTime() + MINUTE).toISOString() } });
    h.clock.advance(2 * MINUTE);
    await h.drain();
    const rows = await h.db.db.selectFrom('deliveries').select('id').where('issue_id', '=', id).orderBy('id').execute();
    await h.app.request(new URL(openPixelUrl(h.config.publicUrl, h.config.secret!, rows[0]!.id)).pathname, { headers: { 'user-agent': APPLE_MAIL } });
    const s = await (await h.api('GET', `/api/v1/issues/${id}/stats`)).json();
    // An open proves a delivery: delivered 1, opened 1, but the open rate is a share of the 4 sent.
    expect(s).toMatchObject({ sent: 4, delivered: 1, deliveryEvents: true, rates: { delivered: 0.25, bounced: 0, complained: 0, opened: 0.25 } });
    expect(s.warnings.map((w: { code: string }) => w.code)).not.toContain('no_delivery_events');
    const admin = new AdminClient(h);
    await admin.login('admin@example.org', 'correct horse battery');
    const t = text(await (await admin.get(`/admin/issues/${id}/stats`)).text());
    expect(t).toContain('unique 25% of sent');
    expect(t).not.toContain('100%');
    expect(t).not.toContain('does not report deliveries');
  });
});

/**
 * Erasure leaves nothing behind (issue 23): a subscriber who signed up, got an issue, bounced and
 * opened it is erased, and no row of any table names their address or their name; events that
 * arrive afterwards write nothing personal back.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPixelUrl } from '../../src/modules/events/pixel.ts';
import { svixSign } from '../../src/modules/events/svix.ts';
import { dbKinds } from '../helpers/db.ts';
import { createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const MINUTE = 60_000;
const ADDRESS = 'Zelda.Quimby@Example.NET';
const NAME = 'Zelda Quimby';

describe.each(dbKinds)('erasure on %s', (kind) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(kind, { env: { RESEND_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const webhook = async (type: string, emailId: string, data: Record<string, unknown> = {}) => {
    const body = JSON.stringify({ type, created_at: h.clock.now().toISOString(), data: { email_id: emailId, to: [ADDRESS], subject: 'Brief', ...data } });
    const id = `msg_${randomUUID()}`;
    const ts = Math.floor(h.clock.now().getTime() / 1000);
    const res = await h.app.request('/webhooks/resend', {
      method: 'POST',
      body,
      headers: { 'svix-id': id, 'svix-timestamp': String(ts), 'svix-signature': svixSign(SECRET, id, ts, body), 'content-type': 'application/json' },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return { id, body: (await res.json()) as { outcome: string } };
  };
  const bounceQuoting = {
    bounce: { type: 'Transient', subType: 'MailboxFull', message: `552 5.2.2 mailbox of ${ADDRESS} (${NAME}) full; <${ADDRESS.toLowerCase()}>` },
  };

  /** Every row of every table of the schema, as text (all columns, JSON included). */
  async function everyRow(): Promise<{ table: string; row: string }[]> {
    const tables = await sql<{ t: string }>`
      SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`.execute(h.db.db);
    const out: { table: string; row: string }[] = [];
    for (const { t } of tables.rows) {
      const r = await sql<{ row: string }>`SELECT x::text AS row FROM ${sql.table(t)} x`.execute(h.db.db);
      for (const { row } of r.rows) out.push({ table: t, row });
    }
    return out;
  }
  const naming = async () => {
    const needles = [ADDRESS.toLowerCase(), 'zelda.quimby', NAME.toLowerCase(), 'quimby'];
    return (await everyRow()).filter(({ row }) => needles.some((n) => row.toLowerCase().includes(n)));
  };

  it('erases a subscriber who got a send, bounced and opened: no table names them, events after it add nothing', async () => {
    await createNewsletter(h, 'erasure');
    // Sign up and confirm through the emailed link, as the person would.
    const signup = await h.app.request('/api/v1/public/newsletters/erasure/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9', 'user-agent': 'ZeldaBrowser/1.0' },
      body: JSON.stringify({ email: ADDRESS, name: NAME, consent: true }),
    });
    expect(signup.status).toBe(202);
    await h.runJobs();
    const confirmMail = await h.db.db.selectFrom('outbox_messages').select('text').where('to_address', '=', ADDRESS.toLowerCase()).executeTakeFirstOrThrow();
    const confirm = /\/confirm\/[A-Za-z0-9_.-]+/.exec(confirmMail.text!)![0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await h.app.request(confirm)).text())![1]!;
    const confirmed = await h.app.request(confirm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.9' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(confirmed.status).toBe(200);

    // An issue goes out to them.
    const issueId = await createIssue(h, 'erasure');
    const scheduled = await h.api('POST', `/api/v1/issues/${issueId}/schedule`, {
      json: { acknowledge: true, sendAt: new Date(h.clock.now().getTime() + MINUTE).toISOString() },
    });
    expect(scheduled.status).toBe(200);
    h.clock.advance(2 * MINUTE);
    await h.drain();
    const d = await h.db.db.selectFrom('deliveries').selectAll().where('issue_id', '=', issueId).executeTakeFirstOrThrow();
    expect(d.email).toBe(ADDRESS);
    const pid = d.provider_message_id!;

    // Delivered, bounced (the provider's text quotes them), opened.
    expect((await webhook('email.delivered', pid)).body.outcome).toBe('applied');
    expect((await webhook('email.bounced', pid, bounceQuoting)).body.outcome).toBe('applied');
    const pixel = openPixelUrl(h.config.publicUrl, h.config.secret!, d.id).replace(h.config.publicUrl, '');
    expect((await h.app.request(pixel, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh)' } })).status).toBe(200);
    const before = await h.db.db.selectFrom('deliveries').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(before.open_count).toBe(1);
    // Stored without the address, even before erasure.
    expect(before.bounce_detail).toContain('5.2.2');
    expect(before.bounce_detail).toContain('[address]');
    expect(before.bounce_detail!.toLowerCase()).not.toContain('zelda.quimby');
    expect((await naming()).length).toBeGreaterThan(0); // the test would see them

    const sub = await h.db.db.selectFrom('subscribers').select('id').where('email_normalized', '=', ADDRESS.toLowerCase()).executeTakeFirstOrThrow();
    const erase = await h.api('DELETE', `/api/v1/subscribers/${sub.id}`);
    expect(erase.status).toBe(200);

    expect(await naming()).toEqual([]);
    const after = await h.db.db.selectFrom('deliveries').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ email: '', name: null, bounce_detail: '5.2.2', open_count: 1 });

    // Events after the erasure: answered, kept without payload, nothing about the person recorded.
    const opens = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM delivery_opens`.execute(h.db.db)).rows[0]!.n);
    const opensBefore = await opens();
    const hard = await webhook('email.bounced', pid, { bounce: { type: 'Permanent', subType: 'General', message: `550 5.1.1 ${ADDRESS} unknown` } });
    expect(hard.body).toEqual({ ok: true, outcome: 'erased' });
    const complaint = await webhook('email.complained', pid);
    expect(complaint.body.outcome).toBe('erased');
    expect((await webhook('email.delivered', pid)).body.outcome).toBe('erased');
    expect((await webhook('email.opened', pid)).body.outcome).toBe('erased');
    expect((await h.app.request(pixel, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh)' } })).status).toBe(200);
    expect(await opens()).toBe(opensBefore);
    const stored = await h.db.db.selectFrom('webhook_events').selectAll().where('svix_id', '=', hard.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ outcome: 'erased', payload: { erased: true } });
    const still = await h.db.db.selectFrom('deliveries').selectAll().where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(still).toMatchObject({ bounce_detail: '5.2.2', complained_at: null, open_count: 1 });
    expect(await naming()).toEqual([]);

    // The tombstone still blocks the address: a new signup creates nothing.
    const again = await h.app.request('/api/v1/public/newsletters/erasure/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.10' },
      body: JSON.stringify({ email: ADDRESS, name: NAME, consent: true }),
    });
    expect(again.status).toBe(202);
  });
});

/**
 * What an admin can do for one person: send the confirmation again (once per 10 minutes), lift a
 * suppression with a reason (a consent event; back to active only with consent on record), keep
 * notes (author and time; erased with the address). Each action is in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.each(dbKinds)('admin actions on a person on %s', (kind) => {
  let h: Harness;
  const create = async (email: string, status: 'active' | 'pending') => {
    const r = await h.api('POST', '/api/v1/newsletters/people/subscribers', { json: { email, status, consentNote: 'phone call' } });
    expect(r.status).toBe(201);
    return ((await r.json()) as { id: string }).id;
  };
  const outbox = async (to: string) => ((await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).json()) as { items: unknown[] }).items;
  const subscriber = async (id: string) =>
    (await (await h.api('GET', `/api/v1/subscribers/${id}`)).json()) as { status: string; events: { type: string; detail: Record<string, unknown> | null }[] };
  const audit = async (action: string) => h.db.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();

  beforeAll(async () => {
    h = await createHarness(kind);
    await createNewsletter(h, 'people', { language: 'en' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('resends the confirmation of a pending subscriber, at most once per 10 minutes', async () => {
    const id = await create('pending.person@example.org', 'pending');
    await h.runJobs();
    expect(await outbox('pending.person@example.org')).toHaveLength(1);
    const soon = await h.api('POST', `/api/v1/subscribers/${id}/resend-confirmation`);
    expect(soon.status).toBe(429);
    expect(Number(soon.headers.get('retry-after'))).toBeGreaterThan(0);
    h.clock.advance(10 * 60_000 + 1000);
    const again = await h.api('POST', `/api/v1/subscribers/${id}/resend-confirmation`);
    expect(again.status).toBe(202);
    await h.runJobs();
    expect(await outbox('pending.person@example.org')).toHaveLength(2);
    expect((await h.api('POST', `/api/v1/subscribers/${id}/resend-confirmation`)).status).toBe(429);
    expect(await audit('subscriber.resend_confirmation')).toHaveLength(1);
    const active = await create('active.person@example.org', 'active');
    expect((await h.api('POST', `/api/v1/subscribers/${active}/resend-confirmation`)).status).toBe(409);
  });

  it('lifts a suppression with a reason: active again when they were active, as a consent event; unsubscribed when there is no consent on record', async () => {
    const id = await create('bounced.person@example.org', 'active');
    await h.services.subscribers.suppress(id, 'hard_bounce', { note: 'mailbox full for a month' });
    expect((await h.api('POST', `/api/v1/subscribers/${id}/lift-suppression`, { json: { reason: '' } })).status).toBe(422);
    const lift = await h.api('POST', `/api/v1/subscribers/${id}/lift-suppression`, { json: { reason: 'They phoned: the mailbox works again' } });
    expect(lift.status).toBe(200);
    expect(await lift.json()).toEqual({ id, status: 'active' });
    const s = await subscriber(id);
    expect(s.status).toBe('active');
    expect(s.events.at(-1)).toMatchObject({
      type: 'suppression_lifted',
      detail: { reason: 'They phoned: the mailbox works again', by: 'admin@example.org', status: 'active' },
    });
    expect((await h.api('POST', `/api/v1/subscribers/${id}/lift-suppression`, { json: { reason: 'again' } })).status).toBe(409);

    const never = await create('never.confirmed@example.org', 'pending');
    await h.services.subscribers.suppress(never, 'complaint');
    const l2 = await h.api('POST', `/api/v1/subscribers/${never}/lift-suppression`, { json: { reason: 'Complaint was a mistake' } });
    expect(await l2.json()).toEqual({ id: never, status: 'unsubscribed' });
    expect(await audit('subscriber.lift_suppression')).toHaveLength(2);
  });

  it('keeps notes with author and time; erasure removes them', async () => {
    const id = await create('noted.person@example.org', 'active');
    const add = await h.api('POST', `/api/v1/subscribers/${id}/notes`, { json: { body: 'Asked by phone to get the Chinese edition — 想要中文版' } });
    expect(add.status).toBe(201);
    expect(await add.json()).toMatchObject({
      author: 'admin@example.org',
      body: 'Asked by phone to get the Chinese edition — 想要中文版',
      createdAt: h.clock.now().toISOString(),
    });
    expect((await h.api('POST', `/api/v1/subscribers/${id}/notes`, { json: { body: '   ' } })).status).toBe(422);
    const list = (await (await h.api('GET', `/api/v1/subscribers/${id}/notes`)).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
    expect((await h.api('DELETE', `/api/v1/subscribers/${id}`)).status).toBe(200);
    expect(await h.db.db.selectFrom('subscriber_notes').selectAll().where('subscriber_id', '=', id).execute()).toEqual([]);
    expect((await h.api('POST', `/api/v1/subscribers/${id}/notes`, { json: { body: 'after erasure' } })).status).toBe(404);
  });
});

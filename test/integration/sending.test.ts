import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ResendMailer } from '../../src/mail/resend.ts';
import { SendingRepository } from '../../src/modules/sending/repository.ts';
import { MAX_BATCH_ATTEMPTS } from '../../src/modules/sending/service.ts';
import { dbKinds } from '../helpers/db.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

const MINUTE = 60_000;

describe.each(dbKinds)('sending on %s', (kind) => {
  let h: Harness;
  let fake: FakeResend;
  let n = 0;
  const slug = () => `s${n}`;

  beforeAll(async () => {
    fake = await startFakeResend();
    h = await createHarness(kind, {
      env: { RESEND_API_KEY: 're_test', RESEND_BASE_URL: 'http://127.0.0.1:1', RESEND_RATE_PER_SECOND: '10000' },
      mailer: () => new ResendMailer('re_test', fake.url),
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });
  afterEach(() => {
    n++;
  });

  const progress = async (id: number) => (await h.api('GET', `/api/v1/issues/${id}/progress`)).json();
  const schedule = (id: number, sendAt: string, timeZone = 'Asia/Shanghai') =>
    h.api('POST', `/api/v1/issues/${id}/schedule`, { json: { sendAt, timeZone, acknowledge: true } });
  /** The tick and the `send.start` job only (fan-out, batches enqueued), none of the batches. */
  const runStartOnly = async () => {
    await h.tick();
    const start = await h.services.repos.jobs.claimNext(h.clock.now(), 60_000);
    expect(start?.kind).toBe('send.start');
    await h.services.sending.runStart(start!.payload);
    await h.services.repos.jobs.markDone(start!.id, h.clock.now());
  };
  /** A newsletter of `count` subscribers (`<prefix><n>-<i>@…`) and an issue scheduled a minute ago: the next tick starts it. */
  const dueIssue = async (count: number, prefix: string) => {
    await createNewsletter(h, slug());
    await addSubscribers(h, slug(), count, `${prefix}${n}`);
    const id = await createIssue(h, slug());
    await schedule(id, new Date(h.clock.now().getTime() + MINUTE).toISOString());
    h.clock.advance(2 * MINUTE);
    return id;
  };
  const received = (prefix: string) => [...fake.stats.perRecipient.entries()].filter(([a]) => a.startsWith(`${prefix}-`));

  it('paces provider requests at the interval, holding back the slot after an idle pacer by the cold-start allowance', async () => {
    const repo = new SendingRepository(h.db.db);
    const key = `pace-test-${kind}`;
    const t = Date.parse('2026-05-01T10:00:00.000Z');
    // idle: the first goes at once; the next waits the interval plus the allowance, then the interval
    expect(await repo.reserveSlot(key, t, 500, 100)).toBe(t);
    expect(await repo.reserveSlot(key, t + 1, 500, 100)).toBe(t + 600);
    expect(await repo.reserveSlot(key, t + 2, 500, 100)).toBe(t + 1100);
    // busy but late (within an interval of the reserved slot): no allowance
    expect(await repo.reserveSlot(key, t + 1700, 500, 100)).toBe(t + 1700);
    expect(await repo.reserveSlot(key, t + 1701, 500, 100)).toBe(t + 2200);
    // idle again after a pause
    expect(await repo.reserveSlot(key, t + 9000, 500, 100)).toBe(t + 9000);
    expect(await repo.reserveSlot(key, t + 9001, 500, 100)).toBe(t + 9600);
  });

  it("schedules in the editor's time zone and sends nothing before the time", async () => {
    await createNewsletter(h, slug());
    await addSubscribers(h, slug(), 3, `tz${n}`);
    const id = await createIssue(h, slug());
    h.clock.set('2026-03-02T00:00:00Z');
    const res = await schedule(id, '2026-03-03T09:00');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'scheduled', sendAt: '2026-03-03T01:00:00.000Z', timeZone: 'Asia/Shanghai' });
    // reschedule, then the tick before the time does nothing
    expect((await schedule(id, '2026-03-03T10:00')).status).toBe(200);
    h.clock.set('2026-03-03T01:30:00Z');
    await h.drain();
    expect(received(`tz${n}`)).toHaveLength(0);
    h.clock.set('2026-03-03T02:00:00Z');
    await h.drain();
    expect(received(`tz${n}`).map(([, c]) => c)).toEqual([1, 1, 1]);
    expect(await progress(id)).toMatchObject({ status: 'sent', recipients: 3, sent: 3, failed: 0 });
  });

  it('refuses a past time, a bad time zone and a sent issue', async () => {
    await createNewsletter(h, slug());
    const id = await createIssue(h, slug());
    h.clock.set('2026-03-02T00:00:00Z');
    expect((await schedule(id, '2026-03-01T09:00')).status).toBe(422);
    expect((await schedule(id, '2026-03-05T09:00', 'Mars/Base')).status).toBe(422);
    expect((await schedule(id, 'next tuesday')).status).toBe(422);
    await h.services.repos.issues.setStatus(id, ['draft'], 'sent');
    const res = await schedule(id, '2026-03-05T09:00');
    expect(res.status).toBe(409);
  });

  it('sends 250 recipients in batches of at most 100, exactly once each, with the list headers', async () => {
    await createNewsletter(h, slug());
    const emails = await addSubscribers(h, slug(), 250, `big${n}`);
    const id = await createIssue(h, slug());
    h.clock.set('2026-04-01T00:00:00Z');
    await schedule(id, '2026-04-01T00:00:30Z');
    h.clock.set('2026-04-01T00:01:00Z');
    const before = fake.stats.requests;
    await h.drain();
    expect(fake.stats.requests - before).toBe(3);
    const got = received(`big${n}`);
    expect(got).toHaveLength(250);
    expect(got.every(([, c]) => c === 1)).toBe(true);
    expect(new Set(got.map(([a]) => a))).toEqual(new Set(emails));
    expect(await progress(id)).toMatchObject({ status: 'sent', sent: 250 });
    const rows = await h.db.db.selectFrom('deliveries').select(['provider_message_id', 'batch']).where('issue_id', '=', id).execute();
    expect(rows.every((r) => r.provider_message_id?.startsWith('fake-'))).toBe(true);
    expect(Math.max(...rows.map((r) => r.batch))).toBe(2);
  });

  it('puts unsubscribe headers, a personal link and the name in every email', async () => {
    const local = await startFakeResend({ keepBodies: true });
    const h2 = await createHarness(kind, {
      env: { RESEND_API_KEY: 're_test', RESEND_RATE_PER_SECOND: '10000' },
      mailer: () => new ResendMailer('re_test', local.url),
    });
    try {
      await createNewsletter(h2, 'hdr', { fromName: 'The Team' });
      await addSubscribers(h2, 'hdr', 2, 'hdr');
      const id = await createIssue(h2, 'hdr');
      await h2.api('POST', `/api/v1/issues/${id}/schedule`, { json: { sendAt: new Date(h2.clock.now().getTime() + MINUTE).toISOString(), acknowledge: true } });
      h2.clock.advance(2 * MINUTE);
      await h2.drain();
      expect(local.emails).toHaveLength(2);
      const e = local.emails.find((m) => m.to[0] === 'hdr-1@example.org')!;
      expect(e.headers!['List-Unsubscribe']).toMatch(/^<https:\/\/news\.example\.test\/unsubscribe\/[\w.-]+>$/);
      expect(e.headers!['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(e.headers!['List-Id']).toBe('News hdr <hdr.news.example.test>');
      expect(e.headers!['Message-ID']).toMatch(/@hdr\.example\.org>$/);
      const unsub = e.headers!['List-Unsubscribe']!.slice(1, -1);
      expect(e.html).toContain(unsub);
      expect(e.text).toContain(unsub);
      expect(e.html).toContain('Hello Reader 1');
      expect(e.html).not.toContain('%%QUIRE_');
      // the one-click target really unsubscribes that person, without a login or a redirect
      const oneClick = await h2.app.request(unsub.replace('https://news.example.test', ''), {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(oneClick.status).toBe(200);
      const list = await (await h2.api('GET', '/api/v1/newsletters/hdr/subscribers?status=unsubscribed')).json();
      expect(list.items.map((s: { email: string }) => s.email)).toEqual(['hdr-1@example.org']);
    } finally {
      await h2.close();
      await local.close();
    }
  });

  it('retries 500s and honours 429 Retry-After, still one email each', async () => {
    const id = await dueIssue(120, 'flaky');
    fake.fail({ kind: '500' }, 1);
    fake.fail({ kind: '429', retryAfterS: 30 }, 1);
    fake.fail({ kind: 'drop' }, 1);
    await h.drain();
    expect((await progress(id)).sent).toBeLessThan(120); // still waiting: backoff and Retry-After
    for (let i = 0; i < 10 && (await progress(id)).status !== 'sent'; i++) {
      h.clock.advance(5 * MINUTE);
      await h.drain();
    }
    expect(await progress(id)).toMatchObject({ status: 'sent', sent: 120, failed: 0 });
    expect(received(`flaky${n}`).every(([, c]) => c === 1)).toBe(true);
    expect(received(`flaky${n}`)).toHaveLength(120);
  });

  it('gives up after a bounded number of tries, records why, and can retry the failures', async () => {
    const id = await dueIssue(5, 'down');
    fake.fail({ kind: '500' }, MAX_BATCH_ATTEMPTS);
    for (let i = 0; i <= MAX_BATCH_ATTEMPTS; i++) {
      await h.drain();
      h.clock.advance(10 * MINUTE);
    }
    expect(await progress(id)).toMatchObject({ status: 'sent', failed: 5, sent: 0 });
    const failures = await (await h.api('GET', `/api/v1/issues/${id}/failures`)).json();
    expect(failures.items).toHaveLength(5);
    expect(failures.items[0].error).toMatch(/gave up after 8 attempts: Resend: Something broke \(500\)/);
    expect(received(`down${n}`)).toHaveLength(0);

    const retry = await h.api('POST', `/api/v1/issues/${id}/retry-failed`);
    expect(retry.status).toBe(200);
    await h.drain();
    expect(await progress(id)).toMatchObject({ status: 'sent', failed: 0, sent: 5 });
    expect(received(`down${n}`).every(([, c]) => c === 1)).toBe(true);
  });

  it('skips a subscriber who unsubscribes after fan-out', async () => {
    await dueIssue(4, 'leave');
    await h.drain(); // a first issue reaches everyone
    // The second issue: fan-out, then someone unsubscribes, then the batch runs.
    const id2 = await createIssue(h, slug(), 'Second');
    await schedule(id2, new Date(h.clock.now().getTime() + MINUTE).toISOString());
    h.clock.advance(2 * MINUTE);
    await runStartOnly();
    const leaver = (await (await h.api('GET', `/api/v1/newsletters/${slug()}/subscribers?q=leave${n}-2`)).json()).items[0];
    await h.db.db.updateTable('subscribers').set({ status: 'unsubscribed' }).where('id', '=', leaver.id).execute();
    await h.drain();
    expect(await progress(id2)).toMatchObject({ status: 'sent', sent: 3, skipped: 1 });
    expect(fake.stats.perRecipient.get(`leave${n}-2@example.org`)).toBe(1); // only the first issue
  });

  it('never delivers twice when a worker dies after the provider accepted a batch', async () => {
    const id = await dueIssue(150, 'crash');
    // The provider accepts, then the process "dies" before recording it (an error after the call).
    const real = h.services.mailer.sendPreparedBatch.bind(h.services.mailer);
    let crashes = 1;
    h.services.mailer.sendPreparedBatch = async (emails, opts) => {
      const r = await real(emails, opts);
      if (crashes-- > 0) throw new Error('worker killed');
      return r;
    };
    try {
      const replaysBefore = fake.stats.idempotentReplays;
      for (let i = 0; i < 5 && (await progress(id)).status !== 'sent'; i++) {
        await h.drain();
        h.clock.advance(5 * MINUTE);
      }
      expect(await progress(id)).toMatchObject({ status: 'sent', sent: 150 });
      expect(received(`crash${n}`)).toHaveLength(150);
      expect(received(`crash${n}`).every(([, c]) => c === 1)).toBe(true);
      expect(fake.stats.idempotentReplays - replaysBefore).toBe(1);
    } finally {
      h.services.mailer.sendPreparedBatch = real;
    }
  });

  it('shows a batch in flight as sending, and a cancel never marks it skipped', async () => {
    const id = await dueIssue(130, 'flight');
    await runStartOnly();
    // The first batch (100) is claimed and handed to the provider, which does not answer yet.
    const claimed = await h.services.repos.sending.claim(id, 0, h.clock.now());
    expect(claimed.recipients).toHaveLength(100);
    expect(await progress(id)).toMatchObject({ status: 'sending', recipients: 130, sending: 100, queued: 30, sent: 0 });
    const inFlight = await (await h.api('GET', `/api/v1/issues/${id}/recipients?status=sending&limit=5`)).json();
    expect(inFlight.items).toHaveLength(5);
    expect(inFlight.items[0].state).toBe('sending');
    // A second claim of the same batch (a retry) gets exactly the same recipients.
    expect((await h.services.repos.sending.claim(id, 0, h.clock.now())).recipients.map((r) => r.id)).toEqual(claimed.recipients.map((r) => r.id));
    // Paused and cancelled meanwhile: the 30 not yet handed over are skipped, the 100 are not.
    expect((await h.api('POST', `/api/v1/issues/${id}/pause`)).status).toBe(200);
    expect((await h.api('POST', `/api/v1/issues/${id}/cancel`)).status).toBe(200);
    expect(await progress(id)).toMatchObject({ status: 'cancelled', sending: 100, skipped: 30 });
    // The provider's answer arrives and is recorded.
    await h.services.repos.sending.markSent(
      id,
      0,
      claimed.recipients.map((r) => r.id),
      claimed.recipients.map((r) => `late-${r.id}`),
      h.clock.now(),
    );
    expect(await progress(id)).toMatchObject({ status: 'cancelled', sending: 0, sent: 100, skipped: 30 });
  });

  it('survives two ticks and two workers at once', async () => {
    const id = await dueIssue(230, 'twice');
    await Promise.all([h.tick(), h.tick()]);
    await Promise.all([h.runJobs(), h.runJobs()]);
    await h.drain();
    expect(await progress(id)).toMatchObject({ status: 'sent', sent: 230 });
    expect(received(`twice${n}`).every(([, c]) => c === 1)).toBe(true);
  });

  it('delivers once when two workers run the same batch at once (a lease that expired under a busy worker)', async () => {
    const id = await dueIssue(80, 'dual');
    await runStartOnly();
    await Promise.all([
      h.services.sending.runBatch({ issueId: id, batch: 0 }, { attempt: 1 }),
      h.services.sending.runBatch({ issueId: id, batch: 0 }, { attempt: 1 }),
    ]);
    await h.drain(); // the batch's own job, queued by the start, finds nothing left to send
    expect(await progress(id)).toMatchObject({ status: 'sent', sent: 80 });
    expect(received(`dual${n}`)).toHaveLength(80);
    expect(received(`dual${n}`).every(([, c]) => c === 1)).toBe(true);
  });

  it('pauses, resumes and cancels', async () => {
    const id = await dueIssue(5, 'pause');
    await runStartOnly();
    expect((await h.api('POST', `/api/v1/issues/${id}/pause`)).status).toBe(200);
    await h.drain();
    expect(await progress(id)).toMatchObject({ status: 'paused', queued: 5, sent: 0 });
    expect((await h.api('POST', `/api/v1/issues/${id}/pause`)).status).toBe(409);
    expect((await h.api('POST', `/api/v1/issues/${id}/resume`)).status).toBe(200);
    await h.drain();
    expect(await progress(id)).toMatchObject({ status: 'sent', sent: 5 });

    const other = await createIssue(h, slug(), 'Cancelled one');
    await schedule(other, new Date(h.clock.now().getTime() + MINUTE).toISOString());
    expect((await h.api('POST', `/api/v1/issues/${other}/cancel`)).status).toBe(200);
    h.clock.advance(2 * MINUTE);
    await h.drain();
    expect(await progress(other)).toMatchObject({ status: 'cancelled', recipients: 0 });
    expect(
      (await h.api('POST', `/api/v1/issues/${other}/schedule`, { json: { sendAt: new Date(h.clock.now().getTime() + MINUTE).toISOString() } })).status,
    ).toBe(409);
  });

  it('sends the ready issue at the monthly slot, warns when none is ready, reminds editors', async () => {
    await createNewsletter(h, slug(), { timeZone: 'Asia/Shanghai' });
    await addSubscribers(h, slug(), 2, `slot${n}`);
    h.clock.set('2026-05-01T00:00:00Z');
    const put = await h.api('PUT', `/api/v1/newsletters/${slug()}/schedule`, {
      json: { rule: { kind: 'weekdayOfMonth', week: 1, weekday: 2, time: '09:00' }, reminderDaysBefore: 2 },
    });
    expect(put.status).toBe(200);
    const sched = await put.json();
    expect(sched.nextDatesLocal.slice(0, 2)).toEqual(['2026-05-05T09:00', '2026-06-02T09:00']);
    expect(sched.warnings.map((w: { message: string }) => w.message).join(' ')).toContain('No issue is marked ready');

    // 2 days before: a reminder goes to the reply-to and the editors/admins, once.
    h.clock.set('2026-05-03T02:00:00Z');
    const editorMailBefore = fake.stats.perRecipient.get('editor@example.org') ?? 0;
    await h.drain();
    await h.drain(); // a second tick must not remind again
    expect(fake.stats.perRecipient.get('editor@example.org')).toBe(editorMailBefore + 1);
    expect(fake.stats.perRecipient.get('admin@example.org')).toBeGreaterThanOrEqual(1);
    const remindedOnce = fake.stats.perRecipient.get('editor@example.org');

    // The slot passes with nothing ready: nothing is sent and the admin sees it.
    h.clock.set('2026-05-05T01:00:30Z');
    await h.drain();
    expect(received(`slot${n}`)).toHaveLength(0);
    const after = await (await h.api('GET', `/api/v1/newsletters/${slug()}/schedule`)).json();
    expect(after.recentSlots[0]).toMatchObject({ slotAt: '2026-05-05T01:00:00.000Z', outcome: 'missed' });
    expect(after.warnings.map((w: { message: string }) => w.message).join(' ')).toContain('passed with no issue ready');

    // Next month an issue is marked ready and goes out at the slot, once.
    const id = await createIssue(h, slug(), 'June');
    expect((await h.api('POST', `/api/v1/issues/${id}/ready`, { json: { ready: true } })).status).toBe(200);
    h.clock.set('2026-06-01T00:00:00Z');
    await h.drain();
    expect(fake.stats.perRecipient.get('editor@example.org')).toBe(remindedOnce); // ready: no reminder
    h.clock.set('2026-06-02T01:00:10Z');
    await Promise.all([h.drain(), h.drain()]);
    expect(await progress(id)).toMatchObject({ status: 'sent', sent: 2 });
    expect(received(`slot${n}`).map(([, c]) => c)).toEqual([1, 1]);
    const issue = await (await h.api('GET', `/api/v1/issues/${id}`)).json();
    expect(issue.sendAt).toBe('2026-06-02T01:00:00.000Z');
  });
});

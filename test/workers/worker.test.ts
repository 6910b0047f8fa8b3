// Inside workerd: the same app answers, the Cron Trigger runs the tick, the queue consumer runs jobs.
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/worker.ts';

const dbAvailable = (env as unknown as Record<string, string>).QUIRE_TEST_DB_AVAILABLE === '1';
if (!dbAvailable) console.warn('[quire tests] skipping Workers tests: no PostgreSQL for the Hyperdrive binding');

describe.skipIf(!dbAvailable)('the Worker in workerd', () => {
  it('answers /healthz through Hyperdrive with db "postgres"', async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request('https://news.example.test/healthz'), env as never, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: 'postgres' });
  });

  it('serves the start page and refuses the admin API without a token', async () => {
    const ctx = createExecutionContext();
    const home = await worker.fetch(new Request('https://news.example.test/'), env as never, ctx);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Quire');
    const api = await worker.fetch(new Request('https://news.example.test/api/v1/newsletters'), env as never, ctx);
    expect(api.status).toBe(401);
    expect((await api.json()).error.code).toBe('unauthorized');
    await waitOnExecutionContext(ctx);
  });

  it('runs the scheduled handler (the per-minute tick)', async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env as never, ctx);
    await waitOnExecutionContext(ctx);
  });

  it('cron trigger → queue → consumer → provider: sends the due issue to every subscriber once', async () => {
    const vars = env as unknown as Record<string, string>;
    const read = async () => (await fetch(`${vars.RESEND_BASE_URL}/_stats`)).json() as Promise<{ accepted: number; recipients: number; duplicates: number }>;
    // The fake provider is shared by every test file: count from here.
    const base = await read();
    const stats = async () => {
      const now = await read();
      return { accepted: now.accepted - base.accepted, recipients: now.recipients - base.recipients, duplicates: now.duplicates - base.duplicates };
    };
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env as never, ctx);
    await waitOnExecutionContext(ctx);
    // The tick enqueued send.start on the JOBS queue; its consumer fans out and enqueues the batches.
    let s = await stats();
    for (let i = 0; i < 100 && s.accepted < 150; i++) {
      await new Promise((r) => setTimeout(r, 200));
      s = await stats();
    }
    expect(s).toMatchObject({ accepted: 150, recipients: 150, duplicates: 0 });
    // Wait for the consumer to record the last batch (the issue turns up in the archive once sent),
    // so no queue work is still talking to the database when this file's workerd shuts down.
    let archived = false;
    for (let i = 0; i < 100 && !archived; i++) {
      const c = createExecutionContext();
      const page = await worker.fetch(new Request('https://news.example.test/archive/wk'), env as never, c);
      archived = (await page.text()).includes('/archive/wk/1');
      await waitOnExecutionContext(c);
      if (!archived) await new Promise((r) => setTimeout(r, 200));
    }
    expect(archived).toBe(true);
    const ctx2 = createExecutionContext();
    const health = await worker.fetch(new Request('https://news.example.test/healthz'), env as never, ctx2);
    expect(health.status).toBe(200);
  });

  it('consumes queue messages: acks known jobs, drops unknown kinds', async () => {
    const batch = createMessageBatch('quire-jobs', [
      { id: 'a', timestamp: new Date(), attempts: 1, body: { kind: 'noop', payload: {} } },
      { id: 'b', timestamp: new Date(), attempts: 1, body: { kind: 'no-such-kind', payload: {} } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as never, env as never, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['a', 'b']);
    expect(result.retryMessages).toEqual([]);
  });
});

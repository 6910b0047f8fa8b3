// Process-wide caches hit across separately built service sets, as Workers builds one per request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { DbJobQueue, runDueJobs } from '../../src/jobs/db-queue.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { buildServices } from '../../src/runtime/build.ts';
import { BoundedMap, CACHE_SIZES, createProcessCaches, type ProcessCaches } from '../../src/runtime/caches.ts';
import type { Services } from '../../src/services.ts';
import { startFakeResend, type FakeResend } from '../helpers/fake-resend.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe('BoundedMap', () => {
  it('drops the oldest-inserted entry beyond its size; updating a key does not', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 3);
    expect([...m]).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    m.set('c', 4);
    expect([...m.keys()]).toEqual(['b', 'c']);
  });

  it('bounds every map of the process caches', () => {
    const c = createProcessCaches();
    for (const name of Object.keys(CACHE_SIZES) as (keyof typeof CACHE_SIZES)[]) {
      expect(c[name]).toBeInstanceOf(BoundedMap);
      expect((c[name] as BoundedMap<unknown, unknown>).maxSize).toBe(CACHE_SIZES[name]);
    }
  });
});

describe('process caches across service sets (one harness; more sets from buildServices)', () => {
  let h: Harness;
  let s2: Services;
  let fake: FakeResend;
  beforeAll(async () => {
    fake = await startFakeResend();
    h = await createHarness('pglite');
    s2 = await buildServices({
      config: h.config,
      db: h.db,
      clock: h.clock,
      log: silentLogger,
      queue: (repos) => new DbJobQueue(repos.jobs, h.clock),
      caches: h.services.caches,
    });
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  /** Services as a Resend-configured runtime builds them (the dashboard's mailer). */
  const withResend = (caches: ProcessCaches, baseUrl = fake.url) =>
    buildServices({
      config: parseConfig({ PUBLIC_URL: 'https://news.example.test', SECRET: 's'.repeat(40), RESEND_API_KEY: 're_test', RESEND_BASE_URL: baseUrl }),
      db: h.db,
      clock: systemClock,
      log: silentLogger,
      queue: { enqueue: async () => {} },
      caches,
    });

  it('click tracking: two dashboard views through two service sets ask the provider once', async () => {
    fake.clickTracking = true;
    const caches = createProcessCaches();
    const before = fake.stats.domainsRequests;
    expect(await (await withResend(caches)).mailer.clickTracking?.()).toBe(true);
    expect(await (await withResend(caches)).mailer.clickTracking?.()).toBe(true);
    expect(fake.stats.domainsRequests - before).toBe(1);
    // Other caches (another process) ask again; a cache shared with another endpoint does not answer for it.
    expect(await (await withResend(createProcessCaches())).mailer.clickTracking?.()).toBe(true);
    expect(fake.stats.domainsRequests - before).toBe(2);
    const other = await startFakeResend();
    try {
      expect(await (await withResend(caches, other.url)).mailer.clickTracking?.()).toBe(false);
      expect(other.stats.domainsRequests).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('the outbox cannot tell: no clickTracking', () => {
    expect(h.services.mailer.transport).toBe('outbox');
    expect(h.services.mailer.clickTracking).toBeUndefined();
  });

  const run = (s: Services, maxJobs?: number) =>
    runDueJobs({ repo: s.repos.jobs, clock: h.clock, handlers: s.jobHandlers, queue: s.queue, log: silentLogger }, maxJobs ? { maxJobs } : {});

  it('the signup path finds a newsletter id another set cached', async () => {
    // Not in the database: only a cache hit can answer it.
    h.services.caches.signupNewsletters.set('cached-only', { id: 4242, until: Date.now() + 60_000 });
    expect(await s2.subscribers.signupNewsletterId('cached-only')).toBe(4242);
  });

  it('a send started by one set personalises its later batches with the same personaliser; the archive page renders once', async () => {
    await createNewsletter(h, 'pc');
    await addSubscribers(h, 'pc', 150);
    const id = await createIssue(h, 'pc');
    const res = await h.api('POST', `/api/v1/issues/${id}/schedule`, {
      json: { sendAt: new Date(h.clock.now().getTime() + 60_000).toISOString(), acknowledge: true },
    });
    expect(res.status).toBe(200);
    h.clock.advance(120_000);
    await h.tick();
    expect(await run(h.services, 2)).toBe(2); // send.start and the first batch of 100
    const caches = h.services.caches;
    expect(caches.personalisers.size).toBe(1);
    const [key, personalise] = [...caches.personalisers][0]!;
    let calls = 0;
    caches.personalisers.set(key, (v) => {
      calls++;
      return personalise(v);
    });
    expect(await run(s2)).toBe(1); // the second batch, through the other set
    expect(calls).toBe(50);
    expect((await h.api('GET', `/api/v1/issues/${id}/progress`).then((r) => r.json())).status).toBe('sent');

    const page = await h.services.archive.page('pc', 1);
    expect(page).toContain('<html');
    expect(caches.archivePages.size).toBe(1);
    const [pageKey] = [...caches.archivePages.keys()];
    caches.archivePages.set(pageKey!, 'cached page');
    expect(await s2.archive.page('pc', 1)).toBe('cached page');
  });
});

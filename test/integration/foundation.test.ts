import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/kysely.ts';
import { runDueJobs } from '../../src/jobs/db-queue.ts';
import { RetryLater } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.each(dbKinds)('foundation on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers /healthz with the database kind', async () => {
    const res = await h.api('GET', '/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: kind });
  });

  it('running the migrations again changes nothing', async () => {
    expect(await migrateToLatest(h.db.db)).toEqual([]);
  });

  it('serves a start page listing the newsletters', async () => {
    await h.api('POST', '/api/v1/newsletters', { json: { slug: 'home-list', name: 'Home <List>', fromEmail: 'a@example.org' } });
    const res = await h.api('GET', '/', { token: null });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('href="/n/home-list"');
    expect(html).toContain('Home &lt;List&gt;'); // escaped
  });

  describe('newsletters API', () => {
    it('creates, reads and updates a newsletter', async () => {
      const created = await h.api('POST', '/api/v1/newsletters', {
        json: { slug: 'brief', name: '简报', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ slug: 'brief', name: '简报', fromEmail: 'news@example.org', openTracking: true, timeZone: 'Asia/Shanghai' });

      const patched = await h.api('PATCH', '/api/v1/newsletters/brief', { json: { openTracking: false, replyTo: 'editor@example.org' } });
      expect(patched.status).toBe(200);
      const got = await (await h.api('GET', '/api/v1/newsletters/brief')).json();
      expect(got).toMatchObject({ openTracking: false, replyTo: 'editor@example.org' });

      const list = await (await h.api('GET', '/api/v1/newsletters')).json();
      expect(list.items.map((n: { slug: string }) => n.slug)).toContain('brief');
      expect(list.nextCursor).toBeNull();
    });

    it('refuses a duplicate slug with 409 and changes nothing', async () => {
      await h.api('POST', '/api/v1/newsletters', { json: { slug: 'dup', name: 'One', fromEmail: 'a@example.org' } });
      const res = await h.api('POST', '/api/v1/newsletters', { json: { slug: 'dup', name: 'Two', fromEmail: 'b@example.org' } });
      expect(res.status).toBe(409);
      expect((await res.json()).error.code).toBe('conflict');
      expect((await (await h.api('GET', '/api/v1/newsletters/dup')).json()).name).toBe('One');
    });

    it('names each bad field', async () => {
      const res = await h.api('POST', '/api/v1/newsletters', {
        json: { slug: 'Bad Slug', name: 'x', fromEmail: 'not-an-email', timeZone: 'Mars/Olympus' },
      });
      expect(res.status).toBe(422);
      const body = await res.json();
      expect(body.error.code).toBe('validation_failed');
      const fields = body.error.details.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['slug', 'fromEmail', 'timeZone']));
    });

    it('rejects header injection in the sender name', async () => {
      const res = await h.api('POST', '/api/v1/newsletters', {
        json: { slug: 'inj', name: 'x', fromEmail: 'a@example.org', fromName: 'Evil\r\nBcc: all@example.org' },
      });
      expect(res.status).toBe(422);
    });

    it('requires a token, and the right role', async () => {
      expect((await h.api('GET', '/api/v1/newsletters', { token: null })).status).toBe(401);
      expect((await h.api('GET', '/api/v1/newsletters', { token: 'qk_forged' })).status).toBe(401);
      await h.services.users.createUser('viewer@example.org', 'viewer password 1', 'viewer', 'test');
      const viewer = await h.services.users.createToken('viewer@example.org', 'v');
      expect((await h.api('GET', '/api/v1/newsletters', { token: viewer })).status).toBe(200);
      const res = await h.api('POST', '/api/v1/newsletters', { token: viewer, json: { slug: 'v', name: 'v', fromEmail: 'v@example.org' } });
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('forbidden');
      expect((await h.api('GET', '/api/v1/newsletters/v')).status).toBe(404);
    });

    it('gives clear errors for wrong content type, bad JSON, unknown routes and huge bodies', async () => {
      const wrongType = await h.api('POST', '/api/v1/newsletters', { body: 'slug=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(wrongType.status).toBe(415);
      const badJson = await h.api('POST', '/api/v1/newsletters', { body: '{"slug":', headers: { 'content-type': 'application/json' } });
      expect(badJson.status).toBe(400);
      expect((await badJson.json()).error.code).toBe('bad_request');
      const unknown = await h.api('GET', '/api/v1/nothing-here');
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).error.code).toBe('not_found');
      const huge = await h.api('POST', '/api/v1/newsletters', {
        body: JSON.stringify({ name: 'x'.repeat(2_000_000) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(huge.status).toBe(413);
    });
  });

  describe('outbox', () => {
    it('keeps sent mail, finds it by bare address case-insensitively, and serves the exact .eml', async () => {
      await h.services.mailer.send({
        from: '简报 <news@example.org>',
        to: ['Reader <Reader.One@Example.org>'],
        subject: '第12期 简报',
        html: '<p>你好</p>',
        text: '你好',
        headers: { 'List-Unsubscribe': '<https://news.example.test/unsubscribe/abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
      const res = await h.api('GET', '/api/v1/outbox?to=READER.ONE@example.org');
      expect(res.status).toBe(200);
      const { items } = await res.json();
      expect(items).toHaveLength(1);
      const m = items[0];
      expect(m).toMatchObject({ subject: '第12期 简报', html: '<p>你好</p>', text: '你好', from: '简报 <news@example.org>' });
      expect(m.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');

      const eml = await h.api('GET', `/api/v1/outbox/${m.id}.eml`);
      expect(eml.status).toBe(200);
      expect(eml.headers.get('content-type')).toBe('message/rfc822');
      const parsed = await PostalMime.parse(await eml.text());
      expect(parsed.subject).toBe('第12期 简报');
      expect(parsed.from?.address).toBe('news@example.org');
      expect(parsed.to?.[0]?.address).toBe('Reader.One@Example.org');
      expect(parsed.text?.trim()).toBe('你好');
      expect(parsed.html).toContain('<p>你好</p>');
      expect(parsed.headers.find((x) => x.key === 'list-unsubscribe')?.value).toBe('<https://news.example.test/unsubscribe/abc>');
      expect((await h.api('GET', '/api/v1/outbox/nope.eml')).status).toBe(404);
    });

    it('never stores a batch twice under the same idempotency key', async () => {
      const mail = (to: string) => ({ from: 'news@example.org', to: [to], subject: 'idem', text: 'x' });
      const first = await h.services.mailer.sendBatch([mail('i1@example.org'), mail('i2@example.org')], { idempotencyKey: 'issue-1/batch-0' });
      const again = await h.services.mailer.sendBatch([mail('i1@example.org'), mail('i2@example.org')], { idempotencyKey: 'issue-1/batch-0' });
      expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
      const { items } = await (await h.api('GET', '/api/v1/outbox?to=i1@example.org')).json();
      expect(items).toHaveLength(1);
    });

    it('pages with a cursor', async () => {
      for (let i = 0; i < 3; i++) await h.services.mailer.send({ from: 'news@example.org', to: ['pager@example.org'], subject: `p${i}`, text: 'x' });
      const p1 = await (await h.api('GET', '/api/v1/outbox?to=pager@example.org&limit=2')).json();
      expect(p1.items).toHaveLength(2);
      expect(p1.nextCursor).toBeTypeOf('string');
      const p2 = await (await h.api('GET', `/api/v1/outbox?to=pager@example.org&limit=2&cursor=${p1.nextCursor}`)).json();
      expect(p2.items).toHaveLength(1);
      expect(p2.nextCursor).toBeNull();
      expect(new Set([...p1.items, ...p2.items].map((m: { subject: string }) => m.subject))).toEqual(new Set(['p0', 'p1', 'p2']));
      expect((await h.api('GET', '/api/v1/outbox?cursor=%%%')).status).toBe(400);
    });
  });

  describe('job queue', () => {
    it('enqueues once per dedupe key and runs due jobs', async () => {
      const seen: unknown[] = [];
      h.services.jobHandlers['test.record'] = async (p) => {
        seen.push(p.n);
      };
      await h.services.queue.enqueue([{ kind: 'test.record', payload: { n: 1 }, dedupeKey: 'k1' }]);
      await h.services.queue.enqueue([{ kind: 'test.record', payload: { n: 1 }, dedupeKey: 'k1' }]);
      await h.services.queue.enqueue([{ kind: 'test.record', payload: { n: 2 }, runAt: new Date(h.clock.now().getTime() + 60_000) }]);
      expect(await h.runJobs()).toBe(1);
      expect(seen).toEqual([1]);
      h.clock.advance(61_000);
      expect(await h.runJobs()).toBe(1);
      expect(seen).toEqual([1, 2]);
      expect(await h.services.repos.jobs.countPending()).toBe(0);
    });

    it('retries a failing job with backoff, then marks it failed with the reason', async () => {
      let calls = 0;
      h.services.jobHandlers['test.flaky'] = async () => {
        calls++;
        throw new RetryLater('provider busy', 10_000);
      };
      await h.db.db.insertInto('jobs').values({ kind: 'test.flaky', payload: '{}', max_attempts: 2, run_at: h.clock.now() }).execute();
      expect(await h.runJobs()).toBe(1);
      expect(await h.runJobs()).toBe(0); // not due yet: backoff
      h.clock.advance(10_001);
      expect(await h.runJobs()).toBe(1);
      expect(calls).toBe(2);
      const row = await h.db.db.selectFrom('jobs').selectAll().where('kind', '=', 'test.flaky').executeTakeFirstOrThrow();
      expect(row.failed_at).not.toBeNull();
      expect(row.last_error).toBe('provider busy');
    });

    it('never hands one job to two concurrent workers', async () => {
      const runs = new Map<number, number>();
      h.services.jobHandlers['test.once'] = async (p) => {
        runs.set(p.i as number, (runs.get(p.i as number) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 2));
      };
      await h.services.queue.enqueue(Array.from({ length: 40 }, (_, i) => ({ kind: 'test.once', payload: { i } })));
      const deps = { repo: h.services.repos.jobs, clock: h.clock, handlers: h.services.jobHandlers, queue: h.services.queue, log: silentLogger };
      const counts = await Promise.all([runDueJobs(deps), runDueJobs(deps), runDueJobs(deps)]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
      expect(runs.size).toBe(40);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
    });
  });
});

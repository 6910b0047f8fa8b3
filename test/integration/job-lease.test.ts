// A running job keeps its short lease by heartbeat; a dead worker's lease runs out quickly; a
// worker that lost its job renews nothing (issue 23, item 6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueJobs } from '../../src/jobs/db-queue.ts';
import { JobsRepository } from '../../src/jobs/repository.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { dbKinds, openTestDb, type TestDb } from '../helpers/db.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(dbKinds)('job leases (%s)', (kind) => {
  let db: TestDb;
  let repo: JobsRepository;
  const queue = { enqueue: async () => {} };

  beforeAll(async () => {
    db = await openTestDb(kind);
    repo = new JobsRepository(db.db);
  });
  afterAll(() => db.destroy());

  it('a job that runs four times longer than its lease is never claimed by a second worker', async () => {
    await repo.insert([{ kind: 'slow', payload: {} }], systemClock.now());
    let runs = 0;
    const handlers = {
      slow: async () => {
        runs++;
        await sleep(1_200);
      },
    };
    const deps = { repo, clock: systemClock, handlers, queue, log: silentLogger };
    const first = runDueJobs(deps, { leaseMs: 300 });
    // A second worker keeps trying while the first one works.
    let stolen = 0;
    const until = Date.now() + 1_100;
    while (Date.now() < until) {
      if (await repo.claimNext(systemClock.now(), 300)) stolen++;
      await sleep(50);
    }
    expect(await first).toBe(1);
    expect(stolen).toBe(0);
    expect(runs).toBe(1);
  });

  it('a lease nobody renews (the worker died) is free after it runs out, and the old holder cannot renew it', async () => {
    await repo.insert([{ kind: 'orphan', payload: {} }], systemClock.now());
    const dead = await repo.claimNext(systemClock.now(), 200);
    expect(dead?.kind).toBe('orphan');
    expect(await repo.claimNext(systemClock.now(), 200)).toBeUndefined();
    await sleep(250);
    const next = await repo.claimNext(systemClock.now(), 10_000);
    expect(next?.id).toBe(dead!.id);
    expect(next!.attempts).toBe(dead!.attempts + 1);
    // The first worker wakes up: its renewal is refused, the new holder's lease stands.
    expect(await repo.renewLease(dead!.id, dead!.attempts, new Date(Date.now() + 60_000))).toBe(false);
    expect(await repo.renewLease(next!.id, next!.attempts, new Date(Date.now() + 60_000))).toBe(true);
  });
});

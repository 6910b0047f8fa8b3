// The Workers queue consumer: a deferral (waiting for a provider slot) goes back as a new delayed
// message carrying the attempts used so far, so waiting never counts toward max_retries; a real
// failure still retries and counts (issue 23, item 12).
import { describe, expect, it } from 'vitest';
import { consumeDeadLetters, consumeMessages, type QueueMessage } from '../../src/jobs/cloudflare-queue.ts';
import { Defer, type Job } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/lib/log.ts';

function message(body: unknown, attempts = 1) {
  const m = { id: `m${Math.random()}`, body, attempts, acked: false, retried: undefined as undefined | { delaySeconds?: number } };
  return Object.assign(m, {
    ack() {
      m.acked = true;
    },
    retry(o?: { delaySeconds?: number }) {
      m.retried = o ?? {};
    },
  }) satisfies QueueMessage;
}

describe('the Workers queue consumer', () => {
  it('acknowledges a deferred job and sends it again, delayed, with its attempts so far', async () => {
    const sent: Job[] = [];
    const queue = { enqueue: async (jobs: Job[]) => void sent.push(...jobs) };
    const seen: number[] = [];
    const handlers = {
      'send.batch': async (_p: Record<string, unknown>, ctx: { attempt: number }) => {
        seen.push(ctx.attempt);
        throw new Defer('waiting for a provider rate slot', 15_000);
      },
    };
    // The third delivery of a message that was already deferred after two earlier attempts.
    const m = message({ kind: 'send.batch', payload: { issueId: 1, batch: 2 }, priorAttempts: 2 }, 3);
    await consumeMessages([m], handlers, queue, silentLogger);
    expect(seen).toEqual([5]);
    expect(m.acked).toBe(true);
    expect(m.retried).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'send.batch', payload: { issueId: 1, batch: 2 }, priorAttempts: 4 });
    expect(sent[0]!.runAt!.getTime() - Date.now()).toBeGreaterThan(14_000);
  });

  it('retries a failing job (an attempt) and gives up an unknown kind at once', async () => {
    const queue = { enqueue: async () => {} };
    const failing = message({ kind: 'boom', payload: {} });
    const unknown = message({ kind: 'no-such-kind', payload: {} });
    const givenUp: string[] = [];
    await consumeMessages(
      [failing, unknown],
      {
        boom: async () => {
          throw new Error('nope');
        },
      },
      queue,
      silentLogger,
      { 'no-such-kind': async (_p, reason) => void givenUp.push(reason) },
    );
    expect(failing.retried?.delaySeconds).toBeGreaterThanOrEqual(1);
    expect(failing.acked).toBe(false);
    expect(unknown.acked).toBe(true);
    expect(givenUp).toEqual(['No handler for job kind "no-such-kind"']);
  });

  it('records each dead letter through its kind’s give-up handler, with the attempts, and acknowledges it', async () => {
    const reasons: string[] = [];
    const m = message({ kind: 'send.batch', payload: { issueId: 7, batch: 0 }, priorAttempts: 3 }, 8);
    await consumeDeadLetters([m], { 'send.batch': async (p, reason) => void reasons.push(`${p.issueId}: ${reason}`) }, silentLogger);
    expect(reasons).toEqual(['7: the job queue gave up after 11 attempts']);
    expect(m.acked).toBe(true);
  });
});

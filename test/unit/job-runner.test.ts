// The one job runner both runtimes use: what becomes of a job after its handler ran.
import { describe, expect, it } from 'vitest';
import { consumeMessages, type QueueMessage } from '../../src/jobs/cloudflare-queue.ts';
import { RetryLater, type JobHandlers, type JobQueue } from '../../src/jobs/queue.ts';
import { runJob } from '../../src/jobs/runner.ts';
import type { Logger } from '../../src/lib/log.ts';

const queue: JobQueue = { enqueue: async () => {} };

function recordingLog() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      void lines.push({ level, msg, ...(fields ? { fields } : {}) });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

const handlers: JobHandlers = {
  ok: async () => {},
  busy: async () => {
    throw new RetryLater('provider busy', 12_345);
  },
  broken: async () => {
    throw new Error('boom');
  },
};

describe('runJob', () => {
  it('runs the handler with the payload and context: done', async () => {
    const seen: unknown[] = [];
    const { log, lines } = recordingLog();
    const h: JobHandlers = { rec: async (p, ctx) => void seen.push(p, ctx.attempt, ctx.queue) };
    expect(await runJob(h, { id: '1', kind: 'rec', payload: { n: 1 } }, { attempt: 3, queue }, log)).toEqual({ kind: 'done' });
    expect(seen).toEqual([{ n: 1 }, 3, queue]);
    expect(lines).toEqual([]);
  });

  it('retries after the delay a RetryLater asks for', async () => {
    const { log, lines } = recordingLog();
    const out = await runJob(handlers, { id: '2', kind: 'busy', payload: {}, maxAttempts: 5 }, { attempt: 1, queue }, log);
    expect(out).toEqual({ kind: 'retry', delayMs: 12_345, error: 'provider busy' });
    expect(lines).toMatchObject([{ level: 'warn', msg: 'job will be retried', fields: { id: '2', kind: 'busy', attempt: 1, inMs: 12_345 } }]);
  });

  it('retries other errors with exponential backoff (full jitter, capped)', async () => {
    const { log } = recordingLog();
    for (const [attempt, ceiling] of [
      [1, 1_000],
      [3, 4_000],
      [20, 300_000],
    ] as const) {
      const out = await runJob(handlers, { kind: 'broken', payload: {}, maxAttempts: 25 }, { attempt, queue }, log);
      if (out.kind !== 'retry') throw new Error(`expected a retry, got ${out.kind}`);
      expect(out.error).toBe('boom');
      expect(out.delayMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(out.delayMs).toBeLessThanOrEqual(ceiling);
    }
  });

  it('fails at max attempts, RetryLater included', async () => {
    const { log, lines } = recordingLog();
    expect(await runJob(handlers, { id: '3', kind: 'broken', payload: {}, maxAttempts: 3 }, { attempt: 3, queue }, log)).toEqual({
      kind: 'failed',
      error: 'boom',
    });
    expect(await runJob(handlers, { kind: 'busy', payload: {}, maxAttempts: 2 }, { attempt: 2, queue }, log)).toEqual({
      kind: 'failed',
      error: 'provider busy',
    });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'job failed for good'],
      ['error', 'job failed for good'],
    ]);
  });

  it('never fails a throwing job where the runtime counts attempts itself (no maxAttempts)', async () => {
    const { log } = recordingLog();
    expect((await runJob(handlers, { kind: 'broken', payload: {} }, { attempt: 50, queue }, log)).kind).toBe('retry');
  });

  it('fails a job of unknown kind at once, prototype names included', async () => {
    const { log, lines } = recordingLog();
    for (const kind of ['no-such-kind', 'constructor', 'toString', undefined]) {
      expect(await runJob(handlers, { id: 'x', kind, payload: {}, maxAttempts: 5 }, { attempt: 1, queue }, log)).toEqual({
        kind: 'failed',
        error: `No handler for job kind "${kind}"`,
      });
    }
    expect(lines.every((l) => l.level === 'error' && l.msg === 'job failed: unknown kind')).toBe(true);
  });
});

describe('consumeMessages (Workers)', () => {
  it('acks done and unknown kinds, retries failures with the delay in whole seconds (at least one)', async () => {
    const acted: [string, string, number?][] = [];
    const msg = (id: string, body: unknown, attempts = 1): QueueMessage => ({
      id,
      body,
      attempts,
      ack: () => void acted.push([id, 'ack']),
      retry: (o) => void acted.push([id, 'retry', o?.delaySeconds]),
    });
    const h: JobHandlers = {
      ...handlers,
      soon: async () => {
        throw new RetryLater('soon', 10);
      },
    };
    const { log } = recordingLog();
    await consumeMessages(
      [msg('a', { kind: 'ok', payload: {} }), msg('b', { kind: 'nope' }), msg('c', { kind: 'busy' }), msg('d', { kind: 'soon' }), msg('e', null)],
      h,
      queue,
      log,
    );
    expect(acted).toEqual([
      ['a', 'ack'],
      ['b', 'ack'],
      ['c', 'retry', 13],
      ['d', 'retry', 1],
      ['e', 'ack'],
    ]);
  });
});

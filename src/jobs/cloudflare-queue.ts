/**
 * The Workers job queue: jobs travel as Cloudflare Queue messages (the JOBS binding), and the
 * Worker's `queue` handler consumes them through consumeMessages.
 */
import type { Logger } from '../lib/log.ts';
import type { Job, JobHandlers, JobQueue } from './queue.ts';
import { runJob } from './runner.ts';

// Minimal shapes of the bindings used (@cloudflare/workers-types would clash with DOM's types).
export interface QueueProducer {
  sendBatch(messages: { body: unknown; delaySeconds?: number }[]): Promise<void>;
}
export interface QueueMessage {
  readonly id: string;
  readonly body: unknown;
  /** Deliveries of this message, this one included. */
  readonly attempts: number;
  ack(): void;
  retry(opts?: { delaySeconds?: number }): void;
}

/** A sendBatch holds at most 100 messages; a message cannot be delayed more than 12 hours. */
const MAX_BATCH = 100;
const MAX_DELAY_S = 43_200;

export class CloudflareJobQueue implements JobQueue {
  constructor(private readonly producer: QueueProducer) {}

  async enqueue(jobs: Job[]): Promise<void> {
    const now = Date.now();
    for (let i = 0; i < jobs.length; i += MAX_BATCH) {
      await this.producer.sendBatch(
        jobs.slice(i, i + MAX_BATCH).map((j) => {
          const delay = j.runAt ? Math.ceil((j.runAt.getTime() - now) / 1000) : 0;
          return { body: { kind: j.kind, payload: j.payload }, ...(delay > 0 ? { delaySeconds: Math.min(delay, MAX_DELAY_S) } : {}) };
        }),
      );
    }
  }
}

/** The queue when JOBS is not bound: anything that needs a job fails with the fix in its message. */
export const unboundJobQueue: JobQueue = {
  enqueue: async () => {
    throw new Error('Configuration error: bind the JOBS queue in wrangler.toml');
  },
};

/**
 * Runs a delivered batch one message at a time. Done and failed (an unknown kind) are
 * acknowledged; a retry goes back with its delay. No max attempts here: the consumer's
 * max_retries (wrangler.toml) sends a message that keeps failing to the dead-letter queue.
 */
export async function consumeMessages(messages: readonly QueueMessage[], handlers: JobHandlers, queue: JobQueue, log: Logger): Promise<void> {
  for (const msg of messages) {
    const body = (msg.body ?? {}) as { kind?: string; payload?: Record<string, unknown> };
    const outcome = await runJob(handlers, { id: msg.id, kind: body.kind, payload: body.payload ?? {} }, { attempt: msg.attempts, queue }, log);
    if (outcome.kind === 'retry') msg.retry({ delaySeconds: Math.max(1, Math.ceil(outcome.delayMs / 1000)) });
    else msg.ack();
  }
}

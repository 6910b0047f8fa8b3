/**
 * The Workers job queue: jobs travel as Cloudflare Queue messages (the JOBS binding), and the
 * Worker's `queue` handler consumes them through consumeMessages.
 */
import type { Logger } from '../lib/log.ts';
import type { GiveUpHandlers, Job, JobHandlers, JobQueue } from './queue.ts';
import { giveUp, runJob } from './runner.ts';

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
          const body = { kind: j.kind, payload: j.payload, ...(j.priorAttempts ? { priorAttempts: j.priorAttempts } : {}) };
          return { body, ...(delay > 0 ? { delaySeconds: Math.min(delay, MAX_DELAY_S) } : {}) };
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

interface Envelope {
  kind?: string;
  payload?: Record<string, unknown>;
  priorAttempts?: number;
}

const envelope = (msg: QueueMessage): Envelope => (msg.body ?? {}) as Envelope;
const priorOf = (e: Envelope) => (Number.isInteger(e.priorAttempts) && (e.priorAttempts as number) > 0 ? (e.priorAttempts as number) : 0);

/**
 * Runs a delivered batch one message at a time. Done is acknowledged; a retry goes back with its
 * delay (an attempt: the consumer's max_retries, wrangler.toml, sends a message that keeps failing
 * to the dead-letter queue); a deferral (waiting for a provider slot) is acknowledged and sent
 * again as a new message with the delay, carrying the attempts used so far, so waiting never
 * counts toward max_retries. A failure (unknown kind) is given up at once.
 */
export async function consumeMessages(
  messages: readonly QueueMessage[],
  handlers: JobHandlers,
  queue: JobQueue,
  log: Logger,
  giveUps?: GiveUpHandlers,
): Promise<void> {
  for (const msg of messages) {
    const body = envelope(msg);
    const prior = priorOf(body);
    const job = { id: msg.id, kind: body.kind, payload: body.payload ?? {} };
    const outcome = await runJob(handlers, job, { attempt: prior + msg.attempts, queue }, log);
    if (outcome.kind === 'retry') msg.retry({ delaySeconds: Math.max(1, Math.ceil(outcome.delayMs / 1000)) });
    else if (outcome.kind === 'defer') {
      const runAt = new Date(Date.now() + Math.max(1_000, outcome.delayMs));
      await queue.enqueue([{ kind: body.kind ?? '', payload: job.payload, runAt, priorAttempts: prior + msg.attempts - 1 }]);
      msg.ack();
    } else {
      if (outcome.kind === 'failed') await giveUp(giveUps, job, outcome.error, log);
      msg.ack();
    }
  }
}

/**
 * The dead-letter queue's consumer: each message is a job the queue gave up on after max_retries.
 * Its kind's give-up handler records the failure (a send batch: failed recipients, a finished
 * issue), then the message is acknowledged. Nothing is retried from here: people retry from the admin.
 */
export async function consumeDeadLetters(messages: readonly QueueMessage[], giveUps: GiveUpHandlers, log: Logger): Promise<void> {
  for (const msg of messages) {
    const body = envelope(msg);
    const attempts = priorOf(body) + msg.attempts;
    log.error('job dead-lettered', { id: msg.id, kind: body.kind, attempts });
    await giveUp(giveUps, { id: msg.id, kind: body.kind, payload: body.payload ?? {} }, `the job queue gave up after ${attempts} attempts`, log);
    msg.ack();
  }
}

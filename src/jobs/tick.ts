/**
 * One scheduler tick: finds due work and enqueues it, nothing more. node-cron (Node), the Cron
 * Trigger (Workers) and `quire tick` all call this. Running it twice at once, or skipping a
 * minute, does no harm: every step is idempotent (dedupe keys, conditional updates).
 */
import type { Services } from '../services.ts';

export interface TickResult {
  at: string;
  enqueued: number;
}

/** Finders of due work; each returns how many jobs it enqueued. Modules add theirs here. */
export type DueWorkFinder = (s: Services, now: Date) => Promise<number>;

export const dueWorkFinders: DueWorkFinder[] = [
  // Monthly slots first: a slot schedules its ready issue, which the next finder starts at once.
  (s, now) => s.slots.runDue(now),
  (s, now) => s.sending.enqueueDue(now),
  // Webhook events that beat the pipeline's write of their provider id.
  (s, now) => s.events.enqueueRematch(now),
  // Once an hour: retention of finished jobs, raw webhook payloads, rate-limit windows, sessions.
  (s, now) => s.housekeeping.enqueueDue(now),
];

export async function tick(s: Services): Promise<TickResult> {
  const now = s.clock.now();
  let enqueued = 0;
  for (const find of dueWorkFinders) enqueued += await find(s, now);
  return { at: now.toISOString(), enqueued };
}

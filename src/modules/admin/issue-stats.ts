/** An issue's delivery numbers and its first 72 hours, as the admin's pages show them (from the events module). */
import type { Services } from '../../services.ts';
import type { IssueStats, TimelinePoint } from '../../ui/admin/stats.tsx';

type Events = Pick<Services['events'], 'stats' | 'timeline'>;

const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : Number(x) || 0);

/**
 * The issue's delivery statistics (counters only: cheap). With a transport that reports no
 * delivery events (the outbox), delivered, bounced and complained are unknown (null), not 0.
 */
export async function issueStats(events: Pick<Events, 'stats'>, issueId: number): Promise<IssueStats> {
  const r = await events.stats(issueId);
  const reported = r.deliveryEvents !== false;
  return {
    recipients: num(r.recipients),
    sent: num(r.sent),
    delivered: reported ? num(r.delivered) : null,
    failed: num(r.failed),
    bounced: reported ? { hard: num(r.bounced.hard), soft: num(r.bounced.soft) } : null,
    complained: reported ? num(r.complained) : null,
    opened: { unique: num(r.opened.unique), total: num(r.opened.total), likelyHuman: num(r.opened.likelyHuman) },
    unsubscribed: num(r.unsubscribed),
    deliveryEvents: reported,
    send: r.send
      ? {
          startedAt: r.send.startedAt ? new Date(r.send.startedAt) : null,
          finishedAt: r.send.finishedAt ? new Date(r.send.finishedAt) : null,
          durationMs: r.send.durationMs,
          timeZone: r.send.timeZone,
        }
      : null,
  };
}

/** Opens, sends and deliveries hour by hour over the first 72 hours; null before the first send. */
export async function issueTimeline(events: Pick<Events, 'timeline'>, issueId: number): Promise<TimelinePoint[] | null> {
  const t = await events.timeline(issueId, { hours: '72' });
  return t.from ? t.buckets.map((b, hour) => ({ hour, at: b.at, opens: b.opens, sent: b.sent, deliveries: b.delivered })) : null;
}

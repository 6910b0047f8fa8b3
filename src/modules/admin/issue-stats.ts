/** An issue's delivery numbers and its first 72 hours, as the admin's pages show them (from the events module). */
import type { Services } from '../../services.ts';
import type { IssueStats, TimelinePoint } from '../../ui/admin/stats.tsx';

type Events = Pick<Services['events'], 'stats' | 'timeline'>;

const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : Number(x) || 0);

/** The issue's delivery statistics (counters only: cheap). */
export async function issueStats(events: Pick<Events, 'stats'>, issueId: number): Promise<IssueStats> {
  const r = await events.stats(issueId);
  return {
    recipients: num(r.recipients),
    sent: num(r.sent),
    delivered: num(r.delivered),
    failed: num(r.failed),
    bounced: { hard: num(r.bounced.hard), soft: num(r.bounced.soft) },
    complained: num(r.complained),
    opened: { unique: num(r.opened.unique), total: num(r.opened.total), likelyHuman: num(r.opened.likelyHuman) },
    unsubscribed: num(r.unsubscribed),
  };
}

/** Opens and deliveries hour by hour over the first 72 hours (a pass over the ledger); null before the first send. */
export async function issueTimeline(events: Pick<Events, 'timeline'>, issueId: number): Promise<TimelinePoint[] | null> {
  const t = await events.timeline(issueId, { hours: '72' });
  return t.from ? t.buckets.map((b, hour) => ({ hour, opens: b.opens, deliveries: b.delivered })) : null;
}

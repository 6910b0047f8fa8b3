// The dashboard's rules (src/modules/admin/dashboard-service.ts): which issue is next, the last issue's numbers, which warnings show.
import { describe, expect, it } from 'vitest';
import { i18n, type Message, msg } from '../../src/i18n/index.ts';
import {
  type DashboardDeps,
  DashboardService,
  dashboardWarnings,
  nextScheduled,
  postalAddressWarnings,
  type WarningFacts,
} from '../../src/modules/admin/dashboard-service.ts';
import type { Issue } from '../../src/modules/issues/service.ts';

const en = (ms: Message[]) => ms.map((m) => i18n('en').t(m.key, m.params));
const keys = (ms: Message[]) => ms.map((m) => m.key);

const quiet: WarningFacts = {
  nextSlot: null,
  slotTimeZone: 'UTC',
  readyForSlot: false,
  next: null,
  last: { number: 7 },
  lastStats: { sent: 1000, bounced: { hard: 0, soft: 0 }, complained: 0 },
  clickTracking: false,
};

describe('dashboard warnings', () => {
  it('shows none when all is well', () => {
    expect(dashboardWarnings(quiet)).toEqual([]);
  });

  it('warns of a bounce rate above 5 %: 6 % does, 4 % and exactly 5 % do not', () => {
    const at = (hard: number, soft: number) => dashboardWarnings({ ...quiet, lastStats: { sent: 1000, bounced: { hard, soft }, complained: 0 } });
    expect(keys(at(40, 20))).toEqual(['dash.highBounce']);
    expect(at(40, 20)[0]!.params).toEqual({ number: 7, rate: '6.0%' });
    expect(en(at(40, 20))[0]).toContain('6.0%');
    expect(at(30, 10)).toEqual([]);
    expect(at(50, 0)).toEqual([]);
  });

  it('warns of complaints above 0.1 % of the mail sent', () => {
    const at = (complained: number) => dashboardWarnings({ ...quiet, lastStats: { sent: 10_000, bounced: { hard: 0, soft: 0 }, complained } });
    expect(keys(at(11))).toEqual(['dash.highComplaint']);
    expect(at(11)[0]!.params).toEqual({ number: 7, rate: '0.11%' });
    expect(at(10)).toEqual([]);
    expect(at(5)).toEqual([]);
  });

  it('says nothing of rates before anything was sent, or without stats', () => {
    expect(dashboardWarnings({ ...quiet, lastStats: { sent: 0, bounced: { hard: 5, soft: 5 }, complained: 5 } })).toEqual([]);
    expect(dashboardWarnings({ ...quiet, last: null, lastStats: null })).toEqual([]);
    expect(dashboardWarnings({ ...quiet, lastStats: { sent: 100, bounced: null, complained: null } })).toEqual([]);
  });

  it('warns when nothing is ready or scheduled for the next slot, with its time in the slot zone', () => {
    const slot = { ...quiet, nextSlot: '2026-03-03T01:00:00.000Z', slotTimeZone: 'Asia/Shanghai' };
    const w = dashboardWarnings(slot);
    expect(w).toEqual([{ key: 'dash.noReadyIssue', params: { when: '2026-03-03 09:00 Asia/Shanghai' } }]);
    expect(en(w)[0]).toContain('2026-03-03 09:00 Asia/Shanghai');
    expect(dashboardWarnings({ ...slot, readyForSlot: true })).toEqual([]);
    expect(dashboardWarnings({ ...slot, next: { id: 3 } })).toEqual([]);
  });

  it('warns when the provider rewrites links for click tracking, after the other warnings', () => {
    const w = dashboardWarnings({
      ...quiet,
      nextSlot: '2026-03-03T01:00:00.000Z',
      lastStats: { sent: 100, bounced: { hard: 10, soft: 0 }, complained: 1 },
      clickTracking: true,
    });
    expect(keys(w)).toEqual(['dash.noReadyIssue', 'dash.highBounce', 'dash.highComplaint', 'dash.clickTracking']);
    expect(i18n('zh-CN').t(w[3]!.key, w[3]!.params)).not.toBe(i18n('en').t(w[3]!.key, w[3]!.params));
  });
});

describe('the next send', () => {
  it('is the scheduled issue with the earliest send time', () => {
    const items = [{ sendAt: '2026-05-01T09:00:00.000Z' }, { sendAt: null }, { sendAt: '2026-04-01T09:00:00.000Z' }, { sendAt: '2026-06-01T09:00:00.000Z' }];
    expect(nextScheduled(items)).toEqual({ sendAt: '2026-04-01T09:00:00.000Z' });
    expect(nextScheduled([{ sendAt: null }])).toBeNull();
    expect(nextScheduled([])).toBeNull();
  });
});

describe('DashboardService', () => {
  const issue = (id: number, number: number, sendAt: string | null) => ({ id, number, sendAt, title: `#${number}` }) as Issue;
  const growth = { months: [{ month: '2026-02', joined: 3, left: 1 }], active: 12 };

  function deps(o: { bounced?: number; mailer?: DashboardDeps['mailer']; slotEnabled?: boolean; lists?: Record<string, Issue[]> } = {}) {
    const calls: string[] = [];
    const lists = o.lists ?? {
      scheduled: [issue(5, 9, '2026-03-20T09:00:00.000Z'), issue(4, 8, '2026-03-10T09:00:00.000Z')],
      sent: [issue(3, 7, null)],
    };
    const d: DashboardDeps = {
      issues: {
        list: async (_slug, opts) => ({ items: (opts.status?.includes('scheduled') ? lists.scheduled : lists.sent) ?? [], next: null }),
      },
      events: {
        stats: async (id) => {
          calls.push(`stats ${id}`);
          return {
            issueId: id,
            recipients: 1000,
            sent: 1000,
            delivered: 990,
            failed: 0,
            bounced: { hard: o.bounced ?? 0, soft: 0 },
            complained: 0,
            opened: { unique: 400, total: 600, likelyHuman: 300 },
            unsubscribed: 2,
            complaintRate: 0,
            deliveryEvents: true,
            rates: { delivered: 0.99, bounced: (o.bounced ?? 0) / 1000, complained: 0, opened: 0.4, unsubscribed: 0.002 },
            send: { startedAt: null, finishedAt: null, durationMs: null, timeZone: 'UTC' },
            audience: null,
            warnings: [],
          };
        },
      },
      slots: {
        get: async () => ({
          rule: { kind: 'dayOfMonth', day: 1, time: '11:00' },
          timeZone: 'Europe/Berlin',
          reminderDaysBefore: 3,
          enabled: o.slotEnabled ?? true,
          description: msg('slot.rule.dayOfMonth', { day: 1, time: '11:00' }),
          nextDates: ['2026-04-01T09:00:00.000Z'],
          nextDatesLocal: ['2026-04-01T11:00'],
          readyIssue: null,
          warnings: [],
          recentSlots: [],
        }),
      },
      mailer: o.mailer ?? {},
      subscribers: {
        counts: async () => ({ total: 0, byStatus: { active: 0, pending: 0, unsubscribed: 0, suppressed: 0, erased: 0 } }),
        unfinishedImport: async () => null,
      },
      sending: { progress: async () => ({ status: 'sending', recipients: 0, queued: 0, sending: 0, sent: 0, skipped: 0, failed: 0 }) },
      growth: {
        growth: async (_id, tz, since) => {
          calls.push(`growth ${tz} ${since.toISOString()}`);
          return growth;
        },
      },
    };
    return { d, calls };
  }
  const n = { id: 1, slug: 'spp', timeZone: 'Asia/Shanghai', organisation: 'SPP, 1 Main Street, Geneva' };
  const now = new Date('2026-03-01T00:00:00.000Z');

  it('loads the next send, the last issue with its numbers, a year of growth and the slot', async () => {
    const { d, calls } = deps();
    const r = await new DashboardService(d).load(n, now);
    expect(r.next?.id).toBe(4);
    expect(r.last?.id).toBe(3);
    expect(r.lastStats).toMatchObject({ recipients: 1000, sent: 1000, delivered: 990, bounced: { hard: 0, soft: 0 }, opened: { unique: 400 } });
    expect(r.growth).toEqual(growth);
    expect(r.nextSlot).toBe('2026-04-01T09:00:00.000Z');
    expect(r.nextSlotTz).toBe('Europe/Berlin');
    expect(r.warnings).toEqual([]); // an issue is scheduled: nothing to warn of for the slot
    expect(calls).toEqual(['stats 3', 'growth Asia/Shanghai 2025-03-01T00:00:00.000Z']);
  });

  it('warns of a 6 % bounce rate on the last issue, not of 4 %', async () => {
    expect(keys((await new DashboardService(deps({ bounced: 60 }).d).load(n, now)).warnings)).toEqual(['dash.highBounce']);
    expect((await new DashboardService(deps({ bounced: 40 }).d).load(n, now)).warnings).toEqual([]);
  });

  it('has no last issue before the first send, and no slot when slots are off', async () => {
    const r = await new DashboardService(deps({ lists: { scheduled: [], sent: [] }, slotEnabled: false }).d).load(n, now);
    expect(r).toMatchObject({ next: null, last: null, lastStats: null, nextSlot: null, warnings: [] });
  });

  it('warns of a next slot with nothing ready or scheduled', async () => {
    const r = await new DashboardService(deps({ lists: { scheduled: [], sent: [] } }).d).load(n, now);
    expect(r.warnings).toEqual([{ key: 'dash.noReadyIssue', params: { when: '2026-04-01 11:00 Europe/Berlin' } }]);
  });

  it('asks the transport about click tracking when it can tell; a failed question or a transport that cannot tell warns of nothing', async () => {
    const on = { clickTracking: async () => true };
    const off = { clickTracking: async () => false };
    const failing = { clickTracking: () => Promise.reject(new Error('Resend is down')) };
    const load = (mailer: DashboardDeps['mailer']) => new DashboardService(deps({ mailer }).d).load(n, now);
    expect(keys((await load(on)).warnings)).toEqual(['dash.clickTracking']);
    expect((await load(off)).warnings).toEqual([]);
    expect((await load(failing)).warnings).toEqual([]);
    expect((await load({})).warnings).toEqual([]);
  });
});

describe('postalAddressWarnings', () => {
  it('warns while the newsletter has no postal address, and not once it has one', () => {
    expect(postalAddressWarnings({ organisation: null })).toEqual([msg('dash.noPostalAddress')]);
    expect(postalAddressWarnings({ organisation: '  ' })).toEqual([msg('dash.noPostalAddress')]);
    expect(postalAddressWarnings({ organisation: 'SPP, 1 Main Street, Geneva' })).toEqual([]);
  });
});

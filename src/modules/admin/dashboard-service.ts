/**
 * The admin dashboard's rules: which issue goes out next, the last issue's numbers, list growth,
 * and which warnings show. Warnings are messages (a catalog key and its parameters); the page
 * formats them in the reader's language.
 */
import { msg, type Message } from '../../i18n/index.ts';
import { formatLocal } from '../../lib/zoned-time.ts';
import type { Mailer } from '../../mail/mailer.ts';
import type { Services } from '../../services.ts';
import type { DashboardData } from '../../ui/admin/dashboard.tsx';
import type { IssueStats } from '../../ui/admin/stats.tsx';
import type { Issue } from '../issues/service.ts';
import type { Newsletter } from '../newsletters/service.ts';
import { issueStats } from './issue-stats.ts';
import { AdminRepository } from './repository.ts';

/** Above this share of the sent mail bouncing (hard and soft), the dashboard warns. */
export const HIGH_BOUNCE_RATE = 0.05;
/** Above this share of the sent mail reported as spam, the dashboard warns. */
export const HIGH_COMPLAINT_RATE = 0.001;
/** The growth table covers the last year. */
const GROWTH_DAYS = 365;

export interface DashboardDeps {
  issues: Pick<Services['issues'], 'list'>;
  events: Pick<Services['events'], 'stats'>;
  slots: Pick<Services['slots'], 'get'>;
  /** `clickTracking` is optional: transports that can tell implement it (Resend, through its Domains API; not the outbox). */
  mailer: Pick<Mailer, 'clickTracking'>;
  growth: Pick<AdminRepository, 'growth'>;
  /** For the JSON dashboard: the list's counts, and the progress of issues being sent. */
  subscribers: Pick<Services['subscriberList'], 'counts' | 'unfinishedImport'>;
  sending: Pick<Services['sending'], 'progress'>;
}

/** How many recent sends the JSON dashboard lists with their figures. */
export const RECENT_SENDS = 5;

/** An issue as the JSON dashboard lists it. */
const issueSummary = (i: Issue) => ({ id: i.id, number: i.number, title: i.title, status: i.status, sendAt: i.sendAt, timeZone: i.timeZone, sentAt: i.sentAt });

/** What the warnings are decided on. */
export interface WarningFacts {
  /** The next slot date (ISO), when slots are enabled. */
  nextSlot: string | null;
  slotTimeZone: string;
  /** An issue is marked ready for the next slot. */
  readyForSlot: boolean;
  /** The issue marked ready, when there is no slot to send it at (none set, or switched off). */
  readyWithoutSlot?: Pick<Issue, 'number'> | null;
  /** The next scheduled issue, if any. */
  next: Pick<Issue, 'id'> | null;
  last: Pick<Issue, 'number'> | null;
  lastStats: Pick<IssueStats, 'sent' | 'bounced' | 'complained'> | null;
  /** The mail provider rewrites links for click tracking. */
  clickTracking: boolean;
}

/** The scheduled issue that goes out first. */
export function nextScheduled<T extends Pick<Issue, 'sendAt'>>(scheduled: T[]): T | null {
  return scheduled.filter((i) => i.sendAt).sort((a, b) => a.sendAt!.localeCompare(b.sendAt!))[0] ?? null;
}

/**
 * The dashboard's warnings, in this order: nothing will go out at the next slot (no issue ready
 * and none scheduled), an issue is ready but no slot is set to send it, the last issue bounced more than 5 % or drew complaints from more than
 * 0.1 % of what was sent, the provider rewrites links.
 */
export function dashboardWarnings(f: WarningFacts): Message[] {
  const warnings: Message[] = [];
  if (f.nextSlot && !f.readyForSlot && !f.next)
    warnings.push(msg('dash.noReadyIssue', { when: `${formatLocal(new Date(f.nextSlot), f.slotTimeZone).replace('T', ' ')} ${f.slotTimeZone}` }));
  if (!f.nextSlot && f.readyWithoutSlot) warnings.push(msg('sendux.dash.readyNoSlot', { number: f.readyWithoutSlot.number }));
  const s = f.lastStats;
  if (f.last && s && s.sent > 0) {
    const bounced = s.bounced ? s.bounced.hard + s.bounced.soft : 0;
    const complained = s.complained ?? 0;
    if (bounced / s.sent > HIGH_BOUNCE_RATE)
      warnings.push(msg('dash.highBounce', { number: f.last.number, rate: `${((100 * bounced) / s.sent).toFixed(1)}%` }));
    if (complained / s.sent > HIGH_COMPLAINT_RATE)
      warnings.push(msg('dash.highComplaint', { number: f.last.number, rate: `${((100 * complained) / s.sent).toFixed(2)}%` }));
  }
  if (f.clickTracking) warnings.push(msg('dash.clickTracking'));
  return warnings;
}

/** Every email shows the newsletter's postal address; without one the dashboard says so (before the first send, when it is easy to fix). */
export function postalAddressWarnings(n: Pick<Newsletter, 'organisation'>): Message[] {
  return n.organisation?.trim() ? [] : [msg('dash.noPostalAddress')];
}

export class DashboardService {
  constructor(private readonly d: DashboardDeps) {}

  static of(s: Services): DashboardService {
    return new DashboardService({
      issues: s.issues,
      events: s.events,
      slots: s.slots,
      mailer: s.mailer,
      growth: new AdminRepository(s.db),
      subscribers: s.subscriberList,
      sending: s.sending,
    });
  }

  /** Whether the provider rewrites links (Resend can tell); false when the transport cannot tell (the outbox) or the question fails. */
  async clickTracking(): Promise<boolean> {
    return (await this.d.mailer.clickTracking?.().catch(() => false)) ?? false;
  }

  async load(n: Pick<Newsletter, 'id' | 'slug' | 'timeZone' | 'organisation'>, now: Date): Promise<DashboardData> {
    const scheduled = await this.d.issues.list(n.slug, { status: ['scheduled'], limit: 50 });
    const next = nextScheduled(scheduled.items);
    const sent = await this.d.issues.list(n.slug, { status: ['sent', 'sending'], limit: 1 });
    const last = sent.items[0] ?? null;
    // The dashboard shows the numbers only: no timeline (a pass over the whole ledger).
    const lastStats = last ? await issueStats(this.d.events, last.id) : null;
    const growth = await this.d.growth.growth(n.id, n.timeZone, new Date(now.getTime() - GROWTH_DAYS * 86400_000));
    const slot = await this.d.slots.get(n.slug);
    const nextSlot = slot.enabled ? (slot.nextDates[0] ?? null) : null;
    const warnings = dashboardWarnings({
      nextSlot,
      slotTimeZone: slot.timeZone,
      readyForSlot: !!slot.readyIssue,
      readyWithoutSlot: nextSlot ? null : slot.readyIssue,
      next,
      last,
      lastStats,
      clickTracking: await this.clickTracking(),
    });
    warnings.push(...postalAddressWarnings(n));
    // An import killed or failed part-way: the list holds part of a file.
    const unfinished = await this.d.subscribers.unfinishedImport(n.slug, n.timeZone);
    if (unfinished) warnings.push(unfinished);
    return { next, nextSlot, nextSlotTz: slot.timeZone, last, lastStats, growth, warnings };
  }

  /**
   * What the dashboard page shows, as data (`GET /api/v1/newsletters/:slug/dashboard`): built on
   * `load`, so the page's warnings and next send are the API's; plus the list's counts, every
   * scheduled and sending issue, and the last sends with their figures.
   */
  async api(n: Pick<Newsletter, 'id' | 'slug' | 'name' | 'timeZone' | 'organisation'>, now: Date) {
    const page = await this.load(n, now);
    const scheduled = await this.d.issues.list(n.slug, { status: ['scheduled'], limit: 50 });
    const sending = await this.d.issues.list(n.slug, { status: ['sending', 'paused'], limit: 50 });
    const sent = await this.d.issues.list(n.slug, { status: ['sent'], limit: RECENT_SENDS });
    const counts = await this.d.subscribers.counts(n.slug);
    return {
      newsletter: { slug: n.slug, name: n.name, timeZone: n.timeZone },
      generatedAt: now.toISOString(),
      subscribers: counts,
      nextSlot: page.nextSlot ? { at: page.nextSlot, timeZone: page.nextSlotTz } : null,
      next: page.next ? issueSummary(page.next) : null,
      scheduled: [...scheduled.items].sort((a, b) => (a.sendAt ?? '').localeCompare(b.sendAt ?? '')).map(issueSummary),
      sending: await Promise.all(sending.items.map(async (i) => ({ ...issueSummary(i), progress: await this.d.sending.progress(i.id) }))),
      recent: await Promise.all(sent.items.map(async (i) => ({ ...issueSummary(i), stats: await issueStats(this.d.events, i.id) }))),
      growth: page.growth,
      warnings: page.warnings,
    };
  }
}

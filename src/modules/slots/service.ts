/**
 * The monthly slot. When a slot comes, the draft the editor marked ready goes out at the slot
 * time; when none is ready nothing is sent and the admin sees a warning. Editors are reminded
 * `reminderDaysBefore` days ahead while no issue is ready.
 */
import { z } from 'zod';
import { i18n, type Message, msg } from '../../i18n/index.ts';
import type { Config } from '../../config.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { parseOrThrow, timeZoneSchema } from '../../lib/validation.ts';
import { formatLocal } from '../../lib/zoned-time.ts';
import type { Mailer } from '../../mail/mailer.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { IssuesService } from '../issues/service.ts';
import type { NewslettersRepository } from '../newsletters/repository.ts';
import type { SendingRepository } from '../sending/repository.ts';
import type { AuthUser } from '../users/service.ts';
import { describeRule, latestSlot, nextSlots, slotRuleSchema } from './rule.ts';
import type { SlotsRepository } from './repository.ts';
import { statusMessage } from '../issues/model.ts';

/** A slot the service was down for is still honoured this long after its time. */
const LATE_GRACE_MS = 24 * 3600_000;

export const slotPutSchema = z.object({
  rule: slotRuleSchema,
  timeZone: timeZoneSchema.optional(),
  reminderDaysBefore: z.number().int().min(0).max(28).default(3),
  enabled: z.boolean().default(true),
});

export interface SlotsDeps {
  repo: SlotsRepository;
  sending: SendingRepository;
  newsletters: NewslettersRepository;
  issues: IssuesService;
  audit: AuditRepository;
  mailer: Mailer;
  queue: JobQueue;
  clock: Clock;
  config: Config;
  log: Logger;
}

export class SlotsService {
  constructor(private readonly d: SlotsDeps) {}

  private async newsletter(slug: string) {
    const n = await this.d.newsletters.findBySlug(slug);
    if (!n) throw notFound(msg('newsletter.what', { slug }));
    return n;
  }

  async get(slug: string) {
    const n = await this.newsletter(slug);
    const s = await this.d.repo.get(n.id);
    if (!s) {
      // A draft marked ready before any slot was set (or an older row): shown, so the dashboard can warn.
      const ready = await this.d.repo.readyIssue(n.id);
      return {
        rule: null,
        timeZone: n.time_zone,
        reminderDaysBefore: 3,
        enabled: false,
        description: null,
        nextDates: [],
        readyIssue: ready ? { id: ready.id, number: ready.number, title: ready.title } : null,
        warnings: [] as Message[],
        recentSlots: [],
      };
    }
    const now = this.d.clock.now();
    const next = nextSlots(s.rule, s.timeZone, now, 6);
    const ready = await this.d.repo.readyIssue(n.id);
    const warnings: Message[] = [];
    if (s.enabled && !ready && next[0]) {
      const days = Math.ceil((next[0].getTime() - now.getTime()) / 86_400_000);
      warnings.push(msg('slot.noReadyIssue', { when: `${formatLocal(next[0], s.timeZone).replace('T', ' ')} ${s.timeZone}`, count: days }));
    }
    const recent = await this.d.repo.recentRuns(n.id, new Date(now.getTime() - 90 * 86_400_000));
    for (const r of recent)
      if (r.outcome === 'missed')
        warnings.push(msg('slot.missed', { when: `${formatLocal(new Date(r.slot_at), s.timeZone).replace('T', ' ')} ${s.timeZone}` }));
    return {
      rule: s.rule,
      timeZone: s.timeZone,
      reminderDaysBefore: s.reminderDaysBefore,
      enabled: s.enabled,
      description: describeRule(s.rule),
      nextDates: next.map((d) => d.toISOString()),
      nextDatesLocal: next.map((d) => formatLocal(d, s.timeZone)),
      readyIssue: ready ? { id: ready.id, number: ready.number, title: ready.title } : null,
      warnings,
      recentSlots: recent.map((r) => ({ slotAt: new Date(r.slot_at).toISOString(), outcome: r.outcome, issueId: r.issue_id })),
    };
  }

  async put(slug: string, input: unknown, actor: AuthUser) {
    const v = parseOrThrow(slotPutSchema, input);
    const n = await this.newsletter(slug);
    await this.d.repo.put(
      { newsletterId: n.id, rule: v.rule, timeZone: v.timeZone ?? n.time_zone, reminderDaysBefore: v.reminderDaysBefore, enabled: v.enabled },
      this.d.clock.now(),
    );
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'schedule.update',
      target: slug,
      detail: { rule: v.rule, timeZone: v.timeZone ?? n.time_zone },
    });
    return this.get(slug);
  }

  /** Marks (or unmarks) a draft as the one to send at the next slot; marking is refused while no slot is set (or it is off). */
  async markReady(issueId: number, input: unknown, actor: AuthUser) {
    const { ready } = parseOrThrow(z.object({ ready: z.boolean() }), input);
    const { row, newsletter } = await this.d.issues.load(issueId);
    // Ready for a slot that does not exist would wait for ever: say so, and where to set one.
    if (ready && !(await this.d.repo.get(newsletter.id))?.enabled)
      throw new AppError('invalid_state', msg('sendux.noSlot', { newsletter: newsletter.name }), {
        reason: 'no_slot',
        setSlot: `PUT /api/v1/newsletters/${newsletter.slug}/schedule`,
      });
    const updated = await this.d.repo.setReady(issueId, ready);
    if (!updated) throw new AppError('invalid_state', msg('slot.notDraft', { id: issueId, status: statusMessage(row.status) }));
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: ready ? 'issue.ready' : 'issue.unready',
      target: `${newsletter.slug}#${row.number}`,
    });
    return this.d.issues.toIssue(updated, newsletter);
  }

  /** For the tick: decide slots that have come, and send reminders for slots coming up. */
  async runDue(now: Date): Promise<number> {
    let scheduled = 0;
    for (const s of await this.d.repo.allEnabled()) {
      const slot = latestSlot(s.rule, s.timeZone, now);
      // Only slots after the rule was set, and not ones the service was down for longer than the grace.
      if (slot.getTime() > s.updatedAt.getTime() && now.getTime() - slot.getTime() <= LATE_GRACE_MS) {
        if (await this.d.repo.claimDecision(s.newsletterId, slot, now)) {
          const ready = await this.d.repo.readyIssue(s.newsletterId);
          if (ready && (await this.d.sending.schedule(ready.id, slot, s.timeZone))) {
            await this.d.repo.recordOutcome(s.newsletterId, slot, 'scheduled', ready.id);
            scheduled++;
          } else {
            await this.d.repo.recordOutcome(s.newsletterId, slot, 'missed', null);
            this.d.log.warn('monthly slot passed with no issue ready', { newsletterId: s.newsletterId, slot: slot.toISOString() });
          }
        }
      }
      const [next] = nextSlots(s.rule, s.timeZone, now, 1);
      if (next && s.reminderDaysBefore > 0 && next.getTime() - now.getTime() <= s.reminderDaysBefore * 86_400_000) {
        if (!(await this.d.repo.readyIssue(s.newsletterId)) && (await this.d.repo.claimReminder(s.newsletterId, next, now))) {
          await this.d.queue.enqueue([{ kind: 'mail.slot_reminder', payload: { newsletterId: s.newsletterId, slotAt: next.toISOString() } }]);
        }
      }
    }
    return scheduled;
  }

  /** Job `mail.slot_reminder`. */
  async sendReminder(payload: Record<string, unknown>): Promise<void> {
    const n = await this.d.newsletters.findById(Number(payload.newsletterId));
    if (!n) return;
    const s = await this.d.repo.get(n.id);
    const slotAt = new Date(String(payload.slotAt));
    if (!s || (await this.d.repo.readyIssue(n.id))) return; // an issue became ready meanwhile
    const when = `${formatLocal(slotAt, s.timeZone).replace('T', ' ')} (${s.timeZone})`;
    const admin = `${this.d.config.publicUrl}/admin`;
    const { t } = i18n(n.language);
    const subject = t('mail.reminder.subject', { newsletter: n.name, when });
    const text = `${t('mail.reminder.body', { newsletter: n.name, when, admin })}\n`;
    for (const to of await this.d.repo.reminderRecipients(n.id)) {
      await this.d.mailer.send(
        { from: `"Quire" <${n.from_email}>`, to: [to], subject, text },
        { idempotencyKey: `slot-reminder/${n.id}/${slotAt.getTime()}/${to}` },
      );
    }
  }
}

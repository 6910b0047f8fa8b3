import { sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { IssueRow } from '../../db/schema.ts';
import type { SlotRule } from './rule.ts';

export interface ScheduleRow {
  newsletterId: number;
  rule: SlotRule;
  timeZone: string;
  reminderDaysBefore: number;
  enabled: boolean;
  updatedAt: Date;
}

export class SlotsRepository {
  constructor(private readonly db: Db) {}

  async get(newsletterId: number): Promise<ScheduleRow | undefined> {
    const r = await this.db.selectFrom('newsletter_schedules').selectAll().where('newsletter_id', '=', newsletterId).executeTakeFirst();
    return (
      r && {
        newsletterId: r.newsletter_id,
        rule: r.rule as SlotRule,
        timeZone: r.time_zone,
        reminderDaysBefore: r.reminder_days_before,
        enabled: r.enabled,
        updatedAt: new Date(r.updated_at),
      }
    );
  }

  async put(s: Omit<ScheduleRow, 'updatedAt'>, now: Date): Promise<void> {
    const values = { rule: JSON.stringify(s.rule), time_zone: s.timeZone, reminder_days_before: s.reminderDaysBefore, enabled: s.enabled, updated_at: now };
    await this.db
      .insertInto('newsletter_schedules')
      .values({ newsletter_id: s.newsletterId, ...values })
      .onConflict((oc) => oc.column('newsletter_id').doUpdateSet(values))
      .execute();
  }

  async allEnabled(): Promise<ScheduleRow[]> {
    const rows = await this.db.selectFrom('newsletter_schedules').selectAll().where('enabled', '=', true).execute();
    return rows.map((r) => ({
      newsletterId: r.newsletter_id,
      rule: r.rule as SlotRule,
      timeZone: r.time_zone,
      reminderDaysBefore: r.reminder_days_before,
      enabled: r.enabled,
      updatedAt: new Date(r.updated_at),
    }));
  }

  /** The draft the editor marked ready for the next slot (lowest number first). */
  readyIssue(newsletterId: number): Promise<IssueRow | undefined> {
    return this.db
      .selectFrom('issues')
      .selectAll()
      .where('newsletter_id', '=', newsletterId)
      .where('status', '=', 'draft')
      .where('ready_for_slot', '=', true)
      .orderBy('number')
      .limit(1)
      .executeTakeFirst();
  }

  setReady(issueId: number, ready: boolean): Promise<IssueRow | undefined> {
    return this.db
      .updateTable('issues')
      .set({ ready_for_slot: ready, updated_at: new Date() })
      .where('id', '=', issueId)
      .where('status', '=', 'draft')
      .returningAll()
      .executeTakeFirst();
  }

  /** Claims the decision for a slot: true for exactly one caller, however many ticks race. */
  claimDecision(newsletterId: number, slotAt: Date, now: Date): Promise<boolean> {
    return this.claim('decided_at', newsletterId, slotAt, now);
  }

  async recordOutcome(newsletterId: number, slotAt: Date, outcome: 'scheduled' | 'missed', issueId: number | null): Promise<void> {
    await this.db
      .updateTable('slot_runs')
      .set({ outcome, issue_id: issueId })
      .where('newsletter_id', '=', newsletterId)
      .where('slot_at', '=', slotAt)
      .execute();
  }

  /** Claims the reminder for a slot: true for exactly one caller. */
  claimReminder(newsletterId: number, slotAt: Date, now: Date): Promise<boolean> {
    return this.claim('reminded_at', newsletterId, slotAt, now);
  }

  /** Sets `column` on the slot's row if it is still empty; the one caller that sets it wins. */
  private async claim(column: 'decided_at' | 'reminded_at', newsletterId: number, slotAt: Date, now: Date): Promise<boolean> {
    await this.db
      .insertInto('slot_runs')
      .values({ newsletter_id: newsletterId, slot_at: slotAt })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const r = await this.db
      .updateTable('slot_runs')
      .set({ [column]: now })
      .where('newsletter_id', '=', newsletterId)
      .where('slot_at', '=', slotAt)
      .where(column, 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  recentRuns(newsletterId: number, since: Date) {
    return this.db
      .selectFrom('slot_runs')
      .selectAll()
      .where('newsletter_id', '=', newsletterId)
      .where('slot_at', '>=', since)
      .where('outcome', 'is not', null)
      .orderBy('slot_at', 'desc')
      .execute();
  }

  /** Addresses of the people to remind: the newsletter's reply-to and every editor and admin. */
  async reminderRecipients(newsletterId: number): Promise<string[]> {
    const r = await sql<{ email: string }>`
      SELECT reply_to AS email FROM newsletters WHERE id = ${newsletterId} AND reply_to IS NOT NULL
      UNION SELECT email FROM users WHERE role IN ('admin', 'editor')`.execute(this.db);
    return [...new Set(r.rows.map((x) => x.email.toLowerCase()))];
  }
}

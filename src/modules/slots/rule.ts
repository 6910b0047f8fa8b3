/**
 * The monthly slot editors work to: "the first Tuesday of each month at 09:00" or "day 15 at
 * 10:00", in the newsletter's time zone. Day numbers past a month's end fall on its last day.
 */
import { type Message, type MessageKey, msg } from '../../i18n/index.ts';
import { z } from 'zod';
import { daysInMonth, fromLocal, toLocal } from '../../lib/zoned-time.ts';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'validation.time' });

export const slotRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('dayOfMonth'),
    /** 1–31; 31 means the last day in shorter months. */
    day: z.number().int().min(1).max(31),
    time,
  }),
  z.object({
    kind: z.literal('weekdayOfMonth'),
    /** 1–4 = first … fourth; -1 = last. */
    week: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(-1)]),
    /** 0 = Sunday … 6 = Saturday. */
    weekday: z.number().int().min(0).max(6),
    time,
  }),
]);
export type SlotRule = z.infer<typeof slotRuleSchema>;

function slotDay(rule: SlotRule, year: number, month: number): number {
  const last = daysInMonth(year, month);
  if (rule.kind === 'dayOfMonth') return Math.min(rule.day, last);
  const firstWeekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const first = 1 + ((rule.weekday - firstWeekday + 7) % 7);
  if (rule.week > 0) return first + 7 * (rule.week - 1);
  let d = first;
  while (d + 7 <= last) d += 7;
  return d;
}

/** The slot instant of a given month. */
export function slotInMonth(rule: SlotRule, tz: string, year: number, month: number): Date {
  const [hour, minute] = rule.time.split(':').map(Number) as [number, number];
  return fromLocal({ year, month, day: slotDay(rule, year, month), hour, minute }, tz);
}

/** The next `count` slots strictly after `after`. */
export function nextSlots(rule: SlotRule, tz: string, after: Date, count: number): Date[] {
  const here = toLocal(after, tz);
  let year = here.year;
  let month = here.month;
  const out: Date[] = [];
  for (let guard = 0; out.length < count && guard < count + 24; guard++) {
    const at = slotInMonth(rule, tz, year, month);
    if (at.getTime() > after.getTime()) out.push(at);
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return out;
}

/** The latest slot at or before `now` (this month's or last month's). */
export function latestSlot(rule: SlotRule, tz: string, now: Date): Date {
  const here = toLocal(now, tz);
  const thisMonth = slotInMonth(rule, tz, here.year, here.month);
  if (thisMonth.getTime() <= now.getTime()) return thisMonth;
  const prev = here.month === 1 ? { y: here.year - 1, m: 12 } : { y: here.year, m: here.month - 1 };
  return slotInMonth(rule, tz, prev.y, prev.m);
}

const WEEKDAYS: MessageKey[] = ['weekday.0', 'weekday.1', 'weekday.2', 'weekday.3', 'weekday.4', 'weekday.5', 'weekday.6'];
const NTH: Record<number, MessageKey> = { 1: 'slot.nth.1', 2: 'slot.nth.2', 3: 'slot.nth.3', 4: 'slot.nth.4', [-1]: 'slot.nth.last' };

/** The weekday's name (0 = Sunday), as a catalog key. */
export const weekdayKey = (weekday: number): MessageKey => WEEKDAYS[weekday] ?? 'weekday.0';

/** A description for people, e.g. "first Tuesday of each month at 09:00" / "每月第1个星期二 09:00". */
export function describeRule(rule: SlotRule): Message {
  if (rule.kind === 'dayOfMonth') return msg('slot.rule.dayOfMonth', { day: rule.day, time: rule.time });
  return msg('slot.rule.weekday', { nth: msg(NTH[rule.week] ?? 'slot.nth.1'), weekday: msg(weekdayKey(rule.weekday)), time: rule.time });
}

/**
 * The monthly slot editors work to: "the first Tuesday of each month at 09:00" or "day 15 at
 * 10:00", in the newsletter's time zone. Day numbers past a month's end fall on its last day.
 */
import { z } from 'zod';
import { daysInMonth, fromLocal, toLocal } from '../../lib/zoned-time.ts';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (24-hour)' });

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

/** A human description, e.g. "first Tuesday of each month at 09:00". */
export function describeRule(rule: SlotRule, lang: 'en' | 'zh' = 'en'): string {
  const days = lang === 'zh' ? ['日', '一', '二', '三', '四', '五', '六'] : ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  if (lang === 'zh') {
    if (rule.kind === 'dayOfMonth') return `每月${rule.day}日 ${rule.time}`;
    return `每月${rule.week === -1 ? '最后一个' : `第${rule.week}个`}星期${days[rule.weekday]} ${rule.time}`;
  }
  if (rule.kind === 'dayOfMonth') return `day ${rule.day} of each month at ${rule.time}`;
  const nth = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' }[rule.week];
  return `${nth} ${days[rule.weekday]} of each month at ${rule.time}`;
}

import { describe, expect, it } from 'vitest';
import { formatLocal, fromLocal, parseLocal } from '../../src/lib/zoned-time.ts';
import { latestSlot, nextSlots } from '../../src/modules/slots/rule.ts';

describe('wall-clock time in a time zone', () => {
  it('converts Asia/Shanghai (no DST) both ways', () => {
    const at = fromLocal(parseLocal('2026-03-03T09:00')!, 'Asia/Shanghai');
    expect(at.toISOString()).toBe('2026-03-03T01:00:00.000Z');
    expect(formatLocal(at, 'Asia/Shanghai')).toBe('2026-03-03T09:00');
  });

  it('handles the spring-forward gap by moving past it', () => {
    // Europe/Amsterdam skips 02:00–03:00 on 2026-03-29.
    expect(fromLocal(parseLocal('2026-03-29T02:30')!, 'Europe/Amsterdam').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(fromLocal(parseLocal('2026-03-29T03:30')!, 'Europe/Amsterdam').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(fromLocal(parseLocal('2026-03-29T01:30')!, 'Europe/Amsterdam').toISOString()).toBe('2026-03-29T00:30:00.000Z');
  });

  it('takes the earlier instant in the fall-back overlap', () => {
    // America/New_York repeats 01:00–02:00 on 2026-11-01.
    expect(fromLocal(parseLocal('2026-11-01T01:30')!, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('rejects impossible dates', () => {
    expect(parseLocal('2026-02-30T09:00')).toBeNull();
    expect(parseLocal('2026-13-01T09:00')).toBeNull();
    expect(parseLocal('2026-01-01T24:00')).toBeNull();
    expect(parseLocal('tomorrow')).toBeNull();
  });
});

describe('monthly slot rules', () => {
  it('finds the first Tuesday of each month at 09:00 Shanghai time', () => {
    const slots = nextSlots({ kind: 'weekdayOfMonth', week: 1, weekday: 2, time: '09:00' }, 'Asia/Shanghai', new Date('2026-01-01T00:00:00Z'), 4);
    expect(slots.map((d) => formatLocal(d, 'Asia/Shanghai'))).toEqual(['2026-01-06T09:00', '2026-02-03T09:00', '2026-03-03T09:00', '2026-04-07T09:00']);
  });

  it('puts day 31 on the last day of shorter months, leap years included', () => {
    const slots = nextSlots({ kind: 'dayOfMonth', day: 31, time: '10:00' }, 'UTC', new Date('2028-01-31T10:00:00Z'), 4);
    expect(slots.map((d) => d.toISOString().slice(0, 10))).toEqual(['2028-02-29', '2028-03-31', '2028-04-30', '2028-05-31']);
  });

  it('keeps the wall-clock time across a daylight-saving change', () => {
    const slots = nextSlots({ kind: 'dayOfMonth', day: 15, time: '10:00' }, 'Europe/Amsterdam', new Date('2026-02-01T00:00:00Z'), 3);
    expect(slots.map((d) => d.toISOString())).toEqual(['2026-02-15T09:00:00.000Z', '2026-03-15T09:00:00.000Z', '2026-04-15T08:00:00.000Z']);
  });

  it('finds the last Friday and the latest past slot', () => {
    const rule = { kind: 'weekdayOfMonth', week: -1, weekday: 5, time: '08:00' } as const;
    expect(nextSlots(rule, 'UTC', new Date('2026-01-01T00:00:00Z'), 2).map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-01-30', '2026-02-27']);
    expect(latestSlot(rule, 'UTC', new Date('2026-02-10T00:00:00Z')).toISOString()).toBe('2026-01-30T08:00:00.000Z');
    expect(latestSlot(rule, 'UTC', new Date('2026-02-27T08:00:00Z')).toISOString()).toBe('2026-02-27T08:00:00.000Z');
  });
});

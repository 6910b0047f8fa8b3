/**
 * Wall-clock time in an IANA time zone ↔ instants, with Intl only (runs on Node and workerd).
 * A local time that does not exist (the spring-forward gap) moves forward by the gap; one that
 * exists twice (fall back) takes the earlier instant — Temporal's "compatible" disambiguation.
 */
export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock fields of `instant` in `tz`. */
export function toLocal(instant: Date, tz: string): Required<LocalDateTime> & { weekday: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute!, second: parts.second! };
  return { ...local, weekday: new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay() };
}

/** Offset of `tz` from UTC at `instant`, in milliseconds. */
function offsetAt(instant: number, tz: string): number {
  const l = toLocal(new Date(instant), tz);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(instant / 1000) * 1000;
}

/** The instant at which the wall clock in `tz` shows `local`. */
export function fromLocal(local: LocalDateTime, tz: string): Date {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second ?? 0);
  // Offsets on either side of any transition near this time; try the earlier instant first.
  const before = offsetAt(asUtc - 36 * 3600_000, tz);
  const after = offsetAt(asUtc + 36 * 3600_000, tz);
  const candidates = [...new Set([before, after])].map((off) => asUtc - off).sort((a, b) => a - b);
  for (const t of candidates) {
    const l = toLocal(new Date(t), tz);
    if (l.year === local.year && l.month === local.month && l.day === local.day && l.hour === local.hour && l.minute === local.minute) {
      return new Date(t);
    }
  }
  // In a gap: the wall clock skips this time; reading it with the offset in force before the
  // transition lands the same distance past the gap (02:30 in a 02:00→03:00 jump becomes 03:30).
  return new Date(asUtc - before);
}

/** Parses `YYYY-MM-DDTHH:mm[:ss]` (no offset) as a wall-clock time. */
export function parseLocal(s: string): LocalDateTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!) || hour! > 23 || minute! > 59 || second! > 59) return null;
  return { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `YYYY-MM-DDTHH:mm` of `instant` in `tz`, for datetime-local inputs and messages. */
export function formatLocal(instant: Date, tz: string): string {
  const l = toLocal(instant, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${l.year}-${p(l.month)}-${p(l.day)}T${p(l.hour)}:${p(l.minute)}`;
}

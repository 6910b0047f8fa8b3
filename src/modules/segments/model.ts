/**
 * Segments and audiences (issue 24): what a segment definition may say, checked before anything
 * is stored or compiled. A definition is `{match: "all" | "any", conditions: [{field, op, value}]}`;
 * the repository compiles a checked one to SQL with parameters (never string-built from input).
 *
 * Fields and their ops (value in brackets):
 * - `tag`: `is` (also `contains`: the tags contain it) / `isNot` [tag], `anyOf` / `allOf` / `noneOf` [tags]
 * - `status`: `is` / `isNot` [pending | active | unsubscribed | suppressed | erased]
 * - `language`: `is` / `isNot` [language tag; a subscriber without one speaks the newsletter's]
 * - `subscribedAt` (confirmed, else created): `before` / `after` [YYYY-MM-DD in the newsletter's
 *   time zone, or an ISO instant]; `before` is strictly earlier than that day, `after` from it on
 * - `openedLastIssues`: `atLeast` [N, 1–50]: a likely-human open of one of the newsletter's last N
 *   sent issues (the issue being sent does not count)
 * - `topic`: `is` / `isNot` [topic key]: receives that topic (chose it, or never chose)
 * - `attribute.KEY`: `is` / `isNot` [text, number or boolean, compared as text], `contains` [text,
 *   any case], `before` / `after` [YYYY-MM-DD: values that start with a date], `atLeast` / `atMost`
 *   [number: values that are numbers], `isSet` / `isNotSet`. A value that is not a date or a number
 *   never matches a date or number comparison (it is never cast, so bad data never fails a send).
 */
import { z } from 'zod';
import type { SubscriberStatus } from '../../db/schema.ts';
import { AppError, type FieldProblem } from '../../lib/errors.ts';
import { fieldProblem, parseOrThrow } from '../../lib/validation.ts';

export { OPS_OF, SEGMENT_FIELDS, SEGMENT_OPS, type SegmentFieldKind, type SegmentOp } from './ops.ts';
import { OPS_OF, SEGMENT_FIELDS, SEGMENT_OPS, type SegmentFieldKind, type SegmentOp } from './ops.ts';

const STATUSES: SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'suppressed', 'erased'];
export const MAX_CONDITIONS = 50;
const ATTRIBUTE_KEY = /^attribute\.([\p{L}\p{N}_-]{1,64})$/u;
const TAG = /^[^\p{Cc}]{1,100}$/u;
const LANGUAGE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** The shape as it arrives; each condition's value is checked against its field and op below. */
const rawDefinition = z.object({
  match: z.enum(['all', 'any']).default('all'),
  conditions: z
    .array(
      z.object({
        field: z.string().min(1).max(80),
        op: z.enum(SEGMENT_OPS),
        value: z.unknown().optional(),
      }),
    )
    .max(MAX_CONDITIONS),
});

export const segmentInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  match: rawDefinition.shape.match,
  conditions: rawDefinition.shape.conditions,
});

/** A checked condition: what the compiler gets. */
export type Condition =
  | { kind: 'tag'; op: 'is' | 'isNot'; tag: string }
  | { kind: 'tag'; op: 'anyOf' | 'allOf' | 'noneOf'; tags: string[] }
  | { kind: 'status'; op: 'is' | 'isNot'; status: SubscriberStatus }
  | { kind: 'language'; op: 'is' | 'isNot'; language: string }
  | { kind: 'subscribedAt'; op: 'before' | 'after'; at: string }
  | { kind: 'openedLastIssues'; op: 'atLeast'; issues: number }
  | { kind: 'topic'; op: 'is' | 'isNot'; key: string }
  | { kind: 'attribute'; key: string; op: 'is' | 'isNot' | 'contains'; text: string }
  | { kind: 'attribute'; key: string; op: 'before' | 'after'; date: string }
  | { kind: 'attribute'; key: string; op: 'atLeast' | 'atMost'; number: number }
  | { kind: 'attribute'; key: string; op: 'isSet' | 'isNotSet' };

/** A definition as stored and as the API shows it. */
export interface SegmentDefinition {
  match: 'all' | 'any';
  conditions: { field: string; op: SegmentOp; value?: unknown }[];
}

export interface CheckedDefinition {
  match: 'all' | 'any';
  conditions: Condition[];
  /** The definition as given (normalised), to store. */
  stored: SegmentDefinition;
}

const kindOf = (field: string): { kind: SegmentFieldKind; key?: string } | null => {
  const a = ATTRIBUTE_KEY.exec(field);
  if (a) return { kind: 'attribute', key: a[1]! };
  return (SEGMENT_FIELDS as readonly string[]).includes(field) && field !== 'attribute' ? { kind: field as SegmentFieldKind } : null;
};

const isDate = (s: string) => {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
};

/** One condition, or the problem with it (`conditions.N.value` names the field for the API). */
function checkCondition(c: { field: string; op: SegmentOp; value?: unknown }, i: number): Condition | FieldProblem {
  const at = (part: string) => `conditions.${i}.${part}`;
  const f = kindOf(c.field);
  if (!f) return fieldProblem(at('field'), 'segments.problem.field', { field: c.field.slice(0, 80) });
  if (!OPS_OF[f.kind].includes(c.op)) return fieldProblem(at('op'), 'segments.problem.op', { op: c.op, ops: OPS_OF[f.kind].join(', ') });
  const v = c.value;
  const text = (max: number, re?: RegExp) => (typeof v === 'string' && v.length >= 1 && v.length <= max && (!re || re.test(v)) ? v : null);
  const bad = (key: Parameters<typeof fieldProblem>[1]) => fieldProblem(at('value'), key);
  switch (f.kind) {
    case 'tag': {
      // `contains`: the subscriber's tags contain this one (the same as `is`).
      if (c.op === 'is' || c.op === 'isNot' || c.op === 'contains') {
        const tag = text(100, TAG);
        return tag ? { kind: 'tag', op: c.op === 'isNot' ? 'isNot' : 'is', tag } : bad('segments.problem.tag');
      }
      const ok = Array.isArray(v) && v.length >= 1 && v.length <= 100 && v.every((t) => typeof t === 'string' && TAG.test(t));
      return ok ? { kind: 'tag', op: c.op as 'anyOf', tags: [...new Set(v as string[])] } : bad('segments.problem.tags');
    }
    case 'status':
      return typeof v === 'string' && (STATUSES as string[]).includes(v)
        ? { kind: 'status', op: c.op as 'is', status: v as SubscriberStatus }
        : bad('segments.problem.status');
    case 'language': {
      const l = text(35, LANGUAGE);
      return l ? { kind: 'language', op: c.op as 'is', language: l } : bad('segments.problem.language');
    }
    case 'subscribedAt': {
      const s = text(40);
      return s && (isDate(s) || (INSTANT.test(s) && !Number.isNaN(Date.parse(s))))
        ? { kind: 'subscribedAt', op: c.op as 'before', at: s }
        : bad('segments.problem.date');
    }
    case 'openedLastIssues':
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 50
        ? { kind: 'openedLastIssues', op: 'atLeast', issues: v }
        : bad('segments.problem.issues');
    case 'topic': {
      const k = text(64);
      return k ? { kind: 'topic', op: c.op as 'is', key: k } : bad('segments.problem.topic');
    }
    case 'attribute': {
      const key = f.key!;
      switch (c.op) {
        case 'isSet':
        case 'isNotSet':
          return { kind: 'attribute', key, op: c.op };
        case 'before':
        case 'after':
          return typeof v === 'string' && isDate(v) ? { kind: 'attribute', key, op: c.op, date: v } : bad('segments.problem.attributeDate');
        case 'atLeast':
        case 'atMost': {
          const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d{1,15}(\.\d{1,15})?\s*$/.test(v) ? Number(v) : Number.NaN;
          return Number.isFinite(n) && Math.abs(n) < 1e15 ? { kind: 'attribute', key, op: c.op, number: n } : bad('segments.problem.number');
        }
        default: {
          const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'boolean' ? String(v) : text(500);
          return s !== null && s.length >= 1 && s.length <= 500 ? { kind: 'attribute', key, op: c.op as 'is', text: s } : bad('segments.problem.text');
        }
      }
    }
  }
}

/** Checks a definition (the shape with zod, then each condition against its field and op); 422 listing every problem. */
export function checkDefinition(input: unknown): CheckedDefinition {
  const raw = parseOrThrow(rawDefinition, input);
  return checkConditions(raw);
}

export function checkConditions(raw: { match: 'all' | 'any'; conditions: { field: string; op: SegmentOp; value?: unknown }[] }): CheckedDefinition {
  const problems: FieldProblem[] = [];
  const conditions: Condition[] = [];
  raw.conditions.forEach((c, i) => {
    const r = checkCondition(c, i);
    if ('said' in r) problems.push(r);
    else conditions.push(r);
  });
  if (problems.length) throw AppError.validation(problems);
  return {
    match: raw.match,
    conditions,
    stored: { match: raw.match, conditions: raw.conditions.map((c) => ({ field: c.field, op: c.op, ...(c.value === undefined ? {} : { value: c.value }) })) },
  };
}

/** Who an issue goes to, as stored on the issue when it is scheduled (`issues.audience`); null: the whole list. */
export interface Audience {
  segment?: { id: number; name: string; definition: SegmentDefinition };
  topics?: { id: number; key: string; name: string }[];
}

/** The audience stored on an issue, checked again (a stored definition is only ever one that was checked). */
export function storedAudience(v: unknown): { audience: Audience; checked: CheckedDefinition | null } | null {
  if (!v || typeof v !== 'object') return null;
  const a = v as Audience;
  const checked = a.segment ? checkDefinition(a.segment.definition) : null;
  if (!checked && !a.topics?.length) return null;
  return { audience: a, checked };
}

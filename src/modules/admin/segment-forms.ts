/**
 * The segment builder's form (issue 24) → a definition for SegmentsService, and the schedule
 * form's audience. Rows are `field.N`, `attr.N` (an attribute's key), `op.N`, `value.N`; a row
 * without a field is ignored. Values are read as the op wants them (lists split on commas,
 * numbers as numbers); the service checks everything again.
 */
import type { BuilderRow, BuilderState } from '../../ui/admin/segments.tsx';
import type { Fields } from './forms.ts';

const MAX_ROWS = 50;
const LIST_OPS = new Set(['anyOf', 'allOf', 'noneOf']);
const NO_VALUE_OPS = new Set(['isSet', 'isNotSet']);

export function builderRows(f: Fields): BuilderRow[] {
  const idx = Object.keys(f)
    .map((k) => /^field\.(\d{1,3})$/.exec(k)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
    .slice(0, MAX_ROWS);
  return idx.map((i) => ({ field: f[`field.${i}`] ?? '', attr: (f[`attr.${i}`] ?? '').trim(), op: f[`op.${i}`] ?? '', value: f[`value.${i}`] ?? '' }));
}

export function builderState(f: Fields, id?: number): BuilderState {
  return { ...(id ? { id } : {}), name: (f.name ?? '').slice(0, 200), match: f.match === 'any' ? 'any' : 'all', rows: builderRows(f) };
}

/** A row as a condition `{field, op, value}`. */
function conditionOf(r: BuilderRow): { field: string; op: string; value?: unknown } {
  const field = r.field === 'attribute' ? `attribute.${r.attr}` : r.field;
  if (NO_VALUE_OPS.has(r.op)) return { field, op: r.op };
  const raw = r.value.trim();
  if (LIST_OPS.has(r.op))
    return {
      field,
      op: r.op,
      value: raw
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    };
  if (r.field === 'openedLastIssues' && /^\d{1,6}$/.test(raw)) return { field, op: r.op, value: Number(raw) };
  return { field, op: r.op, value: raw };
}

/** The definition the builder holds: `{name, match, conditions}`. */
export function definitionOf(s: BuilderState): { name: string; match: 'all' | 'any'; conditions: { field: string; op: string; value?: unknown }[] } {
  return { name: s.name, match: s.match, conditions: s.rows.filter((r) => r.field).map(conditionOf) };
}

/** The builder's add and remove buttons (`action` = `add` | `remove.N`), without JavaScript: the rows after the click. */
export function applyRowAction(s: BuilderState, action: string | undefined): BuilderState | null {
  if (action === 'add') return { ...s, rows: [...s.rows, { field: 'tag', attr: '', op: 'is', value: '' }].slice(0, MAX_ROWS) };
  const m = /^remove\.(\d{1,3})$/.exec(action ?? '');
  if (m) {
    const drop = Number(m[1]);
    return { ...s, rows: s.rows.filter((_, i) => i !== drop) };
  }
  return null;
}

/** The schedule form's audience: `segment` (an id, empty for the whole list) and ticked `topic.ID` boxes. */
export function audienceForm(f: Fields): { segment?: number; topics?: number[] } {
  const seg = /^\d{1,9}$/.test(f.segment ?? '') ? Number(f.segment) : undefined;
  const topics = Object.keys(f)
    .map((k) => /^topic\.(\d{1,9})$/.exec(k)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
    .slice(0, 50);
  return { ...(seg ? { segment: seg } : {}), ...(topics.length ? { topics } : {}) };
}

/**
 * CSV in and out for subscriber lists. Import streams the request body through csv-parse's
 * WHATWG TransformStream (no Node streams: it runs in workerd too) and hands rows on in chunks;
 * export writes keyset-paged batches into a ReadableStream. Memory stays flat either way, except
 * for the addresses already seen in the file (to report duplicates), kept as 53-bit hashes in a
 * typed array: 16 bytes an address instead of about 150 for a Set of strings (a million-row file
 * held some 330 MB more at its end than at its start).
 */
import { CsvError, parse } from 'csv-parse/stream';
import { AppError } from '../../lib/errors.ts';
import { parseAddress, personName } from '../../lib/validation.ts';
import { en, type Message, msg } from '../../i18n/index.ts';
import { type ColumnTarget, defaultTarget, splitTags } from '../../lib/csv-columns.ts';
import { checkValue, cleanTag, MAX_TAGS, type SubscriberField } from './fields.ts';
import type { ImportMapping } from './fields-service.ts';

export { mapHeader } from '../../lib/csv-columns.ts';

/** An attribute column of the file: the parser's column id, its key and header, and its field (undefined: not defined yet, read as text). */
export interface AttributeColumn {
  col: string;
  key: string;
  header: string;
  field: Pick<SubscriberField, 'key' | 'type' | 'choices'> | undefined;
}

/** What the reader makes of the header: the attribute columns (known and new fields) and the tag columns. */
export interface ColumnPlan {
  attributes: AttributeColumn[];
  tags: string[];
}

/**
 * Each header's role: the mapping's choice when it names the header, else what the header says
 * (`defaultTarget`). Only the first column of email, name and language counts, and of each key.
 */
export function planColumns(
  header: string[],
  mapping: ImportMapping | null,
  fields: SubscriberField[],
): { ids: (string | false)[]; plan: ColumnPlan; hasEmail: boolean } {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const taken = new Set<string>();
  const plan: ColumnPlan = { attributes: [], tags: [] };
  const ids = header.map((raw, i): string | false => {
    const h = String(raw);
    const target: ColumnTarget = (mapping && Object.hasOwn(mapping.columns, h) ? mapping.columns[h] : undefined) ?? defaultTarget(h);
    if (target === 'ignore') return false;
    if (target === 'tags') {
      plan.tags.push(`t${i}`);
      return `t${i}`;
    }
    if (target.startsWith('attribute:')) {
      const key = target.slice('attribute:'.length);
      if (taken.has(`a:${key}`)) return false;
      taken.add(`a:${key}`);
      plan.attributes.push({ col: `a${i}`, key, header: h, field: byKey.get(key) });
      return `a${i}`;
    }
    if (taken.has(target)) return false;
    taken.add(target);
    return target;
  });
  return { ids, plan, hasEmail: taken.has('email') };
}

export interface CsvRow {
  line: number;
  email: string;
  normalized: string;
  name: string | null;
  language: string | null;
  /** Attribute values by key (null when the row has none). */
  attributes: Record<string, string | number> | null;
  tags: string[] | null;
}

export interface CsvReadResult {
  /** Data rows read (the header is not a row; blank lines are not rows). */
  total: number;
  duplicates: number;
  /** The first rows that could not be imported, each once, with what is wrong (a catalog message). */
  errors: { line: number; said: Message }[];
  errorCount: number;
  /** The first rows imported with a remark (an unknown language code, left out). */
  notes: { line: number; said: Message }[];
  noteCount: number;
}

const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$/;
const MAX_ERRORS_LISTED = 100;

/**
 * A row's language as a canonical tag (`ZH-cn` → `zh-CN`), or null when it is not one whose
 * language Intl knows (`klingon`, `zz`, `english`): the row then takes the newsletter's language.
 */
export function importLanguage(raw: string): string | null {
  const cached = languages.get(raw);
  if (cached !== undefined) return cached;
  let tag: string | null = null;
  if (raw.length <= 35 && /^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$/.test(raw)) {
    try {
      const canonical = Intl.getCanonicalLocales(raw)[0] ?? '';
      languageNames ??= new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
      if (LANGUAGE_TAG.test(canonical) && languageNames.of(new Intl.Locale(canonical).language)) tag = canonical;
    } catch {
      tag = null;
    }
  }
  if (languages.size < 1000) languages.set(raw, tag);
  return tag;
}
let languageNames: Intl.DisplayNames | undefined;
/** A file holds a handful of different language codes: each is checked once. */
const languages = new Map<string, string | null>();

/**
 * What csv-parse's error code means for the person whose file it is, in words (its own messages
 * are for programmers). An unclosed quotation mark swallows the rest of the file: say which lines.
 */
function parserProblem(code: string | undefined, from: number, to: number): Message {
  if (code === 'CSV_QUOTE_NOT_CLOSED') return to > from ? msg('csvUx.quoteNotClosedRest', { from, to }) : msg('csv.problem.quoteNotClosed');
  if (code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' || code === 'INVALID_OPENING_QUOTE')
    return msg('csv.problem.badQuote');
  if (code === 'CSV_MAX_RECORD_SIZE') return msg('csv.problem.tooLong');
  return msg('csv.problem.malformed');
}

/** A row error or note as the JSON API shows it: its line, a stable code and the English text. */
export const apiRowError = (e: { line: number; said: Message }) => ({ line: e.line, code: e.said.key, message: en().m(e.said) });

/**
 * Reads a CSV body and calls `onChunk` with up to `chunkSize` valid, new rows at a time (awaited,
 * so a slow database slows the reading: back-pressure). Rows with errors are counted and the first
 * hundred listed with their line number.
 */
export async function readSubscriberCsv(
  body: ReadableStream<Uint8Array>,
  o: {
    maxBytes: number;
    chunkSize: number;
    onChunk: (rows: CsvRow[]) => Promise<void> /** after each chunk: rows read so far */;
    onProgress?: (rowsRead: number) => void | Promise<void>;
    /** Which column is what (null: the default: known headers, every other column an attribute). */
    mapping?: ImportMapping | null;
    /** The newsletter's fields: attribute values are checked against their types. */
    fields?: SubscriberField[];
    /** Called once the header is read, before any row is handed on (the service defines new fields here). */
    onHeader?: (plan: ColumnPlan) => Promise<void>;
  },
): Promise<CsvReadResult> {
  let bytes = 0;
  let headerSeen = false;
  const head: { plan: ColumnPlan | null; told: boolean } = { plan: null, told: false };
  let missingEmail = false;
  const result: CsvReadResult = { total: 0, duplicates: 0, errors: [], errorCount: 0, notes: [], noteCount: 0 };
  let lastFailed = -1;
  const fail = (line: number, said: Message) => {
    if (line === lastFailed) return; // one report a row, however many ways it is broken
    lastFailed = line;
    result.errorCount++;
    if (result.errors.length < MAX_ERRORS_LISTED) result.errors.push({ line, said });
  };
  const note = (line: number, said: Message) => {
    result.noteCount++;
    if (result.notes.length < MAX_ERRORS_LISTED) result.notes.push({ line, said });
  };
  // Where each record starts, for its line number: csv-parse says where a record ends (`lines`)
  // and how many blank lines it has skipped so far; a record spanning lines (a quoted line break,
  // an unclosed quotation mark) is reported at its first line, where the person will look. Kept by
  // on_record and on_skip, which the parser calls in the file's order (the records themselves
  // reach the reader later, buffered).
  let endedAt = 1; // the header's line
  let blanksSoFar = 0;
  const startOf = (p: { lines?: number; empty_lines?: number }) => {
    const start = endedAt + 1 + Math.max(0, (p.empty_lines ?? blanksSoFar) - blanksSoFar);
    endedAt = Math.max(start, p.lines ?? start);
    blanksSoFar = p.empty_lines ?? blanksSoFar;
    return start;
  };
  // The file's lines, counted as it passes: an unclosed quotation mark runs to the end of the file.
  let newlines = 0;
  let endsWithNewline = false;
  const lastLine = () => newlines + (endsWithNewline ? 0 : 1);
  const limiter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      bytes += chunk.byteLength;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
      if (chunk.byteLength) endsWithNewline = chunk[chunk.byteLength - 1] === 10;
      if (bytes > o.maxBytes) ctl.error(new AppError('payload_too_large', msg('csv.tooLarge', { bytes: o.maxBytes })));
      else ctl.enqueue(chunk);
    },
  });
  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      headerSeen = true;
      const r = planColumns(header, o.mapping ?? null, o.fields ?? []);
      if (!r.hasEmail) missingEmail = true;
      head.plan = r.plan;
      return r.ids;
    },
    skip_empty_lines: true,
    relax_column_count: true,
    // A quotation mark inside an unquoted field is a character (Jo"hn, "B"x), as in spreadsheets.
    // No `trim`: with it, a stray quotation mark made csv-parse drop every later row without a
    // word; the values are trimmed below instead.
    relax_quotes: true,
    info: true,
    max_record_size: 64 * 1024,
    skip_records_with_error: true,
    on_record: (r: { record: unknown; info: { lines: number; empty_lines: number } }) => ({ ...r, start: startOf(r.info) }),
    on_skip: (err: { code?: string; lines?: number; empty_lines?: number } | undefined) => {
      const start = startOf(err ?? {});
      result.total++;
      fail(start, parserProblem(err?.code, start, Math.min(err?.lines ?? start, lastLine())));
    },
  } as unknown as Parameters<typeof parse>[0]);

  const records = body.pipeThrough(limiter).pipeThrough(parser as unknown as TransformStream<Uint8Array, unknown>);
  const reader = records.getReader();
  const seen = new SeenSet();
  let chunk: CsvRow[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (missingEmail) {
        await reader.cancel().catch(() => {});
        break;
      }
      if (!head.told) {
        head.told = true;
        if (head.plan) await o.onHeader?.(head.plan);
      }
      const { record, start: line } = value as { record: Record<string, string | undefined>; start: number };
      result.total++;
      const rawEmail = (record.email ?? '').trim();
      if (!rawEmail.trim()) {
        fail(line, msg('csv.rowEmpty'));
        continue;
      }
      const addr = parseAddress(rawEmail);
      if (!addr) {
        fail(line, msg('csv.rowInvalid'));
        continue;
      }
      const name = personName((record.name ?? '').trim());
      if (name === undefined) {
        fail(line, msg('csv.rowName'));
        continue;
      }
      let tags: string[] | null = null;
      let attributes: Record<string, string | number> | null = null;
      let bad: Message | null = null;
      const plan = head.plan;
      if (plan) {
        for (const col of plan.tags) {
          const cell = record[col];
          if (!cell) continue;
          const parts = cell.indexOf(',') === -1 && cell.indexOf(';') === -1 && !/[，；、]/.test(cell) ? [cell] : splitTags(cell);
          for (const raw of parts) {
            const tag = cleanTag(raw);
            if (!tag) {
              if (raw.trim()) bad ??= msg('fields.badTag', { tag: raw.slice(0, 40) });
            } else if (!tags) tags = [tag];
            else if (!tags.includes(tag)) tags.push(tag);
          }
        }
        if (tags && tags.length > MAX_TAGS) bad ??= msg('fields.tooManyTags', { max: MAX_TAGS });
        for (const a of plan.attributes) {
          const cell = record[a.col]?.trim();
          if (!cell) continue;
          const c = checkValue(a.field ?? (a.field = { key: a.key, type: 'text', choices: [] }), cell);
          if (!c.ok) {
            bad ??= c.said;
            break;
          }
          (attributes ??= {})[a.key] = c.value;
        }
      }
      if (bad) {
        fail(line, bad);
        continue;
      }
      const rawLanguage = record.language?.trim() || null;
      if (!seen.add(addr.normalized)) {
        result.duplicates++;
        continue;
      }
      const language = rawLanguage ? importLanguage(rawLanguage) : null;
      if (rawLanguage && !language) note(line, msg('csvUx.unknownLanguage', { language: rawLanguage.slice(0, 40) }));
      chunk.push({ line, email: addr.email, normalized: addr.normalized, name, language, attributes, tags });
      if (chunk.length >= o.chunkSize) {
        await o.onChunk(chunk);
        chunk = [];
        await o.onProgress?.(result.total);
      }
    }
  } catch (e) {
    // Not the file's fault (the upload broke off, the reader failed): the import did not finish.
    if (!(e instanceof CsvError)) throw e;
    const err = e as { code?: string; lines?: number; empty_lines?: number };
    // A fatal CSV error: keep what was read, report where it stopped (once: on_skip may have told already).
    const start = endedAt + 1;
    fail(start, msg('csv.stopped', { detail: parserProblem(err.code, start, err.lines ?? start) }));
  } finally {
    reader.releaseLock();
  }
  if (!headerSeen)
    throw new AppError('validation_failed', msg('csv.empty'), {
      fields: [{ field: 'email', message: 'column is required' }],
    });
  if (missingEmail) {
    throw new AppError('validation_failed', msg('csv.noEmailColumn'), {
      fields: [{ field: 'email', message: 'column is required' }],
    });
  }
  if (!head.told && head.plan) await o.onHeader?.(head.plan);
  if (chunk.length) await o.onChunk(chunk);
  await o.onProgress?.(result.total);
  // The parser reports a broken row while rows before it are still on their way: list by line.
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}

/** One CSV field: quoted when needed; a leading = + - @ is defused so spreadsheets do not run it. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: (string | number | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * A set of strings held as 53-bit hashes (open addressing in a Float64Array, at most half full).
 * Two different strings share a hash with probability about n² / 2⁵⁴: for a million addresses, one
 * chance in 18 000 that one row somewhere is wrongly reported as a duplicate.
 */
export class SeenSet {
  private table = new Float64Array(1 << 12);
  private count = 0;

  /** Adds `s`; false if it was there already. */
  add(s: string): boolean {
    const h = hash53(s) || 1; // 0 marks an empty slot
    if (this.insert(this.table, h)) {
      if (++this.count * 2 > this.table.length) this.grow();
      return true;
    }
    return false;
  }

  has(s: string): boolean {
    const h = hash53(s) || 1;
    const t = this.table;
    const mask = t.length - 1;
    for (let i = h % t.length; ; i = (i + 1) & mask) {
      if (t[i] === 0) return false;
      if (t[i] === h) return true;
    }
  }

  get size(): number {
    return this.count;
  }

  private insert(t: Float64Array, h: number): boolean {
    const mask = t.length - 1;
    for (let i = h % t.length; ; i = (i + 1) & mask) {
      if (t[i] === 0) {
        t[i] = h;
        return true;
      }
      if (t[i] === h) return false;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    for (const h of old) if (h !== 0) this.insert(this.table, h);
  }
}

/** cyrb53: a fast, well-mixed 53-bit string hash (not cryptographic). */
function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

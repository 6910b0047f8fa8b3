/**
 * Reads an export file of one format as a stream (csv-parse's WHATWG stream, as csv.ts does: it
 * runs in workerd too) and hands on checked records in chunks; and opens Mailchimp's ZIP (fflate).
 * The rules about what a row means are the format's (mailchimp.ts, substack.ts, listmonk.ts); here,
 * the address, the name and the language are checked the way the CSV import checks them.
 */
import { CsvError, parse } from 'csv-parse/stream';
import { unzipSync } from 'fflate';
import { AppError } from '../../../lib/errors.ts';
import { parseAddress, personName } from '../../../lib/validation.ts';
import { type Message, msg } from '../../../i18n/index.ts';
import { importLanguage, type SeenSet } from '../csv.ts';
import { listmonk } from './listmonk.ts';
import { mailchimp } from './mailchimp.ts';
import { substack } from './substack.ts';
import type { FormatReader, MoveFormat, MoveRow } from './types.ts';

export const FORMAT_READERS: Record<MoveFormat, FormatReader> = { mailchimp, substack, listmonk };

export interface MoveRecord extends MoveRow {
  line: number;
  normalized: string;
  name: string;
}

/** What reading the files found, over every file of one import. */
export interface MoveReadResult {
  total: number;
  duplicates: number;
  errors: { file: string | null; line: number; said: Message }[];
  errorCount: number;
  /** Each file read and what kind it was (Mailchimp: subscribed, unsubscribed, cleaned). */
  files: { name: string | null; kind: string; rows: number }[];
}

const MAX_ERRORS_LISTED = 100;

export const emptyReadResult = (): MoveReadResult => ({ total: 0, duplicates: 0, errors: [], errorCount: 0, files: [] });

/**
 * Reads one CSV of `format`, calling `onChunk` with up to `chunkSize` records at a time (awaited:
 * back-pressure). `seen` spans the files of one import: an address is imported once.
 */
export async function readFormatCsv(
  body: ReadableStream<Uint8Array>,
  o: {
    format: MoveFormat;
    fileName: string | null;
    maxBytes: number;
    chunkSize: number;
    seen: SeenSet;
    result: MoveReadResult;
    onChunk: (records: MoveRecord[]) => Promise<void>;
  },
): Promise<void> {
  const result = o.result;
  let bytes = 0;
  let opened: ReturnType<FormatReader['open']> | null = null;
  const fail = (line: number, said: Message) => {
    result.errorCount++;
    if (result.errors.length < MAX_ERRORS_LISTED) result.errors.push({ file: o.fileName, line, said });
  };
  const limiter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      bytes += chunk.byteLength;
      if (bytes > o.maxBytes) ctl.error(new AppError('payload_too_large', msg('csv.tooLarge', { bytes: o.maxBytes })));
      else ctl.enqueue(chunk);
    },
  });
  const parser = parse({
    bom: true,
    // Rows as arrays (the opener maps the header's names to indexes): objects of some 25 keys a
    // row cost a third of the parsing.
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    info: true,
    max_record_size: 256 * 1024,
    skip_records_with_error: true,
    on_skip: (err: { lines?: number } | undefined) => {
      result.total++;
      fail(err?.lines ?? 0, msg('csv.problem.malformed'));
    },
  } as unknown as Parameters<typeof parse>[0]);
  const reader = body
    .pipeThrough(limiter)
    .pipeThrough(parser as unknown as TransformStream<Uint8Array, unknown>)
    .getReader();
  const file = { name: o.fileName, kind: '', rows: 0 };
  let chunk: MoveRecord[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const { record, info } = value as { record: string[]; info: { lines: number } };
      if (!opened) {
        opened = FORMAT_READERS[o.format].open(record.map(String));
        if ('kind' in opened) file.kind = opened.kind;
        continue;
      }
      const file0 = opened as ReturnType<FormatReader['open']>;
      if (!('read' in file0)) {
        await reader.cancel().catch(() => {});
        break;
      }
      const line = info.lines;
      result.total++;
      file.rows++;
      const row = file0.read(record);
      if ('key' in row) {
        fail(line, row);
        continue;
      }
      if (!row.email) {
        fail(line, msg('csv.rowEmpty'));
        continue;
      }
      const addr = parseAddress(row.email);
      if (!addr) {
        fail(line, msg('csv.rowInvalid'));
        continue;
      }
      const name = personName(row.name);
      if (name === undefined) {
        fail(line, msg('csv.rowName'));
        continue;
      }
      if (!o.seen.add(addr.normalized)) {
        result.duplicates++;
        continue;
      }
      chunk.push({
        ...row,
        line,
        email: addr.email,
        normalized: addr.normalized,
        name: name ?? '',
        language: row.language ? importLanguage(row.language) : null,
      });
      if (chunk.length >= o.chunkSize) {
        await o.onChunk(chunk);
        chunk = [];
      }
    }
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    fail((e as { lines?: number }).lines ?? 0, msg('csv.stopped', { detail: msg('csv.problem.malformed') }));
  } finally {
    reader.releaseLock();
  }
  const got = opened as ReturnType<FormatReader['open']> | null;
  if (!got) throw new AppError('validation_failed', msg('csv.empty'), { fields: [{ field: '(body)', message: 'is empty' }] });
  if (!('read' in got)) throw new AppError('validation_failed', got, { fields: [{ field: '(body)', message: 'is not an export of this format' }] });
  if (chunk.length) await o.onChunk(chunk);
  result.files.push(file);
}

/** True when the bytes start like a ZIP archive (a local file header). */
export const looksLikeZip = (head: Uint8Array) => head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;

/**
 * The CSV files of a ZIP (Mailchimp's audience export), subscribed first, then unsubscribed, then
 * cleaned (by name; their columns decide what each is). A ZIP is read whole (its directory is at
 * its end): bounded by `maxBytes`, and each file by `maxBytes` unpacked.
 */
export function zipCsvFiles(zip: Uint8Array, maxBytes: number): { name: string; data: Uint8Array }[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, { filter: (f) => /\.csv$/i.test(f.name) && !/(^|\/)(__MACOSX|\.)/.test(f.name) && f.originalSize <= maxBytes });
  } catch {
    throw new AppError('validation_failed', msg('audienceMove.badZip'), { fields: [{ field: '(body)', message: 'is not a readable ZIP archive' }] });
  }
  const order = (n: string) => (/clean/i.test(n) ? 2 : /unsub/i.test(n) ? 1 : 0);
  const files = Object.entries(entries)
    .map(([name, data]) => ({ name: name.split('/').pop() ?? name, data }))
    .sort((a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name));
  if (!files.length) throw new AppError('validation_failed', msg('audienceMove.zipNoCsv'), { fields: [{ field: '(body)', message: 'holds no CSV file' }] });
  return files;
}

/** Reads a stream whole, up to `maxBytes` (a ZIP's directory is at its end). */
export async function readAll(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new AppError('payload_too_large', msg('csv.tooLarge', { bytes: maxBytes }));
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export const streamOf = (data: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(ctl) {
      // In pieces, so the parser's stream sees a file as it would arrive.
      for (let i = 0; i < data.byteLength; i += 256 * 1024) ctl.enqueue(data.subarray(i, i + 256 * 1024));
      ctl.close();
    },
  });

/**
 * The audience move: imports of Mailchimp's audience export (the subscribed, unsubscribed and
 * cleaned CSV files, or the ZIP that holds them), Substack's and listmonk's subscriber exports,
 * keeping the consent proof (when and from where each person opted in and confirmed). The rules of
 * the move are MoveRepository's statement (move-repository.ts); here, reading the files, chunking
 * (as SubscriberListService.import does: three statements in flight) and the record of the import.
 */
import { z } from 'zod';
import { type Message, msg } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import { parseOrThrow } from '../../lib/validation.ts';
import type { AuthUser } from '../users/service.ts';
import { SeenSet } from './csv.ts';
import { emptyReadResult, looksLikeZip, type MoveRecord, type MoveReadResult, readAll, readFormatCsv, streamOf, zipCsvFiles } from './import-formats/read.ts';
import { MOVE_FORMATS, type MoveFormat } from './import-formats/types.ts';
import type { SubscriberImportsRepository } from './imports-repository.ts';
import { IMPORT_CHUNK_ROWS, IMPORT_CHUNKS_IN_FLIGHT, IMPORT_MAX_BYTES } from './list-service.ts';
import { MOVE_OUTCOMES, type MoveOutcome, type MoveRepository } from './move-repository.ts';
import type { SubscribersService, SubscribersServiceDeps } from './service.ts';

/** A ZIP is held whole while it is unpacked: smaller than a streamed CSV may be. */
export const MOVE_ZIP_MAX_BYTES = 50 * 1024 * 1024;

const moveInput = z.object({
  format: z.enum(MOVE_FORMATS),
  consentNote: z.string().trim().max(2_000).optional(),
  fileName: z.string().trim().max(200).optional(),
});

export interface MoveResult {
  format: MoveFormat;
  files: MoveReadResult['files'];
  total: number;
  counts: Record<MoveOutcome, number>;
  duplicates: number;
  errors: { file: string | null; line: number; said: Message }[];
  errorCount: number;
}

export class SubscriberMoveService {
  constructor(
    private readonly d: SubscribersServiceDeps,
    private readonly lifecycle: SubscribersService,
    private readonly imports: SubscriberImportsRepository,
    private readonly repo: MoveRepository,
  ) {}

  /**
   * Imports one export file (a CSV, or Mailchimp's ZIP: by `contentType` application/zip or by its
   * first bytes). Re-running it changes nothing. Recorded like the CSV import (subscriber_imports,
   * the audit log).
   */
  async import(
    slug: string,
    body: ReadableStream<Uint8Array> | null,
    input: { format: unknown; consentNote?: unknown; fileName?: unknown; contentType?: string | undefined },
    actor: AuthUser,
  ): Promise<MoveResult> {
    const n = await this.lifecycle.newsletterBySlug(slug);
    const v = parseOrThrow(moveInput, {
      format: input.format,
      ...(input.consentNote ? { consentNote: input.consentNote } : {}),
      ...(input.fileName ? { fileName: input.fileName } : {}),
    });
    if (!body) throw new AppError('validation_failed', msg('csv.noBody'), { fields: [{ field: '(body)', message: 'is empty' }] });
    const now = this.d.clock.now();
    const fileName = v.fileName || null;
    const jobId = await this.imports.start({
      newsletterId: n.id,
      fileName: `${v.format}: ${fileName ?? '-'}`,
      startedBy: actor.email,
      rowsExpected: null,
      now,
    });
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscribers.move.start',
      target: n.slug,
      detail: { import: jobId, format: v.format, file: fileName },
    });
    const counts = Object.fromEntries(MOVE_OUTCOMES.map((k) => [k, 0])) as Record<MoveOutcome, number>;
    const added = () => counts.imported + counts.unsubscribed + counts.suppressed;
    const read = emptyReadResult();
    const seen = new SeenSet();
    let rowsDone = 0;
    const inFlight = new Set<Promise<void>>();
    const state: { failure: { error: unknown } | null } = { failure: null };
    const rethrow = () => {
      if (state.failure) throw state.failure.error;
    };
    const runChunk = async (rows: MoveRecord[], file: string) => {
      const got = await this.repo.importChunk(
        n.id,
        v.format,
        rows.map((r) => ({ ...r, hash: this.lifecycle.addressHash(r.normalized) })),
        { now, consentNote: v.consentNote || null, file },
      );
      for (const k of MOVE_OUTCOMES) counts[k] += got[k];
      rowsDone += rows.length;
      await this.imports.progress(jobId, rowsDone, added(), this.d.clock.now());
    };
    const readOne = (stream: ReadableStream<Uint8Array>, name: string | null) =>
      readFormatCsv(stream, {
        format: v.format,
        fileName: name,
        maxBytes: IMPORT_MAX_BYTES,
        chunkSize: IMPORT_CHUNK_ROWS,
        seen,
        result: read,
        onChunk: async (rows) => {
          rethrow();
          const p: Promise<void> = runChunk(rows, name ?? v.format)
            .catch((error: unknown) => void (state.failure ??= { error }))
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          while (inFlight.size >= IMPORT_CHUNKS_IN_FLIGHT) await Promise.race(inFlight);
          rethrow();
        },
      });
    try {
      const { head, stream } = await peek(body);
      if ((input.contentType ?? '').includes('zip') || looksLikeZip(head)) {
        if (v.format !== 'mailchimp')
          throw new AppError('validation_failed', msg('audienceMove.zipOnlyMailchimp'), {
            fields: [{ field: 'format', message: 'only mailchimp exports are ZIP files' }],
          });
        for (const f of zipCsvFiles(await readAll(stream, MOVE_ZIP_MAX_BYTES), IMPORT_MAX_BYTES)) {
          await readOne(streamOf(f.data), f.name);
          rethrow();
        }
      } else {
        await readOne(stream, fileName);
      }
      await Promise.all(inFlight);
      rethrow();
    } catch (e) {
      await Promise.all(inFlight);
      await this.imports.finish(jobId, {
        state: 'failed',
        rowsRead: rowsDone,
        imported: added(),
        error: e instanceof Error ? e.message : String(e),
        now: this.d.clock.now(),
      });
      throw e;
    }
    await this.imports.finish(jobId, { state: 'done', rowsRead: read.total, imported: added(), now: this.d.clock.now() });
    read.errors.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line);
    const result: MoveResult = {
      format: v.format,
      files: read.files,
      total: read.total,
      counts,
      duplicates: read.duplicates,
      errors: read.errors,
      errorCount: read.errorCount,
    };
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscribers.move',
      target: n.slug,
      detail: { format: v.format, files: read.files, counts, duplicates: read.duplicates, errorCount: read.errorCount, total: read.total },
    });
    return result;
  }
}

/** The first bytes of a stream, and the stream as it was (those bytes first). */
async function peek(body: ReadableStream<Uint8Array>): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array();
  if (first.done) {
    reader.releaseLock();
    return { head, stream: streamOf(head) };
  }
  let sentHead = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (!sentHead) {
        sentHead = true;
        if (head.byteLength) return ctl.enqueue(head);
      }
      const { value, done } = await reader.read();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream };
}

/**
 * The subscriber import's live progress: one JSON object per line — `start` (file size, rows
 * estimated from its line count), `progress` after each chunk of rows (rows read, added), then
 * `done` with the summary and its rendered card, or `error` with a message in the page's language.
 * The import runs while the response streams; on Workers the connection stays open until the
 * body ends (src/worker.ts keeps it for this content type).
 */
import { AppError } from '../../../lib/errors.ts';
import { ImportResultCard } from '../../../ui/admin/import-summary.tsx';
import type { AdminContext } from '../context.ts';
import { internalErrorMessage, pageErrorMessage } from './errors.tsx';
import { apiRowError } from '../../subscribers/csv.ts';
import { countDataRows } from '../../../lib/csv-rows.ts';
import type { ImportMapping } from '../../subscribers/fields-service.ts';

/** An upload as the import reads it: its bytes as they arrive, and what is known of it beforehand. */
export interface Upload {
  stream: ReadableStream<Uint8Array>;
  name?: string | undefined;
  size: number | null;
  /** The data rows it holds, counted before it was sent (the page's script counts them). */
  estimatedRows: number | null;
}

/** A multipart form's file (in memory already): its rows are counted here. */
export async function uploadOfFile(file: File): Promise<Upload> {
  return { stream: file.stream(), name: file.name, size: file.size, estimatedRows: await countDataRows(file.stream()) };
}

export const NDJSON = 'application/x-ndjson';

const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

/** The stream's `error` line. */
export const importErrorLine = (code: string, message: string): string => line({ type: 'error', code, message });

export async function importWithProgress(
  c: AdminContext,
  slug: string,
  upload: Upload,
  consentNote: unknown,
  how: { mapping?: ImportMapping | null; saveMapping?: boolean } = {},
): Promise<Response> {
  const s = c.var.services;
  const v = c.var.view;
  const user = c.var.session!.user;
  const estimatedRows = Math.max(1, upload.estimatedRows ?? 1);
  const size = upload.size;
  const enc = new TextEncoder();
  const out = new ReadableStream<Uint8Array>({
    start(ctl) {
      // The reader may go away (tab closed): the import still finishes, the lines go nowhere.
      const send = (o: Record<string, unknown>) => {
        try {
          ctl.enqueue(enc.encode(line(o)));
        } catch {
          /* stream cancelled */
        }
      };
      // Embedded PGlite answers without real I/O, so the import could run to its end in
      // microtasks alone: yield to the event loop after each line so that it reaches the socket.
      const flush = () => new Promise<void>((r) => setTimeout(r, 0));
      send({ type: 'start', size, estimatedRows });
      void (async () => {
        try {
          await flush();
          const result = await s.subscriberList.import(
            slug,
            upload.stream,
            consentNote,
            user,
            async (p) => {
              send({ type: 'progress', rows: p.rows, imported: p.imported, estimatedRows: Math.max(estimatedRows, p.rows) });
              await flush();
            },
            { name: upload.name, expectedRows: upload.estimatedRows ?? undefined },
            how,
          );
          const card = await Promise.resolve((<ImportResultCard v={v} result={result} />).toString());
          send({ type: 'done', result: { ...result, errors: result.errors.map(apiRowError), notes: result.notes.map(apiRowError) }, html: card });
        } catch (e) {
          if (e instanceof AppError) send({ type: 'error', code: e.code, message: pageErrorMessage(v, e) });
          else {
            s.log.error('admin import error', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
            send({ type: 'error', code: 'internal', message: internalErrorMessage(v) });
          }
        }
        try {
          ctl.close();
        } catch {
          /* stream cancelled */
        }
      })();
    },
  });
  return c.body(out, 200, { 'Content-Type': `${NDJSON}; charset=utf-8`, 'Cache-Control': 'no-store' });
}

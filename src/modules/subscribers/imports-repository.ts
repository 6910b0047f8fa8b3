/** Subscriber imports as recorded jobs (migration 0021): started, moving, finished or failed. */
import type { Db } from '../../db/kysely.ts';

export interface ImportRecord {
  id: string;
  fileName: string | null;
  startedBy: string;
  state: 'running' | 'done' | 'failed';
  rowsRead: number;
  imported: number;
  rowsExpected: number | null;
  error: string | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export class SubscriberImportsRepository {
  constructor(private readonly db: Db) {}

  async start(r: { newsletterId: number; fileName: string | null; startedBy: string; rowsExpected: number | null; now: Date }): Promise<string> {
    const row = await this.db
      .insertInto('subscriber_imports')
      .values({
        newsletter_id: r.newsletterId,
        file_name: r.fileName,
        started_by: r.startedBy,
        state: 'running',
        rows_expected: r.rowsExpected,
        started_at: r.now,
        updated_at: r.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async progress(id: string, rowsRead: number, imported: number, now: Date): Promise<void> {
    await this.db
      .updateTable('subscriber_imports')
      .set({ rows_read: rowsRead, imported, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .execute();
  }

  async finish(id: string, r: { state: 'done' | 'failed'; rowsRead: number; imported: number; error?: string | null; now: Date }): Promise<void> {
    await this.db
      .updateTable('subscriber_imports')
      .set({ state: r.state, rows_read: r.rowsRead, imported: r.imported, error: r.error?.slice(0, 500) ?? null, updated_at: r.now, finished_at: r.now })
      .where('id', '=', id)
      .execute();
  }

  async recent(newsletterId: number, limit: number): Promise<ImportRecord[]> {
    const rows = await this.db
      .selectFrom('subscriber_imports')
      .selectAll()
      .where('newsletter_id', '=', newsletterId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      fileName: r.file_name,
      startedBy: r.started_by,
      state: r.state,
      rowsRead: r.rows_read,
      imported: r.imported,
      rowsExpected: r.rows_expected,
      error: r.error,
      startedAt: new Date(r.started_at),
      updatedAt: new Date(r.updated_at),
      finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    }));
  }
}

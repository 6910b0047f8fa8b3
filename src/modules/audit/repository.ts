import { sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';

export interface AuditEntry {
  userId: number | null;
  /** Who, readable: an email, "cli", "system". */
  actor: string;
  action: string;
  target?: string;
  detail?: Record<string, unknown>;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async record(e: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        user_id: e.userId,
        actor: e.actor,
        action: e.action,
        target: e.target ?? null,
        detail: e.detail ? JSON.stringify(e.detail) : null,
      })
      .execute();
  }

  async list(limit = 100) {
    return this.db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** The newest entry with one of `actions` whose detail names `id` (e.g. an issue's structural changes). */
  async latestFor(actions: string[], id: number) {
    return this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', 'in', actions)
      .where(sql<string>`detail->>'id'`, '=', String(id))
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }
}

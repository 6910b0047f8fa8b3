/** All SQL about subscriber fields (migration 0025) and the attribute values they name. */
import { sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { SubscriberFieldRow, SubscriberFieldType } from '../../db/schema.ts';

export interface NewField {
  key: string;
  labels: Record<string, string>;
  type: SubscriberFieldType;
  choices: string[];
  position?: number | undefined;
}

export class SubscriberFieldsRepository {
  constructor(private readonly db: Db) {}

  list(newsletterId: number): Promise<SubscriberFieldRow[]> {
    return this.db.selectFrom('subscriber_fields').selectAll().where('newsletter_id', '=', newsletterId).orderBy('position').orderBy('key').execute();
  }

  find(newsletterId: number, key: string): Promise<SubscriberFieldRow | undefined> {
    return this.db.selectFrom('subscriber_fields').selectAll().where('newsletter_id', '=', newsletterId).where('key', '=', key).executeTakeFirst();
  }

  /** Inserts fields that do not exist yet (after the last position); returns the ones it inserted. */
  async insertMissing(newsletterId: number, fields: NewField[], now: Date): Promise<SubscriberFieldRow[]> {
    if (fields.length === 0) return [];
    const max = await this.db
      .selectFrom('subscriber_fields')
      .select((eb) => eb.fn.max('position').as('p'))
      .where('newsletter_id', '=', newsletterId)
      .executeTakeFirst();
    const base = Number(max?.p ?? -1) + 1;
    return this.db
      .insertInto('subscriber_fields')
      .values(
        fields.map((f, i) => ({
          newsletter_id: newsletterId,
          key: f.key,
          labels: JSON.stringify(f.labels),
          type: f.type,
          choices: JSON.stringify(f.choices),
          position: f.position ?? base + i,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['newsletter_id', 'key']).doNothing())
      .returningAll()
      .execute();
  }

  update(newsletterId: number, key: string, patch: { labels?: Record<string, string>; choices?: string[]; position?: number }, now: Date) {
    return this.db
      .updateTable('subscriber_fields')
      .set({
        ...(patch.labels ? { labels: JSON.stringify(patch.labels) } : {}),
        ...(patch.choices ? { choices: JSON.stringify(patch.choices) } : {}),
        ...(patch.position !== undefined ? { position: patch.position } : {}),
        updated_at: now,
      })
      .where('newsletter_id', '=', newsletterId)
      .where('key', '=', key)
      .returningAll()
      .executeTakeFirst();
  }

  /** Removes the field and its value from every subscriber of the newsletter, in one transaction; the count of subscribers that held one. */
  async remove(newsletterId: number, key: string): Promise<{ removed: boolean; cleared: number }> {
    return this.db.transaction().execute(async (t) => {
      const r = await t.deleteFrom('subscriber_fields').where('newsletter_id', '=', newsletterId).where('key', '=', key).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return { removed: false, cleared: 0 };
      const u = await t
        .updateTable('subscribers')
        .set({ attributes: sql`attributes - ${key}::text` })
        .where('newsletter_id', '=', newsletterId)
        .where(sql<boolean>`attributes ? ${key}::text`)
        .executeTakeFirst();
      return { removed: true, cleared: Number(u.numUpdatedRows) };
    });
  }
}

import type { Db } from '../../db/kysely.ts';
import type { NewNewsletterRow, NewsletterRow, NewsletterUpdate } from '../../db/schema.ts';

export class NewslettersRepository {
  constructor(private readonly db: Db) {}

  list(): Promise<NewsletterRow[]> {
    return this.db.selectFrom('newsletters').selectAll().orderBy('id').execute();
  }

  count(): Promise<number> {
    return this.db
      .selectFrom('newsletters')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  findBySlug(slug: string): Promise<NewsletterRow | undefined> {
    return this.db.selectFrom('newsletters').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  findById(id: number): Promise<NewsletterRow | undefined> {
    return this.db.selectFrom('newsletters').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Returns undefined when the slug is taken. */
  async insert(row: NewNewsletterRow): Promise<NewsletterRow | undefined> {
    return this.db
      .insertInto('newsletters')
      .values(row)
      .onConflict((oc) => oc.column('slug').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  update(id: number, patch: NewsletterUpdate): Promise<NewsletterRow | undefined> {
    return this.db
      .updateTable('newsletters')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }
}

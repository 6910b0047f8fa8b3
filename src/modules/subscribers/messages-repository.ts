/** A newsletter's own wording of its transactional emails (migration 0027), and admins' notes on people. */
import type { Db } from '../../db/kysely.ts';
import type { NewsletterMessagesTable } from '../../db/schema.ts';

export type MessageKind = NewsletterMessagesTable['kind'];

export interface StoredCustomMessage {
  kind: MessageKind;
  language: string;
  subject: string;
  body: string;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface NoteRow {
  id: string;
  author: string;
  body: string;
  createdAt: Date;
}

export class MessagesRepository {
  constructor(private readonly db: Db) {}

  async list(newsletterId: number): Promise<StoredCustomMessage[]> {
    const rows = await this.db.selectFrom('newsletter_messages').selectAll().where('newsletter_id', '=', newsletterId).execute();
    return rows.map((r) => ({
      kind: r.kind,
      language: r.language,
      subject: r.subject,
      body: r.body,
      updatedBy: r.updated_by,
      updatedAt: new Date(r.updated_at),
    }));
  }

  async get(newsletterId: number, kind: MessageKind, language: string): Promise<{ subject: string; body: string } | undefined> {
    return this.db
      .selectFrom('newsletter_messages')
      .select(['subject', 'body'])
      .where('newsletter_id', '=', newsletterId)
      .where('kind', '=', kind)
      .where('language', '=', language)
      .executeTakeFirst();
  }

  async put(r: { newsletterId: number; kind: MessageKind; language: string; subject: string; body: string; by: string; now: Date }): Promise<void> {
    await this.db
      .insertInto('newsletter_messages')
      .values({ newsletter_id: r.newsletterId, kind: r.kind, language: r.language, subject: r.subject, body: r.body, updated_by: r.by, updated_at: r.now })
      .onConflict((oc) =>
        oc.columns(['newsletter_id', 'kind', 'language']).doUpdateSet({ subject: r.subject, body: r.body, updated_by: r.by, updated_at: r.now }),
      )
      .execute();
  }

  /** True when there was a custom text to remove. */
  async remove(newsletterId: number, kind: MessageKind, language: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('newsletter_messages')
      .where('newsletter_id', '=', newsletterId)
      .where('kind', '=', kind)
      .where('language', '=', language)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- notes on a person ----

  async addNote(subscriberId: string, author: string, body: string, now: Date): Promise<NoteRow> {
    const r = await this.db
      .insertInto('subscriber_notes')
      .values({ subscriber_id: subscriberId, author, body, created_at: now })
      .returning(['id', 'author', 'body', 'created_at'])
      .executeTakeFirstOrThrow();
    return { id: String(r.id), author: r.author, body: r.body, createdAt: new Date(r.created_at) };
  }

  async notes(subscriberId: string): Promise<NoteRow[]> {
    const rows = await this.db.selectFrom('subscriber_notes').selectAll().where('subscriber_id', '=', subscriberId).orderBy('id').execute();
    return rows.map((r) => ({ id: String(r.id), author: r.author, body: r.body, createdAt: new Date(r.created_at) }));
  }
}

import type { StoredMessage } from '../../i18n/index.ts';
import { sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { IssueRow } from '../../db/schema.ts';
import type { IssueContent, IssueStatus, LinkLintEntry } from './model.ts';

export interface NewIssue {
  newsletterId: number;
  /** Absent: the next number after the newsletter's highest. */
  number?: number;
  content: IssueContent;
  lint: LinkLintEntry[];
  warnings: StoredMessage[];
  sourceFormat: string | null;
}

export class IssuesRepository {
  constructor(private readonly db: Db) {}

  /** Inserts with the next free number when none is given; undefined when the number is taken. */
  async insert(i: NewIssue): Promise<IssueRow | undefined> {
    const number = i.number ?? sql<number>`(SELECT coalesce(max(number), 0) + 1 FROM issues WHERE newsletter_id = ${i.newsletterId})`;
    return this.db
      .insertInto('issues')
      .values({
        newsletter_id: i.newsletterId,
        number,
        title: i.content.title,
        content: JSON.stringify(i.content),
        lint: JSON.stringify(i.lint),
        import_warnings: JSON.stringify(i.warnings),
        source_format: i.sourceFormat,
      })
      .onConflict((oc) => oc.columns(['newsletter_id', 'number']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  findById(id: number): Promise<IssueRow | undefined> {
    return this.db.selectFrom('issues').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByNumber(newsletterId: number, number: number): Promise<IssueRow | undefined> {
    return this.db.selectFrom('issues').selectAll().where('newsletter_id', '=', newsletterId).where('number', '=', number).executeTakeFirst();
  }

  list(newsletterId: number, opts: { status?: IssueStatus[]; limit: number; beforeNumber?: number }): Promise<IssueRow[]> {
    let q = this.db.selectFrom('issues').selectAll().where('newsletter_id', '=', newsletterId);
    if (opts.status?.length) q = q.where('status', 'in', opts.status);
    if (opts.beforeNumber !== undefined) q = q.where('number', '<', opts.beforeNumber);
    return q.orderBy('number', 'desc').limit(opts.limit).execute();
  }

  /** Updates content only while the issue is in one of `editable` states; undefined otherwise. */
  /**
   * Stores edited content while the status is one of `editable`; with `expectedUpdatedAt`, only if
   * the row was not saved since (compared to the millisecond, as the API shows it). Undefined when
   * either did not hold.
   */
  updateContent(
    id: number,
    patch: { content: IssueContent; lint: LinkLintEntry[]; number?: number; warnings?: StoredMessage[]; expectedUpdatedAt?: Date },
    editable: IssueStatus[],
  ): Promise<IssueRow | undefined> {
    let q = this.db
      .updateTable('issues')
      .set({
        title: patch.content.title,
        content: JSON.stringify(patch.content),
        lint: JSON.stringify(patch.lint),
        ...(patch.number !== undefined ? { number: patch.number } : {}),
        ...(patch.warnings !== undefined ? { import_warnings: JSON.stringify(patch.warnings) } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('status', 'in', editable);
    if (patch.expectedUpdatedAt) q = q.where(sql`date_trunc('milliseconds', updated_at)`, '=', patch.expectedUpdatedAt);
    return q.returningAll().executeTakeFirst();
  }

  /** Compare-and-set on status: returns the row when it moved, undefined when `from` did not hold. */
  setStatus(id: number, from: IssueStatus[], to: IssueStatus, extra: { sent_at?: Date; published_at?: Date } = {}): Promise<IssueRow | undefined> {
    return this.db
      .updateTable('issues')
      .set({ status: to, updated_at: new Date(), ...extra })
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Files a draft, or a cancelled issue none of which went out, in the archive without a send (a
   * published issue takes the new date); never touches the delivery ledger. Off the monthly slot.
   */
  publish(id: number, publishedAt: Date): Promise<IssueRow | undefined> {
    return this.db
      .updateTable('issues')
      .set({ status: 'published', published_at: publishedAt, send_at: null, time_zone: null, ready_for_slot: false, updated_at: new Date() })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('status', 'in', ['draft', 'published']), eb.and([eb('status', '=', 'cancelled'), eb('started_at', 'is', null)])]))
      .returningAll()
      .executeTakeFirst();
  }

  /** A published issue goes back to being a draft, off the archive; undefined otherwise. */
  unpublish(id: number): Promise<IssueRow | undefined> {
    return this.db
      .updateTable('issues')
      .set({ status: 'draft', published_at: null, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'published')
      .returningAll()
      .executeTakeFirst();
  }

  /** A sent issue's place in the archive: hidden or shown again; its record (ledger, send time) stays. */
  setArchiveHidden(id: number, hidden: boolean): Promise<IssueRow | undefined> {
    return this.db
      .updateTable('issues')
      .set({ archive_hidden: hidden, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'sent')
      .returningAll()
      .executeTakeFirst();
  }

  /** Deletes a draft, or a cancelled issue that never started sending; undefined when neither holds. */
  deleteUnsent(id: number): Promise<{ id: number } | undefined> {
    return this.db
      .deleteFrom('issues')
      .where('id', '=', id)
      .where((eb) => eb.or([eb('status', '=', 'draft'), eb.and([eb('status', '=', 'cancelled'), eb('started_at', 'is', null)])]))
      .returning('id')
      .executeTakeFirst();
  }

  /** A cancelled issue that never started sending becomes a draft again, with no send time; undefined otherwise. */
  reopen(id: number): Promise<IssueRow | undefined> {
    return this.db
      .updateTable('issues')
      .set({ status: 'draft', send_at: null, time_zone: null, ready_for_slot: false, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'cancelled')
      .where('started_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }
}

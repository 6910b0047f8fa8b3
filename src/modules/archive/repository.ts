/**
 * The archive's SQL: which issues readers may see, in publication order, and the search over their
 * articles. One rule of visibility everywhere (list, web version, previous/next, search, feeds, the
 * latest issue): `VISIBLE` below, newest first by `published_at`, then `number`.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/kysely.ts';

/** An archive-visible issue of alias `i`; the partial index issues_archive serves it. */
const VISIBLE = sql`i.status IN ('sent', 'published') AND NOT i.archive_hidden AND i.published_at IS NOT NULL`;

export interface ArchiveIssueRow {
  id: number;
  number: number;
  title: string;
  content: unknown;
  published_at: Date;
  updated_at: Date;
}

/** A place in publication order (the keyset of the list's pages). */
export interface ArchivePosition {
  publishedAt: Date;
  number: number;
}

export interface ArchiveNeighbour {
  number: number;
  title: string;
}

export interface ArchiveDocument {
  section: number;
  article: number;
  title: string;
  body: string;
  titleNorm: string;
  textNorm: string;
  grams: string[];
}

/** One search term: the normalised text to find, and grams every matching document holds. */
export interface SearchTerm {
  text: string;
  grams: string[];
}

/** A place in the search's order: title matches first, then newest issue first, then reading order. */
export interface SearchPosition {
  rank: number;
  publishedAt: Date;
  number: number;
  section: number;
  article: number;
}

export interface SearchHitRow {
  number: number;
  issue_title: string;
  published_at: Date;
  section: number;
  article: number;
  title: string;
  body: string;
  rank: number;
}

const ISSUE_COLUMNS = sql`i.id, i.number, i.title, i.content, i.published_at, i.updated_at`;

export class ArchiveRepository {
  constructor(private readonly db: Db) {}

  /**
   * A page of the list. `older`: issues published before the position (the next page down);
   * `newer`: after it (the page above, returned newest first like every page).
   */
  async list(newsletterId: number, opts: { limit: number; older?: ArchivePosition; newer?: ArchivePosition }): Promise<ArchiveIssueRow[]> {
    if (opts.newer) {
      const p = opts.newer;
      const r = await sql<ArchiveIssueRow>`
        SELECT ${ISSUE_COLUMNS} FROM issues i
        WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE} AND (i.published_at, i.number) > (${p.publishedAt}, ${p.number})
        ORDER BY i.published_at ASC, i.number ASC LIMIT ${opts.limit}`.execute(this.db);
      return r.rows.reverse();
    }
    const after = opts.older ? sql`AND (i.published_at, i.number) < (${opts.older.publishedAt}, ${opts.older.number})` : sql``;
    const r = await sql<ArchiveIssueRow>`
      SELECT ${ISSUE_COLUMNS} FROM issues i
      WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE} ${after}
      ORDER BY i.published_at DESC, i.number DESC LIMIT ${opts.limit}`.execute(this.db);
    return r.rows;
  }

  /** Whether any visible issue sits before (`older`) or after (`newer`) a position. */
  async hasBeyond(newsletterId: number, p: ArchivePosition, direction: 'older' | 'newer'): Promise<boolean> {
    const cmp = direction === 'older' ? sql`<` : sql`>`;
    const r = await sql<{ one: number }>`
      SELECT 1 AS one FROM issues i
      WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE} AND (i.published_at, i.number) ${cmp} (${p.publishedAt}, ${p.number})
      LIMIT 1`.execute(this.db);
    return r.rows.length > 0;
  }

  async findVisible(newsletterId: number, number: number): Promise<ArchiveIssueRow | undefined> {
    const r = await sql<ArchiveIssueRow>`
      SELECT ${ISSUE_COLUMNS} FROM issues i WHERE i.newsletter_id = ${newsletterId} AND i.number = ${number} AND ${VISIBLE}`.execute(this.db);
    return r.rows[0];
  }

  /** The visible issues just before and just after a position, in publication order. */
  async neighbours(newsletterId: number, p: ArchivePosition): Promise<{ older: ArchiveNeighbour | null; newer: ArchiveNeighbour | null }> {
    const r = await sql<ArchiveNeighbour & { side: string }>`
      (SELECT 'older' AS side, i.number, i.title FROM issues i
        WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE} AND (i.published_at, i.number) < (${p.publishedAt}, ${p.number})
        ORDER BY i.published_at DESC, i.number DESC LIMIT 1)
      UNION ALL
      (SELECT 'newer' AS side, i.number, i.title FROM issues i
        WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE} AND (i.published_at, i.number) > (${p.publishedAt}, ${p.number})
        ORDER BY i.published_at ASC, i.number ASC LIMIT 1)`.execute(this.db);
    const pick = (side: string) => {
      const row = r.rows.find((x) => x.side === side);
      return row ? { number: row.number, title: row.title } : null;
    };
    return { older: pick('older'), newer: pick('newer') };
  }

  // ---- search documents -------------------------------------------------------------------

  /**
   * What the search documents lack: visible issues never indexed or indexed from an older version
   * (`stale`), and indexed issues no longer visible (`gone`). One round trip, run before a search.
   */
  async indexState(newsletterId: number): Promise<{ stale: number[]; gone: number[] }> {
    const r = await sql<{ id: number; kind: 'stale' | 'gone' }>`
      SELECT i.id, 'stale' AS kind FROM issues i LEFT JOIN archive_indexed x ON x.issue_id = i.id
        WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE} AND (x.issue_id IS NULL OR x.issue_updated_at <> i.updated_at)
      UNION ALL
      SELECT i.id, 'gone' AS kind FROM archive_indexed x JOIN issues i ON i.id = x.issue_id
        WHERE x.newsletter_id = ${newsletterId} AND NOT (${VISIBLE})`.execute(this.db);
    return { stale: r.rows.filter((x) => x.kind === 'stale').map((x) => x.id), gone: r.rows.filter((x) => x.kind === 'gone').map((x) => x.id) };
  }

  /**
   * Rebuilds one issue's documents from its current content, in one transaction holding the issue's
   * row: the version recorded is the one the documents were made from, whatever an editor does
   * meanwhile. `build` turns the content into documents (the archive service's rules).
   */
  async reindex(issueId: number, build: (content: unknown) => ArchiveDocument[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const issue = (
        await sql<{ newsletter_id: number; content: unknown; updated_at: Date; visible: boolean }>`
          SELECT i.newsletter_id, i.content, i.updated_at, (${VISIBLE}) AS visible FROM issues i WHERE i.id = ${issueId} FOR UPDATE`.execute(trx)
      ).rows[0];
      await sql`DELETE FROM archive_indexed WHERE issue_id = ${issueId}`.execute(trx);
      if (!issue?.visible) return;
      await sql`INSERT INTO archive_indexed (issue_id, newsletter_id, issue_updated_at)
        SELECT id, newsletter_id, updated_at FROM issues WHERE id = ${issueId}`.execute(trx);
      const docs = build(issue.content);
      // A few hundred rows at most per statement keeps the parameter count far below the limit.
      for (let i = 0; i < docs.length; i += 200) {
        await trx
          .insertInto('archive_documents')
          .values(
            docs.slice(i, i + 200).map((d) => ({
              issue_id: issueId,
              newsletter_id: issue.newsletter_id,
              section: d.section,
              article: d.article,
              title: d.title,
              body: d.body,
              title_norm: d.titleNorm,
              text_norm: d.textNorm,
              grams: d.grams,
            })),
          )
          .execute();
      }
    });
  }

  /** Forgets the documents of issues no longer visible (their rows are never read: see `search`). */
  async forget(issueIds: number[]): Promise<void> {
    if (issueIds.length) await this.db.deleteFrom('archive_indexed').where('issue_id', 'in', issueIds).execute();
  }

  /**
   * Articles of visible issues holding every term: the GIN index on `grams` narrows, `strpos` on the
   * normalised text decides. Ranked by how many terms the article's title holds, then newest issue
   * first, then reading order; `after` continues from a previous page.
   */
  async search(newsletterId: number, terms: SearchTerm[], opts: { limit: number; after?: SearchPosition }): Promise<SearchHitRow[]> {
    const grams = [...new Set(terms.flatMap((t) => t.grams))];
    const gramFilter = grams.length ? sql`AND d.grams @> ${sql.val(grams)}::text[]` : sql``;
    const matches = sql.join(
      terms.map((t) => sql`strpos(d.text_norm, ${t.text}) > 0`),
      sql` AND `,
    );
    const rank: RawBuilder<number> = sql`(${sql.join(
      terms.map((t) => sql`(strpos(d.title_norm, ${t.text}) > 0)::int`),
      sql` + `,
    )})`;
    const a = opts.after;
    const keyset = a
      ? sql`WHERE (q.rank < ${a.rank}
          OR (q.rank = ${a.rank} AND (q.published_at, q.number) < (${a.publishedAt}, ${a.number}))
          OR (q.rank = ${a.rank} AND q.published_at = ${a.publishedAt} AND q.number = ${a.number} AND (q.section, q.article) > (${a.section}, ${a.article})))`
      : sql``;
    const r = await sql<SearchHitRow>`
      SELECT * FROM (
        SELECT i.number, i.title AS issue_title, i.published_at, d.section, d.article, d.title, d.body, ${rank} AS rank
        FROM archive_documents d JOIN issues i ON i.id = d.issue_id
        WHERE d.newsletter_id = ${newsletterId} ${gramFilter} AND ${matches} AND ${VISIBLE}
      ) q ${keyset}
      ORDER BY q.rank DESC, q.published_at DESC, q.number DESC, q.section ASC, q.article ASC
      LIMIT ${opts.limit}`.execute(this.db);
    return r.rows.map((row) => ({ ...row, rank: Number(row.rank) }));
  }

  /** The benchmark's baseline: a plain ILIKE scan over the issues' stored content. */
  async scanBaseline(newsletterId: number, words: string[], limit: number): Promise<number> {
    const conds = sql.join(
      words.map((w) => sql`i.content::text ILIKE ${`%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`),
      sql` AND `,
    );
    const r = await sql<{ number: number }>`
      SELECT i.number FROM issues i WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE} AND ${conds}
      ORDER BY i.published_at DESC, i.number DESC LIMIT ${limit}`.execute(this.db);
    return r.rows.length;
  }
}

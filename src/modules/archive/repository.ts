/**
 * The archive's SQL: which issues readers may see, in publication order, and the search over their
 * articles. One rule of visibility everywhere (list, web version, previous/next, search, feeds, the
 * latest issue): `VISIBLE` below, newest first by `published_at`, then `number`.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { Database } from '../../db/schema.ts';

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

/** A tsquery holding every gram (quoted lexemes: a quote or backslash doubled), as a parameter. */
function gramQuery(grams: string[]): string {
  return grams.map((g) => `'${g.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' & ');
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
        WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE}
          AND (x.issue_id IS NULL OR x.issue_updated_at <> i.updated_at OR x.published_at <> i.published_at OR x.number <> i.number)
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
        await sql<{ newsletter_id: number; content: unknown; published_at: Date; number: number; visible: boolean }>`
          SELECT i.newsletter_id, i.content, i.published_at, i.number, (${VISIBLE}) AS visible FROM issues i WHERE i.id = ${issueId} FOR UPDATE`.execute(trx)
      ).rows[0];
      await sql`DELETE FROM archive_indexed WHERE issue_id = ${issueId}`.execute(trx);
      if (!issue?.visible) return;
      await sql`INSERT INTO archive_indexed (issue_id, newsletter_id, issue_updated_at, published_at, number)
        SELECT id, newsletter_id, updated_at, published_at, number FROM issues WHERE id = ${issueId}`.execute(trx);
      const docs = build(issue.content);
      // A few hundred rows at most per statement keeps the parameter count far below the limit.
      for (let i = 0; i < docs.length; i += 200) {
        const chunk = docs.slice(i, i + 200);
        const key = (d: ArchiveDocument) => ({ issue_id: issueId, section: d.section, article: d.article });
        await trx
          .insertInto('archive_documents')
          .values(
            chunk.map((d) => ({
              ...key(d),
              newsletter_id: issue.newsletter_id,
              published_at: issue.published_at,
              number: issue.number,
              title_norm: d.titleNorm,
              grams: sql<string>`array_to_tsvector(${sql.val(d.grams)}::text[])`,
            })),
          )
          .execute();
        await trx
          .insertInto('archive_texts')
          .values(chunk.map((d) => ({ ...key(d), title: d.title, body: d.body, text_norm: d.textNorm })))
          .execute();
      }
    });
  }

  /**
   * Refreshes the planner's statistics of the search documents after many changed: PGlite has no
   * autovacuum, and without them the planner would not know the GIN index narrows.
   */
  async analyze(): Promise<void> {
    await sql`ANALYZE archive_documents`.execute(this.db);
    await sql`ANALYZE archive_texts`.execute(this.db);
    await sql`ANALYZE archive_indexed`.execute(this.db);
    await sql`ANALYZE issues`.execute(this.db);
  }

  /** Forgets the documents of issues no longer visible (their rows are never read: see `search`). */
  async forget(issueIds: number[]): Promise<void> {
    if (issueIds.length) await this.db.deleteFrom('archive_indexed').where('issue_id', 'in', issueIds).execute();
  }

  /**
   * Articles of visible issues holding every term: the GIN index on `grams` narrows (every gram of every term), `strpos` on the
   * normalised text decides. Ranked by how many terms the article's title holds, then newest issue
   * first, then reading order; `after` continues from a previous page.
   */
  async search(newsletterId: number, terms: SearchTerm[], opts: { limit: number; after?: SearchPosition }): Promise<SearchHitRow[]> {
    const grams = [...new Set(terms.flatMap((t) => t.grams))];
    const gramFilter = grams.length ? sql`AND d.grams @@ ${gramQuery(grams)}::tsquery` : sql``;
    const matches = sql.join(
      terms.map((t) => sql`strpos(q.text_norm, ${t.text}) > 0`),
      sql` AND `,
    );
    const rank: RawBuilder<number> = sql`(${sql.join(
      terms.map((t) => sql`(strpos(d.title_norm, ${t.text}) > 0)::int`),
      sql` + `,
    )})`;
    const a = opts.after;
    const keyset = a
      ? sql`WHERE (k.rank < ${a.rank}
          OR (k.rank = ${a.rank} AND (k.published_at, k.number) < (${a.publishedAt}, ${a.number}))
          OR (k.rank = ${a.rank} AND k.published_at = ${a.publishedAt} AND k.number = ${a.number} AND (k.section, k.article) > (${a.section}, ${a.article})))`
      : sql``;
    // The planner prices reading every document (a scan, or a walk of the primary key) as cheap: the
    // table is small, but each row's toasted text and grams are most of the cost. Whenever a term
    // has grams the GIN index is the right path, so the others are priced out for this statement
    // (and `issue_id + 0` keeps the visible issues' list a filter, not a way into the primary key).
    // Candidates (the index's answer: every gram present) are ranked on their short columns first;
    // only then is each one's text read and checked, in rank order, until the page is full: the long
    // text of most candidates is never read (OFFSET 0 keeps the check out of the ranked subquery).
    const order = sql`ORDER BY k.rank DESC, k.published_at DESC, k.number DESC, k.section ASC, k.article ASC`;
    const run = (trx: Db | Transaction<Database>) =>
      sql<SearchHitRow>`
      SELECT k.number, t.issue_title, k.published_at, k.section, k.article, t.title, t.body, k.rank
      FROM (
        SELECT * FROM (
          SELECT d.issue_id, d.section, d.article, d.number, d.published_at, ${rank} AS rank
          FROM archive_documents d
          WHERE d.newsletter_id = ${newsletterId} ${gramFilter}
            AND d.issue_id + 0 = ANY (ARRAY(SELECT i.id FROM issues i WHERE i.newsletter_id = ${newsletterId} AND ${VISIBLE}))
        ) k ${keyset}
        ${order}
        OFFSET 0
      ) k
      CROSS JOIN LATERAL (
        SELECT q.title, q.body, (SELECT i.title FROM issues i WHERE i.id = q.issue_id) AS issue_title FROM archive_texts q
        WHERE q.issue_id = k.issue_id AND q.section = k.section AND q.article = k.article AND ${matches}
      ) t
      ${order}
      LIMIT ${opts.limit}`.execute(trx);
    const r = grams.length
      ? await this.db.transaction().execute(async (trx) => {
          await sql`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)`.execute(trx);
          return run(trx);
        })
      : await run(this.db);
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

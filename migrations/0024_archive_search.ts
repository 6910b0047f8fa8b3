import { sql, type Kysely } from 'kysely';

// The archive's search (issue 21): one search document per article of an archive-visible issue
// (archive_documents, its text in archive_texts). `text_norm` is the article's title, body,
// attribution and source labels, normalised (NFKC, lower case) by the archive service; `grams` holds its distinct two-character grams as the lexemes of a
// tsvector, so a query of any language, Chinese without word spaces included, narrows through the
// GIN index (built into PostgreSQL and PGlite: no extension, no privilege; an AND of plain lexemes
// needs no recheck of the row, unlike an array's @>) before the exact substring check.
// `archive_indexed` says which version of an issue the documents were made from (its updated_at,
// publication date and number, which the documents copy so that ranking reads one table); the
// archive service rebuilds an issue's documents when one of them moves on. Visibility is never
// read from here: every search asks the issues' status and archive_hidden.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE archive_indexed (
    issue_id integer PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    newsletter_id integer NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    issue_updated_at timestamptz NOT NULL,
    published_at timestamptz NOT NULL,
    number integer NOT NULL,
    indexed_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE TABLE archive_documents (
    issue_id integer NOT NULL REFERENCES archive_indexed (issue_id) ON DELETE CASCADE,
    newsletter_id integer NOT NULL,
    section integer NOT NULL,
    article integer NOT NULL,
    published_at timestamptz NOT NULL,
    number integer NOT NULL,
    title_norm text NOT NULL,
    grams tsvector NOT NULL,
    PRIMARY KEY (issue_id, section, article)
  )`.execute(db);
  // The long text apart, so that the rows the index's candidates are ranked on stay a few dozen bytes.
  await sql`CREATE TABLE archive_texts (
    issue_id integer NOT NULL,
    section integer NOT NULL,
    article integer NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    text_norm text NOT NULL,
    PRIMARY KEY (issue_id, section, article),
    FOREIGN KEY (issue_id, section, article) REFERENCES archive_documents (issue_id, section, article) ON DELETE CASCADE
  )`.execute(db);
  await sql`CREATE INDEX archive_documents_grams ON archive_documents USING gin (grams)`.execute(db);
  await sql`CREATE INDEX archive_indexed_newsletter ON archive_indexed (newsletter_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS archive_texts`.execute(db);
  await sql`DROP TABLE IF EXISTS archive_documents`.execute(db);
  await sql`DROP TABLE IF EXISTS archive_indexed`.execute(db);
}

/**
 * One chunk of a CSV import as one statement: each address looked up by index, new ones inserted
 * as active with their consent event, every row counted by outcome. Its own file because the
 * statement is long; SubscribersRepository.importChunk runs it (and again with ON CONFLICT when a
 * concurrent insert raced it).
 */
import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { Database } from '../../db/schema.ts';
import type { ImportRow } from './model.ts';

export interface ImportStatementRow {
  outcome: string;
  n: string;
}

export async function importStatement(
  db: Db | Transaction<Database>,
  newsletterId: number,
  rows: ImportRow[],
  o: { now: Date; consentNote: string; consentTextVersion: number | null },
  onConflict: boolean,
): Promise<ImportStatementRow[]> {
  // Attributes and tags only when the row has some: most files have none, and the JSON stays short.
  const input = JSON.stringify(
    rows.map((r) => ({
      e: r.email,
      n: r.norm,
      nm: r.name,
      l: r.language,
      h: r.hash,
      ...(r.attributes ? { a: r.attributes } : {}),
      ...(r.tags ? { t: r.tags } : {}),
    })),
  );
  const detail = JSON.stringify({ consentNote: o.consentNote });
  const r = await sql<{ outcome: string; n: string }>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS t(e text, n text, nm text, l text, h text, a jsonb, t text[])
    ),
    -- One index probe per row: as a join, the planner (which cannot see how many rows the JSON
    -- holds, nor, mid-import, how many the newsletter has) scanned the newsletter's whole list
    -- for every chunk, so each chunk cost more than the one before.
    classified AS (
      SELECT i.*,
             (SELECT s.status FROM subscribers s WHERE s.newsletter_id = ${newsletterId} AND s.email_normalized = i.n) AS existing,
             EXISTS (SELECT 1 FROM erasure_tombstones t WHERE t.hash = i.h) AS erased
      FROM input i
    ),
    ins AS (
      INSERT INTO subscribers (newsletter_id, email, email_normalized, name, language, status, source, consent_text_version, confirmed_at, created_at, updated_at, attributes, tags)
      SELECT ${newsletterId}, e, n, nm, l, 'active', 'import', ${o.consentTextVersion}::integer, ${o.now}::timestamptz, ${o.now}::timestamptz, ${o.now}::timestamptz,
             coalesce(a, '{}'::jsonb), coalesce(t, '{}'::text[])
      FROM classified WHERE existing IS NULL AND NOT erased
      ${onConflict ? sql`ON CONFLICT (newsletter_id, email_normalized) DO NOTHING` : sql``}
      RETURNING id, email_normalized
    ),
    ev AS (
      INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source, consent_text_version, detail)
      SELECT id, ${newsletterId}, ${o.now}::timestamptz, 'import', 'import', ${o.consentTextVersion}::integer, ${detail}::jsonb FROM ins
    )
    SELECT CASE
             WHEN ins.id IS NOT NULL THEN 'imported'
             WHEN c.erased THEN 'erased'
             WHEN c.existing = 'active' OR c.existing IS NULL THEN 'already_subscribed'
             ELSE c.existing
           END AS outcome,
           count(*) AS n
    FROM classified c LEFT JOIN ins ON ins.email_normalized = c.n
    GROUP BY 1`.execute(db);
  return r.rows;
}

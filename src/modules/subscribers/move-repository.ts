/**
 * The audience move's one statement (Mailchimp, Substack, listmonk exports): a chunk of records
 * looked up by address, new people inserted in the state they had at the source, people who left
 * there moved to unsubscribed or suppressed here, and the consent proof written as events dated
 * when it happened (opt-in, confirmation, leaving), with the IPs the file gives. Set-based: one
 * statement per chunk, whatever its size.
 *
 * Precedence (never resurrect): erased > suppressed > unsubscribed > active and pending. A file can
 * only move someone towards the stronger end: an address unsubscribed or suppressed here stays so
 * even if a "subscribed" file lists it; an unsubscribed or cleaned row moves an active or pending
 * subscriber here to unsubscribed or suppressed, unless they confirmed here after leaving the source
 * (then they came back here, and stay). Pending stays pending on a subscribed row (their
 * confirmation here is theirs to give).
 *
 * Idempotent: an event is written only if the same (subscriber, type, source, time) is not on
 * record; a state is only ever strengthened; so running the same files again changes nothing.
 */
import { sql } from 'kysely';
import type { Db } from '../../db/kysely.ts';
import type { MoveRecord } from './import-formats/read.ts';
import type { MoveFormat } from './import-formats/types.ts';

export const MOVE_OUTCOMES = ['imported', 'unsubscribed', 'suppressed', 'unchanged', 'kept', 'pending', 'erased'] as const;
export type MoveOutcome = (typeof MOVE_OUTCOMES)[number];

export const moveSource = (f: MoveFormat) => `${f}-import` as const;

export class MoveRepository {
  constructor(private readonly db: Db) {}

  async importChunk(
    newsletterId: number,
    format: MoveFormat,
    rows: (MoveRecord & { hash: string })[],
    o: { now: Date; consentNote: string | null; file: string },
  ): Promise<Record<MoveOutcome, number>> {
    const out = Object.fromEntries(MOVE_OUTCOMES.map((k) => [k, 0])) as Record<MoveOutcome, number>;
    if (rows.length === 0) return out;
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    const input = JSON.stringify(
      rows.map((r) => ({
        e: r.email,
        n: r.normalized,
        nm: r.name || null,
        l: r.language,
        h: r.hash,
        st: r.state,
        oa: iso(r.optinAt),
        oi: r.optinIp,
        ca: iso(r.confirmAt),
        ci: r.confirmIp,
        la: iso(r.leftAt),
        lr: r.leftReason,
        tg: r.tags,
        at: r.attributes,
        sid: r.sourceId,
      })),
    );
    const source = moveSource(format);
    const now = o.now;
    const res = await sql<{ outcome: MoveOutcome; n: string }>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${input}::jsonb)
          AS t(e text, n text, nm text, l text, h text, st text, oa timestamptz, oi text, ca timestamptz, ci text, la timestamptz, lr text, tg text[], at jsonb, sid text)
      ),
      classified AS (
        SELECT i.*, x.id AS xid, x.status AS existing, x.since AS here_since,
               EXISTS (SELECT 1 FROM erasure_tombstones t WHERE t.hash = i.h) AS erased
        FROM input i
        -- LIMIT 1 keeps each lookup an index probe: without it the planner (which cannot see how
        -- many rows the JSON holds) hashed the newsletter's whole list for every chunk.
        LEFT JOIN LATERAL (
          SELECT s.id, s.status, coalesce(s.confirmed_at, s.pending_since) AS since FROM subscribers s
          WHERE s.newsletter_id = ${newsletterId} AND s.email_normalized = i.n LIMIT 1
        ) x ON true
      ),
      ins AS (
        INSERT INTO subscribers (newsletter_id, email, email_normalized, name, language, status, source, consent_text_version,
                                 confirmed_at, unsubscribed_at, suppression_reason, created_at, updated_at, tags, attributes)
        SELECT ${newsletterId}, e, n, nm, l, st, ${source}, NULL,
               CASE WHEN st = 'active' THEN coalesce(ca, oa, ${now}::timestamptz) ELSE coalesce(ca, oa) END,
               CASE WHEN st = 'unsubscribed' THEN coalesce(la, ${now}::timestamptz) END,
               CASE WHEN st = 'suppressed' THEN 'hard_bounce' END,
               coalesce(oa, ca, ${now}::timestamptz), ${now}::timestamptz, coalesce(tg, '{}'), coalesce(at, '{}')
        FROM classified WHERE xid IS NULL AND NOT erased
        ON CONFLICT (newsletter_id, email_normalized) DO NOTHING
        RETURNING id, email_normalized
      ),
      upd AS (
        UPDATE subscribers s
        SET status = c.st,
            unsubscribed_at = CASE WHEN c.st = 'unsubscribed' THEN coalesce(c.la, ${now}::timestamptz) ELSE s.unsubscribed_at END,
            suppression_reason = CASE WHEN c.st = 'suppressed' THEN 'hard_bounce' ELSE s.suppression_reason END,
            pending_since = NULL,
            updated_at = ${now}::timestamptz
        FROM classified c
        WHERE s.id = c.xid
          AND ((c.st IN ('unsubscribed', 'suppressed') AND c.existing IN ('active', 'pending')) OR (c.st = 'suppressed' AND c.existing = 'unsubscribed'))
          AND (c.la IS NULL OR c.here_since IS NULL OR c.la >= c.here_since)
        RETURNING s.id
      ),
      -- Whose consent proof is written: the new rows, the moved ones, and those already in the
      -- file's state (their proof, once). Only the columns the events need (not the attributes).
      targets AS (
        SELECT ins.id AS tid, true AS fresh, true AS isnew, c.st, c.oa, c.oi, c.ca, c.ci, c.la, c.lr, c.sid
        FROM classified c JOIN ins ON ins.email_normalized = c.n
        UNION ALL
        SELECT upd.id, true, false, c.st, c.oa, c.oi, c.ca, c.ci, c.la, c.lr, c.sid FROM classified c JOIN upd ON upd.id = c.xid
        UNION ALL
        SELECT c.xid, false, false, c.st, c.oa, c.oi, c.ca, c.ci, c.la, c.lr, c.sid FROM classified c WHERE c.existing = c.st
      ),
      evrows AS (
        SELECT t.tid, t.fresh, t.isnew, t.sid, v.type, v.at, v.ip, v.reason FROM targets t
        CROSS JOIN LATERAL (VALUES
          ('signup', t.oa, t.oi, NULL::text),
          ('confirm', t.ca, t.ci, NULL::text),
          (CASE WHEN t.st = 'suppressed' THEN 'suppress_bounce' ELSE 'unsubscribe' END,
           CASE WHEN t.st <> 'active' THEN (CASE WHEN t.fresh THEN coalesce(t.la, ${now}::timestamptz) ELSE t.la END) END, NULL::text, t.lr),
          ('import', CASE WHEN t.fresh AND t.oa IS NULL AND t.ca IS NULL THEN ${now}::timestamptz END, NULL::text, NULL::text)
        ) AS v(type, at, ip, reason)
        WHERE v.at IS NOT NULL
      ),
      ev AS (
        INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source, ip, detail)
        SELECT e.tid, ${newsletterId}, e.at, e.type, ${source}, e.ip,
               jsonb_strip_nulls(jsonb_build_object('from', ${format}::text, 'file', ${o.file}::text, 'sourceId', e.sid, 'reason', e.reason, 'consentNote', ${o.consentNote}::text))
        FROM evrows e
        -- A new row has no events yet; for the others, one probe of the subscriber's events each
        -- (LIMIT 1 again: as an anti-join the planner sorted every event of the newsletter).
        WHERE e.isnew OR NOT EXISTS (
          SELECT 1 FROM (
            SELECT 1 FROM subscriber_events p WHERE p.subscriber_id = e.tid AND p.type = e.type AND p.source = ${source} AND p.at = e.at LIMIT 1
          ) x
        )
        ORDER BY e.tid, e.at
      )
      SELECT CASE
               WHEN ins.id IS NOT NULL THEN (CASE WHEN c.st = 'active' THEN 'imported' ELSE c.st END)
               WHEN c.erased AND c.xid IS NULL THEN 'erased'
               WHEN upd.id IS NOT NULL THEN c.st
               WHEN c.existing IS NULL OR c.existing = c.st THEN 'unchanged'
               WHEN c.existing = 'pending' AND c.st = 'active' THEN 'pending'
               ELSE 'kept'
             END AS outcome,
             count(*) AS n
      FROM classified c
      LEFT JOIN ins ON ins.email_normalized = c.n
      LEFT JOIN upd ON upd.id = c.xid
      GROUP BY 1`.execute(this.db);
    for (const r of res.rows) out[r.outcome] += Number(r.n);
    return out;
  }
}

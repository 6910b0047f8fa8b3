/**
 * A public signup as one statement (rate limits, insert or resubscribe, consent event, confirmation
 * job), for a group of signups at once: SubscribersRepository.signup groups concurrent ones (group
 * commit in the application) and runs this. Its own file because the statement is long; the
 * grouping, the retries and the results' meaning are documented on SubscribersRepository.signup.
 */
import { sql, type Transaction } from 'kysely';
import { PREPARED, type Db } from '../../db/kysely.ts';
import type { Database } from '../../db/schema.ts';
import { RATE_LIMIT_SHARDS } from '../rate-limits/repository.ts';
import type { EventSource } from './model.ts';

export interface SignupRequest {
  newsletterId: number;
  email: string;
  norm: string;
  name: string | null;
  language: string | null;
  source: EventSource;
  ip: string | null;
  userAgent: string | null;
  now: Date;
  resendIntervalMs: number;
  limits: { ipKey: string; ipMax: number; addressKey: string; addressMax: number; windowMs: number } | null;
  job: { kind: string; dedupePrefix: string } | null;
}

export type SignupResult =
  | { kind: 'limited'; which: 'ip' | 'address'; resetAt: Date }
  | { kind: 'raced' }
  | { kind: 'done'; confirmId: string | null; jobInserted: boolean };

export async function signupStatement(db: Db | Transaction<Database>, batch: SignupRequest[]): Promise<SignupResult[]> {
  // One counter shard per IP per statement (a group locks one row per IP, not one per signup).
  const shards = new Map<string, string>();
  const ipHitKey = (ipKey: string) => {
    let k = shards.get(ipKey);
    if (!k) shards.set(ipKey, (k = `${ipKey}#${Math.floor(Math.random() * RATE_LIMIT_SHARDS)}`));
    return k;
  };
  const windowStart = (s: SignupRequest) => (s.limits ? new Date(Math.floor(s.now.getTime() / s.limits.windowMs) * s.limits.windowMs) : s.now);
  const col = <T>(f: (s: SignupRequest) => T) => batch.map(f);
  // Each array goes in as `(SELECT $n)`: a bare array parameter shows its length to the planner,
  // so PostgreSQL planned this statement anew at every call (3.7 ms) instead of keeping its plan.
  const r = await sql<{
    r_ip_ok: boolean;
    r_address_ok: boolean;
    r_existed: boolean;
    r_inserted: boolean;
    r_confirm_id: string | null;
    r_job_inserted: boolean;
  }>`${sql.raw(PREPARED)}
    WITH i AS (
      SELECT * FROM unnest(
        (SELECT ${col((s) => s.newsletterId)}::int[]), (SELECT ${col((s) => s.email)}::text[]), (SELECT ${col((s) => s.norm)}::text[]), (SELECT ${col((s) => s.name)}::text[]),
        (SELECT ${col((s) => s.language)}::text[]), (SELECT ${col((s) => s.source)}::text[]), (SELECT ${col((s) => s.ip)}::text[]), (SELECT ${col((s) => s.userAgent)}::text[]),
        (SELECT ${col((s) => s.now.toISOString())}::timestamptz[]), (SELECT ${col((s) => new Date(s.now.getTime() - s.resendIntervalMs).toISOString())}::timestamptz[]),
        (SELECT ${col((s) => s.limits?.ipKey ?? null)}::text[]), (SELECT ${col((s) => (s.limits ? ipHitKey(s.limits.ipKey) : null))}::text[]), (SELECT ${col((s) => s.limits?.ipMax ?? null)}::bigint[]),
        (SELECT ${col((s) => s.limits?.addressKey ?? null)}::text[]), (SELECT ${col((s) => s.limits?.addressMax ?? null)}::bigint[]), (SELECT ${col((s) => windowStart(s).toISOString())}::timestamptz[]),
        (SELECT ${col((s) => s.job?.kind ?? null)}::text[]), (SELECT ${col((s) => s.job?.dedupePrefix ?? null)}::text[])
      ) WITH ORDINALITY AS i (newsletter_id, email, norm, name, language, source, ip, user_agent, now, resend_before, ip_key, ip_hit_key, ip_max, address_key, address_max, window_start, job_kind, job_prefix, n)
    ),
    -- every signup is one hit on its IP's shard for this statement (one row per IP and window)
    ip_groups AS (
      SELECT i.ip_key, i.ip_hit_key, i.window_start, count(*) AS hits FROM i WHERE i.ip_hit_key IS NOT NULL GROUP BY 1, 2, 3
    ),
    ip_hit AS (
      INSERT INTO rate_limits AS rl (key, window_start, count)
      SELECT g.ip_hit_key, g.window_start, g.hits FROM ip_groups g
      ON CONFLICT (key, window_start) DO UPDATE SET count = rl.count + excluded.count
      RETURNING rl.key, rl.window_start, rl.count
    ),
    -- the IP's other shards: one primary-key probe each (the window index would visit every key of the hour)
    ip_others AS (
      SELECT g.ip_hit_key, g.window_start, coalesce(sum((SELECT r.count FROM rate_limits r WHERE r.key = g.ip_key || '#' || k AND r.window_start = g.window_start)), 0) AS n
      FROM ip_groups g CROSS JOIN generate_series(0, ${sql.lit(RATE_LIMIT_SHARDS - 1)}) AS k
      WHERE g.ip_key || '#' || k <> g.ip_hit_key
      GROUP BY 1, 2
    ),
    -- as if one after another: the k-th signup of an IP in this group sees k hits of the group
    ip_gate AS (
      SELECT i.*, i.ip_hit_key IS NULL OR
        h.count - g.hits + o.n + row_number() OVER (PARTITION BY i.ip_hit_key, i.window_start ORDER BY i.n) <= i.ip_max AS ip_ok
      FROM i
      LEFT JOIN ip_groups g ON g.ip_hit_key = i.ip_hit_key AND g.window_start = i.window_start
      LEFT JOIN ip_hit h ON h.key = i.ip_hit_key AND h.window_start = i.window_start
      LEFT JOIN ip_others o ON o.ip_hit_key = i.ip_hit_key AND o.window_start = i.window_start
    ),
    -- only a signup within its IP's limit counts against its address (one address may be in two newsletters of a group)
    address_groups AS (
      SELECT g.address_key, g.window_start, count(*) AS hits FROM ip_gate g WHERE g.ip_hit_key IS NOT NULL AND g.ip_ok GROUP BY 1, 2
    ),
    address_hit AS (
      INSERT INTO rate_limits AS rl (key, window_start, count)
      SELECT a.address_key, a.window_start, a.hits FROM address_groups a
      ON CONFLICT (key, window_start) DO UPDATE SET count = rl.count + excluded.count
      RETURNING rl.key, rl.window_start, rl.count
    ),
    gate AS (
      SELECT g.*, g.ip_hit_key IS NULL OR (g.ip_ok AND
        h.count - a.hits + row_number() OVER (PARTITION BY g.address_key, g.window_start, g.ip_ok ORDER BY g.n) <= g.address_max) AS address_ok
      FROM ip_gate g
      LEFT JOIN address_groups a ON a.address_key = g.address_key AND a.window_start = g.window_start
      LEFT JOIN address_hit h ON h.key = g.address_key AND h.window_start = g.window_start
    ),
    ok AS (SELECT g.* FROM gate g WHERE g.ip_ok AND g.address_ok),
    consent AS (
      SELECT ct.newsletter_id, max(ct.version) AS version FROM consent_texts ct WHERE ct.newsletter_id IN (SELECT i.newsletter_id FROM i) GROUP BY 1
    ),
    -- Lookups go row by row through an index on what they look up (LATERAL … LIMIT 1, and the
    -- updates' fenced row lists joined on the primary key): the plan is cached per connection, and
    -- one made while the table was still small would otherwise keep scanning it once it is large.
    -- The address lookup's only condition inside its fence (OFFSET 0) is the address, the newsletter
    -- is filtered outside (an address has one row per newsletter): on a small table every index
    -- that starts with newsletter_id costs the same, and a plan once took subscribers_status by
    -- newsletter alone, filtering the whole list by address (2 ms at 3 000 rows). The updates
    -- compare the status with their row list's, not a constant, so that no estimate makes the
    -- subscribers table look small.
    cur AS (
      SELECT o.n, s.id, s.status FROM ok o CROSS JOIN LATERAL (
        SELECT s.id, s.status FROM (SELECT s.id, s.status, s.newsletter_id FROM subscribers s WHERE s.email_normalized = o.norm OFFSET 0) s
        WHERE s.newsletter_id = o.newsletter_id LIMIT 1
      ) s
    ),
    ins AS (
      INSERT INTO subscribers (newsletter_id, email, email_normalized, name, language, status, source, consent_text_version, pending_since, last_confirmation_sent_at, created_at, updated_at)
      SELECT o.newsletter_id, o.email, o.norm, o.name, o.language, 'pending', o.source, c.version, o.now, o.now, o.now, o.now
      FROM ok o LEFT JOIN consent c ON c.newsletter_id = o.newsletter_id
      WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.n = o.n)
      ORDER BY o.n
      ON CONFLICT (newsletter_id, email_normalized) DO NOTHING
      RETURNING subscribers.id, subscribers.newsletter_id, subscribers.email_normalized
    ),
    inserted AS (
      SELECT o.n, x.id FROM ins x JOIN ok o ON o.newsletter_id = x.newsletter_id AND o.norm = x.email_normalized
    ),
    resub AS (
      UPDATE subscribers AS s
      SET status = 'pending', pending_since = u.now, consent_text_version = u.version,
          name = coalesce(u.name, s.name), last_confirmation_sent_at = u.now, updated_at = u.now
      FROM (
        SELECT cur.id, cur.status, cur.n, o.now, o.name, c.version FROM cur JOIN ok o ON o.n = cur.n LEFT JOIN consent c ON c.newsletter_id = o.newsletter_id
        WHERE cur.status = 'unsubscribed' OFFSET 0
      ) u
      WHERE s.id = u.id AND s.status = u.status
      RETURNING s.id, u.n
    ),
    claim AS (
      UPDATE subscribers AS s SET last_confirmation_sent_at = u.now, updated_at = u.now
      FROM (SELECT cur.id, cur.status, cur.n, o.now, o.resend_before FROM cur JOIN ok o ON o.n = cur.n WHERE cur.status = 'pending' OFFSET 0) u
      WHERE s.id = u.id AND s.status = u.status
        AND (s.last_confirmation_sent_at IS NULL OR s.last_confirmation_sent_at <= u.resend_before)
      RETURNING s.id, u.n
    ),
    changed AS (
      SELECT x.n, x.id, 'signup' AS type, NULL::jsonb AS detail FROM inserted x
      UNION ALL SELECT cur.n, cur.id, 'signup', '{"repeated":true}'::jsonb FROM cur WHERE cur.status = 'pending'
      UNION ALL SELECT r.n, r.id, 'resubscribe', NULL FROM resub r
    ),
    ev AS (
      INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source, ip, user_agent, consent_text_version, detail)
      SELECT ch.id, o.newsletter_id, o.now, ch.type, o.source, o.ip, o.user_agent, c.version, ch.detail
      FROM changed ch JOIN ok o ON o.n = ch.n LEFT JOIN consent c ON c.newsletter_id = o.newsletter_id
      ORDER BY ch.n
    ),
    mail AS (
      SELECT x.n, x.id FROM inserted x UNION ALL SELECT r.n, r.id FROM resub r UNION ALL SELECT cl.n, cl.id FROM claim cl
    ),
    job AS (
      INSERT INTO jobs (kind, payload, dedupe_key, run_at)
      SELECT o.job_kind, jsonb_build_object('subscriberId', m.id::text), o.job_prefix || m.id::text || ':' || (extract(epoch FROM o.now) * 1000)::bigint::text, o.now
      FROM mail m JOIN ok o ON o.n = m.n WHERE o.job_kind IS NOT NULL
      ORDER BY m.n
      ON CONFLICT (dedupe_key) WHERE done_at IS NULL AND failed_at IS NULL DO NOTHING
      RETURNING jobs.payload->>'subscriberId' AS subscriber_id
    )
    SELECT g.ip_ok AS r_ip_ok, g.address_ok AS r_address_ok,
           EXISTS (SELECT 1 FROM cur WHERE cur.n = g.n) AS r_existed,
           EXISTS (SELECT 1 FROM inserted x WHERE x.n = g.n) AS r_inserted,
           m.id::text AS r_confirm_id,
           EXISTS (SELECT 1 FROM job j WHERE j.subscriber_id = m.id::text) AS r_job_inserted
    FROM gate g LEFT JOIN mail m ON m.n = g.n
    ORDER BY g.n`.execute(db);
  if (r.rows.length !== batch.length) throw new Error(`signup: ${r.rows.length} results for ${batch.length} signups`);
  return r.rows.map((row, i): SignupResult => {
    const s = batch[i]!;
    const resetAt = () => new Date(windowStart(s).getTime() + s.limits!.windowMs);
    if (!row.r_ip_ok) return { kind: 'limited', which: 'ip', resetAt: resetAt() };
    if (!row.r_address_ok) return { kind: 'limited', which: 'address', resetAt: resetAt() };
    if (!row.r_existed && !row.r_inserted) return { kind: 'raced' };
    return { kind: 'done', confirmId: row.r_confirm_id, jobInserted: row.r_job_inserted };
  });
}

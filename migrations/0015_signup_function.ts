import { sql, type Kysely } from 'kysely';

// A public signup as a database function, so that one statement can run several of them.
//
// The signup was already one statement (SubscribersRepository.signup), but one statement per
// request: under load each signup paid a round trip, a commit with its disk flush, and on this
// class of machine about a millisecond of CPU on each side of the socket. Now concurrent
// signups of one process are grouped (SubscribersRepository keeps one statement in flight and
// sends whatever arrived meanwhile together), and the group's statement calls this
// function once per signup, in order, in one transaction: each call sees the ones before it, so
// two signups of one address in one group behave exactly as two requests one after the other.
//
// The body is the statement it replaces, unchanged in what it does:
// - rate limits (when `ip_hit_key` is given): one hit on the IP's counter shard `ip_hit_key`, the
//   IP's total being the sum of its shards `ip_key#0` … `ip_key#31` (see RATE_LIMIT_SHARDS), and,
//   only when the IP is within `ip_max`, one hit on the address's counter; over either limit,
//   nothing else happens;
// - finds or inserts the address as pending, or moves an unsubscribed one back to pending;
// - appends the consent event (signup, repeated signup, resubscribe) with the newsletter's current
//   consent text version;
// - claims the confirmation email (at most one per address until `resend_before`) and, when
//   `job_kind` is given, inserts its job.
// Active, suppressed and erased rows are left alone and recorded nowhere.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION quire_signup(
      p_newsletter_id integer, p_email text, p_norm text, p_name text, p_language text, p_source text,
      p_ip text, p_user_agent text, p_now timestamptz, p_resend_before timestamptz,
      p_ip_key text, p_ip_hit_key text, p_ip_max bigint, p_address_key text, p_address_max bigint, p_window_start timestamptz,
      p_job_kind text, p_job_dedupe_prefix text
    )
    RETURNS TABLE (r_ip_ok boolean, r_address_ok boolean, r_existed boolean, r_inserted boolean, r_confirm_id text, r_job_inserted boolean)
    LANGUAGE plpgsql VOLATILE AS $fn$
    BEGIN
      RETURN QUERY
      WITH ip_keys AS (
        SELECT p_ip_key || '#' || shard AS key FROM generate_series(0, 31) AS shard WHERE p_ip_hit_key IS NOT NULL
      ),
      ip_hit AS (
        INSERT INTO rate_limits AS rl (key, window_start, count)
        SELECT p_ip_hit_key, p_window_start, 1 WHERE p_ip_hit_key IS NOT NULL
        ON CONFLICT (key, window_start) DO UPDATE SET count = rl.count + 1
        RETURNING rl.key, rl.count
      ),
      ip_total AS (
        -- one primary-key probe per shard (the window index would visit every key of the hour)
        SELECT (SELECT h.count FROM ip_hit h) + coalesce((
          SELECT sum((SELECT r.count FROM rate_limits r WHERE r.key = k.key AND r.window_start = p_window_start))
          FROM ip_keys k WHERE k.key <> p_ip_hit_key
        ), 0) AS n
      ),
      address_hit AS (
        INSERT INTO rate_limits AS rl (key, window_start, count)
        SELECT p_address_key, p_window_start, 1 FROM ip_total t WHERE p_ip_hit_key IS NOT NULL AND t.n <= p_ip_max
        ON CONFLICT (key, window_start) DO UPDATE SET count = rl.count + 1
        RETURNING rl.count
      ),
      gate AS (
        SELECT p_ip_hit_key IS NULL OR (SELECT t.n FROM ip_total t) <= p_ip_max AS ip_ok,
               p_ip_hit_key IS NULL OR coalesce((SELECT a.count FROM address_hit a) <= p_address_max, false) AS address_ok
      ),
      ok AS (SELECT g.ip_ok AND g.address_ok AS ok FROM gate g),
      cur AS (
        SELECT s.id, s.status FROM subscribers s
        WHERE s.newsletter_id = p_newsletter_id AND s.email_normalized = p_norm AND (SELECT o.ok FROM ok o)
      ),
      consent AS (
        SELECT max(ct.version) AS version FROM consent_texts ct WHERE ct.newsletter_id = p_newsletter_id
      ),
      ins AS (
        INSERT INTO subscribers (newsletter_id, email, email_normalized, name, language, status, source, consent_text_version, pending_since, last_confirmation_sent_at, created_at, updated_at)
        SELECT p_newsletter_id, p_email, p_norm, p_name, p_language, 'pending', p_source, c.version, p_now, p_now, p_now, p_now
        FROM consent c, ok o WHERE o.ok AND NOT EXISTS (SELECT 1 FROM cur)
        ON CONFLICT (newsletter_id, email_normalized) DO NOTHING
        RETURNING subscribers.id
      ),
      resub AS (
        UPDATE subscribers AS s
        SET status = 'pending', pending_since = p_now, consent_text_version = (SELECT c.version FROM consent c),
            name = coalesce(p_name, s.name), last_confirmation_sent_at = p_now, updated_at = p_now
        WHERE s.id = (SELECT cu.id FROM cur cu WHERE cu.status = 'unsubscribed') AND s.status = 'unsubscribed'
        RETURNING s.id
      ),
      claim AS (
        UPDATE subscribers AS s SET last_confirmation_sent_at = p_now, updated_at = p_now
        WHERE s.id = (SELECT cu.id FROM cur cu WHERE cu.status = 'pending') AND s.status = 'pending'
          AND (s.last_confirmation_sent_at IS NULL OR s.last_confirmation_sent_at <= p_resend_before)
        RETURNING s.id
      ),
      changed AS (
        SELECT i.id, 'signup' AS type, NULL::jsonb AS detail FROM ins i
        UNION ALL SELECT cu.id, 'signup', '{"repeated":true}'::jsonb FROM cur cu WHERE cu.status = 'pending'
        UNION ALL SELECT r.id, 'resubscribe', NULL FROM resub r
      ),
      ev AS (
        INSERT INTO subscriber_events (subscriber_id, newsletter_id, at, type, source, ip, user_agent, consent_text_version, detail)
        SELECT ch.id, p_newsletter_id, p_now, ch.type, p_source, p_ip, p_user_agent, (SELECT c.version FROM consent c), ch.detail FROM changed ch
      ),
      mail AS (
        SELECT i.id FROM ins i UNION ALL SELECT r.id FROM resub r UNION ALL SELECT cl.id FROM claim cl
      ),
      job AS (
        INSERT INTO jobs (kind, payload, dedupe_key, run_at)
        SELECT p_job_kind, jsonb_build_object('subscriberId', m.id::text), p_job_dedupe_prefix || m.id::text || ':' || (extract(epoch FROM p_now) * 1000)::bigint::text, p_now
        FROM mail m WHERE p_job_kind IS NOT NULL
        ON CONFLICT (dedupe_key) WHERE done_at IS NULL AND failed_at IS NULL DO NOTHING
        RETURNING jobs.id
      )
      SELECT g.ip_ok, g.address_ok,
             EXISTS (SELECT 1 FROM cur),
             EXISTS (SELECT 1 FROM ins),
             (SELECT m.id FROM mail m LIMIT 1)::text,
             EXISTS (SELECT 1 FROM job)
      FROM gate g;
    END
    $fn$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS quire_signup(integer, text, text, text, text, text, text, text, timestamptz, timestamptz, text, text, bigint, text, bigint, timestamptz, text, text)`.execute(
    db,
  );
}

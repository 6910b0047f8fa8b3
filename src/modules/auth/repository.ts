/**
 * SQL for the admin web app's access control: sessions, the login counters on users, API token
 * listing/revocation and the audit log reader. (Users and token creation stay in modules/users.)
 */
import type { Db } from '../../db/kysely.ts';
import type { Role, UserRow } from '../../db/schema.ts';

export interface SessionWithUser {
  session: { id: string; userId: number; epoch: number; createdAt: Date; lastSeenAt: Date; expiresAt: Date };
  user: UserRow;
}

export class AuthRepository {
  constructor(private readonly db: Db) {}

  // ---- sessions

  async insertSession(s: {
    id: string;
    userId: number;
    epoch: number;
    now: Date;
    expiresAt: Date;
    ip: string | null;
    userAgent: string | null;
  }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: s.id,
        user_id: s.userId,
        epoch: s.epoch,
        created_at: s.now,
        last_seen_at: s.now,
        expires_at: s.expiresAt,
        ip: s.ip,
        user_agent: s.userAgent,
      })
      .execute();
  }

  async findSession(id: string): Promise<SessionWithUser | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select([
        'sessions.id as s_id',
        'sessions.epoch as s_epoch',
        'sessions.created_at as s_created',
        'sessions.last_seen_at as s_seen',
        'sessions.expires_at as s_expires',
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const { s_id, s_epoch, s_created, s_seen, s_expires, ...user } = row;
    return {
      session: { id: s_id, userId: user.id, epoch: s_epoch, createdAt: new Date(s_created), lastSeenAt: new Date(s_seen), expiresAt: new Date(s_expires) },
      user,
    };
  }

  async touchSession(id: string, now: Date, expiresAt: Date): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteUserSessions(userId: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async countUserSessions(userId: number, now: Date): Promise<number> {
    const r = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // ---- credentials on users

  /** Bumps the user's session epoch (ending every session) and deletes their session rows. */
  async bumpEpoch(userId: number, now: Date, passwordHash?: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('users')
        .set((eb) => ({ session_epoch: eb('session_epoch', '+', 1), updated_at: now, ...(passwordHash ? { password_hash: passwordHash } : {}) }))
        .where('id', '=', userId)
        .returning('session_epoch')
        .executeTakeFirstOrThrow();
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      return row.session_epoch;
    });
  }

  async listUsers(): Promise<{ id: number; email: string; role: Role; lockedUntil: Date | null; createdAt: Date }[]> {
    const rows = await this.db.selectFrom('users').select(['id', 'email', 'role', 'locked_until', 'created_at']).orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      role: r.role,
      lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
      createdAt: new Date(r.created_at),
    }));
  }

  // ---- API tokens

  async listTokens() {
    const rows = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'api_tokens.name',
        'api_tokens.prefix',
        'api_tokens.created_at',
        'api_tokens.last_used_at',
        'api_tokens.revoked_at',
        'users.email',
        'users.role',
      ])
      .orderBy('api_tokens.revoked_at', (ob) => ob.desc().nullsFirst())
      .orderBy('api_tokens.id', 'desc')
      .limit(500)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      email: r.email,
      role: r.role,
      createdAt: new Date(r.created_at),
      lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
      revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
    }));
  }

  async revokeToken(id: number, now: Date): Promise<{ name: string; prefix: string } | undefined> {
    return this.db
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning(['name', 'prefix'])
      .executeTakeFirst();
  }

  // ---- audit log (read side, keyset paginated)

  async auditPage(opts: { beforeId?: string; limit: number; action?: string }) {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(opts.limit);
    if (opts.beforeId) q = q.where('id', '<', opts.beforeId);
    if (opts.action) q = q.where('action', 'like', `${opts.action.replace(/[%_\\]/g, '\\$&')}%`);
    return q.execute();
  }
}

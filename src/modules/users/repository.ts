import type { Db } from '../../db/kysely.ts';
import type { Role, UserRow } from '../../db/schema.ts';

export interface TokenOwner {
  tokenId: number;
  user: UserRow;
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
      .executeTakeFirst();
  }

  async findById(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Inserts, or replaces the password and role of an existing user with that email. */
  async upsert(email: string, passwordHash: string, role: Role): Promise<{ user: UserRow; created: boolean }> {
    const existing = await this.findByEmail(email);
    if (existing) {
      const user = await this.db
        .updateTable('users')
        .set({ password_hash: passwordHash, role, updated_at: new Date(), session_epoch: existing.session_epoch + 1 })
        .where('id', '=', existing.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { user, created: false };
    }
    const user = await this.db.insertInto('users').values({ email: email.trim(), password_hash: passwordHash, role }).returningAll().executeTakeFirstOrThrow();
    return { user, created: true };
  }

  async insertToken(userId: number, name: string, tokenHash: string, prefix: string): Promise<number> {
    const r = await this.db.insertInto('api_tokens').values({ user_id: userId, name, token_hash: tokenHash, prefix }).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  async findActiveToken(tokenHash: string): Promise<TokenOwner | undefined> {
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users')
      .select('api_tokens.id as token_id')
      .where('api_tokens.token_hash', '=', tokenHash)
      .where('api_tokens.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const { token_id, ...user } = row;
    return { tokenId: token_id, user };
  }

  async touchToken(tokenId: number, at: Date): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
  }

  /**
   * Sets a user's role, unless that leaves no admin: the admins' rows are locked first, so two
   * admins demoting each other at once cannot both succeed. 'last_admin' when refused.
   */
  async setRole(id: number, role: Role): Promise<{ before: UserRow; after: UserRow } | 'last_admin' | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const admins = await trx.selectFrom('users').select('id').where('role', '=', 'admin').forUpdate().execute();
      const before = await trx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) return undefined;
      if (before.role === 'admin' && role !== 'admin' && admins.length <= 1) return 'last_admin';
      const after = await trx.updateTable('users').set({ role, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      return { before, after };
    });
  }

  /** Deletes a user (their sessions and tokens go with them; audit entries keep the address as text), unless they are the last admin. */
  async remove(id: number): Promise<UserRow | 'last_admin' | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const admins = await trx.selectFrom('users').select('id').where('role', '=', 'admin').forUpdate().execute();
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) return undefined;
      if (row.role === 'admin' && admins.length <= 1) return 'last_admin';
      await trx.deleteFrom('users').where('id', '=', id).execute();
      return row;
    });
  }
}

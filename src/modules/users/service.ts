import type { Role, UserRow } from '../../db/schema.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { hashPassword, randomToken, sha256Hex } from '../../lib/crypto.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { UsersRepository } from './repository.ts';
import { msg } from '../../i18n/index.ts';

export interface AuthUser {
  id: number;
  email: string;
  role: Role;
}

export const TOKEN_PREFIX = 'qk_';

export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    private readonly passwordIterations?: number,
  ) {}

  countUsers(): Promise<number> {
    return this.repo.count();
  }

  async createUser(email: string, password: string, role: Role, actor = 'cli'): Promise<{ user: UserRow; created: boolean }> {
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) throw new AppError('validation_failed', msg('user.badEmail'));
    if (password.length < 10) throw new AppError('validation_failed', msg('user.passwordShort'));
    const hash = await hashPassword(password, this.passwordIterations);
    const result = await this.repo.upsert(email, hash, role);
    await this.audit.record({ userId: null, actor, action: result.created ? 'user.create' : 'user.update', target: email.trim(), detail: { role } });
    return result;
  }

  /** Creates an API token for the user; the token is returned once and only its hash is kept. */
  async createToken(email: string, name: string, actor = 'cli'): Promise<string> {
    const user = await this.repo.findByEmail(email);
    if (!user) throw new AppError('not_found', msg('user.notFound', { email }));
    if (!name.trim()) throw new AppError('validation_failed', msg('token.nameEmpty'));
    const token = TOKEN_PREFIX + randomToken(32);
    await this.repo.insertToken(user.id, name.trim(), sha256Hex(token), token.slice(0, TOKEN_PREFIX.length + 6));
    await this.audit.record({ userId: user.id, actor, action: 'token.create', target: name.trim() });
    return token;
  }

  /**
   * Changes a user's role; never leaves the instance without an admin. Changing your own role
   * needs `confirmSelf` (the admin page asks first): 'confirm' when it was not given.
   */
  async changeRole(id: number, role: Role, actor: AuthUser, opts: { confirmSelf?: boolean } = {}): Promise<UserRow | 'confirm'> {
    if (id === actor.id && !opts.confirmSelf) return 'confirm';
    const r = await this.repo.setRole(id, role);
    if (!r) throw notFound(msg('user.what'));
    if (r === 'last_admin') throw new AppError('invalid_state', msg('user.lastAdmin'));
    if (r.before.role !== role)
      await this.audit.record({
        userId: actor.id,
        actor: actor.email,
        action: 'user.role',
        target: r.after.email,
        detail: { role, previousRole: r.before.role },
      });
    return r.after;
  }

  /** Removes a user, never the last admin; removing yourself needs `confirmSelf` ('confirm' when it was not given). */
  async removeUser(id: number, actor: AuthUser, opts: { confirmSelf?: boolean } = {}): Promise<UserRow | 'confirm'> {
    if (id === actor.id && !opts.confirmSelf) return 'confirm';
    const r = await this.repo.remove(id);
    if (!r) throw notFound(msg('user.what'));
    if (r === 'last_admin') throw new AppError('invalid_state', msg('user.lastAdmin'));
    await this.audit.record({
      userId: id === actor.id ? null : actor.id,
      actor: actor.email,
      action: 'user.remove',
      target: r.email,
      detail: { role: r.role },
    });
    return r;
  }

  findById(id: number): Promise<UserRow | undefined> {
    return this.repo.findById(id);
  }

  async authenticateToken(token: string): Promise<AuthUser | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const owner = await this.repo.findActiveToken(sha256Hex(token));
    if (!owner) return null;
    await this.repo.touchToken(owner.tokenId, this.clock.now());
    return { id: owner.user.id, email: owner.user.email, role: owner.user.role };
  }
}

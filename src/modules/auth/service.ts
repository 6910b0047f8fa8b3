/**
 * Sign-in, sessions and CSRF for the admin web app.
 *
 * - Passwords: PBKDF2 (lib/crypto). An unknown email is checked against a dummy hash of the same
 *   work factor, so both paths cost one PBKDF2 and answer alike.
 * - Throttling: at most LOGIN_IP_LIMIT attempts per client in a 15-minute window, and
 *   LOGIN_ACCOUNT_FAILURE_LIMIT failures per address from all clients together (distributed
 *   guessing); shared counters in `rate_limits`, so every process and isolate agrees.
 * - Lockout per account and client: LOCK_AFTER failures for one address from one client (an IP;
 *   an IPv6 /64) lock that client out of that address until the window ends, even with the right
 *   password. Another client is not locked: an anonymous client cannot keep the admin out. An
 *   unknown address locks the same way, so accounts that exist cannot be told from ones that don't.
 * - Sessions: a random 256-bit token in the cookie; the table keeps its SHA-256. Idle timeout
 *   SESSION_IDLE_MS, absolute lifetime SESSION_MAX_MS; valid only while its epoch equals the
 *   user's session_epoch (log out everywhere / password change bump it).
 * - CSRF: HMAC(secret, session id hash); a hidden form field or the X-CSRF-Token header.
 */
import type { Role, UserRow } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { hashPassword, hmacBase64url, randomToken, safeEqual, sha256Hex, verifyPassword } from '../../lib/crypto.ts';
import type { AuditRepository } from '../audit/repository.ts';
import type { RateLimitsRepository } from '../rate-limits/repository.ts';
import type { UsersRepository } from '../users/repository.ts';
import type { AuthUser, UsersService } from '../users/service.ts';
import type { AuthRepository } from './repository.ts';
import { msg } from '../../i18n/index.ts';

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_IP_LIMIT = 20;
/** Failures for one address from all clients in a window: a cap on distributed guessing, far above what one client may try. */
export const LOGIN_ACCOUNT_FAILURE_LIMIT = 100;
export const LOCK_AFTER = 5;
/** A client locked out of an address stays locked until the window ends (at most this long). */
export const LOCK_MS = LOGIN_WINDOW_MS;

/** Who a client is for the lockout: its IP, an IPv6 address by its /64 (one host usually has the whole prefix). */
export function lockoutClient(ip: string): string {
  if (!ip.includes(':') || ip.includes('.')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const full = ip.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${full
    .slice(0, 4)
    .map((x) => x.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
/** Sliding expiry is written at most this often, not on every request. */
const TOUCH_EVERY_MS = 5 * 60_000;
export const MIN_PASSWORD_LENGTH = 10;

export type LoginResult = { ok: true; user: AuthUser } | { ok: false; reason: 'invalid' | 'locked' | 'rate_limited'; retryAfterSeconds?: number };

export interface SessionContext {
  /** SHA-256 of the cookie token: the row id, and what the CSRF token is bound to. */
  id: string;
  user: AuthUser;
  csrf: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface AuthServiceDeps {
  repo: AuthRepository;
  users: UsersRepository;
  usersService: UsersService;
  rateLimits: RateLimitsRepository;
  audit: AuditRepository;
  clock: Clock;
  secret: string;
  passwordIterations?: number | undefined;
}

const dummyHashes = new Map<number | undefined, Promise<string>>();

export class AuthService {
  constructor(private readonly d: AuthServiceDeps) {}

  private now() {
    return this.d.clock.now();
  }

  private dummyHash(): Promise<string> {
    let h = dummyHashes.get(this.d.passwordIterations);
    if (!h) {
      h = hashPassword(`quire-dummy-password-${randomToken(8)}`, this.d.passwordIterations);
      dummyHashes.set(this.d.passwordIterations, h);
    }
    return h;
  }

  private accountKey(email: string): string {
    return hmacBase64url(this.d.secret, `quire-login\n${email.trim().toLowerCase()}`).slice(0, 22);
  }

  /** Checks an email and password with throttling and lockout. Never says which part was wrong. */
  async verifyLogin(emailInput: string, password: string, ip: string): Promise<LoginResult> {
    const now = this.now();
    const email = String(emailInput ?? '')
      .trim()
      .slice(0, 254);
    const retryAfter = (resetAt: Date) => Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
    const ipHit = await this.d.rateLimits.hit(`login:ip:${ip}`, LOGIN_WINDOW_MS, now);
    if (ipHit.count > LOGIN_IP_LIMIT) return { ok: false, reason: 'rate_limited', retryAfterSeconds: retryAfter(ipHit.resetAt) };
    const key = this.accountKey(email);
    const everyone = `login:account:${key}`;
    const acct = await this.d.rateLimits.peek(everyone, LOGIN_WINDOW_MS, now);
    if (acct.count >= LOGIN_ACCOUNT_FAILURE_LIMIT) return { ok: false, reason: 'rate_limited', retryAfterSeconds: retryAfter(acct.resetAt) };
    const clientKey = `login:lock:${key}:${lockoutClient(ip)}`;
    const lock = await this.d.rateLimits.peek(clientKey, LOGIN_WINDOW_MS, now);
    if (lock.count >= LOCK_AFTER) return { ok: false, reason: 'locked', retryAfterSeconds: retryAfter(lock.resetAt) };

    const user = email ? await this.d.users.findByEmail(email) : undefined;
    // An unknown email costs one PBKDF2 like a known one, and locks the same way.
    let good = false;
    if (user) good = await verifyPassword(String(password ?? ''), user.password_hash);
    else await verifyPassword(String(password ?? ''), await this.dummyHash());
    if (!user || !good) {
      await this.d.rateLimits.hit(everyone, LOGIN_WINDOW_MS, now);
      const fail = await this.d.rateLimits.hit(clientKey, LOGIN_WINDOW_MS, now);
      if (user && fail.count === LOCK_AFTER) {
        await this.d.audit.record({ userId: user.id, actor: user.email, action: 'login.locked', detail: { ip, minutes: LOCK_MS / 60_000 } });
      }
      return { ok: false, reason: 'invalid' };
    }
    if (lock.count > 0) await this.d.rateLimits.reset(clientKey);
    return { ok: true, user: { id: user.id, email: user.email, role: user.role } };
  }

  /** Starts a session; returns the cookie token (shown to nobody else, stored only as a hash). */
  async createSession(user: AuthUser, meta: { ip: string | null; userAgent: string | null }): Promise<{ token: string; session: SessionContext }> {
    const row = await this.d.users.findById(user.id);
    if (!row) throw new AppError('unauthorized', msg('auth.noUser'));
    const now = this.now();
    const token = randomToken(32);
    const id = sha256Hex(token);
    const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
    await this.d.repo.insertSession({ id, userId: user.id, epoch: row.session_epoch, now, expiresAt, ip: meta.ip, userAgent: meta.userAgent });
    await this.d.audit.record({ userId: user.id, actor: user.email, action: 'login', detail: { ip: meta.ip } });
    return { token, session: { id, user, csrf: this.csrfFor(id), createdAt: now, expiresAt } };
  }

  /** The session for a cookie token, or null when unknown, expired or ended by an epoch bump. */
  async resolveSession(token: string | undefined): Promise<SessionContext | null> {
    if (!token || token.length < 20 || token.length > 100) return null;
    const id = sha256Hex(token);
    const found = await this.d.repo.findSession(id);
    if (!found) return null;
    const { session, user } = found;
    const now = this.now();
    const hardEnd = session.createdAt.getTime() + SESSION_MAX_MS;
    if (session.expiresAt.getTime() <= now.getTime() || hardEnd <= now.getTime() || session.epoch !== user.session_epoch) {
      await this.d.repo.deleteSession(id);
      return null;
    }
    let expiresAt = session.expiresAt;
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      expiresAt = new Date(Math.min(now.getTime() + SESSION_IDLE_MS, hardEnd));
      await this.d.repo.touchSession(id, now, expiresAt);
    }
    return { id, user: { id: user.id, email: user.email, role: user.role }, csrf: this.csrfFor(id), createdAt: session.createdAt, expiresAt };
  }

  async logout(sessionId: string, user: AuthUser): Promise<void> {
    await this.d.repo.deleteSession(sessionId);
    await this.d.audit.record({ userId: user.id, actor: user.email, action: 'logout' });
  }

  async logoutEverywhere(user: AuthUser): Promise<void> {
    await this.d.repo.bumpEpoch(user.id, this.now());
    await this.d.audit.record({ userId: user.id, actor: user.email, action: 'logout.everywhere' });
  }

  /** Changes the password and ends every session of the user (the caller starts a new one). */
  async changePassword(user: AuthUser, current: string, next: string, confirm: string): Promise<void> {
    const row = await this.d.users.findById(user.id);
    if (!row) throw new AppError('unauthorized', msg('auth.noUser'));
    if (!(await verifyPassword(String(current ?? ''), row.password_hash))) {
      throw new AppError('validation_failed', msg('auth.currentWrong'), { fields: [{ field: 'current', message: 'is wrong' }] });
    }
    if (typeof next !== 'string' || next.length < MIN_PASSWORD_LENGTH) {
      throw new AppError('validation_failed', msg('auth.passwordShort', { min: MIN_PASSWORD_LENGTH }), {
        fields: [{ field: 'next', message: 'is too short' }],
      });
    }
    if (next.length > 1000) throw new AppError('validation_failed', msg('auth.passwordTooLong'), { fields: [{ field: 'next', message: 'is too long' }] });
    if (next !== confirm) throw new AppError('validation_failed', msg('auth.passwordsDiffer'), { fields: [{ field: 'confirm', message: 'differs' }] });
    await this.d.repo.bumpEpoch(user.id, this.now(), await hashPassword(next, this.d.passwordIterations));
    await this.d.audit.record({ userId: user.id, actor: user.email, action: 'password.change' });
  }

  // ---- CSRF

  csrfFor(sessionId: string): string {
    return hmacBase64url(this.d.secret, `quire-admin-csrf\n${sessionId}`);
  }

  checkCsrf(session: SessionContext, given: unknown): boolean {
    return typeof given === 'string' && given.length === session.csrf.length && safeEqual(given, session.csrf);
  }

  /** For the sign-in form, before any session: bound to a random pre-login cookie. */
  loginCsrfFor(preToken: string): string {
    return hmacBase64url(this.d.secret, `quire-login-csrf\n${preToken}`);
  }

  checkLoginCsrf(preToken: string | undefined, given: unknown): boolean {
    if (!preToken || typeof given !== 'string') return false;
    const want = this.loginCsrfFor(preToken);
    return given.length === want.length && safeEqual(given, want);
  }

  // ---- users and tokens (admin)

  listUsers() {
    return this.d.repo.listUsers();
  }

  async addUser(email: string, password: string, role: Role, actor: AuthUser): Promise<UserRow> {
    if (await this.d.users.findByEmail(email)) throw new AppError('conflict', msg('user.exists', { email: email.trim() }));
    const { user } = await this.d.usersService.createUser(email, password, role, actor.email);
    return user;
  }

  listTokens() {
    return this.d.repo.listTokens();
  }

  async createToken(email: string, name: string, actor: AuthUser): Promise<string> {
    return this.d.usersService.createToken(email, name, actor.email);
  }

  async revokeToken(id: number, actor: AuthUser): Promise<void> {
    // An id beyond the column's range names no token (and must not reach the database as one).
    const r = Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647 ? await this.d.repo.revokeToken(id, this.now()) : undefined;
    if (!r) throw new AppError('not_found', msg('token.notFound'));
    await this.d.audit.record({ userId: actor.id, actor: actor.email, action: 'token.revoke', target: r.name, detail: { prefix: r.prefix } });
  }

  auditPage(opts: { beforeId?: string; limit: number; action?: string }) {
    return this.d.repo.auditPage(opts);
  }
}

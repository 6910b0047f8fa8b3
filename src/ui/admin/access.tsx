/** Account, users & API tokens, and the audit log. */
import type { Role } from '../../db/schema.ts';
import { ActionButton, AdminPage, Csrf, Empty, Flash, fmtDateTime, THEMES, type View } from './shell.tsx';
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { i18n, LANGUAGES } from '../../i18n/index.ts';
import { DetailFields, sourceLabel } from '../detail.tsx';

export function AccountPage(props: { v: View; flash?: FlashMsg | undefined; expiresAt: Date }) {
  const { v } = props;
  const t = v.t;
  return (
    <AdminPage v={v} title={t('account.title')}>
      <h1>{t('account.title')}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <p>{t('account.signedInAs', { email: v.user!.email, role: t(`role.${v.user!.role}`) })}</p>
      <p class="muted small">{t('account.session', { when: fmtDateTime(v, props.expiresAt) })}</p>
      <div class="grid2">
        <form method="post" action="/admin/account/password" class="card">
          <h2 style="margin-top:0">{t('account.password')}</h2>
          <Csrf v={v} />
          <label for="current">{t('account.current')}</label>
          <input id="current" name="current" type="password" autocomplete="current-password" required />
          <label for="next">{t('account.new')}</label>
          <input id="next" name="next" type="password" autocomplete="new-password" minlength={10} required />
          <label for="confirm">{t('account.confirm')}</label>
          <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength={10} required />
          <p class="muted small">{t('account.changeNote')}</p>
          <button type="submit">{t('account.change')}</button>
        </form>
        <div class="card">
          <h2 style="margin-top:0">{t('account.everywhere')}</h2>
          <p>{t('account.everywhereHelp')}</p>
          <ActionButton v={v} action="/admin/logout-everywhere" label={t('account.everywhere')} danger />
          <h2>{t('account.language')}</h2>
          <p>
            {LANGUAGES.map((l, i) => (
              <>
                {i > 0 ? ' · ' : ''}
                <a href={`/admin/lang/${l}?next=/admin/account`} lang={l} hreflang={l}>
                  {i18n(l).t('language.name')}
                </a>
              </>
            ))}
          </p>
          <p class="muted small">{t('account.timeZone', { tz: v.tz })}</p>
          <h2>{t('nav.theme')}</h2>
          <p data-testid="themes">
            {THEMES.map((th, i) => (
              <>
                {i > 0 ? ' · ' : ''}
                {th === v.theme ? <strong>{t(`theme.${th}`)}</strong> : <a href={`/admin/theme/${th}?next=/admin/account`}>{t(`theme.${th}`)}</a>}
              </>
            ))}
          </p>
        </div>
      </div>
    </AdminPage>
  );
}

export interface UserListItem {
  id: number;
  email: string;
  role: Role;
  lockedUntil: Date | null;
  createdAt: Date;
}
export interface TokenListItem {
  id: number;
  name: string;
  prefix: string;
  email: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export function UsersPage(props: { v: View; flash?: FlashMsg | undefined; users: UserListItem[]; tokens: TokenListItem[] }) {
  const { v } = props;
  const t = v.t;
  return (
    <AdminPage v={v} title={t('users.title')}>
      <h1>{t('users.title')}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      {props.flash?.extra ? (
        <div class="card new-token" style="margin:1rem 0">
          <p class="token" id="new-token" translate="no" data-testid="new-token">
            {props.flash.extra}
          </p>
          <p>
            <button type="button" class="small" data-copy="#new-token" data-testid="copy-token" hidden>
              {t('users.copy')}
            </button>{' '}
            <span class="small muted" data-copy-status role="status"></span>
          </p>
        </div>
      ) : null}
      <h2>{t('users.users')}</h2>
      <div class="card table-wrap">
        <table data-testid="users">
          <thead>
            <tr>
              <th scope="col">{t('users.email')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('common.date')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {props.users.map((u) => (
              <tr data-user={u.email}>
                <td>
                  {u.email} {u.id === v.user?.id ? <span class="badge">{t('users.you')}</span> : null}{' '}
                  {u.lockedUntil && u.lockedUntil > v.now ? (
                    <span class="badge badge-suppressed">{t('users.locked', { when: fmtDateTime(v, u.lockedUntil) })}</span>
                  ) : null}
                </td>
                <td>
                  <form method="post" action={`/admin/users/${u.id}/role`} class="role-form">
                    <Csrf v={v} />
                    <label class="visually-hidden" for={`role-${u.id}`}>
                      {t('users.roleOf', { email: u.email })}
                    </label>
                    <select id={`role-${u.id}`} name="role">
                      {ROLES.map((r) => (
                        <option value={r} selected={r === u.role}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </select>
                    <button type="submit" class="small secondary">
                      {t('users.roleChange')}
                    </button>
                  </form>
                </td>
                <td>{fmtDateTime(v, u.createdAt)}</td>
                <td>
                  <a class="button small danger" href={`/admin/users/${u.id}/remove`}>
                    {t('users.remove')}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details style="margin-top:1rem">
        <summary>{t('users.add')}</summary>
        <form method="post" action="/admin/users" class="card row" style="margin-top:.5rem">
          <Csrf v={v} />
          <div>
            <label for="u-email">{t('users.email')}</label>
            <input id="u-email" name="email" type="email" required />
          </div>
          <div>
            <label for="u-role">{t('users.role')}</label>
            <select id="u-role" name="role">
              {ROLES.map((r) => (
                <option value={r}>{t(`role.${r}`)}</option>
              ))}
            </select>
          </div>
          <div>
            <label for="u-pw">{t('users.password')}</label>
            <input id="u-pw" name="password" type="password" minlength={10} required autocomplete="new-password" />
          </div>
          <div style="flex:0 0 auto">
            <button type="submit">{t('common.create')}</button>
          </div>
        </form>
      </details>

      <h2>{t('users.tokens')}</h2>
      <form method="post" action="/admin/tokens" class="card row">
        <Csrf v={v} />
        <div>
          <label for="tk-name">{t('users.tokenName')}</label>
          <input id="tk-name" name="name" type="text" required maxlength={100} />
        </div>
        <div>
          <label for="tk-user">{t('users.tokenUser')}</label>
          <select id="tk-user" name="email">
            {props.users.map((u) => (
              <option value={u.email} selected={u.id === v.user?.id}>
                {u.email} ({t(`role.${u.role}`)})
              </option>
            ))}
          </select>
        </div>
        <div style="flex:0 0 auto">
          <button type="submit">{t('users.tokenCreate')}</button>
        </div>
      </form>
      {props.tokens.length === 0 ? (
        <Empty title={t('users.tokensNone')} />
      ) : (
        <div class="card table-wrap" style="margin-top:1rem">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('users.tokenName')}</th>
                <th scope="col">{t('users.tokenPrefix')}</th>
                <th scope="col">{t('users.tokenUser')}</th>
                <th scope="col">{t('common.date')}</th>
                <th scope="col">{t('users.tokenLastUsed')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {props.tokens.map((k) => (
                <tr>
                  <td translate="no">{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.email}</td>
                  <td>{fmtDateTime(v, k.createdAt)}</td>
                  <td>{k.lastUsedAt ? fmtDateTime(v, k.lastUsedAt) : t('users.never')}</td>
                  <td>
                    {k.revokedAt ? (
                      <span class="muted">{t('users.tokenRevoked', { when: fmtDateTime(v, k.revokedAt) })}</span>
                    ) : (
                      <ActionButton v={v} action={`/admin/tokens/${k.id}/revoke`} label={t('users.revoke')} confirm={t('users.revokeConfirm')} secondary />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </AdminPage>
  );
}

const ROLES: readonly Role[] = ['viewer', 'editor', 'admin'];

/** Asks before removing a user or changing your own role; removing yourself or lowering your own role says what you lose. */
export function UserConfirmPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  kind: 'remove' | 'role';
  user: { id: number; email: string; role: Role };
  role?: Role;
}) {
  const { v, user } = props;
  const t = v.t;
  const self = user.id === v.user?.id;
  const title = props.kind === 'remove' ? t('users.removeTitle', { email: user.email }) : t('users.roleTitle', { email: user.email });
  return (
    <AdminPage v={v} title={title}>
      <h1>{title}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <form method="post" action={`/admin/users/${user.id}/${props.kind}`} class="card">
        <Csrf v={v} />
        {props.kind === 'role' ? <input type="hidden" name="role" value={props.role ?? user.role} /> : null}
        {self ? <input type="hidden" name="confirmSelf" value="yes" /> : null}
        {self ? (
          <p class="flash flash-warn" data-testid="self-warning">
            {props.kind === 'remove' ? t('users.removeSelfWarning') : t('users.roleSelfWarning', { role: t(`role.${props.role ?? user.role}`) })}
          </p>
        ) : null}
        <p>{props.kind === 'remove' ? t('users.removeBody', { email: user.email, role: t(`role.${user.role}`) }) : null}</p>
        <p style="display:flex;gap:.75rem;flex-wrap:wrap">
          <button type="submit" class={props.kind === 'remove' ? 'danger' : undefined}>
            {props.kind === 'remove' ? t('users.removeSubmit') : t('users.roleChange')}
          </button>
          <a class="button secondary" href="/admin/users">
            {t('common.cancel')}
          </a>
        </p>
      </form>
    </AdminPage>
  );
}

export interface AuditItem {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
}

export function AuditPage(props: { v: View; items: AuditItem[]; next: string | null; action: string }) {
  const { v } = props;
  const t = v.t;
  return (
    <AdminPage v={v} title={t('audit.title')}>
      <h1>{t('audit.title')}</h1>
      <form method="get" action="/admin/audit" class="row" style="margin-bottom:1rem">
        <div>
          <label for="a-filter">{t('audit.filter')}</label>
          <input id="a-filter" type="search" name="action" value={props.action} placeholder="issue." translate="no" />
        </div>
        <div style="flex:0 0 auto">
          <button type="submit" class="secondary">
            {t('common.search')}
          </button>
        </div>
      </form>
      {props.items.length === 0 ? (
        <Empty title={t('audit.empty')} />
      ) : (
        <div class="card table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.target')}</th>
                <th scope="col">{t('audit.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((a) => (
                <tr>
                  <td style="white-space:nowrap">{fmtDateTime(v, a.at)}</td>
                  <td>{a.actor.includes('@') ? a.actor : <span translate="no">{sourceLabel(v.lang, a.actor)}</span>}</td>
                  <td>
                    <code translate="no">{a.action}</code>
                  </td>
                  <td>{a.target ? <code translate="no">{a.target}</code> : ''}</td>
                  <td class="small">
                    <DetailFields lang={v.lang} detail={a.detail} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="pager">
        {props.next ? (
          <a href={`/admin/audit?before=${props.next}${props.action ? `&action=${encodeURIComponent(props.action)}` : ''}`}>{t('common.next')} →</a>
        ) : null}
      </div>
    </AdminPage>
  );
}

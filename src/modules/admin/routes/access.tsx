/** Who is looking and how: sign-in and out, language, theme, newsletter switch, account, users, API tokens, audit log. */
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { clientIp, userAgent } from '../../../http/client.ts';
import { matchLanguage, type MessageKey, msg } from '../../../i18n/index.ts';
import { notFound } from '../../../lib/errors.ts';
import { randomToken } from '../../../lib/crypto.ts';
import { AccountPage, AuditPage, UserConfirmPage, UsersPage } from '../../../ui/admin/access.tsx';
import { LoginPage } from '../../../ui/admin/shell.tsx';
import {
  clearSessionCookie,
  formFields,
  LANG_COOKIE,
  LOGIN_COOKIE,
  NEWSLETTER_COOKIE,
  safeNext,
  secureCookies,
  setPrefCookie,
  setSessionCookie,
  THEME_COOKIE,
  type AdminContext,
} from '../context.ts';
import { AUDIT_PAGE, auditQuery, roleChangeForm, tokenForm, userForm } from '../forms.ts';
import { type AdminApp, route } from './router.ts';
import { html, idParam, redirectWith } from './respond.tsx';

/** `?m=` on the sign-in page: why the session ended. */
const LOGIN_NOTICES: Record<string, MessageKey> = {
  out: 'login.signedOut',
  everywhere: 'login.signedOutEverywhere',
  expired: 'login.expired',
  pw: 'login.passwordChanged',
};

/** The user named by `:id`, for a confirmation page. */
async function userOr404(c: AdminContext) {
  const u = await c.var.services.users.findById(idParam(c));
  if (!u) throw notFound(msg('user.what'));
  return { id: u.id, email: u.email, role: u.role };
}

/** A fresh pre-session cookie: the sign-in form's CSRF token is tied to it. */
function newPreSession(c: AdminContext): string {
  const token = randomToken(24);
  setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'Lax', secure: secureCookies(c), path: '/admin', maxAge: 3600 });
  return token;
}

export function accessRoutes(app: AdminApp): void {
  route(app, 'GET', '/login', 'public', async (c) => {
    const v = c.var.view;
    const next = safeNext(c.req.query('next'));
    if (c.var.session) return c.redirect(next, 302);
    let pre = getCookie(c, LOGIN_COOKIE);
    if (!pre || pre.length > 64) pre = newPreSession(c);
    const m = c.req.query('m');
    const notice = m && LOGIN_NOTICES[m] ? v.t(LOGIN_NOTICES[m]!) : undefined;
    return html(c, <LoginPage v={v} csrf={c.var.services.auth.loginCsrfFor(pre)} next={next} notice={notice} />);
  });

  route(app, 'POST', '/login', 'public', async (c) => {
    const v = c.var.view;
    const s = c.var.services;
    const f = await formFields(c);
    const next = safeNext(f.next);
    const pre = getCookie(c, LOGIN_COOKIE);
    const render = (status: number, error: string) => {
      const token = pre || newPreSession(c);
      return html(c, <LoginPage v={v} csrf={s.auth.loginCsrfFor(token)} next={next} email={f.email ?? ''} error={error} />, status);
    };
    if (!s.auth.checkLoginCsrf(pre, f._csrf)) return render(403, v.t('login.csrf'));
    const r = await s.auth.verifyLogin(f.email ?? '', f.password ?? '', clientIp(c));
    if (!r.ok) {
      const minutes = Math.max(1, Math.ceil((r.retryAfterSeconds ?? 60) / 60));
      if (r.reason === 'rate_limited') {
        c.header('Retry-After', String(r.retryAfterSeconds ?? 60));
        return render(429, v.t('login.rateLimited', { minutes }));
      }
      if (r.reason === 'locked') return render(429, v.t('login.locked', { minutes }));
      return render(401, v.t('login.invalid'));
    }
    const { token } = await s.auth.createSession(r.user, { ip: clientIp(c), userAgent: userAgent(c) });
    setSessionCookie(c, token);
    deleteCookie(c, LOGIN_COOKIE, { path: '/admin' });
    return c.redirect(next, 303);
  });

  route(app, 'GET', '/lang/:lang', 'public', (c) => {
    setPrefCookie(c, LANG_COOKIE, matchLanguage(c.req.param('lang')) ?? 'en');
    return c.redirect(safeNext(c.req.query('next')), 302);
  });

  route(app, 'GET', '/theme/:theme', 'public', (c) => {
    const th = c.req.param('theme');
    setPrefCookie(c, THEME_COOKIE, th === 'light' || th === 'dark' ? th : 'auto');
    return c.redirect(safeNext(c.req.query('next')), 302);
  });

  route(app, 'POST', '/logout', 'viewer', async (c) => {
    await c.var.services.auth.logout(c.var.session!.id, c.var.session!.user);
    clearSessionCookie(c);
    return c.redirect('/admin/login?m=out', 303);
  });

  route(app, 'POST', '/logout-everywhere', 'viewer', async (c) => {
    await c.var.services.auth.logoutEverywhere(c.var.session!.user);
    clearSessionCookie(c);
    return c.redirect('/admin/login?m=everywhere', 303);
  });

  route(app, 'GET', '/switch', 'viewer', (c) => {
    const slug = c.req.query('n') ?? '';
    if (c.var.view.newsletters.some((n) => n.slug === slug)) setPrefCookie(c, NEWSLETTER_COOKIE, slug);
    // The page we came from may name the old newsletter in its query; drop the query.
    return c.redirect(safeNext((c.req.query('next') ?? '').split('?')[0]), 302);
  });

  // ---------------------------------------------------------------- account

  route(app, 'GET', '/account', 'viewer', (c) => html(c, <AccountPage v={c.var.view} flash={c.var.flash} expiresAt={c.var.session!.expiresAt} />));

  route(app, 'POST', '/account/password', 'viewer', async (c) => {
    const s = c.var.services;
    const f = await formFields(c);
    const user = c.var.session!.user;
    await s.auth.changePassword(user, f.current ?? '', f.next ?? '', f.confirm ?? '');
    // Every session ended with the password change; this browser gets a fresh one.
    const { token } = await s.auth.createSession(user, { ip: clientIp(c), userAgent: userAgent(c) });
    setSessionCookie(c, token);
    return redirectWith(c, '/admin/account', 'ok', 'common.saved');
  });

  // ---------------------------------------------------------------- users, tokens, audit

  route(app, 'GET', '/users', 'admin', async (c) => {
    const s = c.var.services;
    return html(c, <UsersPage v={c.var.view} flash={c.var.flash} users={await s.auth.listUsers()} tokens={await s.auth.listTokens()} />);
  });

  route(app, 'POST', '/users', 'admin', async (c) => {
    const u = userForm(await formFields(c));
    await c.var.services.auth.addUser(u.email, u.password, u.role, c.var.session!.user);
    return redirectWith(c, '/admin/users', 'ok', 'common.saved');
  });

  route(app, 'POST', '/users/:id{[0-9]+}/role', 'admin', async (c) => {
    const v = c.var.view;
    const me = c.var.session!.user;
    const { role, confirmSelf } = roleChangeForm(await formFields(c));
    const r = await c.var.services.users.changeRole(idParam(c), role, me, { confirmSelf });
    if (r === 'confirm') return html(c, <UserConfirmPage v={v} kind="role" user={await userOr404(c)} role={role} />);
    // Lowered your own role below admin: this page is no longer yours to see.
    if (r.id === me.id && role !== 'admin') return redirectWith(c, '/admin', 'ok', 'users.roleChanged', { email: r.email, role: v.t(`role.${role}`) });
    return redirectWith(c, '/admin/users', 'ok', 'users.roleChanged', { email: r.email, role: v.t(`role.${role}`) });
  });

  route(app, 'GET', '/users/:id{[0-9]+}/remove', 'admin', async (c) =>
    html(c, <UserConfirmPage v={c.var.view} flash={c.var.flash} kind="remove" user={await userOr404(c)} />),
  );

  route(app, 'POST', '/users/:id{[0-9]+}/remove', 'admin', async (c) => {
    const me = c.var.session!.user;
    const f = await formFields(c);
    const r = await c.var.services.users.removeUser(idParam(c), me, { confirmSelf: f.confirmSelf === 'yes' });
    if (r === 'confirm') return html(c, <UserConfirmPage v={c.var.view} kind="remove" user={await userOr404(c)} />);
    if (r.id === me.id) {
      // Their sessions went with them.
      clearSessionCookie(c);
      return c.redirect('/admin/login?m=out', 303);
    }
    return redirectWith(c, '/admin/users', 'ok', 'users.removed', { email: r.email });
  });

  route(app, 'POST', '/tokens', 'admin', async (c) => {
    const { email, name } = tokenForm(await formFields(c));
    const token = await c.var.services.auth.createToken(email, name, c.var.session!.user);
    return redirectWith(c, '/admin/users', 'ok', 'users.tokenCreated', { name }, token);
  });

  route(app, 'POST', '/tokens/:id{[0-9]+}/revoke', 'admin', async (c) => {
    await c.var.services.auth.revokeToken(idParam(c), c.var.session!.user);
    return redirectWith(c, '/admin/users', 'ok', 'common.saved');
  });

  route(app, 'GET', '/audit', 'admin', async (c) => {
    const { action, query } = auditQuery({ before: c.req.query('before'), action: c.req.query('action') });
    const rows = await c.var.services.auth.auditPage(query);
    const page = rows.slice(0, AUDIT_PAGE);
    const items = page.map((r) => ({ id: String(r.id), at: new Date(r.at), actor: r.actor, action: r.action, target: r.target, detail: r.detail }));
    return html(c, <AuditPage v={c.var.view} items={items} next={rows.length > AUDIT_PAGE ? String(page[page.length - 1]!.id) : null} action={action} />);
  });
}

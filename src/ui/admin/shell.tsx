/** The admin web app's page shell, shared pieces and formatting (dates in the user's time zone). */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Role } from '../../db/schema.ts';
import type { Newsletter } from '../../modules/newsletters/service.ts';
import type { AuthUser } from '../../modules/users/service.ts';
import { assetPath } from '../assets.ts';
import { ADMIN_CLIENT_KEYS } from '../client/keys.ts';
import { Page } from '../layout.tsx';
import { i18n, LANGUAGES, type Lang, type MessageKey, type StoredMessage, type Translate } from '../../i18n/index.ts';

export type Theme = 'auto' | 'light' | 'dark';
export const THEMES: readonly Theme[] = ['auto', 'light', 'dark'];

/** Everything a page needs to know about who is looking and how to show it. */
export interface View {
  t: Translate;
  lang: Lang;
  /** The IANA zone dates are shown in: the browser's (tz cookie), else the newsletter's, else UTC. */
  tz: string;
  theme: Theme;
  user: AuthUser | null;
  csrf: string;
  /** Path and query of this request, for "come back here" links. */
  here: string;
  newsletters: Newsletter[];
  current: Newsletter | undefined;
  now: Date;
}

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };
export const can = (v: View, min: Role) => !!v.user && rank[v.user.role] >= rank[min];

// ---------------------------------------------------------------- formatting (src/i18n, in the viewer's zone)

/** A service's message (or older stored text) in the page's language. */
export const say = (v: View, m: StoredMessage): string => i18n(v.lang).m(m);

export const fmtDateTime = (v: View, d: Date | string | null | undefined): string => i18n(v.lang).dateTime(d, v.tz);
export const fmtDate = (v: View, d: Date | string | null | undefined): string => i18n(v.lang).date(d, v.tz);
export const fmtNumber = (v: View, n: number): string => i18n(v.lang).number(n);
export const fmtPercent = (v: View, part: number, whole: number): string => i18n(v.lang).percent(part, whole);
/** "3 days 4 hours" / "3天4小时" until `to`. */
export const fmtDuration = (v: View, ms: number): string => i18n(v.lang).duration(ms);

// ---------------------------------------------------------------- pieces

export function Csrf(props: { v: View }) {
  return <input type="hidden" name="_csrf" value={props.v.csrf} />;
}

export function StatusBadge(props: { v: View; status: string }) {
  const key = `status.${props.status}` as MessageKey;
  return <span class={`badge badge-${props.status}`}>{props.v.t(key)}</span>;
}

export function Empty(props: { title: string; children?: Child }) {
  return (
    <div class="card empty">
      <p>
        <strong>{props.title}</strong>
      </p>
      {props.children}
    </div>
  );
}

export function Flash(props: { message?: string | undefined; kind?: 'ok' | 'error' | 'warn'; link?: { href: string; label: string } | undefined }) {
  if (!props.message) return null;
  const link = props.link && /^\/admin(?:[/?#]|$)/.test(props.link.href) && !props.link.href.includes('//') ? props.link : undefined;
  return (
    <p class={`flash flash-${props.kind ?? 'ok'}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.message}
      {link ? (
        <>
          {' '}
          <a href={link.href}>{link.label}</a>
        </>
      ) : null}
    </p>
  );
}

/** A small POST form with one button (and CSRF), for actions like pause or revoke. */
export function ActionButton(props: {
  v: View;
  action: string;
  label: string;
  confirm?: string;
  secondary?: boolean;
  danger?: boolean;
  fields?: Record<string, string>;
  testid?: string;
}) {
  const cls = props.danger ? 'danger' : props.secondary ? 'secondary' : undefined;
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <Csrf v={props.v} />
      {Object.entries(props.fields ?? {}).map(([k, val]) => (
        <input type="hidden" name={k} value={val} />
      ))}
      <button type="submit" class={cls} data-testid={props.testid}>
        {props.label}
      </button>
    </form>
  );
}

// ---------------------------------------------------------------- the page's script and its strings

/** The entries the admin script needs, in the page's language, as JSON safe inside a script element. */
const clientCatalog = (v: View) => JSON.stringify(i18n(v.lang).subset(ADMIN_CLIENT_KEYS)).replace(/</g, '\\u003c');

// ---------------------------------------------------------------- the shell

const navItems: { href: string; key: MessageKey; min: Role }[] = [
  { href: '/admin', key: 'nav.dashboard', min: 'viewer' },
  { href: '/admin/issues', key: 'nav.issues', min: 'viewer' },
  { href: '/admin/subscribers', key: 'nav.subscribers', min: 'viewer' },
  { href: '/admin/segments', key: 'segments.nav', min: 'viewer' },
  { href: '/admin/newsletters', key: 'nav.newsletters', min: 'viewer' },
  { href: '/admin/users', key: 'nav.users', min: 'admin' },
  { href: '/admin/audit', key: 'nav.audit', min: 'admin' },
];

function activeHref(path: string): string {
  const p = path.split('?')[0]!;
  const hit = navItems.filter((n) => (n.href === '/admin' ? p === '/admin' || p === '/admin/' : p === n.href || p.startsWith(`${n.href}/`)));
  return hit[0]?.href ?? '';
}

/** `wide`: the page may use the whole window (the issue editor beside its preview). */
export function AdminPage(props: { v: View; title: string; children?: Child; head?: Child; wide?: boolean }) {
  const { v } = props;
  const active = activeHref(v.here);
  const next = encodeURIComponent(v.here);
  return (
    <Page
      title={`${props.title} · ${v.t('app.name')}`}
      lang={v.lang}
      theme={v.theme === 'auto' ? undefined : v.theme}
      bodyClass={props.wide ? 'admin wide' : 'admin'}
      head={
        <>
          <link rel="stylesheet" href={assetPath('admin.css')} />
          <script src={assetPath('admin.js')} defer></script>
          <script type="application/json" id="quire-i18n">
            {raw(clientCatalog(v))}
          </script>
          {props.head}
        </>
      }
    >
      <a class="skip" href="#content">
        {v.t('nav.skip')}
      </a>
      <header class="site admin-bar">
        <div class="topbar">
          <a class="brand" href="/admin">
            Quire
          </a>
          {v.newsletters.length > 0 ? (
            <form method="get" action="/admin/switch" class="inline nl-switch">
              <input type="hidden" name="next" value={v.here} />
              <label class="visually-hidden" for="nl-switch">
                {v.t('nav.newsletter')}
              </label>
              <select id="nl-switch" name="n" data-autosubmit title={v.t('nav.newsletter')}>
                {v.newsletters.map((n) => (
                  <option value={n.slug} selected={n.slug === v.current?.slug}>
                    {n.name}
                  </option>
                ))}
              </select>
              <noscript>
                <button type="submit" class="small secondary">
                  {v.t('nav.switch')}
                </button>
              </noscript>
            </form>
          ) : null}
          {/* The menu: one row on a wide screen; behind a toggle (a checkbox and its label, no script needed) on a narrow one. */}
          <input type="checkbox" id="menu-toggle" class="menu-toggle" aria-controls="admin-menu" />
          <label for="menu-toggle" class="menu-button button small secondary" data-testid="menu-button">
            {v.t('nav.menu')}
          </label>
          <div class="menu" id="admin-menu">
            {v.user ? (
              <nav class="admin-nav" aria-label={v.t('app.name')}>
                <ul>
                  {navItems
                    .filter((n) => can(v, n.min))
                    .map((n) => (
                      <li>
                        <a href={n.href} aria-current={n.href === active ? 'page' : undefined}>
                          {v.t(n.key)}
                        </a>
                      </li>
                    ))}
                </ul>
              </nav>
            ) : null}
            <div class="tools">
              <span lang="und" class="langs">
                {LANGUAGES.filter((l) => l !== v.lang).map((l) => (
                  <a lang={l} hreflang={l} href={`/admin/lang/${l}?next=${next}`}>
                    {i18n(l).t('language.name')}
                  </a>
                ))}
              </span>
              {v.user ? (
                <>
                  <a href="/admin/account" class="who" title={`${v.user.email} · ${v.t(`role.${v.user.role}`)}`}>
                    {v.user.email}
                  </a>
                  <form method="post" action="/admin/logout" class="inline">
                    <Csrf v={v} />
                    <button type="submit" class="small secondary">
                      {v.t('nav.logout')}
                    </button>
                  </form>
                </>
              ) : null}
            </div>
          </div>
        </div>
      </header>
      <main id="content">
        {props.children}
        <p class="muted-note" style="margin-top:3rem">
          {v.t('common.timesIn', { tz: v.tz })}
        </p>
      </main>
    </Page>
  );
}

/** An error page that says what happened and what to do next. */
/** `back`: where "Go back" leads (the page the reader came from, on this site), else the dashboard. */
export function ErrorPage(props: { v: View; title: string; message: string; back?: string }) {
  return (
    <AdminPage v={props.v} title={props.title}>
      <h1>{props.title}</h1>
      <div class="card" role="alert">
        <p>{props.message}</p>
        <p>
          <a href={props.back ?? '/admin'} class="button secondary">
            {props.v.t('error.back')}
          </a>{' '}
          <a href="/admin" class="button">
            {props.v.t('error.home')}
          </a>
        </p>
      </div>
    </AdminPage>
  );
}

export function LoginPage(props: { v: View; csrf: string; next: string; email?: string; error?: string | undefined; notice?: string | undefined }) {
  const { v } = props;
  return (
    <AdminPage v={v} title={v.t('login.title')}>
      <div style="max-width:26rem;margin:2rem auto">
        <h1>{v.t('login.title')}</h1>
        <p class="muted">{v.t('login.intro')}</p>
        <Flash message={props.notice} />
        <Flash message={props.error} kind="error" />
        <form method="post" action="/admin/login" class="card">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="next" value={props.next} />
          <label for="email">{v.t('login.email')}</label>
          <input id="email" name="email" type="email" autocomplete="username" required value={props.email ?? ''} autofocus />
          <label for="password">{v.t('login.password')}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <p style="margin:1.25rem 0 0">
            <button type="submit">{v.t('login.submit')}</button>
          </p>
        </form>
      </div>
    </AdminPage>
  );
}

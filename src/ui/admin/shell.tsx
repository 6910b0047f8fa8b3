/** The admin web app's page shell, shared pieces and formatting (dates in the user's time zone). */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Role } from '../../db/schema.ts';
import type { Newsletter } from '../../modules/newsletters/service.ts';
import type { AuthUser } from '../../modules/users/service.ts';
import { Page } from '../layout.tsx';
import { ADMIN_LANGS, adminLanguageNames, type AdminKey, type AdminLang, type T } from './i18n.ts';

export type Theme = 'auto' | 'light' | 'dark';

/** Everything a page needs to know about who is looking and how to show it. */
export interface View {
  t: T;
  lang: AdminLang;
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

// ---------------------------------------------------------------- formatting

const dtf = new Map<string, Intl.DateTimeFormat>();
function formatter(lang: string, tz: string, kind: 'dt' | 'd' | 'm'): Intl.DateTimeFormat {
  const key = `${lang}|${tz}|${kind}`;
  let f = dtf.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions =
      kind === 'dt'
        ? { timeZone: tz, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : kind === 'd'
          ? { timeZone: tz, year: 'numeric', month: 'short', day: 'numeric' }
          : { timeZone: tz, year: 'numeric', month: 'short' };
    f = new Intl.DateTimeFormat(lang, opts);
    dtf.set(key, f);
  }
  return f;
}

export function fmtDateTime(v: View, d: Date | string | null | undefined): string {
  if (!d) return '—';
  const date = new Date(d);
  return Number.isNaN(date.getTime()) ? '—' : formatter(v.lang, v.tz, 'dt').format(date);
}

export function fmtDate(v: View, d: Date | string | null | undefined): string {
  if (!d) return '—';
  const date = new Date(d);
  return Number.isNaN(date.getTime()) ? '—' : formatter(v.lang, v.tz, 'd').format(date);
}

export function fmtNumber(v: View, n: number): string {
  return new Intl.NumberFormat(v.lang).format(n);
}

export function fmtPercent(v: View, part: number, whole: number): string {
  if (!whole) return '—';
  return new Intl.NumberFormat(v.lang, { style: 'percent', maximumFractionDigits: 1 }).format(part / whole);
}

/** "3 days 4 hours" / "3天4小时" until `to`. */
export function fmtDuration(v: View, ms: number): string {
  const mins = Math.max(0, Math.round(ms / 60_000));
  const d = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  const zh = v.lang === 'zh-CN';
  const parts: string[] = [];
  if (d) parts.push(zh ? `${d}天` : `${d} day${d === 1 ? '' : 's'}`);
  if (h) parts.push(zh ? `${h}小时` : `${h} hour${h === 1 ? '' : 's'}`);
  if (!d && (m || !h)) parts.push(zh ? `${m}分钟` : `${m} minute${m === 1 ? '' : 's'}`);
  return parts.join(zh ? '' : ' ');
}

// ---------------------------------------------------------------- pieces

export function Csrf(props: { v: View }) {
  return <input type="hidden" name="_csrf" value={props.v.csrf} />;
}

export function StatusBadge(props: { v: View; status: string }) {
  const key = `status.${props.status}` as AdminKey;
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

export function Flash(props: { message?: string | undefined; kind?: 'ok' | 'error' | 'warn' }) {
  if (!props.message) return null;
  return (
    <p class={`flash flash-${props.kind ?? 'ok'}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.message}
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

// ---------------------------------------------------------------- CSS and scripts

export const adminCss = `
body.admin main{max-width:72rem}
body.admin header.site div{max-width:72rem;flex-wrap:wrap;gap:.5rem 1rem}
nav.admin-nav{border-bottom:1px solid var(--line);background:var(--card)}
nav.admin-nav ul{max-width:72rem;margin:0 auto;padding:0 1.25rem;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;list-style:none}
nav.admin-nav a{display:inline-block;padding:.55rem 0;text-decoration:none;color:var(--muted);border-bottom:3px solid transparent}
nav.admin-nav a[aria-current=page]{color:var(--fg);border-bottom-color:var(--accent);font-weight:600}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:var(--card);padding:.5rem;z-index:10}
.tools{margin-left:auto;display:flex;gap:.75rem;align-items:center;flex-wrap:wrap;font-size:.875rem}
.tools select{width:auto;padding:.25rem .4rem;font-size:.875rem}
form.inline{display:inline}
.row{display:flex;gap:1rem;flex-wrap:wrap;align-items:flex-end}.row>*{flex:1 1 12rem}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1.25rem}
.stack>*+*{margin-top:1.25rem}
table{width:100%;border-collapse:collapse;font-size:.925rem}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.825rem;text-transform:none}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:999px;font-size:.8rem;font-weight:600;border:1px solid var(--line);white-space:nowrap}
.badge-draft{color:var(--muted)}.badge-scheduled,.badge-pending{color:var(--warn);border-color:var(--warn)}
.badge-sending,.badge-active,.badge-sent{color:var(--ok);border-color:var(--ok)}
.badge-cancelled,.badge-paused,.badge-unsubscribed,.badge-erased{color:var(--muted)}
.badge-suppressed{color:var(--danger);border-color:var(--danger)}
.flash{padding:.6rem .9rem;border-radius:8px;border-left:4px solid var(--ok);background:var(--card)}
.flash-error{border-left-color:var(--danger)}.flash-warn{border-left-color:var(--warn)}
.warn-row td{background:color-mix(in srgb,var(--warn) 12%,transparent)}
table[data-testid=lint] td:first-child code{word-break:break-all}
.warn-text{color:var(--warn)}
button:disabled{opacity:.55;cursor:progress}
.image-field{display:flex;gap:1rem;align-items:flex-start;margin-top:.8rem;padding:.6rem;border:1px dashed var(--line);border-radius:8px}.image-thumb{flex:0 0 96px;min-height:64px;display:flex;align-items:center;justify-content:center;background:var(--bg);border-radius:6px;overflow:hidden;text-align:center}.image-thumb img{display:block;max-width:96px;height:auto}.image-inputs{flex:1 1 auto;min-width:0}.image-inputs label:first-child{margin-top:0}
button.danger,.button.danger{background:var(--danger);border-color:var(--danger);color:#fff}
button.small,.button.small{padding:.3rem .7rem;font-size:.875rem}
.empty{text-align:center;padding:2rem}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.75rem}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.8rem 1rem}
.kpi .n{font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.2}
.kpi .l{color:var(--muted);font-size:.85rem}
body.wide main,body.wide header.site div,body.wide nav.admin-nav ul{max-width:110rem}
.save-bar{position:sticky;bottom:0;background:var(--bg);padding:.75rem 0;margin:0;border-top:1px solid var(--line);display:flex;gap:1rem;align-items:center}
.preview-pane{display:flex;flex-direction:column;min-width:0;max-width:53rem;margin:2rem 0 0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.75rem}
.pv-bar{display:flex;flex-wrap:wrap;gap:.5rem .75rem;align-items:center}
.pv-bar h2{margin:0 auto 0 0}
.seg{display:inline-flex;border:1px solid var(--line);border-radius:8px;overflow:hidden;position:relative}
.seg input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.seg label{margin:0;padding:.25rem .65rem;font-size:.8rem;font-weight:600;color:var(--muted);cursor:pointer;white-space:nowrap}
.seg label+input+label{border-left:1px solid var(--line)}
.seg input:checked+label{background:var(--accent);color:var(--accent-fg)}
.seg input:focus-visible+label{outline:3px solid color-mix(in srgb,var(--accent) 45%,transparent);outline-offset:-3px}
.pv-status{margin:.4rem 0}
.preview-pane[data-state=live] .pv-status{color:var(--warn)}
.pv-error,.pv-warn{margin:0 0 .5rem;font-size:.875rem}.pv-warn{padding-left:1.75rem}
.pv-stage{--pv-scale:.5;position:relative;overflow:hidden;height:min(80vh,56rem);background:var(--bg);border:1px solid var(--line);border-radius:8px}
.pv-frame{display:block;width:375px;max-width:100%;height:100%;margin:0 auto;border:0;border-inline:1px solid var(--line);background:#fff}
.preview-pane:has(#pv-desktop:checked) .pv-frame{width:800px;max-width:none;height:calc(100% / var(--pv-scale));margin:0;border:0;transform:scale(var(--pv-scale));transform-origin:0 0}
.preview-pane[data-state=error] .pv-frame{opacity:.45}
.pv-text{display:none;margin:0;height:100%;overflow:auto;padding:1rem;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;background:var(--card)}
.preview-pane:has(#pv-plain:checked) .pv-frame{display:none}
.preview-pane:has(#pv-plain:checked) .pv-text{display:block}
@media (min-width:1100px){
.workspace.with-editor{display:grid;grid-template-columns:minmax(0,1fr) minmax(25rem,42%);gap:1.5rem;align-items:start}
.with-editor .preview-pane{position:sticky;top:.75rem;max-width:none;height:calc(100vh - 1.5rem)}
.with-editor .pv-stage{flex:1 1 auto;height:auto;min-height:0}
.pv-jump{display:none}
}
progress{width:100%;height:1.1rem;accent-color:var(--accent)}
textarea{min-height:6rem}textarea.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
input[type=datetime-local],input[type=date],input[type=time],input[type=number],input[type=file],input[type=search]{font:inherit;padding:.5rem .6rem;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--fg);max-width:100%}
input[type=search]{width:100%}
fieldset{border:1px solid var(--line);border-radius:10px;padding:.75rem 1rem 1rem;margin:0 0 1rem}
legend{font-weight:700;padding:0 .4rem}
fieldset fieldset{background:var(--bg)}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400}.check input{width:auto}
pre.snippet{white-space:pre-wrap;word-break:break-all;background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:.75rem;font-size:.8rem}
.token{font-family:ui-monospace,monospace;font-size:1rem;word-break:break-all;background:var(--bg);border:2px dashed var(--accent);padding:.75rem;border-radius:8px}
.chart svg{width:100%;height:auto;max-width:760px}
.chart .axis{stroke:var(--line)}.chart text{fill:var(--muted);font-size:11px}
.chart .opens{stroke:var(--accent);fill:none;stroke-width:2}
.chart .deliveries{stroke:var(--warn);fill:none;stroke-width:2;stroke-dasharray:5 3}
.legend span{display:inline-flex;align-items:center;gap:.35rem;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:1.4rem;height:0;border-top:3px solid var(--accent)}.legend i.d{border-top:3px dashed var(--warn)}
.muted-note{font-size:.85rem;color:var(--muted)}
.bar{display:inline-block;height:.7rem;background:var(--accent);border-radius:3px;vertical-align:middle}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
h1 .sub{font-size:1rem;color:var(--muted);font-weight:400;margin-left:.5rem}
.pager{display:flex;gap:1rem;margin-top:1rem}
@media (max-width:40rem){.tools{margin-left:0}}
`;

/** Sets the `tz` cookie from the browser, once and whenever it changes; dates use it from then on. */
const tzScript = `(function(){try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;if(z&&document.cookie.indexOf('tz='+encodeURIComponent(z))<0){document.cookie='tz='+encodeURIComponent(z)+';path=/;max-age=31536000;samesite=lax'}}catch(e){}})();`;

/** Confirmation for dangerous buttons, and the newsletter switcher's auto-submit. */
const pageScript = `document.addEventListener('submit',function(e){var f=e.target;var m=f&&f.getAttribute&&f.getAttribute('data-confirm');if(m&&!confirm(m))e.preventDefault();});
document.addEventListener('change',function(e){var t=e.target;if(t&&t.getAttribute&&t.getAttribute('data-autosubmit')!==null&&t.form)t.form.submit();});`;

// ---------------------------------------------------------------- the shell

const navItems: { href: string; key: AdminKey; min: Role }[] = [
  { href: '/admin', key: 'nav.dashboard', min: 'viewer' },
  { href: '/admin/issues', key: 'nav.issues', min: 'viewer' },
  { href: '/admin/subscribers', key: 'nav.subscribers', min: 'viewer' },
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
          <style>{raw(adminCss)}</style>
          <script>{raw(tzScript)}</script>
          {props.head}
        </>
      }
    >
      <a class="skip" href="#content">
        {v.t('nav.skip')}
      </a>
      <header class="site">
        <div>
          <a class="brand" href="/admin">
            Quire
          </a>
          {v.newsletters.length > 0 ? (
            <form method="get" action="/admin/switch" class="inline">
              <input type="hidden" name="next" value={v.here} />
              <label class="small" style="display:inline;margin:0 .4rem 0 0;font-weight:400" for="nl-switch">
                {v.t('nav.newsletter')}
              </label>
              <select id="nl-switch" name="n" data-autosubmit style="width:auto;padding:.25rem .4rem;font-size:.875rem">
                {v.newsletters.map((n) => (
                  <option value={n.slug} selected={n.slug === v.current?.slug}>
                    {n.name}
                  </option>
                ))}
              </select>
              <noscript>
                <button type="submit" class="small secondary">
                  OK
                </button>
              </noscript>
            </form>
          ) : null}
          <div class="tools">
            <span lang="und">
              {ADMIN_LANGS.map((l, i) => (
                <>
                  {i > 0 ? ' · ' : ''}
                  {l === v.lang ? (
                    <strong lang={l}>{adminLanguageNames[l]}</strong>
                  ) : (
                    <a lang={l} hreflang={l} href={`/admin/lang/${l}?next=${next}`}>
                      {adminLanguageNames[l]}
                    </a>
                  )}
                </>
              ))}
            </span>
            <span>
              {v.t('nav.theme')}:{' '}
              {(['auto', 'light', 'dark'] as Theme[]).map((th, i) => (
                <>
                  {i > 0 ? ' · ' : ''}
                  {th === v.theme ? <strong>{v.t(`theme.${th}`)}</strong> : <a href={`/admin/theme/${th}?next=${next}`}>{v.t(`theme.${th}`)}</a>}
                </>
              ))}
            </span>
            {v.user ? (
              <>
                <a href="/admin/account">{v.user.email}</a>
                <span class="badge">{v.t(`role.${v.user.role}`)}</span>
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
      </header>
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
      <main id="content">
        {props.children}
        <p class="muted-note" style="margin-top:3rem">
          {v.t('common.timesIn', { tz: v.tz })}
        </p>
      </main>
      <script>{raw(pageScript)}</script>
    </Page>
  );
}

/** An error page that says what happened and what to do next. */
export function ErrorPage(props: { v: View; title: string; message: string }) {
  return (
    <AdminPage v={props.v} title={props.title}>
      <h1>{props.title}</h1>
      <div class="card" role="alert">
        <p>{props.message}</p>
        <p>
          <a href="javascript:history.back()" class="button secondary">
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

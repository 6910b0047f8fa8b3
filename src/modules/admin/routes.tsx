/**
 * The admin web app at /admin: server-rendered pages over the same services as the JSON API.
 * Every route is guarded (`guard(role)`: session, role, CSRF on POST) except sign-in and the
 * language/theme switches. Forms post, then redirect (303) with a one-shot flash message.
 */
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Role } from '../../db/schema.ts';
import { clientIp, userAgent } from '../../http/client.ts';
import { AppError } from '../../http/errors.ts';
import { randomToken } from '../../lib/crypto.ts';
import { formatLocal } from '../../lib/zoned-time.ts';
import { AccountPage, AuditPage, UsersPage } from '../../ui/admin/access.tsx';
import { DashboardPage, type DashboardData } from '../../ui/admin/dashboard.tsx';
import { adminTranslator, pickAdminLang, type AdminKey } from '../../ui/admin/i18n.ts';
import {
  ImportIssuePage,
  IssuePage,
  IssuesListPage,
  LintReport,
  StatsPage,
  type IssueStats,
  type SendState,
  type TimelinePoint,
} from '../../ui/admin/issues.tsx';
import { NewslettersPage, type SlotView } from '../../ui/admin/newsletters.tsx';
import { Empty, ErrorPage, LoginPage, AdminPage, type View } from '../../ui/admin/shell.tsx';
import {
  EraseConfirmPage,
  ImportResultCard,
  ImportSubscribersPage,
  SubscriberPage,
  SubscribersPage,
  type ImportResult,
  type SubscriberDetail,
} from '../../ui/admin/subscribers.tsx';
import { localizedErrorMessage } from '../../ui/error-messages.ts';
import { embedSnippet } from '../../ui/subscription.tsx';
import type { IssueContent } from '../issues/model.ts';
import { describeRule } from '../slots/rule.ts';
import type { Issue } from '../issues/service.ts';
import type { Services } from '../../services.ts';
import { AdminRepository } from './repository.ts';
import {
  clearSessionCookie,
  formFields,
  guard,
  LANG_COOKIE,
  loadView,
  LOGIN_COOKIE,
  NEWSLETTER_COOKIE,
  safeNext,
  secureCookies,
  setFlash,
  setPrefCookie,
  setSessionCookie,
  THEME_COOKIE,
  wantsJson,
  type AdminContext,
  type AdminEnv,
} from './context.ts';

const html = (c: AdminContext, page: unknown, status = 200) => c.html(page as string, status as 200);

/** Which role each admin route needs; the integration test checks every registered route is listed. */
export const ADMIN_ROUTE_ROLES: Record<string, Role | 'public'> = {
  'GET /admin/login': 'public',
  'POST /admin/login': 'public',
  'GET /admin/lang/:lang': 'public',
  'GET /admin/theme/:theme': 'public',
  'POST /admin/logout': 'viewer',
  'POST /admin/logout-everywhere': 'viewer',
  'GET /admin': 'viewer',
  'GET /admin/switch': 'viewer',
  'GET /admin/account': 'viewer',
  'POST /admin/account/password': 'viewer',
  'GET /admin/issues': 'viewer',
  'GET /admin/issues/new': 'editor',
  'POST /admin/issues': 'editor',
  'GET /admin/issues/:id{[0-9]+}': 'viewer',
  'POST /admin/issues/:id{[0-9]+}': 'editor',
  'POST /admin/issues/:id{[0-9]+}/preview': 'editor',
  'POST /admin/issues/:id{[0-9]+}/test': 'editor',
  'POST /admin/issues/:id{[0-9]+}/schedule': 'editor',
  'POST /admin/issues/:id{[0-9]+}/ready': 'editor',
  'POST /admin/issues/:id{[0-9]+}/:action{pause|resume|cancel|retry}': 'editor',
  'GET /admin/issues/:id{[0-9]+}/progress.json': 'viewer',
  'GET /admin/issues/:id{[0-9]+}/stats': 'viewer',
  'GET /admin/subscribers': 'viewer',
  'GET /admin/subscribers/import': 'editor',
  'POST /admin/subscribers/import': 'editor',
  'GET /admin/subscribers/:id{[0-9]+}': 'viewer',
  'GET /admin/subscribers/:id{[0-9]+}/erase': 'admin',
  'POST /admin/subscribers/:id{[0-9]+}/erase': 'admin',
  'GET /admin/newsletters': 'viewer',
  'POST /admin/newsletters': 'admin',
  'POST /admin/newsletters/:slug': 'admin',
  'POST /admin/newsletters/:slug/consent': 'admin',
  'POST /admin/newsletters/:slug/slot': 'editor',
  'GET /admin/users': 'admin',
  'POST /admin/users': 'admin',
  'POST /admin/tokens': 'admin',
  'POST /admin/tokens/:id{[0-9]+}/revoke': 'admin',
  'GET /admin/audit': 'admin',
};

function zones(...extra: (string | undefined)[]): string[] {
  let all: string[] = [];
  try {
    all = (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    /* older runtimes: the extras below still make a usable list */
  }
  const set = new Set(['UTC', ...all]);
  for (const z of extra) if (z) set.add(z);
  return [...set].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

const idParam = (c: Context) => Number(c.req.param('id'));

function redirectWith(c: AdminContext, to: string, kind: 'ok' | 'error' | 'warn', key: AdminKey, vars?: Record<string, string | number>, extra?: string) {
  setFlash(c, { kind, message: c.var.view.t(key, vars), ...(extra ? { extra } : {}) });
  return c.redirect(to, 303);
}

const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : Number(x) || 0);

/** The issue's delivery statistics and its first 72 hours, hour by hour (from the events module). */
async function issueStats(
  s: Services,
  issue: Issue,
  o: { timeline?: boolean } = {},
): Promise<{ stats: IssueStats; partial: boolean; timeline: TimelinePoint[] | null }> {
  const r = await s.events.stats(issue.id);
  const stats: IssueStats = {
    recipients: num(r.recipients),
    sent: num(r.sent),
    delivered: num(r.delivered),
    failed: num(r.failed),
    bounced: { hard: num(r.bounced.hard), soft: num(r.bounced.soft) },
    complained: num(r.complained),
    opened: { unique: num(r.opened.unique), total: num(r.opened.total), likelyHuman: num(r.opened.likelyHuman) },
    unsubscribed: num(r.unsubscribed),
  };
  if (o.timeline === false) return { stats, partial: false, timeline: null };
  const t = await s.events.timeline(issue.id, { hours: '72' });
  const timeline: TimelinePoint[] | null = t.from ? t.buckets.map((b, hour) => ({ hour, opens: b.opens, deliveries: b.delivered })) : null;
  return { stats, partial: false, timeline };
}

function noNewsletterPage(c: AdminContext) {
  const v = c.var.view;
  return html(
    c,
    <AdminPage v={v} title={v.t('common.noNewsletter')}>
      <h1>{v.t('common.noNewsletter')}</h1>
      <Empty title={v.t('common.noNewsletter')}>
        <p>
          <a href="/admin/newsletters">{v.t('common.createNewsletterFirst')}</a>
        </p>
      </Empty>
    </AdminPage>,
  );
}

/** The form fields of the issue editor back into the content model, then the add/remove operation. */
function contentFromForm(f: Record<string, string>, current: IssueContent): Partial<IssueContent> & { number?: number } {
  type Art = IssueContent['sections'][number]['articles'][number];
  const sections: { title: string; articles: Art[] }[] = [];
  for (const [k, val] of Object.entries(f)) {
    let m = /^s\.(\d{1,3})\.title$/.exec(k);
    if (m) {
      const si = Number(m[1]);
      sections[si] ??= { title: '', articles: [] };
      sections[si]!.title = val;
      continue;
    }
    m = /^s\.(\d{1,3})\.a\.(\d{1,3})\.(title|body|sources|attribution|imageUrl|imageAlt)$/.exec(k);
    if (m) {
      const si = Number(m[1]);
      const ai = Number(m[2]);
      sections[si] ??= { title: '', articles: [] };
      const arts = sections[si]!.articles;
      arts[ai] ??= { title: '', body: '', sources: [] };
      const a = arts[ai]!;
      const field = m[3]!;
      if (field === 'title') a.title = val;
      else if (field === 'body') a.body = val.replace(/\r\n/g, '\n');
      else if (field === 'attribution') a.attribution = val.trim() || undefined;
      else if (field === 'imageUrl') a.image = { url: val.trim(), alt: a.image?.alt ?? '' };
      else if (field === 'imageAlt') a.image = { url: a.image?.url ?? '', alt: val };
      else
        a.sources = val
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter(Boolean)
          .map((line) => {
            const sp = line.search(/\s/);
            return sp < 0 ? { url: line, label: '' } : { url: line.slice(0, sp), label: line.slice(sp + 1).trim() };
          });
    }
  }
  let list = sections
    .filter(Boolean)
    .map((s) => ({ title: s.title, articles: s.articles.filter(Boolean).map((a) => (a.image && !a.image.url ? { ...a, image: undefined } : a)) }));
  // Sections the form did not carry (none, in practice) keep their stored content.
  if (list.length === 0 && !Object.keys(f).some((k) => k.startsWith('s.'))) list = current.sections;
  const op = f.op ?? 'save';
  let m: RegExpExecArray | null;
  if (op === 'addSection') list.push({ title: '', articles: [{ title: '', body: '', sources: [] }] });
  else if ((m = /^addArticle:(\d+)$/.exec(op)) && list[Number(m[1])]) list[Number(m[1])]!.articles.push({ title: '', body: '', sources: [] });
  else if ((m = /^remove:(\d+):(\d+)$/.exec(op)) && list[Number(m[1])]) list[Number(m[1])]!.articles.splice(Number(m[2]), 1);
  else if ((m = /^removeImage:(\d+):(\d+)$/.exec(op)) && list[Number(m[1])]?.articles[Number(m[2])]) delete list[Number(m[1])]!.articles[Number(m[2])]!.image;
  else if ((m = /^remove:(\d+)$/.exec(op))) list.splice(Number(m[1]), 1);
  const opt = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);
  const footer = {
    ...current.footer,
    disclaimer: opt(f['footer.disclaimer']),
    editor: opt(f['footer.editor']),
    contact: opt(f['footer.contact']),
    organisation: opt(f['footer.organisation']),
  };
  const number = f.number && /^\d{1,9}$/.test(f.number) ? Number(f.number) : undefined;
  return {
    title: (f.title ?? current.title).trim(),
    volume: opt(f.volume),
    date: opt(f.date),
    intro: f.intro !== undefined ? f.intro.replace(/\r\n/g, '\n') || undefined : current.intro,
    sections: list,
    footer,
    ...(number ? { number } : {}),
  };
}

export const adminRoutes = new Hono<AdminEnv>();
adminRoutes.use(loadView);

// ---------------------------------------------------------------- sign-in, language, theme

adminRoutes.get('/login', async (c) => {
  const v = c.var.view;
  const next = safeNext(c.req.query('next'));
  if (c.var.session) return c.redirect(next, 302);
  let pre = getCookie(c, LOGIN_COOKIE);
  if (!pre || pre.length > 64) {
    pre = randomToken(24);
    setCookie(c, LOGIN_COOKIE, pre, { httpOnly: true, sameSite: 'Lax', secure: secureCookies(c), path: '/admin', maxAge: 3600 });
  }
  const m = c.req.query('m');
  const notices: Record<string, AdminKey> = {
    out: 'login.signedOut',
    everywhere: 'login.signedOutEverywhere',
    expired: 'login.expired',
    pw: 'login.passwordChanged',
  };
  const notice = m && notices[m] ? v.t(notices[m]!) : undefined;
  return html(c, <LoginPage v={v} csrf={c.var.services.auth.loginCsrfFor(pre)} next={next} notice={notice} />);
});

adminRoutes.post('/login', async (c) => {
  const v = c.var.view;
  const s = c.var.services;
  const f = await formFields(c);
  const next = safeNext(f.next);
  const pre = getCookie(c, LOGIN_COOKIE);
  const render = (status: number, error: string) => {
    let token = pre;
    if (!token) {
      token = randomToken(24);
      setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'Lax', secure: secureCookies(c), path: '/admin', maxAge: 3600 });
    }
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

adminRoutes.get('/lang/:lang', (c) => {
  setPrefCookie(c, LANG_COOKIE, pickAdminLang(c.req.param('lang'), undefined));
  return c.redirect(safeNext(c.req.query('next')), 302);
});

adminRoutes.get('/theme/:theme', (c) => {
  const th = c.req.param('theme');
  setPrefCookie(c, THEME_COOKIE, th === 'light' || th === 'dark' ? th : 'auto');
  return c.redirect(safeNext(c.req.query('next')), 302);
});

adminRoutes.post('/logout', guard('viewer'), async (c) => {
  await c.var.services.auth.logout(c.var.session!.id, c.var.session!.user);
  clearSessionCookie(c);
  return c.redirect('/admin/login?m=out', 303);
});

adminRoutes.post('/logout-everywhere', guard('viewer'), async (c) => {
  await c.var.services.auth.logoutEverywhere(c.var.session!.user);
  clearSessionCookie(c);
  return c.redirect('/admin/login?m=everywhere', 303);
});

adminRoutes.get('/switch', guard('viewer'), (c) => {
  const slug = c.req.query('n') ?? '';
  if (c.var.view.newsletters.some((n) => n.slug === slug)) setPrefCookie(c, NEWSLETTER_COOKIE, slug);
  // The page we came from may name the old newsletter in its query; drop the query.
  return c.redirect(safeNext((c.req.query('next') ?? '').split('?')[0]), 302);
});

// ---------------------------------------------------------------- account

adminRoutes.get('/account', guard('viewer'), (c) => html(c, <AccountPage v={c.var.view} flash={c.var.flash} expiresAt={c.var.session!.expiresAt} />));

adminRoutes.post('/account/password', guard('viewer'), async (c) => {
  const s = c.var.services;
  const f = await formFields(c);
  const user = c.var.session!.user;
  await s.auth.changePassword(user, f.current ?? '', f.next ?? '', f.confirm ?? '');
  // Every session ended with the password change; this browser gets a fresh one.
  const { token } = await s.auth.createSession(user, { ip: clientIp(c), userAgent: userAgent(c) });
  setSessionCookie(c, token);
  return redirectWith(c, '/admin/account', 'ok', 'common.saved');
});

// ---------------------------------------------------------------- dashboard

adminRoutes.get('/', guard('viewer'), async (c) => {
  const v = c.var.view;
  const s = c.var.services;
  const n = v.current;
  if (!n) return html(c, <DashboardPage v={v} flash={c.var.flash} d={null} />);
  const scheduled = await s.issues.list(n.slug, { status: ['scheduled'], limit: 50 });
  const next = scheduled.items.filter((i) => i.sendAt).sort((a, b) => a.sendAt!.localeCompare(b.sendAt!))[0] ?? null;
  const sent = await s.issues.list(n.slug, { status: ['sent', 'sending'], limit: 1 });
  const last = sent.items[0] ?? null;
  // The dashboard shows the numbers only: no timeline (a pass over the whole ledger).
  const lastStats = last ? (await issueStats(s, last, { timeline: false })).stats : null;
  const since = new Date(v.now.getTime() - 365 * 86400_000);
  const growth = await new AdminRepository(s.db).growth(n.id, n.timeZone, since);
  const slot = await s.slots.get(n.slug);
  const warnings: string[] = [];
  const nextSlot = slot.enabled ? (slot.nextDates[0] ?? null) : null;
  if (nextSlot && !slot.readyIssue && !next)
    warnings.push(v.t('dash.noReadyIssue', { when: `${formatLocal(new Date(nextSlot), slot.timeZone).replace('T', ' ')} ${slot.timeZone}` }));
  if (last && lastStats && lastStats.sent > 0) {
    const bounced = lastStats.bounced ? lastStats.bounced.hard + lastStats.bounced.soft : 0;
    if (bounced / lastStats.sent > 0.05)
      warnings.push(v.t('dash.highBounce', { number: last.number, rate: `${((100 * bounced) / lastStats.sent).toFixed(1)}%` }));
    if ((lastStats.complained ?? 0) / lastStats.sent > 0.001)
      warnings.push(v.t('dash.highComplaint', { number: last.number, rate: `${((100 * (lastStats.complained ?? 0)) / lastStats.sent).toFixed(2)}%` }));
  }
  // Shown only when the mail transport can tell (none does yet).
  const mailer = s.mailer as unknown as { clickTracking?: () => Promise<boolean> };
  if (typeof mailer.clickTracking === 'function' && (await mailer.clickTracking().catch(() => false))) warnings.push(v.t('dash.clickTracking'));
  const d: DashboardData = { next, nextSlot, nextSlotTz: slot.timeZone, last, lastStats, growth, warnings };
  return html(c, <DashboardPage v={v} flash={c.var.flash} d={d} />);
});

// ---------------------------------------------------------------- issues

adminRoutes.get('/issues', guard('viewer'), async (c) => {
  const v = c.var.view;
  if (!v.current) return noNewsletterPage(c);
  const status = c.req.query('status') ?? '';
  const valid = ['draft', 'scheduled', 'sending', 'sent', 'cancelled', 'paused'] as const;
  const st = (valid as readonly string[]).includes(status) ? [status as (typeof valid)[number]] : undefined;
  const cursor = Number(c.req.query('cursor'));
  const r = await c.var.services.issues.list(v.current.slug, { limit: 50, ...(st ? { status: st } : {}), ...(cursor > 0 ? { beforeNumber: cursor } : {}) });
  return html(c, <IssuesListPage v={v} flash={c.var.flash} items={r.items} status={st ? status : ''} next={r.next === null ? null : String(r.next)} />);
});

adminRoutes.get('/issues/new', guard('editor'), (c) =>
  c.var.view.current ? html(c, <ImportIssuePage v={c.var.view} flash={c.var.flash} />) : noNewsletterPage(c),
);

adminRoutes.post('/issues', guard('editor'), async (c) => {
  const body = await c.req.parseBody();
  const slug = typeof body.newsletter === 'string' ? body.newsletter : (c.var.view.current?.slug ?? '');
  let source = typeof body.source === 'string' ? body.source : '';
  let format = typeof body.format === 'string' && ['auto', 'markdown', 'text'].includes(body.format) ? body.format : 'auto';
  const file = body.file;
  if (file && typeof file !== 'string' && file.size > 0) {
    if (file.size > 2_000_000) throw new AppError('payload_too_large', 'The file is larger than 2 MB').withKey('upload.tooLarge', { mb: 2 });
    source = await file.text();
    if (format === 'auto' && /\.(md|markdown)$/i.test(file.name)) format = 'markdown';
  }
  if (!source.trim()) return redirectWith(c, '/admin/issues/new', 'error', 'import.empty');
  const issue = await c.var.services.issues.create(slug, { source, format }, c.var.session!.user);
  return redirectWith(c, `/admin/issues/${issue.id}`, 'ok', 'common.saved');
});

adminRoutes.get('/issues/:id{[0-9]+}', guard('viewer'), async (c) => {
  const v = c.var.view;
  const s = c.var.services;
  const issue = await s.issues.get(idParam(c));
  const n = v.newsletters.find((x) => x.slug === issue.newsletter);
  const tz = issue.timeZone ?? n?.timeZone ?? 'UTC';
  const progress = await s.sending.progress(issue.id);
  const preview = await s.issues.preview(issue.id);
  const defaultAt = issue.sendAt ? new Date(issue.sendAt) : new Date(Math.ceil((v.now.getTime() + 3600_000) / 900_000) * 900_000);
  const send: SendState = {
    available: true,
    progress,
    sendAt: issue.sendAt ? new Date(issue.sendAt) : null,
    timeZone: tz,
    defaultLocal: formatLocal(defaultAt, tz),
    zones: zones(tz, v.tz),
    ready: issue.readyForSlot,
    slotsAvailable: true,
  };
  return html(c, <IssuePage v={v} flash={c.var.flash} issue={issue} send={send} previewErrors={preview.errors} previewText={preview.text} />);
});

adminRoutes.post('/issues/:id{[0-9]+}', guard('editor'), async (c) => {
  const s = c.var.services;
  const id = idParam(c);
  const f = await formFields(c);
  const current = await s.issues.get(id);
  const patch = contentFromForm(f, current);
  await s.issues.update(id, patch, c.var.session!.user);
  const op = f.op ?? 'save';
  const image = /^removeImage:(\d+):(\d+)$/.exec(op);
  const anchor = image ? `#s${image[1]}a${image[2]}` : op.startsWith('add') || op.startsWith('remove') ? '#editor' : '';
  return redirectWith(c, `/admin/issues/${id}${anchor}`, 'ok', 'common.saved');
});

/**
 * The editor's live preview: the unsaved form, parsed and checked as the save does, rendered as
 * the send does; nothing is stored. `Accept: application/json` gets the HTML with the plain
 * text, MJML errors and the link report (as HTML for the page); otherwise the email HTML alone.
 * A refused edit answers 4xx JSON with a message in the page's language.
 */
adminRoutes.post('/issues/:id{[0-9]+}/preview', guard('editor'), async (c) => {
  const v = c.var.view;
  const s = c.var.services;
  const id = idParam(c);
  const f = await formFields(c);
  const current = await s.issues.get(id);
  let draft: Awaited<ReturnType<typeof s.issues.previewEdit>>;
  try {
    draft = await s.issues.previewEdit(id, contentFromForm(f, current));
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return c.json({ error: { code: e.code, message: pageErrorMessage(v, e) } }, e.status as 400);
  }
  c.header('X-Quire-Size-Bytes', String(draft.sizeBytes));
  if (!wantsJson(c)) return c.html(draft.html);
  const lintHtml = await Promise.resolve((<LintReport v={v} issue={{ ...current, lint: draft.lint }} />).toString());
  return c.json({ html: draft.html, text: draft.text, subject: draft.subject, sizeBytes: draft.sizeBytes, errors: draft.errors, lintHtml });
});

adminRoutes.post('/issues/:id{[0-9]+}/test', guard('editor'), async (c) => {
  const f = await formFields(c);
  const to = (f.to ?? '')
    .split(/[,;\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
  await c.var.services.issues.testSend(idParam(c), { to }, c.var.session!.user);
  return redirectWith(c, `/admin/issues/${idParam(c)}`, 'ok', 'issue.testSent', { to: to.join(', ') });
});

adminRoutes.post('/issues/:id{[0-9]+}/schedule', guard('editor'), async (c) => {
  const f = await formFields(c);
  const issue = await c.var.services.sending.schedule(
    idParam(c),
    { sendAt: f.sendAt ?? '', ...(f.timeZone ? { timeZone: f.timeZone } : {}) },
    c.var.session!.user,
  );
  const tz = issue.timeZone ?? f.timeZone ?? 'UTC';
  return redirectWith(c, `/admin/issues/${issue.id}`, 'ok', 'issue.scheduledFor', {
    when: `${formatLocal(new Date(issue.sendAt!), tz).replace('T', ' ')} (${tz})`,
  });
});

adminRoutes.post('/issues/:id{[0-9]+}/ready', guard('editor'), async (c) => {
  const f = await formFields(c);
  await c.var.services.slots.markReady(idParam(c), { ready: f.ready === 'true' }, c.var.session!.user);
  return redirectWith(c, `/admin/issues/${idParam(c)}`, 'ok', 'common.saved');
});

adminRoutes.post('/issues/:id{[0-9]+}/:action{pause|resume|cancel|retry}', guard('editor'), async (c) => {
  const s = c.var.services.sending;
  const id = idParam(c);
  const user = c.var.session!.user;
  const action = c.req.param('action');
  if (action === 'pause') await s.pause(id, user);
  else if (action === 'resume') await s.resume(id, user);
  else if (action === 'cancel') await s.cancel(id, user);
  else await s.retryFailed(id, user);
  return redirectWith(c, action === 'retry' ? `/admin/issues/${id}/stats` : `/admin/issues/${id}`, 'ok', 'common.saved');
});

adminRoutes.get('/issues/:id{[0-9]+}/progress.json', guard('viewer'), async (c) => c.json(await c.var.services.sending.progress(idParam(c))));

adminRoutes.get('/issues/:id{[0-9]+}/stats', guard('viewer'), async (c) => {
  const v = c.var.view;
  const s = c.var.services;
  const issue = await s.issues.get(idParam(c));
  const { stats, partial, timeline } = await issueStats(s, issue);
  const failures = await s.sending.failures(issue.id, 100);
  const n = v.newsletters.find((x) => x.slug === issue.newsletter);
  return html(
    c,
    <StatsPage
      v={v}
      flash={c.var.flash}
      issue={issue}
      stats={stats}
      partial={partial}
      timeline={timeline}
      failures={failures}
      openTracking={n?.openTracking ?? true}
      canRetry={v.user?.role !== 'viewer' && ['sending', 'sent', 'paused'].includes(issue.status)}
    />,
  );
});

// ---------------------------------------------------------------- subscribers

adminRoutes.get('/subscribers', guard('viewer'), async (c) => {
  const v = c.var.view;
  if (!v.current) return noNewsletterPage(c);
  const q = (c.req.query('q') ?? '').slice(0, 254);
  const statuses = ['pending', 'active', 'unsubscribed', 'suppressed', 'erased'];
  const status = statuses.includes(c.req.query('status') ?? '') ? c.req.query('status')! : '';
  const cursor = c.req.query('cursor');
  const r = await c.var.services.subscribers.list(v.current.slug, { q: q || undefined, status: status || undefined, cursor: cursor || undefined, limit: '50' });
  return html(
    c,
    <SubscribersPage
      v={v}
      flash={c.var.flash}
      items={r.items.map((x) => ({ ...x, email: x.email, createdAt: x.createdAt }))}
      q={q}
      status={status}
      next={r.nextCursor}
      isFirst={!cursor}
    />,
  );
});

adminRoutes.get('/subscribers/import', guard('editor'), (c) =>
  c.var.view.current ? html(c, <ImportSubscribersPage v={c.var.view} flash={c.var.flash} />) : noNewsletterPage(c),
);

adminRoutes.post('/subscribers/import', guard('editor'), async (c) => {
  const v = c.var.view;
  const body = await c.req.parseBody();
  const slug = typeof body.newsletter === 'string' ? body.newsletter : (v.current?.slug ?? '');
  const file = body.file;
  const live = (c.req.header('accept') ?? '').includes(NDJSON);
  if (!file || typeof file === 'string' || file.size === 0) {
    if (live)
      return c.body(`${JSON.stringify({ type: 'error', code: 'validation_failed', message: v.t('subs.importNoFile') })}\n`, 200, {
        'Content-Type': `${NDJSON}; charset=utf-8`,
      });
    return redirectWith(c, '/admin/subscribers/import', 'error', 'subs.importNoFile');
  }
  if (live) return await importWithProgress(c, slug, file, body.consentNote);
  const result = (await c.var.services.subscribers.import(
    slug,
    file.stream() as ReadableStream<Uint8Array>,
    body.consentNote,
    c.var.session!.user,
  )) as unknown as ImportResult;
  return html(c, <ImportSubscribersPage v={v} result={result} />);
});

const NDJSON = 'application/x-ndjson';

/**
 * The import page's live progress: one JSON object per line — `start` (file size, rows estimated
 * from its line count), `progress` after each chunk of rows (rows read, added), then `done` with the
 * summary and its rendered card, or `error` with a message in the page's language. The import
 * runs while the response streams; on Workers the connection stays open until the body ends
 * (src/worker.ts keeps it for this content type).
 */
async function importWithProgress(c: AdminContext, slug: string, file: File, consentNote: unknown): Promise<Response> {
  const s = c.var.services;
  const v = c.var.view;
  const user = c.var.session!.user;
  // The upload is in memory already (multipart): one pass counting its lines estimates the rows,
  // for a percentage (a quoted field with line breaks makes it an overestimate, never a stall).
  let lines = 0;
  let last = 10;
  const reader = (file.stream() as ReadableStream<Uint8Array>).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    const chunk = r.value;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  if (last !== 10) lines++;
  const estimatedRows = Math.max(1, lines - 1);
  const size = file.size;
  const enc = new TextEncoder();
  const out = new ReadableStream<Uint8Array>({
    start(ctl) {
      // The reader may go away (tab closed): the import still finishes, the lines go nowhere.
      const send = (o: Record<string, unknown>) => {
        try {
          ctl.enqueue(enc.encode(`${JSON.stringify(o)}\n`));
        } catch {
          /* stream cancelled */
        }
      };
      // Embedded PGlite answers without real I/O, so the import could run to its end in
      // microtasks alone: yield to the event loop after each line so that it reaches the socket.
      const flush = () => new Promise<void>((r) => setTimeout(r, 0));
      send({ type: 'start', size, estimatedRows });
      void (async () => {
        try {
          await flush();
          const result = (await s.subscribers.import(slug, file.stream() as ReadableStream<Uint8Array>, consentNote, user, async (p) => {
            send({ type: 'progress', rows: p.rows, imported: p.imported, estimatedRows: Math.max(estimatedRows, p.rows) });
            await flush();
          })) as unknown as ImportResult;
          const card = await Promise.resolve((<ImportResultCard v={v} result={result} />).toString());
          send({ type: 'done', result, html: card });
        } catch (e) {
          if (e instanceof AppError) send({ type: 'error', code: e.code, message: pageErrorMessage(v, e) });
          else {
            s.log.error('admin import error', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
            send({
              type: 'error',
              code: 'internal',
              message: v.t('error.generic', {
                message: localizedErrorMessage(new AppError('internal', 'Something went wrong on our side; it has been logged'), v.lang),
              }),
            });
          }
        }
        try {
          ctl.close();
        } catch {
          /* stream cancelled */
        }
      })();
    },
  });
  return c.body(out, 200, { 'Content-Type': `${NDJSON}; charset=utf-8`, 'Cache-Control': 'no-store' });
}

async function subscriberDetail(c: AdminContext): Promise<SubscriberDetail> {
  return (await c.var.services.subscribers.get(c.req.param('id')!)) as unknown as SubscriberDetail;
}

adminRoutes.get('/subscribers/:id{[0-9]+}', guard('viewer'), async (c) =>
  html(c, <SubscriberPage v={c.var.view} flash={c.var.flash} s={await subscriberDetail(c)} />),
);

adminRoutes.get('/subscribers/:id{[0-9]+}/erase', guard('admin'), async (c) =>
  html(c, <EraseConfirmPage v={c.var.view} flash={c.var.flash} s={await subscriberDetail(c)} />),
);

adminRoutes.post('/subscribers/:id{[0-9]+}/erase', guard('admin'), async (c) => {
  const s = await subscriberDetail(c);
  const f = await formFields(c);
  if (!s.email || (f.confirm ?? '').trim().toLowerCase() !== s.email.toLowerCase())
    return redirectWith(c, `/admin/subscribers/${s.id}/erase`, 'error', 'subs.eraseMismatch');
  await c.var.services.subscribers.erase(s.id, c.var.session!.user);
  return redirectWith(c, `/admin/subscribers/${s.id}`, 'ok', 'subs.erased');
});

// ---------------------------------------------------------------- newsletters & settings

adminRoutes.get('/newsletters', guard('viewer'), async (c) => {
  const v = c.var.view;
  const s = c.var.services;
  const n = v.current;
  let consent: { version: number; text: string; createdAt: string }[] | null = null;
  let slot: SlotView | null = null;
  let snippet: string | null = null;
  if (n) {
    consent = await s.subscribers.consentTexts(n.slug);
    const g = await s.slots.get(n.slug);
    // Described and warned in the reader's language (the service speaks the newsletter's).
    const warnings = g.warnings.filter((w) => !w.startsWith('No issue is marked ready'));
    if (v.lang !== 'en') warnings.length = 0;
    if (g.enabled && !g.readyIssue && g.nextDates[0])
      warnings.unshift(v.t('dash.noReadyIssue', { when: `${formatLocal(new Date(g.nextDates[0]), g.timeZone).replace('T', ' ')} ${g.timeZone}` }));
    slot = {
      rule: g.rule as SlotView['rule'],
      timeZone: g.timeZone,
      reminderDaysBefore: g.reminderDaysBefore,
      enabled: g.enabled,
      description: g.rule ? describeRule(g.rule, v.lang === 'zh-CN' ? 'zh' : 'en') : null,
      nextDates: g.nextDates,
      warnings,
    };
    snippet = embedSnippet(
      { slug: n.slug, name: n.name, language: n.language, description: n.description, openTracking: n.openTracking },
      consent[consent.length - 1]?.text ?? '',
      s.config.publicUrl,
    );
  }
  return html(
    c,
    <NewslettersPage
      v={v}
      flash={c.var.flash}
      n={n}
      consent={consent}
      slot={slot}
      snippet={snippet}
      zones={zones(n?.timeZone, v.tz)}
      publicUrl={s.config.publicUrl}
    />,
  );
});

const orNull = (x: string | undefined) => (x?.trim() ? x.trim() : null);

adminRoutes.post('/newsletters', guard('admin'), async (c) => {
  const f = await formFields(c);
  const n = await c.var.services.newsletters.create(
    {
      slug: (f.slug ?? '').trim(),
      name: f.name ?? '',
      fromEmail: f.fromEmail ?? '',
      ...(f.language?.trim() ? { language: f.language.trim() } : {}),
      ...(f.timeZone ? { timeZone: f.timeZone } : {}),
    },
    c.var.session!.user,
  );
  setPrefCookie(c, NEWSLETTER_COOKIE, n.slug);
  return redirectWith(c, '/admin/newsletters', 'ok', 'common.saved');
});

adminRoutes.post('/newsletters/:slug', guard('admin'), async (c) => {
  const f = await formFields(c);
  await c.var.services.newsletters.update(
    c.req.param('slug'),
    {
      name: f.name ?? '',
      fromEmail: f.fromEmail ?? '',
      fromName: orNull(f.fromName),
      replyTo: orNull(f.replyTo),
      ...(f.language?.trim() ? { language: f.language.trim() } : {}),
      ...(f.timeZone ? { timeZone: f.timeZone } : {}),
      openTracking: f.openTracking === 'on',
      welcomeEnabled: f.welcomeEnabled === 'on',
      goodbyeEnabled: f.goodbyeEnabled === 'on',
      description: orNull(f.description),
      organisation: orNull(f.organisation),
    },
    c.var.session!.user,
  );
  return redirectWith(c, '/admin/newsletters', 'ok', 'common.saved');
});

adminRoutes.post('/newsletters/:slug/consent', guard('admin'), async (c) => {
  const f = await formFields(c);
  await c.var.services.subscribers.setConsentText(c.req.param('slug'), { text: f.text ?? '' }, c.var.session!.user);
  return redirectWith(c, '/admin/newsletters#consent-h', 'ok', 'common.saved');
});

adminRoutes.post('/newsletters/:slug/slot', guard('editor'), async (c) => {
  const f = await formFields(c);
  const time = f.time ?? '';
  const rule =
    f.kind === 'weekdayOfMonth'
      ? { kind: 'weekdayOfMonth', week: Number(f.week), weekday: Number(f.weekday), time }
      : { kind: 'dayOfMonth', day: Number(f.day), time };
  await c.var.services.slots.put(
    c.req.param('slug'),
    { rule, ...(f.timeZone ? { timeZone: f.timeZone } : {}), reminderDaysBefore: Number(f.reminderDaysBefore ?? 3), enabled: f.enabled === 'on' },
    c.var.session!.user,
  );
  return redirectWith(c, '/admin/newsletters#slot-h', 'ok', 'common.saved');
});

// ---------------------------------------------------------------- users, tokens, audit

adminRoutes.get('/users', guard('admin'), async (c) => {
  const s = c.var.services;
  return html(c, <UsersPage v={c.var.view} flash={c.var.flash} users={await s.auth.listUsers()} tokens={await s.auth.listTokens()} />);
});

adminRoutes.post('/users', guard('admin'), async (c) => {
  const f = await formFields(c);
  const role = (['viewer', 'editor', 'admin'] as Role[]).includes(f.role as Role) ? (f.role as Role) : 'viewer';
  await c.var.services.auth.addUser(f.email ?? '', f.password ?? '', role, c.var.session!.user);
  return redirectWith(c, '/admin/users', 'ok', 'common.saved');
});

adminRoutes.post('/tokens', guard('admin'), async (c) => {
  const f = await formFields(c);
  const name = (f.name ?? '').trim().slice(0, 100);
  const token = await c.var.services.auth.createToken(f.email ?? '', name, c.var.session!.user);
  return redirectWith(c, '/admin/users', 'ok', 'users.tokenCreated', { name }, token);
});

adminRoutes.post('/tokens/:id{[0-9]+}/revoke', guard('admin'), async (c) => {
  await c.var.services.auth.revokeToken(idParam(c), c.var.session!.user);
  return redirectWith(c, '/admin/users', 'ok', 'common.saved');
});

adminRoutes.get('/audit', guard('admin'), async (c) => {
  const before = c.req.query('before');
  const action = (c.req.query('action') ?? '').slice(0, 100);
  const rows = await c.var.services.auth.auditPage({
    limit: 101,
    ...(before && /^\d{1,18}$/.test(before) ? { beforeId: before } : {}),
    ...(action ? { action } : {}),
  });
  const page = rows.slice(0, 100);
  const items = page.map((r) => ({ id: String(r.id), at: new Date(r.at), actor: r.actor, action: r.action, target: r.target, detail: r.detail }));
  return html(c, <AuditPage v={c.var.view} items={items} next={rows.length > 100 ? String(page[page.length - 1]!.id) : null} action={action} />);
});

// ---------------------------------------------------------------- errors

/** An AppError as a sentence for an admin page, in the page's language. */
function pageErrorMessage(v: View, err: AppError): string {
  const key: AdminKey =
    err.code === 'conflict'
      ? 'error.conflict'
      : err.code === 'invalid_state'
        ? 'error.invalidState'
        : err.code === 'validation_failed'
          ? 'error.validation'
          : 'error.generic';
  return v.t(key, { message: localizedErrorMessage(err, v.lang) });
}

function fallbackView(c: AdminContext): View {
  const lang = pickAdminLang(getCookie(c, LANG_COOKIE), c.req.header('accept-language'));
  return {
    t: adminTranslator(lang),
    lang,
    tz: 'UTC',
    theme: 'auto',
    user: null,
    csrf: '',
    here: '/admin',
    newsletters: [],
    current: undefined,
    now: new Date(),
  };
}

/** Admin pages answer errors with a page that says what to do; a failed form goes back to the form with the message. */
adminRoutes.onError((err, c) => {
  const v = c.var.view ?? fallbackView(c);
  if (!(err instanceof AppError)) {
    c.var.services?.log.error('admin page error', { path: c.req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    if (wantsJson(c)) return c.json(new AppError('internal', 'Something went wrong on our side; it has been logged').toJSON(), 500);
    return html(
      c,
      <ErrorPage
        v={v}
        title={v.t('error.title')}
        message={v.t('error.generic', {
          message: localizedErrorMessage(new AppError('internal', 'Something went wrong on our side; it has been logged'), v.lang),
        })}
      />,
      500,
    );
  }
  for (const [k, val] of Object.entries(err.headers ?? {})) c.header(k, val);
  if (wantsJson(c)) return c.json(err.toJSON(), err.status as 400);
  const details = (err.details ?? {}) as { csrf?: boolean; need?: string };
  if (err.code === 'unauthorized') return c.redirect(`/admin/login?m=expired`, 303);
  if (err.code === 'forbidden') {
    const message = details.csrf
      ? v.t('error.csrf')
      : v.t('error.forbidden', {
          role: v.t(`role.${(details.need ?? 'admin') as Role}`),
          me: v.user?.email ?? '',
          myRole: v.user ? v.t(`role.${v.user.role}`) : '',
        });
    return html(c, <ErrorPage v={v} title={v.t('error.forbiddenTitle')} message={message} />, 403);
  }
  // In the page's language (the JSON above keeps the API's English message).
  const said = localizedErrorMessage(err, v.lang);
  if (err.code === 'not_found')
    return html(c, <ErrorPage v={v} title={v.t('error.notFoundTitle')} message={v.t('error.notFound', { what: said.replace(/[。.]$/, '') })} />, 404);
  const message = pageErrorMessage(v, err);
  if (c.req.method === 'POST' && v.user) {
    // Back to the page the form was on, with the message on top.
    const ref = c.req.header('referer');
    let back = '/admin';
    try {
      if (ref) {
        const u = new URL(ref);
        if (u.host === new URL(c.req.url).host) back = safeNext(u.pathname + u.search);
      }
    } catch {
      /* keep /admin */
    }
    setFlash(c, { kind: 'error', message });
    return c.redirect(back, 303);
  }
  return html(c, <ErrorPage v={v} title={v.t('error.title')} message={message} />, err.status);
});

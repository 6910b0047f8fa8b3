/** How the admin answers errors: a page that says what to do, or back to the form with the message. */
import type { ErrorHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Role } from '../../../db/schema.ts';
import { AppError, describeError } from '../../../lib/errors.ts';
import { adminLanguage } from '../../../http/language.ts';
import { i18n, type MessageKey, msg } from '../../../i18n/index.ts';
import { ErrorPage, type View } from '../../../ui/admin/shell.tsx';
import { LANG_COOKIE, safeNext, setFlash, wantsJson, type AdminContext, type AdminEnv } from '../context.ts';
import { html } from './respond.tsx';

const internalError = () => new AppError('internal', msg('error.internal'));

/** An AppError as a sentence for an admin page, in the page's language. */
export function pageErrorMessage(v: View, err: AppError): string {
  const key: MessageKey =
    err.code === 'conflict'
      ? 'error.conflict'
      : err.code === 'invalid_state'
        ? 'error.invalidState'
        : err.code === 'validation_failed'
          ? 'error.validation'
          : 'error.generic';
  return v.t(key, { message: describeError(err, i18n(v.lang)) });
}

/** The sentence for an unexpected error (it has been logged), in the page's language. */
export const internalErrorMessage = (v: View): string => v.t('error.generic', { message: describeError(internalError(), i18n(v.lang)) });

/** The View when the error came before loadView built one. */
function fallbackView(c: AdminContext): View {
  const lang = adminLanguage(getCookie(c, LANG_COOKIE), c.req.header('accept-language'));
  return {
    t: i18n(lang).t,
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

/** Where a failed form goes back to: the page it was on (same host only), else the dashboard. */
function formPage(c: AdminContext): string {
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
  return back;
}

/** Admin pages answer errors with a page that says what to do; a failed form goes back to the form with the message. */
export const adminErrorHandler: ErrorHandler<AdminEnv> = (err, c) => {
  const v = c.var.view ?? fallbackView(c);
  if (!(err instanceof AppError)) {
    c.var.services?.log.error('admin page error', { path: c.req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    if (wantsJson(c)) return c.json(internalError().toJSON(), 500);
    return html(c, <ErrorPage v={v} back={formPage(c)} title={v.t('error.title')} message={internalErrorMessage(v)} />, 500);
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
    return html(c, <ErrorPage v={v} back={formPage(c)} title={v.t('error.forbiddenTitle')} message={message} />, 403);
  }
  // In the page's language (the JSON above keeps the API's English message).
  const said = describeError(err, i18n(v.lang));
  if (err.code === 'not_found')
    return html(
      c,
      <ErrorPage v={v} back={formPage(c)} title={v.t('error.notFoundTitle')} message={v.t('error.notFound', { what: said.replace(/[。.]$/, '') })} />,
      404,
    );
  const message = pageErrorMessage(v, err);
  if (c.req.method === 'POST' && v.user) {
    // Back to the page the form was on, with the message on top.
    setFlash(c, { kind: 'error', message });
    return c.redirect(formPage(c), 303);
  }
  return html(c, <ErrorPage v={v} back={formPage(c)} title={v.t('error.title')} message={message} />, err.status);
};

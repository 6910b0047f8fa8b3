/** What every admin route answers with: a page, a redirect with a flash message, the "no newsletter yet" page. */
import type { Context } from 'hono';
import { type MessageKey, msg } from '../../../i18n/index.ts';
import { AppError } from '../../../lib/errors.ts';
import { AdminPage, Empty } from '../../../ui/admin/shell.tsx';
import { setFlash, type AdminContext } from '../context.ts';

export const html = (c: AdminContext, page: unknown, status = 200) => c.html(page as string, status as 200);

/** The route's numeric `:id` (an integer column): one no row can have is a 404 here, never a query. */
export const idParam = (c: Context): number => {
  const id = Number(c.req.param('id'));
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) throw new AppError('not_found', msg('page.notFoundTitle'));
  return id;
};

/** After a form: back to `to` (303) with a one-shot message in the page's language. */
export function redirectWith(
  c: AdminContext,
  to: string,
  kind: 'ok' | 'error' | 'warn',
  key: MessageKey,
  vars?: Record<string, string | number>,
  extra?: string,
) {
  setFlash(c, { kind, message: c.var.view.t(key, vars), ...(extra ? { extra } : {}) });
  return c.redirect(to, 303);
}

export function noNewsletterPage(c: AdminContext) {
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

/** The time zones a select offers: UTC first, then every zone the runtime knows, plus `extra`. */
export function zones(...extra: (string | undefined)[]): string[] {
  let all: string[] = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    /* older runtimes: the extras below still make a usable list */
  }
  const set = new Set(['UTC', ...all]);
  for (const z of extra) if (z) set.add(z);
  return [...set].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

/** Subscribers: the list with search and filter, one subscriber's page, erasure, and the CSV import. */
import { EraseConfirmPage, ImportSubscribersPage, SubscriberPage, SubscribersPage } from '../../../ui/admin/subscribers.tsx';
import { formFields, type AdminContext } from '../context.ts';
import { clientIp, userAgent } from '../../../http/client.ts';
import { eraseConfirmed, subscriberAddForm, subscriberImportForm, subscriberListQuery, subscriberStreamQuery } from '../forms.ts';
import { html, noNewsletterPage, redirectWith } from './respond.tsx';
import { type AdminApp, route } from './router.ts';
import { importErrorLine, importWithProgress, NDJSON, uploadOfFile } from './subscriber-import.tsx';

const subscriberDetail = (c: AdminContext) => c.var.services.subscriberList.get(c.req.param('id')!);

export function subscriberRoutes(app: AdminApp): void {
  route(app, 'GET', '/subscribers', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const { q, status, cursor } = subscriberListQuery({ q: c.req.query('q'), status: c.req.query('status'), cursor: c.req.query('cursor') });
    const list = c.var.services.subscriberList;
    const r = await list.list(v.current.slug, { q: q || undefined, status: status || undefined, cursor, limit: '50' });
    const counts = await list.counts(v.current.slug);
    const unfinished = await list.unfinishedImport(v.current.slug, v.tz);
    return html(
      c,
      <SubscribersPage
        v={v}
        flash={c.var.flash}
        items={r.items}
        q={q}
        status={status}
        next={r.nextCursor}
        prev={r.prevCursor}
        counts={counts}
        unfinishedImport={unfinished}
      />,
    );
  });

  route(app, 'POST', '/subscribers', 'editor', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const s = await c.var.services.subscriberList.create(v.current.slug, subscriberAddForm(await formFields(c)), c.var.session!.user, {
      ip: clientIp(c),
      userAgent: userAgent(c),
    });
    return redirectWith(c, `/admin/subscribers/${s.id}`, 'ok', 'subs.added', { email: s.email ?? '' });
  });

  route(app, 'GET', '/subscribers/import', 'editor', (c) =>
    c.var.view.current ? html(c, <ImportSubscribersPage v={c.var.view} flash={c.var.flash} />) : noNewsletterPage(c),
  );

  route(app, 'POST', '/subscribers/import', 'editor', async (c) => {
    const v = c.var.view;
    // The page's script streams the file itself (text/csv, the fields in the query, the CSRF token
    // in X-CSRF-Token): read as it arrives, as the API import does, never held whole in memory.
    if ((c.req.header('content-type') ?? '').startsWith('text/csv')) {
      const q = subscriberStreamQuery(c.req.query(), v.current?.slug ?? '');
      if (!c.req.raw.body) return c.body(importErrorLine('validation_failed', v.t('subs.importNoFile')), 200, { 'Content-Type': `${NDJSON}; charset=utf-8` });
      const size = Number(c.req.header('content-length'));
      return await importWithProgress(
        c,
        q.slug,
        { stream: c.req.raw.body, name: q.fileName, size: Number.isFinite(size) ? size : null, estimatedRows: q.rows },
        q.consentNote,
      );
    }
    // Without the script the form posts multipart (parsed in memory, within the admin's 64 MB body limit).
    const { slug, file, consentNote } = subscriberImportForm(await c.req.parseBody(), v.current?.slug ?? '');
    // With JavaScript the page asks for a progress stream (see subscriber-import.tsx); without, it posts the form.
    const live = (c.req.header('accept') ?? '').includes(NDJSON);
    if (!file) {
      if (live) return c.body(importErrorLine('validation_failed', v.t('subs.importNoFile')), 200, { 'Content-Type': `${NDJSON}; charset=utf-8` });
      return redirectWith(c, '/admin/subscribers/import', 'error', 'subs.importNoFile');
    }
    if (live) return await importWithProgress(c, slug, await uploadOfFile(file), consentNote);
    const result = await c.var.services.subscriberList.import(slug, file.stream(), consentNote, c.var.session!.user, undefined, { name: file.name });
    return html(c, <ImportSubscribersPage v={v} result={result} />);
  });

  route(app, 'GET', '/subscribers/:id{[0-9]+}', 'viewer', async (c) =>
    html(c, <SubscriberPage v={c.var.view} flash={c.var.flash} s={await subscriberDetail(c)} notes={await c.var.services.person.notes(c.req.param('id'))} />),
  );

  route(app, 'GET', '/subscribers/:id{[0-9]+}/erase', 'admin', async (c) =>
    html(c, <EraseConfirmPage v={c.var.view} flash={c.var.flash} s={await subscriberDetail(c)} />),
  );

  route(app, 'POST', '/subscribers/:id{[0-9]+}/erase', 'admin', async (c) => {
    const s = await subscriberDetail(c);
    if (!eraseConfirmed(await formFields(c), s.email)) return redirectWith(c, `/admin/subscribers/${s.id}/erase`, 'error', 'subs.eraseMismatch');
    await c.var.services.subscriberList.erase(s.id, c.var.session!.user);
    return redirectWith(c, `/admin/subscribers/${s.id}`, 'ok', 'subs.erased');
  });
}

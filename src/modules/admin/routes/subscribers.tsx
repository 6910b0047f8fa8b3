/** Subscribers: the list with search and filter, one subscriber's page, erasure, and the CSV import. */
import { EraseConfirmPage, ImportSubscribersPage, SubscriberPage, SubscribersPage } from '../../../ui/admin/subscribers.tsx';
import { formFields, type AdminContext } from '../context.ts';
import { clientIp, userAgent } from '../../../http/client.ts';
import {
  bulkTagsForm,
  eraseConfirmed,
  fieldForm,
  profileForm,
  subscriberAddForm,
  subscriberImportForm,
  subscriberListQuery,
  subscriberStreamQuery,
} from '../forms.ts';
import { html, noNewsletterPage, redirectWith } from './respond.tsx';
import { type AdminApp, route } from './router.ts';
import { importErrorLine, importWithProgress, NDJSON, uploadOfFile } from './subscriber-import.tsx';
import { type ImportMapping, parseMappingParam } from '../../subscribers/fields-service.ts';
import { AppError } from '../../../lib/errors.ts';
import { SubscriberFieldsPage } from '../../../ui/admin/subscriber-fields.tsx';
import { pageErrorMessage } from './errors.tsx';

const subscriberDetail = (c: AdminContext) => c.var.services.subscriberList.get(c.req.param('id')!);

export function subscriberRoutes(app: AdminApp): void {
  route(app, 'GET', '/subscribers', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const { q, status, cursor, tag } = subscriberListQuery({
      q: c.req.query('q'),
      status: c.req.query('status'),
      cursor: c.req.query('cursor'),
      tag: c.req.query('tag'),
    });
    const list = c.var.services.subscriberList;
    const r = await list.list(v.current.slug, { q: q || undefined, status: status || undefined, tag: tag || undefined, cursor, limit: '50' });
    const fields = await c.var.services.subscriberFields.list(v.current.slug);
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
        tag={tag}
        fields={fields}
      />,
    );
  });

  route(app, 'GET', '/subscribers/fields', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    return html(c, <SubscriberFieldsPage v={v} flash={c.var.flash} fields={await c.var.services.subscriberFields.list(v.current.slug)} />);
  });

  route(app, 'POST', '/subscribers/fields', 'admin', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const f = fieldForm(await formFields(c));
    const made = await c.var.services.subscriberFields.create(v.current.slug, { ...f, choices: f.type === 'choice' ? f.choices : [] }, c.var.session!.user);
    return redirectWith(c, '/admin/subscribers/fields', 'ok', 'fields.added', { key: made.key });
  });

  route(app, 'POST', '/subscribers/fields/:key', 'admin', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const f = fieldForm(await formFields(c));
    const key = c.req.param('key')!;
    const cur = (await c.var.services.subscriberFields.list(v.current.slug)).find((x) => x.key === key);
    await c.var.services.subscriberFields.update(
      v.current.slug,
      key,
      { labels: f.labels, ...(cur?.type === 'choice' ? { choices: f.choices } : {}) },
      c.var.session!.user,
    );
    return redirectWith(c, '/admin/subscribers/fields', 'ok', 'fields.savedOne', { key });
  });

  route(app, 'POST', '/subscribers/fields/:key/delete', 'admin', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const r = await c.var.services.subscriberFields.remove(v.current.slug, c.req.param('key')!, c.var.session!.user);
    return redirectWith(c, '/admin/subscribers/fields', 'ok', 'fields.removed', { key: r.key, count: r.cleared });
  });

  route(app, 'POST', '/subscribers/tags', 'editor', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const f = bulkTagsForm(await c.req.parseBody({ all: true }));
    if (f.ids.length === 0 || f.add.length + f.remove.length === 0) return redirectWith(c, f.back, 'error', 'fields.bulkNone');
    const r = await c.var.services.subscriberList.bulkTags(v.current.slug, { ids: f.ids, add: f.add, remove: f.remove }, c.var.session!.user);
    return redirectWith(c, f.back, 'ok', 'fields.bulkDone', { count: r.updated });
  });

  route(app, 'POST', '/subscribers/:id{[0-9]+}/attributes', 'editor', async (c) => {
    const id = c.req.param('id')!;
    await c.var.services.subscriberList.setProfile(id, profileForm(await formFields(c)), c.var.session!.user, { ip: clientIp(c), userAgent: userAgent(c) });
    return redirectWith(c, `/admin/subscribers/${id}`, 'ok', 'fields.profileSaved');
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

  route(app, 'GET', '/subscribers/import', 'editor', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const fields = await c.var.services.subscriberFields.list(v.current.slug);
    const savedMapping = await c.var.services.subscriberFields.savedMapping(v.current.id);
    return html(c, <ImportSubscribersPage v={v} flash={c.var.flash} fields={fields} savedMapping={savedMapping} />);
  });

  route(app, 'POST', '/subscribers/import', 'editor', async (c) => {
    const v = c.var.view;
    // The page's script streams the file itself (text/csv, the fields in the query, the CSRF token
    // in X-CSRF-Token): read as it arrives, as the API import does, never held whole in memory.
    if ((c.req.header('content-type') ?? '').startsWith('text/csv')) {
      const q = subscriberStreamQuery(c.req.query(), v.current?.slug ?? '');
      let mapping: ImportMapping | null;
      try {
        mapping = parseMappingParam(q.mapping);
      } catch (e) {
        if (e instanceof AppError) return c.body(importErrorLine(e.code, pageErrorMessage(v, e)), 200, { 'Content-Type': `${NDJSON}; charset=utf-8` });
        throw e;
      }
      if (!c.req.raw.body) return c.body(importErrorLine('validation_failed', v.t('subs.importNoFile')), 200, { 'Content-Type': `${NDJSON}; charset=utf-8` });
      const size = Number(c.req.header('content-length'));
      return await importWithProgress(
        c,
        q.slug,
        { stream: c.req.raw.body, name: q.fileName, size: Number.isFinite(size) ? size : null, estimatedRows: q.rows },
        q.consentNote,
        { mapping, saveMapping: q.saveMapping },
      );
    }
    // Without the script the form posts multipart (parsed in memory, within the admin's 64 MB body limit).
    const form = await c.req.parseBody();
    const { slug, file, consentNote } = subscriberImportForm(form, v.current?.slug ?? '');
    // A browser whose script could not stream the file still sends the mapping step's choice.
    const formMapping = parseMappingParam(typeof form.mapping === 'string' ? form.mapping : undefined);
    const how = { mapping: formMapping, saveMapping: !!formMapping };
    // With JavaScript the page asks for a progress stream (see subscriber-import.tsx); without, it posts the form.
    const live = (c.req.header('accept') ?? '').includes(NDJSON);
    if (!file) {
      if (live) return c.body(importErrorLine('validation_failed', v.t('subs.importNoFile')), 200, { 'Content-Type': `${NDJSON}; charset=utf-8` });
      return redirectWith(c, '/admin/subscribers/import', 'error', 'subs.importNoFile');
    }
    if (live) return await importWithProgress(c, slug, await uploadOfFile(file), consentNote, how);
    const result = await c.var.services.subscriberList.import(slug, file.stream(), consentNote, c.var.session!.user, undefined, { name: file.name }, how);
    return html(c, <ImportSubscribersPage v={v} result={result} />);
  });

  route(app, 'GET', '/subscribers/:id{[0-9]+}', 'viewer', async (c) => {
    const s = await subscriberDetail(c);
    const fields = s.newsletter ? await c.var.services.subscriberFields.list(s.newsletter) : [];
    const notes = await c.var.services.person.notes(c.req.param('id'));
    return html(c, <SubscriberPage v={c.var.view} flash={c.var.flash} s={s} fields={fields} notes={notes} />);
  });

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

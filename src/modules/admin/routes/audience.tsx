/**
 * The audience move in the admin (issue #24): importing another system's export, the newsletter's
 * own subscriber emails (list, edit, preview, reset), and the actions on one person.
 */
import { MessageEditPage, MessagesPage, MovePage } from '../../../ui/admin/audience.tsx';
import { clientIp, userAgent } from '../../../http/client.ts';
import { formFields, type AdminContext } from '../context.ts';
import { html, noNewsletterPage, redirectWith } from './respond.tsx';
import { type AdminApp, route } from './router.ts';

const messagePath = (c: AdminContext) => `/admin/messages/${encodeURIComponent(c.req.param('kind') ?? '')}/${encodeURIComponent(c.req.param('lang') ?? '')}`;

export function audienceRoutes(app: AdminApp): void {
  route(app, 'GET', '/subscribers/move', 'editor', (c) =>
    c.var.view.current ? html(c, <MovePage v={c.var.view} flash={c.var.flash} />) : noNewsletterPage(c),
  );

  route(app, 'POST', '/subscribers/move', 'editor', async (c) => {
    const v = c.var.view;
    const body = await c.req.parseBody();
    const slug = typeof body.newsletter === 'string' ? body.newsletter : (v.current?.slug ?? '');
    const file = body.file;
    if (!file || typeof file === 'string' || file.size === 0) return redirectWith(c, '/admin/subscribers/move', 'error', 'audienceMove.noFile');
    const result = await c.var.services.subscriberMove.import(
      slug,
      file.stream(),
      {
        format: body.format,
        consentNote: typeof body.consentNote === 'string' ? body.consentNote : undefined,
        fileName: file.name,
        contentType: /\.zip$/i.test(file.name) ? 'application/zip' : file.type,
      },
      c.var.session!.user,
    );
    return html(c, <MovePage v={v} result={result} />);
  });

  route(app, 'GET', '/messages', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const { items } = await c.var.services.messages.list(v.current.slug);
    return html(c, <MessagesPage v={v} flash={c.var.flash} items={items} />);
  });

  route(app, 'GET', '/messages/:kind/:lang', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const m = await c.var.services.messages.get(v.current.slug, c.req.param('kind'), c.req.param('lang'));
    const preview = await c.var.services.messages.preview(v.current.slug, m.kind, m.language);
    return html(c, <MessageEditPage v={v} flash={c.var.flash} m={m} preview={preview} />);
  });

  // One form, three buttons: save, preview (the draft, nothing stored), reset to the default.
  route(app, 'POST', '/messages/:kind/:lang', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const f = await formFields(c);
    const svc = c.var.services.messages;
    const slug = v.current.slug;
    const [kind, lang] = [c.req.param('kind'), c.req.param('lang')];
    const user = c.var.session!.user;
    if (f.action === 'save' || f.action === 'reset') {
      if (user.role === 'viewer') return redirectWith(c, messagePath(c), 'error', 'audienceMove.readOnly');
      if (f.action === 'save') await svc.set(slug, kind, lang, { subject: f.subject ?? '', body: f.body ?? '' }, user);
      else await svc.reset(slug, kind, lang, user);
      return redirectWith(c, messagePath(c), 'ok', f.action === 'save' ? 'audienceMove.saved' : 'audienceMove.wasReset');
    }
    const draft = { subject: f.subject ?? '', body: f.body ?? '' };
    const m = await svc.get(slug, kind, lang);
    const preview = await svc.preview(slug, m.kind, m.language, draft);
    return html(c, <MessageEditPage v={v} m={m} draft={draft} preview={preview} />);
  });

  route(app, 'POST', '/subscribers/:id{[0-9]+}/resend-confirmation', 'editor', async (c) => {
    const id = c.req.param('id');
    await c.var.services.person.resendConfirmation(id, c.var.session!.user);
    return redirectWith(c, `/admin/subscribers/${id}`, 'ok', 'audienceMove.resent');
  });

  route(app, 'POST', '/subscribers/:id{[0-9]+}/lift-suppression', 'admin', async (c) => {
    const id = c.req.param('id');
    const f = await formFields(c);
    await c.var.services.person.liftSuppression(id, { reason: f.reason ?? '' }, c.var.session!.user, { ip: clientIp(c), userAgent: userAgent(c) });
    return redirectWith(c, `/admin/subscribers/${id}`, 'ok', 'audienceMove.lifted');
  });

  route(app, 'POST', '/subscribers/:id{[0-9]+}/notes', 'editor', async (c) => {
    const id = c.req.param('id');
    const f = await formFields(c);
    await c.var.services.person.addNote(id, { body: f.body ?? '' }, c.var.session!.user);
    return redirectWith(c, `/admin/subscribers/${id}`, 'ok', 'audienceMove.noteAdded');
  });
}

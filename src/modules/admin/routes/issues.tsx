/** Issues: the list, import (new), the editor with its live preview, test sends, scheduling (with its confirmation), slots, pause/resume/cancel/retry, delete and reopen, stats. */
import { AppError } from '../../../lib/errors.ts';
import { formatLocal } from '../../../lib/zoned-time.ts';
import { LintReport } from '../../../ui/admin/editor.tsx';
import { IssuePage, type SendState } from '../../../ui/admin/issue-page.tsx';
import { ImportIssuePage, IssuesListPage } from '../../../ui/admin/issues.tsx';
import { StatsPage } from '../../../ui/admin/stats.tsx';
import { type AdminContext, formFields, setFlash, wantsJson } from '../context.ts';
import { audienceLine, ConfirmDeletePage, ConfirmSendPage } from '../../../ui/admin/send-confirm.tsx';
import type { Audience } from '../../segments/model.ts';
import { audienceForm } from '../segment-forms.ts';
import { fmtDateTime, say } from '../../../ui/admin/shell.tsx';
import type { Issue } from '../../issues/service.ts';
import {
  acknowledgedWarnings,
  contentFromForm,
  editorAction,
  editorAnchor,
  structureAnchor,
  issueListQuery,
  issueSourceForm,
  readyForm,
  scheduleForm,
  testRecipients,
} from '../forms.ts';
import { issueStats, issueTimeline } from '../issue-stats.ts';
import { pageErrorMessage } from './errors.tsx';
import { html, idParam, noNewsletterPage, redirectWith, zones } from './respond.tsx';
import { type AdminApp, route } from './router.ts';

/** A new send time is offered on the next quarter hour at least an hour away. */
const defaultSendAt = (now: Date) => new Date(Math.ceil((now.getTime() + 3600_000) / 900_000) * 900_000);

/** The issue page's send controls for an issue. */
async function sendState(c: AdminContext, issue: Issue): Promise<SendState> {
  const v = c.var.view;
  const n = v.newsletters.find((x) => x.slug === issue.newsletter);
  const tz = issue.timeZone ?? n?.timeZone ?? 'UTC';
  return {
    available: true,
    progress: await c.var.services.sending.progress(issue.id),
    sendAt: issue.sendAt ? new Date(issue.sendAt) : null,
    timeZone: tz,
    defaultLocal: formatLocal(issue.sendAt ? new Date(issue.sendAt) : defaultSendAt(v.now), tz),
    zones: zones(tz, v.tz),
    ready: issue.readyForSlot,
    slotsAvailable: true,
    audiences: await audiencesOf(c, issue.newsletter),
    audienceLine: audienceLine(v, issue.audience as Audience | null),
  };
}

export function issueRoutes(app: AdminApp): void {
  route(app, 'GET', '/issues', 'viewer', async (c) => {
    const v = c.var.view;
    if (!v.current) return noNewsletterPage(c);
    const { status, beforeNumber } = issueListQuery({ status: c.req.query('status'), cursor: c.req.query('cursor') });
    const r = await c.var.services.issues.list(v.current.slug, {
      limit: 50,
      ...(status ? { status: [status] } : {}),
      ...(beforeNumber ? { beforeNumber } : {}),
    });
    return html(c, <IssuesListPage v={v} flash={c.var.flash} items={r.items} status={status} next={r.next === null ? null : String(r.next)} />);
  });

  route(app, 'GET', '/issues/new', 'editor', (c) =>
    c.var.view.current ? html(c, <ImportIssuePage v={c.var.view} flash={c.var.flash} />) : noNewsletterPage(c),
  );

  route(app, 'POST', '/issues', 'editor', async (c) => {
    const { slug, source, format } = await issueSourceForm(await c.req.parseBody(), c.var.view.current?.slug ?? '');
    if (!source.trim()) return redirectWith(c, '/admin/issues/new', 'error', 'import.empty');
    const issue = await c.var.services.issues.create(slug, { source, format }, c.var.session!.user);
    return redirectWith(c, `/admin/issues/${issue.id}`, 'ok', 'common.saved');
  });

  route(app, 'GET', '/issues/:id{[0-9]+}', 'viewer', async (c) => {
    const v = c.var.view;
    const s = c.var.services;
    const issue = await s.issues.get(idParam(c));
    const progress = await s.sending.progress(issue.id);
    const preview = await s.issues.preview(issue.id);
    const canUndo = await s.issues.canUndo(issue.id);
    const send: SendState = { ...(await sendState(c, issue)), progress };
    return html(
      c,
      <IssuePage
        v={v}
        flash={c.var.flash}
        issue={issue}
        send={send}
        previewErrors={preview.errors}
        previewText={preview.text}
        sizeBytes={preview.sizeBytes}
        canUndo={canUndo}
      />,
    );
  });

  route(app, 'POST', '/issues/:id{[0-9]+}', 'editor', async (c) => {
    const s = c.var.services;
    const id = idParam(c);
    const f = await formFields(c);
    const user = c.var.session!.user;
    const current = await s.issues.get(id);
    const expected = f.updatedAt ? { expectedUpdatedAt: f.updatedAt } : {};
    const edits = contentFromForm({ ...f, op: 'save' }, current);
    const action = editorAction(f, edits.sections ?? current.sections);
    try {
      if (action?.kind === 'undo') {
        // Undo goes back to the content before the last structural change, as it was saved then.
        await s.issues.undo(id, expected, user);
        return redirectWith(c, `/admin/issues/${id}#editor`, 'ok', 'editorUx.undone');
      }
      if (action) {
        // The unsaved fields are saved with the change, in one step: a structural action never loses typing.
        const input = action.kind === 'note' ? { note: action.note, ...expected } : { ...action.op, ...expected };
        const fix = action.kind === 'note' ? (current.warnings[action.note] as { fix?: Record<string, unknown> } | undefined)?.fix : undefined;
        await s.issues.restructure(id, input, user, edits);
        return redirectWith(c, `/admin/issues/${id}${structureAnchor(action.kind === 'op' ? action.op : (fix ?? {}))}`, 'ok', 'editorUx.changed');
      }
      await s.issues.update(id, { ...contentFromForm(f, current), ...expected }, user);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'conflict' || !(e.details as { updatedAt?: string } | undefined)?.updatedAt) throw e;
      // Someone else saved: the page comes back with what this editor typed (not stored) and says so;
      // saving again replaces theirs, reloading shows theirs.
      const v = c.var.view;
      const fresh = await s.issues.get(id);
      const mine = { ...fresh, ...edits, updatedAt: fresh.updatedAt };
      const preview = await s.issues.preview(id);
      const send = await sendState(c, fresh);
      const flash = { kind: 'error' as const, message: v.t('editorUx.conflictPage', { at: fmtDateTime(v, new Date(fresh.updatedAt)) }) };
      return html(
        c,
        <IssuePage
          v={v}
          flash={flash}
          issue={mine}
          send={send}
          previewErrors={preview.errors}
          previewText={preview.text}
          sizeBytes={preview.sizeBytes}
          canUndo={false}
        />,
        409,
      );
    }
    return redirectWith(c, `/admin/issues/${id}${editorAnchor(f.op)}`, 'ok', 'common.saved');
  });

  /**
   * The editor's autosave (its script posts the form a moment after typing stops): the fields are
   * stored as a save stores them, only if nobody saved since the page's `updatedAt`; the answer is
   * the new `updatedAt`, or 409 `conflict` with theirs and a message in the page's language.
   */
  route(app, 'POST', '/issues/:id{[0-9]+}/autosave', 'editor', async (c) => {
    const v = c.var.view;
    const s = c.var.services;
    const id = idParam(c);
    const f = await formFields(c);
    const current = await s.issues.get(id);
    try {
      const saved = await s.issues.update(
        id,
        { ...contentFromForm({ ...f, op: 'save' }, current), ...(f.updatedAt ? { expectedUpdatedAt: f.updatedAt } : {}) },
        c.var.session!.user,
      );
      return c.json({ updatedAt: saved.updatedAt });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      // A conflict says itself; other refusals (an empty title…) as the preview says them.
      const message = e.code === 'conflict' ? say(v, e.said) : pageErrorMessage(v, e);
      return c.json({ error: { code: e.code, message, ...(e.details && typeof e.details === 'object' ? e.details : {}) } }, e.status as 400);
    }
  });

  /**
   * The editor's live preview: the unsaved form, parsed and checked as the save does, rendered as
   * the send does; nothing is stored. `Accept: application/json` gets the HTML with the plain
   * text, MJML errors and the link report (as HTML for the page); otherwise the email HTML alone.
   * A refused edit answers 4xx JSON with a message in the page's language.
   */
  route(app, 'POST', '/issues/:id{[0-9]+}/preview', 'editor', async (c) => {
    const v = c.var.view;
    const s = c.var.services;
    const id = idParam(c);
    const f = await formFields(c);
    const current = await s.issues.get(id);
    const edited = contentFromForm(f, current);
    let draft: Awaited<ReturnType<typeof s.issues.previewEdit>>;
    try {
      draft = await s.issues.previewEdit(id, edited);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return c.json({ error: { code: e.code, message: pageErrorMessage(v, e) } }, e.status as 400);
    }
    c.header('X-Quire-Size-Bytes', String(draft.sizeBytes));
    if (!wantsJson(c)) return c.html(draft.html);
    const lintHtml = await Promise.resolve((<LintReport v={v} issue={{ ...current, ...edited, lint: draft.lint }} placedInEditor />).toString());
    return c.json({ html: draft.html, text: draft.text, subject: draft.subject, sizeBytes: draft.sizeBytes, errors: draft.errors, lintHtml });
  });

  route(app, 'POST', '/issues/:id{[0-9]+}/test', 'editor', async (c) => {
    const to = testRecipients(await formFields(c));
    await c.var.services.issues.testSend(idParam(c), { to }, c.var.session!.user);
    return redirectWith(c, `/admin/issues/${idParam(c)}`, 'ok', 'issue.testSent', { to: to.join(', ') });
  });

  /**
   * Scheduling (or "send now") in two steps: the issue page's form gets the confirmation page (who
   * gets it, when, each open warning to tick); that page posts again with `confirmed`, and the
   * service refuses unless every warning it finds now was ticked.
   */
  route(app, 'POST', '/issues/:id{[0-9]+}/schedule', 'editor', async (c) => {
    const v = c.var.view;
    const s = c.var.services.sending;
    const id = idParam(c);
    const f = await formFields(c);
    const now = f.now === '1';
    const form = { ...scheduleForm(f), ...audienceForm(f) };
    const input = now ? { ...form, sendAt: v.now.toISOString() } : form;
    const shown = { sendAt: form.sendAt, ...(form.timeZone ? { timeZone: form.timeZone } : {}), now };
    if (f.confirmed !== '1') return html(c, <ConfirmSendPage v={v} plan={await s.plan(id, input)} input={shown} />);
    let issue: Awaited<ReturnType<typeof s.schedule>>;
    try {
      issue = await s.schedule(id, input, c.var.session!.user, acknowledgedWarnings(f));
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'warnings_open') throw e;
      return html(c, <ConfirmSendPage v={v} plan={await s.plan(id, input)} input={shown} error={v.t('sendux.tickAll')} />, 409);
    }
    const tz = issue.timeZone ?? f.timeZone ?? 'UTC';
    if (now) return redirectWith(c, `/admin/issues/${issue.id}`, 'ok', 'sendux.sendingNow');
    return redirectWith(c, `/admin/issues/${issue.id}`, 'ok', 'issue.scheduledFor', {
      when: `${formatLocal(new Date(issue.sendAt!), tz).replace('T', ' ')} (${tz})`,
    });
  });

  // A refused confirmation goes back to the page it came from, the confirmation's own address: the issue page says why.
  route(app, 'GET', '/issues/:id{[0-9]+}/schedule', 'viewer', (c) => c.redirect(`/admin/issues/${idParam(c)}`, 303));

  route(app, 'POST', '/issues/:id{[0-9]+}/ready', 'editor', async (c) => {
    const v = c.var.view;
    const id = idParam(c);
    try {
      await c.var.services.slots.markReady(id, readyForm(await formFields(c)), c.var.session!.user);
    } catch (e) {
      if (!(e instanceof AppError) || (e.details as { reason?: string } | undefined)?.reason !== 'no_slot') throw e;
      setFlash(c, { kind: 'error', message: say(v, e.said), link: { href: '/admin/newsletters#slot-h', label: v.t('sendux.setSlot') } });
      return c.redirect(`/admin/issues/${id}`, 303);
    }
    return redirectWith(c, `/admin/issues/${id}`, 'ok', 'common.saved');
  });

  route(app, 'GET', '/issues/:id{[0-9]+}/delete', 'editor', async (c) =>
    html(c, <ConfirmDeletePage v={c.var.view} issue={await c.var.services.issues.get(idParam(c))} />),
  );

  route(app, 'POST', '/issues/:id{[0-9]+}/delete', 'editor', async (c) => {
    const id = idParam(c);
    const issue = await c.var.services.issues.get(id);
    await c.var.services.issues.remove(id, c.var.session!.user);
    return redirectWith(c, '/admin/issues', 'ok', 'sendux.deleted', { number: issue.number, title: issue.title });
  });

  route(app, 'POST', '/issues/:id{[0-9]+}/reopen', 'editor', async (c) => {
    const id = idParam(c);
    await c.var.services.issues.reopen(id, c.var.session!.user);
    return redirectWith(c, `/admin/issues/${id}`, 'ok', 'sendux.reopened');
  });

  route(app, 'POST', '/issues/:id{[0-9]+}/:action{pause|resume|cancel|retry}', 'editor', async (c) => {
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

  route(app, 'GET', '/issues/:id{[0-9]+}/progress.json', 'viewer', async (c) => c.json(await c.var.services.sending.progress(idParam(c))));

  route(app, 'GET', '/issues/:id{[0-9]+}/stats', 'viewer', async (c) => {
    const v = c.var.view;
    const s = c.var.services;
    const issue = await s.issues.get(idParam(c));
    const stats = await issueStats(s.events, issue.id);
    const timeline = await issueTimeline(s.events, issue.id);
    const failures = await s.sending.failures(issue.id, 100);
    const n = v.newsletters.find((x) => x.slug === issue.newsletter);
    return html(
      c,
      <StatsPage
        v={v}
        flash={c.var.flash}
        issue={issue}
        stats={stats}
        partial={false}
        timeline={timeline}
        failures={failures}
        openTracking={n?.openTracking ?? true}
        canRetry={v.user?.role !== 'viewer' && ['sending', 'sent', 'paused'].includes(issue.status)}
      />,
    );
  });
}

/** The segments and topics a send of this newsletter may go to (the schedule form's audience). */
async function audiencesOf(c: AdminContext, slug: string) {
  const s = c.var.services.segments;
  const [segments, topics] = await Promise.all([s.list(slug), s.topics(slug)]);
  return { segments: segments.map((x) => ({ id: x.id, name: x.name })), topics: topics.map((x) => ({ id: x.id, name: x.name })) };
}

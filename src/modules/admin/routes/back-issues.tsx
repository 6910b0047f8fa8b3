/**
 * The back catalogue: publish an issue to the archive without a send (with a confirmation), take
 * it off the archive, and the bulk import of back issues. The import page's script posts one file
 * per request (`Accept: application/json`: the file's result and its rendered row); without the
 * script the form posts every file and the answer is the page with the summary table.
 */
import { AppError } from '../../../lib/errors.ts';
import { msg } from '../../../i18n/index.ts';
import { formatLocal } from '../../../lib/zoned-time.ts';
import { type BackIssueFile, type BackIssueResult, BACK_ISSUES_MAX_FILES, importBackIssue } from '../../issues/back-issues.ts';
import { BulkImportPage, BulkRow, PublishConfirmPage } from '../../../ui/admin/back-issues.tsx';
import { say } from '../../../ui/admin/shell.tsx';
import { formFields, wantsJson } from '../context.ts';
import { pageErrorMessage } from './errors.tsx';
import { html, idParam, noNewsletterPage, redirectWith } from './respond.tsx';
import { type AdminApp, route } from './router.ts';

export function backIssueRoutes(app: AdminApp): void {
  route(app, 'GET', '/issues/:id{[0-9]+}/publish', 'editor', async (c) => {
    const v = c.var.view;
    const issue = await c.var.services.issues.get(idParam(c));
    const tz = v.newsletters.find((n) => n.slug === issue.newsletter)?.timeZone ?? v.tz;
    return html(c, <PublishConfirmPage v={v} issue={issue} date={issue.date ?? formatLocal(v.now, tz).slice(0, 10)} />);
  });

  route(app, 'POST', '/issues/:id{[0-9]+}/publish', 'editor', async (c) => {
    const v = c.var.view;
    const s = c.var.services.issues;
    const id = idParam(c);
    const f = await formFields(c);
    const before = await s.get(id);
    try {
      await s.publish(id, f.publishedAt ? { publishedAt: f.publishedAt } : {}, c.var.session!.user);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'validation_failed') throw e;
      return html(c, <PublishConfirmPage v={v} issue={before} date={f.publishedAt ?? ''} error={pageErrorMessage(v, e)} />, 422);
    }
    return redirectWith(c, `/admin/issues/${id}`, 'ok', before.status === 'sent' ? 'backIssues.shownFlash' : 'backIssues.publishedFlash');
  });

  route(app, 'POST', '/issues/:id{[0-9]+}/unpublish', 'editor', async (c) => {
    const id = idParam(c);
    await c.var.services.issues.unpublish(id, c.var.session!.user);
    return redirectWith(c, `/admin/issues/${id}`, 'ok', 'backIssues.unpublishedFlash');
  });

  route(app, 'GET', '/issues/import', 'editor', (c) =>
    c.var.view.current ? html(c, <BulkImportPage v={c.var.view} flash={c.var.flash} results={[]} publish={false} />) : noNewsletterPage(c),
  );

  route(app, 'POST', '/issues/import', 'editor', async (c) => {
    const v = c.var.view;
    const s = c.var.services;
    if (!v.current) return noNewsletterPage(c);
    const body = await c.req.parseBody({ all: true });
    const slug = typeof body.newsletter === 'string' ? body.newsletter : v.current.slug;
    const publish = body.publish === '1';
    const files = ([] as unknown[]).concat(body.files ?? [], body.file ?? []).filter((f): f is File => typeof f !== 'string' && f instanceof Blob);
    const json = wantsJson(c);
    const page = (results: BackIssueResult[], error?: string, status = 200) =>
      html(c, <BulkImportPage v={v} results={results} publish={publish} {...(error ? { error } : {})} />, status);
    if (files.length === 0 || files.every((f) => f.size === 0 && !f.name)) {
      if (json) throw new AppError('bad_request', msg('backIssues.noFiles'));
      return page([], v.t('backIssues.noFiles'), 400);
    }
    if (files.length > BACK_ISSUES_MAX_FILES) {
      if (json) throw new AppError('bad_request', msg('backIssues.tooManyFiles', { max: BACK_ISSUES_MAX_FILES }));
      return page([], v.t('backIssues.tooManyFiles', { max: BACK_ISSUES_MAX_FILES }), 400);
    }
    const index = Number(c.req.query('index') ?? 0);
    const results: BackIssueResult[] = [];
    for (const file of files) {
      const f: BackIssueFile = { name: file.name || 'file', content: new Uint8Array(await file.arrayBuffer()) };
      results.push(
        await importBackIssue(
          s.issues,
          slug,
          f,
          { publish, onUnexpected: (e, name) => s.log.error('back issue import failed', { name, error: String(e) }) },
          c.var.session!.user,
        ),
      );
    }
    if (json) {
      const r = results[0]!;
      const row = await Promise.resolve((<BulkRow v={v} r={r} index={Number.isSafeInteger(index) ? index : 0} />).toString());
      return c.json({ ok: r.ok, ...(r.ok ? { id: r.id, number: r.number } : { error: say(v, r.error) }), html: row });
    }
    return page(results);
  });
}

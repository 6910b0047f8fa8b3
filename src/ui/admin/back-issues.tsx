/**
 * The back catalogue in the admin: the issue page's archive controls (publish without a send,
 * take off the archive), the publish confirmation, and the bulk import of back issues with its
 * summary table (the page's script fills the same rows live: src/ui/client/admin/bulk-import.ts).
 */
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import type { BackIssueResult } from '../../modules/issues/back-issues.ts';
import { BACK_ISSUES_MAX_FILES } from '../../modules/issues/back-issues.ts';
import type { Issue } from '../../modules/issues/service.ts';
import { ActionButton, AdminPage, can, Csrf, Flash, fmtDate, say, StatusBadge, type View } from './shell.tsx';

/** On the issue page: publish without a send, or take off the archive; nothing for issues on their way out. */
export function ArchiveControls(props: { v: View; issue: Issue; neverSent: boolean }) {
  const { v, issue } = props;
  const t = v.t;
  if (!can(v, 'editor')) return null;
  const publishable = issue.status === 'draft' || (issue.status === 'cancelled' && props.neverSent);
  if (!publishable && issue.status !== 'published' && issue.status !== 'sent') return null;
  return (
    <section class="card" aria-labelledby="archive-h" style="margin:1rem 0" data-testid="archive-controls">
      <h2 id="archive-h" style="margin-top:0">
        {t('backIssues.archiveTitle')}
      </h2>
      {publishable ? (
        <>
          <p class="small muted">{t('backIssues.publishHelp')}</p>
          <a class="button secondary" href={`/admin/issues/${issue.id}/publish`} data-testid="publish-archive">
            {t('backIssues.publishButton')}
          </a>
        </>
      ) : null}
      {issue.status === 'published' || (issue.status === 'sent' && !issue.archiveHidden) ? (
        <>
          {issue.publishedAt ? <p>{t('backIssues.inArchive', { date: fmtDate(v, issue.publishedAt) })}</p> : null}
          <ActionButton
            v={v}
            action={`/admin/issues/${issue.id}/unpublish`}
            label={t('backIssues.unpublishButton')}
            confirm={t(issue.status === 'sent' ? 'backIssues.hideConfirm' : 'backIssues.unpublishConfirm')}
            secondary
            testid="unpublish"
          />
        </>
      ) : null}
      {issue.status === 'sent' && issue.archiveHidden ? (
        <>
          <p class="muted">{t('backIssues.hiddenNote')}</p>
          <ActionButton v={v} action={`/admin/issues/${issue.id}/publish`} label={t('backIssues.showAgain')} secondary testid="show-again" />
        </>
      ) : null}
    </section>
  );
}

/** The confirmation before publishing without a send: the date, and in words that nobody is emailed. */
export function PublishConfirmPage(props: { v: View; issue: Issue; date: string; error?: string }) {
  const { v, issue } = props;
  const t = v.t;
  const title = t('backIssues.publishButton');
  return (
    <AdminPage v={v} title={title}>
      <p class="small">
        <a href={`/admin/issues/${issue.id}`}>← {t('sendux.backToIssue')}</a>
      </p>
      <h1>{title}</h1>
      {props.error ? <Flash message={props.error} kind="error" /> : null}
      <form method="post" action={`/admin/issues/${issue.id}/publish`} class="card">
        <Csrf v={v} />
        <p data-testid="publish-question">{t('backIssues.confirmQuestion', { number: issue.number, title: issue.title })}</p>
        <p class="flash flash-warn" data-testid="nobody-emailed">
          {t('backIssues.nobodyEmailed')}
        </p>
        <p data-testid="recipients">
          <strong>{t('backIssues.recipients', { count: 0 })}</strong>
        </p>
        <label for="publishedAt">{t('backIssues.date')}</label>
        <input id="publishedAt" name="publishedAt" type="date" required value={props.date} style="max-width:14rem" />
        <p class="small muted">{t('backIssues.dateHelp')}</p>
        <p style="display:flex;gap:.5rem;flex-wrap:wrap;margin-bottom:0">
          <button type="submit" data-testid="publish-submit">
            {t('backIssues.confirmSubmit')}
          </button>
          <a class="button secondary" href={`/admin/issues/${issue.id}`}>
            {t('sendux.back')}
          </a>
        </p>
      </form>
    </AdminPage>
  );
}

/** One file's row of the summary table (the script asks the server for it, so both ways look alike). */
export function BulkRow(props: { v: View; r: BackIssueResult; index: number }) {
  const { v, r } = props;
  const t = v.t;
  if (!r.ok) {
    return (
      <tr data-state="failed" data-index={props.index} class="warn-row">
        <th scope="row" translate="no">
          {r.name}
        </th>
        <td colspan={5} class="bulk-gap"></td>
        <td data-label={t('backIssues.colResult')}>
          <strong>{t('backIssues.rowFailed')}</strong>
          <div class="small" data-testid="row-error">
            {say(v, r.error)}
          </div>
        </td>
      </tr>
    );
  }
  return (
    <tr data-state="done" data-index={props.index}>
      <th scope="row" translate="no">
        {r.name}
      </th>
      <td data-label={t('backIssues.colTitle')}>
        <a lang={r.language} href={`/admin/issues/${r.id}`}>
          {r.title}
        </a>
      </td>
      <td class="num" data-label={t('backIssues.colNumber')}>
        {r.number}
      </td>
      <td translate="no" data-label={t('backIssues.colDate')}>
        {r.date ?? '—'}
      </td>
      <td class="num" data-label={t('backIssues.colArticles')}>
        {r.articles}
      </td>
      <td data-label={t('backIssues.colNotes')}>
        {r.notes.length === 0 ? (
          <span class="muted">{t('backIssues.noNotes')}</span>
        ) : (
          <details>
            <summary>{t('backIssues.notesCount', { count: r.notes.length })}</summary>
            <ul class="small">
              {r.notes.map((n) => (
                <li>{say(v, n)}</li>
              ))}
            </ul>
          </details>
        )}
      </td>
      <td data-label={t('backIssues.colResult')}>{r.status === 'published' ? <StatusBadge v={v} status="published" /> : t('backIssues.rowDone')}</td>
    </tr>
  );
}

export function BulkTable(props: { v: View; results: BackIssueResult[]; live?: boolean }) {
  const { v } = props;
  const t = v.t;
  const failed = props.results.filter((r) => !r.ok).length;
  return (
    <section aria-labelledby="bulk-h" id="bulk-result" hidden={props.live && props.results.length === 0}>
      <h2 id="bulk-h">{t('backIssues.summaryTitle')}</h2>
      <p data-testid="bulk-summary" aria-live="polite">
        {props.results.length ? t('backIssues.summary', { imported: props.results.length - failed, failed }) : ''}
      </p>
      <div class="card table-wrap">
        <table data-testid="bulk-table" class="bulk-table">
          <thead>
            <tr>
              <th scope="col">{t('backIssues.colFile')}</th>
              <th scope="col">{t('backIssues.colTitle')}</th>
              <th scope="col" class="num">
                {t('backIssues.colNumber')}
              </th>
              <th scope="col">{t('backIssues.colDate')}</th>
              <th scope="col" class="num">
                {t('backIssues.colArticles')}
              </th>
              <th scope="col">{t('backIssues.colNotes')}</th>
              <th scope="col">{t('backIssues.colResult')}</th>
            </tr>
          </thead>
          <tbody data-bulk-rows>
            {props.results.map((r, i) => (
              <BulkRow v={v} r={r} index={i} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function BulkImportPage(props: { v: View; flash?: FlashMsg | undefined; results: BackIssueResult[]; publish: boolean; error?: string }) {
  const { v } = props;
  const t = v.t;
  const title = t('backIssues.importLink');
  return (
    <AdminPage v={v} title={title}>
      <p class="small">
        <a href="/admin/issues">← {t('issue.back')}</a>
      </p>
      <h1>
        {title}{' '}
        <span class="sub" lang={v.current!.language}>
          {v.current!.name}
        </span>
      </h1>
      <Flash message={props.error ?? props.flash?.message} kind={props.error ? 'error' : props.flash?.kind} />
      <p>{t('backIssues.importHelp')}</p>
      <form method="post" action="/admin/issues/import" enctype="multipart/form-data" class="card" id="bulk-form" data-max-files={BACK_ISSUES_MAX_FILES}>
        <Csrf v={v} />
        <input type="hidden" name="newsletter" value={v.current!.slug} />
        <label for="files">{t('backIssues.files')}</label>
        <input id="files" name="files" type="file" multiple required accept=".md,.markdown,.txt,text/plain,text/markdown" />
        <p>
          <label class="check">
            <input type="checkbox" name="publish" value="1" checked={props.publish} /> {t('backIssues.publishBox')}
          </label>
        </p>
        <p style="margin-bottom:0;display:flex;gap:1rem;align-items:center;flex-wrap:wrap">
          <button type="submit" data-testid="bulk-submit">
            {t('backIssues.importSubmit')}
          </button>
          <span data-bulk-progress class="small muted" aria-live="polite" hidden></span>
        </p>
        <progress data-bulk-bar max={1} value={0} hidden style="width:100%;margin-top:.75rem"></progress>
      </form>
      <BulkTable v={v} results={props.results} live />
    </AdminPage>
  );
}

/** Issues: the list and the import page. The issue page is issue-page.tsx, its editor editor.tsx, statistics stats.tsx. */
import type { Issue } from '../../modules/issues/service.ts';
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { AdminPage, can, Csrf, Empty, Flash, fmtDateTime, StatusBadge, type View } from './shell.tsx';

const STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'published', 'cancelled'] as const;

export function IssuesListPage(props: { v: View; flash?: FlashMsg | undefined; items: Issue[]; status: string; next: string | null }) {
  const { v } = props;
  const t = v.t;
  const n = v.current!;
  return (
    <AdminPage v={v} title={t('issues.title')}>
      <h1>
        {t('issues.title')}{' '}
        <span class="sub" lang={n.language}>
          {n.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <div class="row" style="margin-bottom:1rem;align-items:center">
        <form method="get" action="/admin/issues" class="inline" style="flex:1 1 auto">
          <label for="status" class="small" style="display:inline;margin-right:.5rem">
            {t('common.status')}
          </label>
          <select id="status" name="status" data-autosubmit style="width:auto">
            <option value="">{t('issues.filterAll')}</option>
            {STATUSES.map((s) => (
              <option value={s} selected={s === props.status}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
          <noscript>
            <button type="submit" class="small secondary">
              OK
            </button>
          </noscript>
        </form>
        {can(v, 'editor') ? (
          <>
            <a class="button secondary" href="/admin/issues/import" style="flex:0 0 auto" data-testid="bulk-import-link">
              {t('backIssues.importLink')}
            </a>
            <a class="button" href="/admin/issues/new" style="flex:0 0 auto">
              {t('issues.new')}
            </a>
          </>
        ) : null}
      </div>
      {props.items.length === 0 ? (
        <Empty title={t('issues.empty')}>
          {can(v, 'editor') ? (
            <p>
              <a href="/admin/issues/new">{t('issues.emptyHelp')}</a>
            </p>
          ) : null}
        </Empty>
      ) : (
        <div class="card table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col" class="num">
                  {t('issues.number')}
                </th>
                <th scope="col">{t('issues.issueTitle')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('issues.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((i) => (
                <tr>
                  <td class="num">{i.number}</td>
                  <td lang={i.language}>
                    <a href={`/admin/issues/${i.id}`}>{i.title}</a>
                    {i.volume ? <div class="muted small">{i.volume}</div> : null}
                  </td>
                  <td>
                    <StatusBadge v={v} status={i.status} />
                  </td>
                  <td>{fmtDateTime(v, i.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="pager">
        {props.next ? <a href={`/admin/issues?cursor=${props.next}${props.status ? `&status=${props.status}` : ''}`}>{t('common.next')} →</a> : null}
      </div>
    </AdminPage>
  );
}

export function ImportIssuePage(props: { v: View; flash?: FlashMsg | undefined }) {
  const { v } = props;
  const t = v.t;
  return (
    <AdminPage v={v} title={t('import.title')}>
      <h1>
        {t('import.title')}{' '}
        <span class="sub" lang={v.current!.language}>
          {v.current!.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <p>{t('import.help')}</p>
      <form method="post" action="/admin/issues" enctype="multipart/form-data" class="card">
        <Csrf v={v} />
        <input type="hidden" name="newsletter" value={v.current!.slug} />
        <label for="source">{t('import.source')}</label>
        <textarea id="source" name="source" rows={14} class="code"></textarea>
        <label for="file">{t('import.file')}</label>
        <input id="file" name="file" type="file" accept=".md,.markdown,.txt,text/plain,text/markdown" />
        <label for="format">{t('import.format')}</label>
        <select id="format" name="format" style="max-width:20rem">
          <option value="auto">{t('import.formatAuto')}</option>
          <option value="markdown">{t('import.formatMarkdown')}</option>
          <option value="text">{t('import.formatText')}</option>
        </select>
        <p style="margin-top:1.25rem">
          <button type="submit">{t('import.submit')}</button>
        </p>
      </form>
    </AdminPage>
  );
}

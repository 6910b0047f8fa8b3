import type { Issue } from '../../modules/issues/service.ts';
import type { IssueContent } from '../../modules/issues/model.ts';
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { ActionButton, AdminPage, can, Csrf, say, Empty, Flash, fmtDateTime, fmtNumber, fmtPercent, StatusBadge, type View } from './shell.tsx';

const STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;

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
          <a class="button" href="/admin/issues/new" style="flex:0 0 auto">
            {t('issues.new')}
          </a>
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

export interface SendState {
  available: boolean;
  progress: { recipients: number; queued: number; sending: number; sent: number; skipped: number; failed: number; status: string } | null;
  sendAt: Date | null;
  timeZone: string;
  defaultLocal: string;
  zones: string[];
  ready: boolean;
  slotsAvailable: boolean;
}

/** The link-cleaning report; the editor's live preview replaces it (by its id) as the form changes. */
export function LintReport(props: { v: View; issue: Pick<Issue, 'lint' | 'warnings'> }) {
  const { v, issue } = props;
  const t = v.t;
  const changed = issue.lint.filter((l) => l.changes.length > 0 || l.severity === 'warning');
  const warnings = changed.filter((l) => l.severity === 'warning').length;
  return (
    <section aria-labelledby="lint-h" id="lint">
      <h2 id="lint-h">{t('issue.lint')}</h2>
      {warnings > 0 ? (
        <p class="flash flash-warn" role="status">
          {t('issue.lintWarnings', { count: warnings })}
        </p>
      ) : null}
      {changed.length === 0 ? (
        <p class="muted">{t('issue.lintNone')}</p>
      ) : (
        <div class="card table-wrap">
          <table data-testid="lint">
            <thead>
              <tr>
                <th scope="col">{t('issue.lintWhere')}</th>
                <th scope="col">{t('issue.lintOriginal')}</th>
                <th scope="col">{t('issue.lintCleaned')}</th>
                <th scope="col">{t('issue.lintChanges')}</th>
              </tr>
            </thead>
            <tbody>
              {changed.map((l) => (
                <tr class={l.severity === 'warning' ? 'warn-row' : undefined}>
                  <td class="small">
                    <code>{l.where}</code>
                  </td>
                  <td class="small" style="word-break:break-all">
                    {l.original}
                  </td>
                  <td class="small" style="word-break:break-all">
                    {l.cleaned ?? <em>{t('issue.lintDropped')}</em>}
                  </td>
                  <td class="small">
                    {l.severity === 'warning' ? <strong class="warn-text">⚠ </strong> : null}
                    {l.changes.map((c) => say(v, c)).join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {issue.warnings.length > 0 ? (
        <>
          <h3>{t('issue.importWarnings')}</h3>
          <ul>
            {issue.warnings.map((w) => (
              <li class="warn-text">{say(v, w)}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function sourcesText(a: IssueContent['sections'][number]['articles'][number]): string {
  return a.sources.map((s) => (s.label ? `${s.url} ${s.label}` : s.url)).join('\n');
}

/** An article's optional image: address, alt text and a thumbnail (kept current by imageScript). */
function ImageFields(props: { v: View; image: { url: string; alt: string } | undefined; si: number; ai: number }) {
  const { v, image, si, ai } = props;
  const t = v.t;
  const id = `s${si}a${ai}-img`;
  const web = !!image && /^https?:\/\//i.test(image.url);
  return (
    <fieldset class="image-field" data-image-field aria-label={t('issue.image')}>
      <div class="image-thumb" aria-hidden={web ? undefined : 'true'}>
        {web ? (
          <img src={image!.url} alt={image!.alt} width={96} loading="lazy" referrerpolicy="no-referrer" />
        ) : (
          <span class="muted small">{t('issue.imageNone')}</span>
        )}
      </div>
      <div class="image-inputs">
        <label for={`${id}-url`}>{t('issue.imageUrl')}</label>
        <input
          id={`${id}-url`}
          name={`s.${si}.a.${ai}.imageUrl`}
          type="url"
          pattern="https?://.+"
          inputmode="url"
          placeholder="https://"
          value={image?.url ?? ''}
          data-image-url
        />
        <label for={`${id}-alt`}>{t('issue.imageAlt')}</label>
        <input
          id={`${id}-alt`}
          name={`s.${si}.a.${ai}.imageAlt`}
          type="text"
          maxlength={500}
          value={image?.alt ?? ''}
          data-image-alt
          aria-describedby={image && !image.alt.trim() ? `${id}-warn` : undefined}
        />
        {image && !image.alt.trim() ? (
          <p id={`${id}-warn`} class="small warn-text" role="note">
            ⚠ {t('issue.imageAltMissing')}
          </p>
        ) : null}
        {image ? (
          <p style="margin:.4rem 0 0">
            <button type="submit" name="op" value={`removeImage:${si}:${ai}`} class="small secondary" formnovalidate>
              {t('issue.imageRemove')}
            </button>
          </p>
        ) : null}
      </div>
    </fieldset>
  );
}

/** The structured editor: plain inputs named s.N.field / s.N.a.M.field; add/remove are submit buttons. */
function Editor(props: { v: View; issue: Issue }) {
  const { v, issue } = props;
  const t = v.t;
  return (
    <form method="post" action={`/admin/issues/${issue.id}`} id="editor" lang={issue.language}>
      <Csrf v={v} />
      <div class="card">
        <div class="row">
          <div style="flex:3 1 20rem">
            <label for="f-title">{t('issue.fTitle')}</label>
            <input id="f-title" name="title" type="text" required value={issue.title} />
          </div>
          <div style="flex:0 1 7rem">
            <label for="f-number">{t('issue.fNumber')}</label>
            <input id="f-number" name="number" type="number" min={1} value={String(issue.number)} />
          </div>
        </div>
        <div class="row">
          <div>
            <label for="f-volume">{t('issue.fVolume')}</label>
            <input id="f-volume" name="volume" type="text" value={issue.volume ?? ''} />
          </div>
          <div style="flex:0 1 12rem">
            <label for="f-date">{t('issue.fDate')}</label>
            <input id="f-date" name="date" type="date" value={issue.date ?? ''} />
          </div>
        </div>
        <label for="f-intro">{t('issue.fIntro')}</label>
        <textarea id="f-intro" name="intro" rows={4}>
          {issue.intro ?? ''}
        </textarea>
      </div>
      <h3>{t('issue.sections')}</h3>
      {issue.sections.map((s, si) => (
        <fieldset id={`s${si}`}>
          <legend>{t('issue.section', { n: si + 1 })}</legend>
          <label for={`s${si}-title`}>{t('issue.sectionTitle')}</label>
          <input id={`s${si}-title`} name={`s.${si}.title`} type="text" value={s.title} />
          {s.articles.map((a, ai) => (
            <fieldset id={`s${si}a${ai}`} style="margin-top:1rem">
              <legend>{t('issue.article', { n: ai + 1 })}</legend>
              <label for={`s${si}a${ai}-t`}>{t('issue.articleTitle')}</label>
              <input id={`s${si}a${ai}-t`} name={`s.${si}.a.${ai}.title`} type="text" value={a.title} />
              <label for={`s${si}a${ai}-b`}>{t('issue.articleBody')}</label>
              <textarea id={`s${si}a${ai}-b`} name={`s.${si}.a.${ai}.body`} rows={5}>
                {a.body}
              </textarea>
              <label for={`s${si}a${ai}-s`}>{t('issue.sources')}</label>
              <textarea id={`s${si}a${ai}-s`} name={`s.${si}.a.${ai}.sources`} rows={2} class="code">
                {sourcesText(a)}
              </textarea>
              <label for={`s${si}a${ai}-at`}>{t('issue.attribution')}</label>
              <input id={`s${si}a${ai}-at`} name={`s.${si}.a.${ai}.attribution`} type="text" value={a.attribution ?? ''} />
              <ImageFields v={v} image={a.image} si={si} ai={ai} />
              <p style="margin:.6rem 0 0">
                <button type="submit" name="op" value={`remove:${si}:${ai}`} class="small secondary" formnovalidate>
                  {t('issue.remove')}: {t('issue.article', { n: ai + 1 })}
                </button>
              </p>
            </fieldset>
          ))}
          <p style="margin:.8rem 0 0;display:flex;gap:.5rem;flex-wrap:wrap">
            <button type="submit" name="op" value={`addArticle:${si}`} class="small secondary" formnovalidate>
              {t('issue.addArticle')}
            </button>
            <button type="submit" name="op" value={`remove:${si}`} class="small secondary" formnovalidate>
              {t('issue.remove')}: {t('issue.section', { n: si + 1 })}
            </button>
          </p>
        </fieldset>
      ))}
      <p>
        <button type="submit" name="op" value="addSection" class="small secondary" formnovalidate>
          {t('issue.addSection')}
        </button>
      </p>
      <details class="card">
        <summary>{t('issue.fFooterDisclaimer').split(':')[0]}</summary>
        <label for="f-fd">{t('issue.fFooterDisclaimer')}</label>
        <textarea id="f-fd" name="footer.disclaimer" rows={3}>
          {issue.footer.disclaimer ?? ''}
        </textarea>
        <div class="row">
          <div>
            <label for="f-fe">{t('issue.fFooterEditor')}</label>
            <input id="f-fe" name="footer.editor" type="text" value={issue.footer.editor ?? ''} />
          </div>
          <div>
            <label for="f-fc">{t('issue.fFooterContact')}</label>
            <input id="f-fc" name="footer.contact" type="text" value={issue.footer.contact ?? ''} />
          </div>
        </div>
        <label for="f-fo">{t('issue.fFooterOrg')}</label>
        <input id="f-fo" name="footer.organisation" type="text" value={issue.footer.organisation ?? ''} />
      </details>
      <p class="save-bar">
        <button type="submit" name="op" value="save">
          {t('issue.save')}
        </button>
        <a href="#preview" class="pv-jump small">
          {t('issue.preview')} ↓
        </a>
      </p>
    </form>
  );
}

/**
 * The preview: one frame at phone (375 px) or desktop (800 px, scaled to fit) width, or the plain
 * text. The toggles are radio buttons styled as tabs, so they work without JS; so does the frame,
 * which loads the last saved version from the preview route.
 */
function PreviewPane(props: { v: View; issue: Issue; errors: string[]; text: string; live: boolean }) {
  const { v, issue } = props;
  const t = v.t;
  return (
    <section
      class="preview-pane"
      id="preview"
      aria-labelledby="pv-h"
      data-live={props.live ? `/admin/issues/${issue.id}/preview` : undefined}
      data-state="saved"
    >
      <div class="pv-bar">
        <h2 id="pv-h">{t('issue.preview')}</h2>
        <div class="seg" role="radiogroup" aria-label={t('issue.previewWidth')}>
          <input type="radio" name="pv-width" id="pv-phone" value="phone" checked />
          <label for="pv-phone">{t('issue.phone')}</label>
          <input type="radio" name="pv-width" id="pv-desktop" value="desktop" />
          <label for="pv-desktop">{t('issue.desktop')}</label>
        </div>
        <div class="seg" role="radiogroup" aria-label={t('issue.previewFormat')}>
          <input type="radio" name="pv-format" id="pv-email" value="email" checked />
          <label for="pv-email">{t('issue.previewEmail')}</label>
          <input type="radio" name="pv-format" id="pv-plain" value="text" />
          <label for="pv-plain">{t('issue.previewText')}</label>
        </div>
      </div>
      <p class="pv-status small muted" data-pv-status aria-live="polite">
        {t('issue.previewSaved')}
      </p>
      <p class="flash flash-error pv-error" data-pv-error role="alert" hidden></p>
      <ul class="flash flash-warn pv-warn" data-pv-warn hidden={props.errors.length === 0}>
        {props.errors.map((e) => (
          <li>{e}</li>
        ))}
      </ul>
      <div class="pv-stage" data-pv-stage>
        <iframe class="pv-frame" src={`/api/v1/issues/${issue.id}/preview.html`} title={t('issue.preview')} sandbox="allow-same-origin allow-popups"></iframe>
        <pre class="pv-text" data-pv-text lang={issue.language} tabindex={0}>
          {props.text}
        </pre>
      </div>
    </section>
  );
}

/** Scheduling, the send controls and the test send; a part with nothing to offer is left out. */
function SendCard(props: { v: View; issue: Issue; send: SendState }) {
  const { v, issue, send } = props;
  const t = v.t;
  const scheduledFor = issue.status === 'scheduled' && send.sendAt;
  const canSchedule = send.available && ['draft', 'scheduled'].includes(issue.status);
  const readyToggle = send.slotsAvailable && issue.status === 'draft';
  const controls = send.available && ['draft', 'scheduled', 'sending', 'paused'].includes(issue.status);
  const readyBadge = send.ready && ['draft', 'scheduled'].includes(issue.status);
  const scheduling = !send.available || scheduledFor || canSchedule || readyToggle || controls || readyBadge;
  return (
    <section class="card" aria-labelledby={scheduling ? 'send-h' : 'test-h'} style="margin:1rem 0">
      {scheduling ? (
        <>
          <h2 id="send-h" style="margin-top:0">
            {t('issue.schedule')}
          </h2>
          {!send.available ? <p class="muted">{t('common.notAvailable')}</p> : null}
          {scheduledFor ? (
            <p data-testid="scheduled-for">
              {t('issue.scheduledFor', { when: `${fmtDateTime({ ...v, tz: send.timeZone }, send.sendAt)} (${send.timeZone})` })}
            </p>
          ) : null}
          {canSchedule ? (
            <form method="post" action={`/admin/issues/${issue.id}/schedule`} class="row">
              <Csrf v={v} />
              <div style="flex:0 1 16rem">
                <label for="sendAt">{t('issue.sendAt')}</label>
                <input id="sendAt" name="sendAt" type="datetime-local" required value={send.defaultLocal} />
              </div>
              <div style="flex:1 1 14rem">
                <label for="tz">{t('issue.timeZone')}</label>
                <select id="tz" name="timeZone">
                  {send.zones.map((z) => (
                    <option value={z} selected={z === send.timeZone}>
                      {z}
                    </option>
                  ))}
                </select>
              </div>
              <div style="flex:0 0 auto">
                <button type="submit">{t('issue.scheduleSubmit')}</button>
              </div>
            </form>
          ) : null}
          {readyToggle || controls ? (
            <p style="display:flex;gap:.5rem;flex-wrap:wrap;margin-bottom:0">
              {readyToggle ? (
                send.ready ? (
                  <ActionButton v={v} action={`/admin/issues/${issue.id}/ready`} fields={{ ready: 'false' }} label={t('issue.unmarkReady')} secondary />
                ) : (
                  <ActionButton v={v} action={`/admin/issues/${issue.id}/ready`} fields={{ ready: 'true' }} label={t('issue.markReady')} secondary />
                )
              ) : null}
              {send.available && issue.status === 'sending' ? (
                <ActionButton v={v} action={`/admin/issues/${issue.id}/pause`} label={t('issue.pause')} secondary />
              ) : null}
              {send.available && issue.status === 'paused' ? (
                <ActionButton v={v} action={`/admin/issues/${issue.id}/resume`} label={t('issue.resume')} />
              ) : null}
              {send.available && ['draft', 'scheduled', 'paused'].includes(issue.status) ? (
                <ActionButton v={v} action={`/admin/issues/${issue.id}/cancel`} label={t('issue.cancel')} confirm={t('issue.cancelConfirm')} danger />
              ) : null}
            </p>
          ) : null}
          {readyBadge ? (
            <p class="small">
              <span class="badge badge-sent">{t('issue.ready')}</span>
            </p>
          ) : null}
        </>
      ) : null}
      {scheduling ? (
        <h3 id="test-h">{t('issue.test')}</h3>
      ) : (
        <h2 id="test-h" style="margin-top:0">
          {t('issue.test')}
        </h2>
      )}
      <form method="post" action={`/admin/issues/${issue.id}/test`} class="row">
        <Csrf v={v} />
        <div>
          <label for="testTo">{t('issue.testTo')}</label>
          <input id="testTo" name="to" type="text" required value={v.user?.email ?? ''} />
        </div>
        <div style="flex:0 0 auto">
          <button type="submit" class="secondary">
            {t('issue.testSubmit')}
          </button>
        </div>
      </form>
    </section>
  );
}

export function IssuePage(props: { v: View; flash?: FlashMsg | undefined; issue: Issue; send: SendState; previewErrors: string[]; previewText: string }) {
  const { v, issue, send } = props;
  const t = v.t;
  const editable = ['draft', 'scheduled', 'paused'].includes(issue.status);
  const editor = can(v, 'editor');
  const withEditor = editable && editor;
  const p = send.progress;
  const preview = `/api/v1/issues/${issue.id}/preview.html`;
  return (
    <AdminPage v={v} title={`#${issue.number} ${issue.title}`} wide={withEditor}>
      <p class="small">
        <a href="/admin/issues">← {t('issue.back')}</a>
      </p>
      <h1 lang={issue.language}>
        #{issue.number} {issue.title} <StatusBadge v={v} status={issue.status} />
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      {!editor ? <p class="notice">{t('role.viewerNote')}</p> : null}
      <p class="small">
        <a href={`/admin/issues/${issue.id}/stats`}>{t('issue.stats')}</a> · <a href={issue.archiveUrl}>{t('issue.archive')}</a> ·{' '}
        <a href={preview} target="_blank" rel="noopener">
          {t('issue.openPreview')}
        </a>{' '}
        · <a href={`/api/v1/issues/${issue.id}/preview.txt`}>{t('issue.plainText')}</a>
      </p>

      {send.available && p && (issue.status === 'sending' || issue.status === 'paused' || p.recipients > 0) ? (
        <section
          aria-labelledby="prog-h"
          id="progress"
          data-status={issue.status}
          data-poll={issue.status === 'sending' ? `/admin/issues/${issue.id}/progress.json` : undefined}
          class="card"
          style="margin:1rem 0"
        >
          <h2 id="prog-h" style="margin-top:0">
            {t('issue.progress')}
          </h2>
          <progress max={Math.max(1, p.recipients)} value={p.sent + p.failed + p.skipped} aria-labelledby="prog-h"></progress>
          <p data-line aria-live="polite">
            {t('issue.progressLine', { sent: p.sent, recipients: p.recipients, failed: p.failed, queued: p.queued + p.sending })}
          </p>
        </section>
      ) : null}

      {editor ? <SendCard v={v} issue={issue} send={send} /> : null}

      <div class={withEditor ? 'workspace with-editor' : 'workspace'}>
        <div class="workspace-main">
          <LintReport v={v} issue={issue} />
          {!editable ? (
            <>
              <h2>{t('issue.edit')}</h2>
              <p class="muted">{t('issue.readOnly', { status: t(`status.${issue.status}`) })}</p>
            </>
          ) : editor ? (
            <>
              <h2>{t('issue.edit')}</h2>
              <Editor v={v} issue={issue} />
            </>
          ) : null}
        </div>
        <PreviewPane v={v} issue={issue} errors={props.previewErrors} text={props.previewText} live={withEditor} />
      </div>
    </AdminPage>
  );
}

// ---------------------------------------------------------------- statistics

export interface IssueStats {
  recipients: number;
  sent: number;
  delivered: number | null;
  failed: number;
  bounced: { hard: number; soft: number } | null;
  complained: number | null;
  opened: { unique: number; total: number; likelyHuman: number } | null;
  unsubscribed: number | null;
}
export interface TimelinePoint {
  hour: number;
  opens: number;
  deliveries: number;
}

/** A line chart of the first 72 hours, server-rendered SVG with a title, description and a table fallback. */
export function TimelineChart(props: { v: View; points: TimelinePoint[] }) {
  const { v, points } = props;
  const t = v.t;
  const W = 720;
  const H = 220;
  const L = 44;
  const B = 30;
  const max = Math.max(1, ...points.map((p) => Math.max(p.opens, p.deliveries)));
  const x = (h: number) => L + ((W - L - 10) * h) / 72;
  const y = (n: number) => H - B - ((H - B - 10) * n) / max;
  const line = (k: 'opens' | 'deliveries') => points.map((p) => `${x(p.hour).toFixed(1)},${y(p[k]).toFixed(1)}`).join(' ');
  const totalOpens = points.reduce((a, p) => a + p.opens, 0);
  const totalDeliveries = points.reduce((a, p) => a + p.deliveries, 0);
  const ticks = [0, 12, 24, 36, 48, 60, 72];
  const yTicks = [0, Math.round(max / 2), max];
  return (
    <figure class="chart" style="margin:0">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-t chart-d">
        <title id="chart-t">{t('stats.chart')}</title>
        <desc id="chart-d">{t('stats.chartDesc', { opens: totalOpens, deliveries: totalDeliveries })}</desc>
        {yTicks.map((n) => (
          <>
            <line class="axis" x1={L} x2={W - 10} y1={y(n)} y2={y(n)} />
            <text x={L - 6} y={y(n) + 4} text-anchor="end">
              {n}
            </text>
          </>
        ))}
        {ticks.map((h) => (
          <text x={x(h)} y={H - 10} text-anchor="middle">
            {h}h
          </text>
        ))}
        {points.length > 1 ? <polyline class="deliveries" points={line('deliveries')} /> : null}
        {points.length > 1 ? <polyline class="opens" points={line('opens')} /> : null}
      </svg>
      <figcaption class="legend">
        <span>
          <i></i>
          {t('stats.opened')}
        </span>
        <span>
          <i class="d"></i>
          {t('stats.delivered')}
        </span>
        <span class="muted">{t('stats.hours')}</span>
      </figcaption>
      <details>
        <summary class="small">{t('stats.table')}</summary>
        <div class="table-wrap" style="max-height:16rem;overflow:auto">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('stats.hour')}</th>
                <th scope="col" class="num">
                  {t('stats.opened')}
                </th>
                <th scope="col" class="num">
                  {t('stats.delivered')}
                </th>
              </tr>
            </thead>
            <tbody>
              {points
                .filter((p) => p.opens || p.deliveries)
                .map((p) => (
                  <tr>
                    <td>{p.hour}</td>
                    <td class="num">{p.opens}</td>
                    <td class="num">{p.deliveries}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

export function StatsPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  issue: Issue;
  stats: IssueStats;
  partial: boolean;
  timeline: TimelinePoint[] | null;
  failures: { email: string; error: string }[] | null;
  openTracking: boolean;
  canRetry: boolean;
}) {
  const { v, issue, stats: s } = props;
  const t = v.t;
  const kpi = (label: string, n: number | null, sub?: string) => (
    <div class="kpi">
      <div class="n">{n === null ? '—' : fmtNumber(v, n)}</div>
      <div class="l">{label}</div>
      {sub ? <div class="small muted">{sub}</div> : null}
    </div>
  );
  return (
    <AdminPage v={v} title={t('stats.title', { title: issue.title })}>
      <p class="small">
        <a href={`/admin/issues/${issue.id}`}>
          ← #{issue.number} {issue.title}
        </a>
      </p>
      <h1 lang={issue.language}>{t('stats.title', { title: `#${issue.number} ${issue.title}` })}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      {props.partial ? <p class="notice">{t('stats.partial')}</p> : null}
      <div class="kpis" data-testid="stats">
        {kpi(t('stats.recipients'), s.recipients)}
        {kpi(t('stats.sent'), s.sent)}
        {kpi(t('stats.delivered'), s.delivered, s.delivered !== null ? fmtPercent(v, s.delivered, s.sent) : undefined)}
        {kpi(t('stats.failed'), s.failed)}
        {kpi(
          t('stats.bounced'),
          s.bounced ? s.bounced.hard + s.bounced.soft : null,
          s.bounced ? `${t('stats.bouncedHard')} ${s.bounced.hard} · ${t('stats.bouncedSoft')} ${s.bounced.soft}` : undefined,
        )}
        {kpi(t('stats.complained'), s.complained)}
        {kpi(
          t('stats.opened'),
          s.opened ? s.opened.unique : null,
          s.opened
            ? `${t('stats.openedUnique')} ${fmtPercent(v, s.opened.unique, s.delivered ?? s.sent)} · ${t('stats.openedTotal')} ${s.opened.total} · ${t('stats.openedHuman')} ${s.opened.likelyHuman}`
            : undefined,
        )}
        {kpi(t('stats.unsubscribed'), s.unsubscribed)}
      </div>
      <p class="notice" style="margin-top:1rem" data-testid="no-clicks">
        {t('stats.noClicks')}
      </p>
      <p class="muted-note">{props.openTracking ? t('stats.openNote') : t('stats.trackingOff')}</p>
      <h2>{t('stats.chart')}</h2>
      <div class="card">{props.timeline ? <TimelineChart v={v} points={props.timeline} /> : <p class="muted">{t('stats.noTimelineYet')}</p>}</div>
      <h2>{t('stats.failures')}</h2>
      {props.failures === null ? (
        <p class="muted">{t('common.notAvailable')}</p>
      ) : props.failures.length === 0 ? (
        <p class="muted">{t('stats.failuresNone')}</p>
      ) : (
        <>
          <div class="card table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('subs.email')}</th>
                  <th scope="col">{t('stats.error')}</th>
                </tr>
              </thead>
              <tbody>
                {props.failures.map((f) => (
                  <tr>
                    <td>{f.email}</td>
                    <td class="small">{f.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {props.canRetry ? (
            <p>
              <ActionButton v={v} action={`/admin/issues/${issue.id}/retry`} label={t('stats.retry')} />
            </p>
          ) : null}
        </>
      )}
    </AdminPage>
  );
}

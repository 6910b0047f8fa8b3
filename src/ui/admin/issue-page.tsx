/** The issue page: progress, the send controls and test send, the editor beside its live preview. */
import type { Issue } from '../../modules/issues/service.ts';
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { ActionButton, AdminPage, can, Csrf, Flash, fmtDateTime, StatusBadge, type View } from './shell.tsx';
import { Editor, LintReport } from './editor.tsx';
import { ArchiveControls } from './back-issues.tsx';

export interface SendState {
  available: boolean;
  progress: { recipients: number; queued: number; sending: number; sent: number; skipped: number; failed: number; status: string } | null;
  sendAt: Date | null;
  timeZone: string;
  defaultLocal: string;
  zones: string[];
  ready: boolean;
  slotsAvailable: boolean;
  /** Who a send may go to (issue 24): the newsletter's segments and topics; absent: the whole list only. */
  audiences?: { segments: { id: number; name: string }[]; topics: { id: number; name: string }[] };
  /** Who the scheduled or sent issue goes to, as a sentence (absent: the whole list). */
  audienceLine?: string;
}

/** The link-cleaning report; the editor's live preview replaces it (by its id) as the form changes. */

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
  const cancellable = send.available && ['scheduled', 'sending', 'paused'].includes(issue.status);
  // A draft, or a cancelled issue none of which went out (no ledger rows), can go; a cancelled one can come back as a draft.
  const unsent = issue.status === 'draft' || (issue.status === 'cancelled' && (send.progress?.recipients ?? 0) === 0);
  const reopenable = issue.status === 'cancelled' && unsent;
  const controls = send.available && (['draft', 'scheduled', 'sending', 'paused', 'cancelled'].includes(issue.status) || unsent);
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
          {send.audienceLine && issue.status !== 'draft' ? <p data-testid="audience-line">{send.audienceLine}</p> : null}
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
              {send.audiences && (send.audiences.segments.length || send.audiences.topics.length) ? (
                <div style="flex:1 1 100%">
                  <label for="audience">{t('segments.audience')}</label>
                  <select id="audience" name="segment" data-testid="audience">
                    <option value="">{t('segments.wholeList')}</option>
                    {send.audiences.segments.map((sg) => (
                      <option value={String(sg.id)}>{t('segments.segmentOption', { name: sg.name })}</option>
                    ))}
                  </select>
                  {send.audiences.topics.length ? (
                    <fieldset class="audience-topics">
                      <legend class="small">{t('segments.audienceTopics')}</legend>
                      {send.audiences.topics.map((tp) => (
                        <label class="check" for={`topic-${tp.id}`}>
                          <input type="checkbox" id={`topic-${tp.id}`} name={`topic.${tp.id}`} value="on" />
                          <span>{tp.name}</span>
                        </label>
                      ))}
                    </fieldset>
                  ) : null}
                </div>
              ) : null}
              <div style="flex:0 0 auto;display:flex;gap:.5rem;flex-wrap:wrap">
                <button type="submit" data-testid="schedule-submit">
                  {t('issue.scheduleSubmit')}
                </button>
                <button type="submit" name="now" value="1" class="secondary" data-testid="send-now">
                  {t('sendux.sendNow')}
                </button>
              </div>
            </form>
          ) : null}
          {readyToggle || controls ? (
            <div style="display:flex;gap:.5rem;flex-wrap:wrap;margin:1rem 0 0">
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
              {cancellable ? (
                <ActionButton v={v} action={`/admin/issues/${issue.id}/cancel`} label={t('issue.cancel')} confirm={t('issue.cancelConfirm')} danger />
              ) : null}
              {reopenable ? <ActionButton v={v} action={`/admin/issues/${issue.id}/reopen`} label={t('sendux.reopen')} secondary testid="reopen" /> : null}
              {unsent ? (
                <a class="button danger" href={`/admin/issues/${issue.id}/delete`} data-testid="delete">
                  {t('sendux.delete')}
                </a>
              ) : null}
            </div>
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

export function IssuePage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  issue: Issue;
  send: SendState;
  previewErrors: string[];
  previewText: string;
  /** The rendered email's size (a Gmail clipping note above 102 KB). */
  sizeBytes?: number;
  /** Whether the last save was a structural change that Undo can revert. */
  canUndo?: boolean;
}) {
  const { v, issue, send } = props;
  const t = v.t;
  const editable = ['draft', 'scheduled', 'paused', 'published'].includes(issue.status);
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
      <Flash message={props.flash?.message} kind={props.flash?.kind} link={props.flash?.link} />
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
      <ArchiveControls v={v} issue={issue} neverSent={(send.progress?.recipients ?? 0) === 0} />

      <div class={withEditor ? 'workspace with-editor' : 'workspace'}>
        <div class="workspace-main">
          <LintReport v={v} issue={issue} placedInEditor={withEditor} />
          {!editable ? (
            <>
              <h2>{t('issue.edit')}</h2>
              <p class="muted">{t('issue.readOnly', { status: t(`status.${issue.status}`) })}</p>
            </>
          ) : editor ? (
            <>
              <h2>{t('issue.edit')}</h2>
              <Editor v={v} issue={issue} canUndo={props.canUndo ?? false} sizeBytes={props.sizeBytes ?? 0} />
            </>
          ) : null}
        </div>
        <PreviewPane v={v} issue={issue} errors={props.previewErrors} text={props.previewText} live={withEditor} />
      </div>
    </AdminPage>
  );
}

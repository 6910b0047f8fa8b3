/**
 * The audience move's admin pages (issue #24): the import of another system's export (Mailchimp,
 * Substack, listmonk), the newsletter's own confirmation, welcome and goodbye emails (list, edit,
 * preview, reset), and the actions on one person (resend the confirmation, lift a suppression, notes).
 */
import type { MessageView } from '../../modules/subscribers/messages-service.ts';
import type { MoveResult } from '../../modules/subscribers/move-service.ts';
import type { MessageKey } from '../../i18n/index.ts';
import { AdminPage, can, Csrf, Flash, fmtDateTime, fmtNumber, say, type View } from './shell.tsx';

type FlashMsg = { kind: 'ok' | 'error' | 'warn'; message: string };

const OUTCOME_KEYS: Record<string, MessageKey> = {
  imported: 'audienceMove.outcome.imported',
  unsubscribed: 'audienceMove.outcome.unsubscribed',
  suppressed: 'audienceMove.outcome.suppressed',
  unchanged: 'audienceMove.outcome.unchanged',
  kept: 'audienceMove.outcome.kept',
  pending: 'audienceMove.outcome.pending',
  erased: 'audienceMove.outcome.erased',
};
const FILE_KINDS: Record<string, MessageKey> = {
  subscribed: 'audienceMove.file.subscribed',
  unsubscribed: 'audienceMove.file.unsubscribed',
  cleaned: 'audienceMove.file.cleaned',
  subscribers: 'audienceMove.file.subscribers',
};
const KIND_KEYS: Record<string, MessageKey> = {
  confirm: 'audienceMove.kind.confirm',
  welcome: 'audienceMove.kind.welcome',
  goodbye: 'audienceMove.kind.goodbye',
};
const LANGUAGE_KEYS: Record<string, MessageKey> = { en: 'audienceMove.lang.en', 'zh-CN': 'audienceMove.lang.zh-CN' };

function Title(props: { v: View; title: string }) {
  return (
    <h1>
      {props.title}{' '}
      <span class="sub" lang={props.v.current!.language}>
        {props.v.current!.name}
      </span>
    </h1>
  );
}

function MoveResultCard(props: { v: View; result: MoveResult }) {
  const { v, result } = props;
  const t = v.t;
  const counts = Object.entries(result.counts).filter(([, n]) => n > 0);
  return (
    <div class="card" data-testid="move-result" style="margin-bottom:1.5rem;overflow-wrap:anywhere">
      <p>
        <strong>{t('audienceMove.resultTotal', { count: result.total })}</strong>
      </p>
      <ul>
        {result.files.map((f) => (
          <li>
            <span translate="no">{f.name ?? '—'}</span> ·{' '}
            {t('audienceMove.fileRows', { kind: t(FILE_KINDS[f.kind] ?? 'audienceMove.file.subscribers'), rows: fmtNumber(v, f.rows) })}
          </li>
        ))}
      </ul>
      <ul data-testid="move-counts">
        {counts.map(([k, n]) => (
          <li>{t('audienceMove.labelled', { label: t(OUTCOME_KEYS[k]!), value: fmtNumber(v, n) })}</li>
        ))}
        {result.duplicates ? (
          <li>{t('audienceMove.labelled', { label: t('audienceMove.outcome.duplicate'), value: fmtNumber(v, result.duplicates) })}</li>
        ) : null}
      </ul>
      {result.errorCount > 0 ? (
        <>
          <h3>{t('audienceMove.errors', { count: result.errorCount })}</h3>
          <ul class="small" data-testid="move-errors">
            {result.errors.map((e) => (
              <li>
                {e.file ? <span translate="no">{e.file} · </span> : null}
                {t('audienceMove.labelled', { label: t('audienceMove.line', { line: e.line }), value: say(v, e.said) })}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

export function MovePage(props: { v: View; flash?: FlashMsg | undefined; result?: MoveResult | undefined }) {
  const { v } = props;
  const t = v.t;
  return (
    <AdminPage v={v} title={t('audienceMove.title')}>
      <p class="small">
        <a href="/admin/subscribers">← {t('subs.back')}</a>
      </p>
      <Title v={v} title={t('audienceMove.title')} />
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      {props.result ? <MoveResultCard v={v} result={props.result} /> : null}
      <p>{t('audienceMove.intro')}</p>
      <ul class="small">
        <li>{t('audienceMove.helpMailchimp')}</li>
        <li>{t('audienceMove.helpSubstack')}</li>
        <li>{t('audienceMove.helpListmonk')}</li>
        <li>{t('audienceMove.helpRules')}</li>
      </ul>
      <form method="post" action="/admin/subscribers/move" enctype="multipart/form-data" class="card" id="move-form">
        <Csrf v={v} />
        <input type="hidden" name="newsletter" value={v.current!.slug} />
        <label for="format">{t('audienceMove.format')}</label>
        <select id="format" name="format">
          <option value="mailchimp">Mailchimp</option>
          <option value="substack">Substack</option>
          <option value="listmonk">listmonk</option>
        </select>
        <label for="move-file">{t('audienceMove.file')}</label>
        <input id="move-file" name="file" type="file" accept=".csv,.zip,text/csv,application/zip" required />
        <label for="move-note">{t('audienceMove.note')}</label>
        <input id="move-note" name="consentNote" type="text" maxlength={2000} />
        <p style="margin-top:1rem">
          <button type="submit">{t('audienceMove.submit')}</button>
        </p>
      </form>
    </AdminPage>
  );
}

export function MessagesPage(props: { v: View; flash?: FlashMsg | undefined; items: MessageView[] }) {
  const { v } = props;
  const t = v.t;
  return (
    <AdminPage v={v} title={t('audienceMove.messagesTitle')}>
      <Title v={v} title={t('audienceMove.messagesTitle')} />
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <p>{t('audienceMove.messagesIntro')}</p>
      <div class="card table-wrap">
        <table data-testid="messages">
          <thead>
            <tr>
              <th scope="col">{t('audienceMove.kind')}</th>
              <th scope="col">{t('audienceMove.language')}</th>
              <th scope="col">{t('audienceMove.subject')}</th>
              <th scope="col">{t('audienceMove.wording')}</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((m) => (
              <tr>
                <td>
                  <a href={`/admin/messages/${m.kind}/${m.language}`}>{t(KIND_KEYS[m.kind]!)}</a>
                </td>
                <td>{t(LANGUAGE_KEYS[m.language]!)}</td>
                <td lang={m.language}>{m.subject}</td>
                <td>{m.custom ? t('audienceMove.custom', { when: fmtDateTime(v, m.updatedAt) }) : t('audienceMove.default')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </AdminPage>
  );
}

export function MessageEditPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  m: MessageView;
  /** What the form shows: the stored text, or the draft just previewed. */
  draft?: { subject: string; body: string } | undefined;
  preview: { subject: string; html: string };
}) {
  const { v, m } = props;
  const t = v.t;
  const text = props.draft ?? m;
  const action = `/admin/messages/${m.kind}/${m.language}`;
  const title = `${t(KIND_KEYS[m.kind]!)} · ${t(LANGUAGE_KEYS[m.language]!)}`;
  return (
    <AdminPage v={v} title={title}>
      <p class="small">
        <a href="/admin/messages">← {t('audienceMove.messagesTitle')}</a>
      </p>
      <Title v={v} title={title} />
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <p class="small muted">
        {m.custom ? t('audienceMove.custom', { when: fmtDateTime(v, m.updatedAt) }) : t('audienceMove.default')} · {t('audienceMove.placeholders')}
        {m.kind === 'confirm' ? ` ${t('audienceMove.confirmLink')}` : ''}
      </p>
      <form method="post" action={action} class="card" id="message-form">
        <Csrf v={v} />
        <label for="subject">{t('audienceMove.subject')}</label>
        <input id="subject" name="subject" type="text" required maxlength={200} value={text.subject} lang={m.language} />
        <label for="body">{t('audienceMove.body')}</label>
        <textarea id="body" name="body" rows={10} required maxlength={5000} lang={m.language}>
          {text.body}
        </textarea>
        <p style="display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem">
          {can(v, 'editor') ? (
            <button type="submit" name="action" value="save">
              {t('audienceMove.save')}
            </button>
          ) : null}
          <button type="submit" name="action" value="preview" class="secondary">
            {t('audienceMove.preview')}
          </button>
        </p>
      </form>
      {can(v, 'editor') && m.custom ? (
        <form method="post" action={action} style="margin-top:1rem">
          <Csrf v={v} />
          <input type="hidden" name="action" value="reset" />
          <button type="submit" class="secondary" data-testid="reset">
            {t('audienceMove.reset')}
          </button>
        </form>
      ) : null}
      <h2>{t('audienceMove.previewTitle')}</h2>
      <p>
        <strong lang={m.language}>{props.preview.subject}</strong>
      </p>
      <iframe
        class="card"
        title={t('audienceMove.previewTitle')}
        sandbox=""
        srcdoc={props.preview.html}
        style="width:100%;min-height:520px;border:1px solid var(--line, #ccc);padding:0;background:#fff"
        data-testid="message-preview"
      />
    </AdminPage>
  );
}

export interface PersonNote {
  id: string;
  author: string;
  body: string;
  createdAt: string;
}

/** On a subscriber's page: resend the confirmation, lift a suppression, the notes. */
export function PersonPanel(props: { v: View; s: { id: string; status: string }; notes: PersonNote[] }) {
  const { v, s } = props;
  const t = v.t;
  if (s.status === 'erased') return null;
  return (
    <section aria-labelledby="person-h" style="margin-top:1.5rem">
      {s.status === 'pending' && can(v, 'editor') ? (
        <form method="post" action={`/admin/subscribers/${s.id}/resend-confirmation`} class="card">
          <Csrf v={v} />
          <p class="small">{t('audienceMove.resendHelp')}</p>
          <button type="submit" data-testid="resend">
            {t('audienceMove.resend')}
          </button>
        </form>
      ) : null}
      {s.status === 'suppressed' && can(v, 'admin') ? (
        <form method="post" action={`/admin/subscribers/${s.id}/lift-suppression`} class="card">
          <Csrf v={v} />
          <label for="lift-reason">{t('audienceMove.liftReason')}</label>
          <textarea id="lift-reason" name="reason" rows={2} required maxlength={2000} />
          <p class="small muted">{t('audienceMove.liftHelp')}</p>
          <button type="submit" data-testid="lift">
            {t('audienceMove.lift')}
          </button>
        </form>
      ) : null}
      <h2 id="person-h">{t('audienceMove.notes')}</h2>
      {props.notes.length === 0 ? <p class="muted">{t('audienceMove.notesNone')}</p> : null}
      <ul data-testid="notes">
        {props.notes.map((n) => (
          <li>
            <p style="white-space:pre-line;margin:0">{n.body}</p>
            <p class="small muted" style="margin:0 0 .75rem">
              {t('audienceMove.noteBy', { author: n.author, when: fmtDateTime(v, n.createdAt) })}
            </p>
          </li>
        ))}
      </ul>
      {can(v, 'editor') ? (
        <form method="post" action={`/admin/subscribers/${s.id}/notes`} class="card">
          <Csrf v={v} />
          <label for="note-body">{t('audienceMove.noteAdd')}</label>
          <textarea id="note-body" name="body" rows={3} required maxlength={5000} />
          <button type="submit">{t('audienceMove.noteSubmit')}</button>
        </form>
      ) : null}
    </section>
  );
}

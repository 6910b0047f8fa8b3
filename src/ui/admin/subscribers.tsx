/** Subscribers: list with search, filter and cursor; one subscriber's consent timeline; import; erase. */
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { AdminPage, can, Csrf, Empty, Flash, fmtDateTime, StatusBadge, type View } from './shell.tsx';

const STATUSES = ['active', 'pending', 'unsubscribed', 'suppressed', 'erased'] as const;

export interface SubscriberItem {
  id: string;
  email: string | null;
  name: string | null;
  status: string;
  source: string;
  createdAt: string | null;
}

export function SubscribersPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  items: SubscriberItem[];
  q: string;
  status: string;
  next: string | null;
  isFirst: boolean;
}) {
  const { v } = props;
  const t = v.t;
  const n = v.current!;
  const filtered = !!(props.q || props.status);
  return (
    <AdminPage v={v} title={t('subs.title')}>
      <h1>
        {t('subs.title')}{' '}
        <span class="sub" lang={n.language}>
          {n.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <form method="get" action="/admin/subscribers" class="row" role="search" style="margin-bottom:1rem">
        <div style="flex:3 1 16rem">
          <label for="q">{t('subs.search')}</label>
          <input id="q" type="search" name="q" value={props.q} />
        </div>
        <div style="flex:1 1 10rem">
          <label for="st">{t('common.status')}</label>
          <select id="st" name="status">
            <option value="">{t('common.all')}</option>
            {STATUSES.map((s) => (
              <option value={s} selected={s === props.status}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div style="flex:0 0 auto">
          <button type="submit" class="secondary">
            {t('common.search')}
          </button>
        </div>
      </form>
      <p style="display:flex;gap:.75rem;flex-wrap:wrap">
        {can(v, 'editor') ? (
          <a class="button" href="/admin/subscribers/import">
            {t('subs.import')}
          </a>
        ) : null}
        {can(v, 'editor') ? (
          <a class="button secondary" href={`/api/v1/newsletters/${n.slug}/subscribers/export`} download>
            {t('subs.export')}
          </a>
        ) : null}
      </p>
      {props.items.length === 0 ? (
        <Empty title={filtered ? t('subs.empty') : t('subs.emptyAll')}>
          {!filtered ? (
            <p>
              <a href={`/n/${n.slug}`}>/n/{n.slug}</a>
            </p>
          ) : null}
        </Empty>
      ) : (
        <div class="card table-wrap">
          <table data-testid="subscribers">
            <thead>
              <tr>
                <th scope="col">{t('subs.email')}</th>
                <th scope="col">{t('subs.name')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('subs.source')}</th>
                <th scope="col">{t('subs.since')}</th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((s) => (
                <tr>
                  <td>
                    <a href={`/admin/subscribers/${s.id}`}>{s.email ?? `#${s.id}`}</a>
                  </td>
                  <td>{s.name ?? ''}</td>
                  <td>
                    <StatusBadge v={v} status={s.status} />
                  </td>
                  <td class="small">{s.source}</td>
                  <td>{fmtDateTime(v, s.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="pager">
        {!props.isFirst ? <a href={`/admin/subscribers?q=${encodeURIComponent(props.q)}&status=${props.status}`}>← {t('common.first')}</a> : null}
        {props.next ? (
          <a href={`/admin/subscribers?q=${encodeURIComponent(props.q)}&status=${props.status}&cursor=${encodeURIComponent(props.next)}`}>
            {t('common.next')} →
          </a>
        ) : null}
      </div>
    </AdminPage>
  );
}

export interface SubscriberDetail extends SubscriberItem {
  language: string | null;
  consentTextVersion: number | null;
  suppressionReason: string | null;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  events: { at: string; type: string; source: string; ip: string | null; consentTextVersion: number | null; detail: unknown }[];
}

export function SubscriberPage(props: { v: View; flash?: FlashMsg | undefined; s: SubscriberDetail }) {
  const { v, s } = props;
  const t = v.t;
  return (
    <AdminPage v={v} title={s.email ?? `#${s.id}`}>
      <p class="small">
        <a href="/admin/subscribers">← {t('subs.back')}</a>
      </p>
      <h1>
        {s.email ?? `#${s.id}`} <StatusBadge v={v} status={s.status} />
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <div class="card">
        <dl class="meta">
          <dt>{t('subs.name')}</dt>
          <dd>{s.name ?? '—'}</dd>
          <dt>{t('nl.language')}</dt>
          <dd>{s.language ?? '—'}</dd>
          <dt>{t('subs.source')}</dt>
          <dd>{s.source}</dd>
          <dt>{t('subs.since')}</dt>
          <dd>{fmtDateTime(v, s.createdAt)}</dd>
          <dt>{t('subs.confirmedAt')}</dt>
          <dd>{fmtDateTime(v, s.confirmedAt)}</dd>
          <dt>{t('subs.unsubscribedAt')}</dt>
          <dd>{fmtDateTime(v, s.unsubscribedAt)}</dd>
          <dt>{t('subs.consentVersion')}</dt>
          <dd>{s.consentTextVersion ?? '—'}</dd>
          {s.suppressionReason ? (
            <>
              <dt>{t('status.suppressed')}</dt>
              <dd>{s.suppressionReason}</dd>
            </>
          ) : null}
        </dl>
      </div>
      <h2>{t('subs.events')}</h2>
      {s.events.length === 0 ? (
        <p class="muted">{t('subs.eventsNone')}</p>
      ) : (
        <div class="card table-wrap">
          <table data-testid="events">
            <thead>
              <tr>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('subs.event')}</th>
                <th scope="col">{t('subs.eventSource')}</th>
                <th scope="col">{t('subs.consentVersion')}</th>
                <th scope="col">{t('subs.details')}</th>
              </tr>
            </thead>
            <tbody>
              {s.events.map((e) => (
                <tr>
                  <td style="white-space:nowrap">{fmtDateTime(v, e.at)}</td>
                  <td>
                    <code>{e.type}</code>
                  </td>
                  <td>
                    {e.source}
                    {e.ip ? <div class="small muted">{e.ip}</div> : null}
                  </td>
                  <td>{e.consentTextVersion ?? ''}</td>
                  <td class="small">{e.detail ? JSON.stringify(e.detail).slice(0, 300) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p style="display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.5rem">
        {can(v, 'editor') && s.status !== 'erased' ? (
          <a class="button secondary" href={`/api/v1/subscribers/${s.id}/export`}>
            {t('subs.exportPerson')}
          </a>
        ) : null}
        {can(v, 'admin') && s.status !== 'erased' ? (
          <a class="button danger" href={`/admin/subscribers/${s.id}/erase`}>
            {t('subs.erase')}
          </a>
        ) : null}
      </p>
    </AdminPage>
  );
}

export function EraseConfirmPage(props: { v: View; flash?: FlashMsg | undefined; s: SubscriberDetail }) {
  const { v, s } = props;
  const t = v.t;
  return (
    <AdminPage v={v} title={t('subs.eraseTitle', { email: s.email ?? '' })}>
      <h1>{t('subs.eraseTitle', { email: s.email ?? '' })}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <form method="post" action={`/admin/subscribers/${s.id}/erase`} class="card">
        <Csrf v={v} />
        <p>{t('subs.eraseBody')}</p>
        <label for="confirm">{t('subs.eraseConfirm')}</label>
        <input id="confirm" name="confirm" type="text" autocomplete="off" required />
        <p style="margin-top:1rem;display:flex;gap:.75rem">
          <button type="submit" class="danger">
            {t('subs.eraseSubmit')}
          </button>
          <a class="button secondary" href={`/admin/subscribers/${s.id}`}>
            {t('common.cancel')}
          </a>
        </p>
      </form>
    </AdminPage>
  );
}

export interface ImportResult {
  imported: number;
  total: number;
  skipped: Record<string, number>;
  errors: { line?: number; row?: number; message?: string; error?: string }[];
  errorCount: number;
}

/**
 * With JavaScript the form uploads through XMLHttpRequest (upload percentage), asks for
 * application/x-ndjson and reads the server's progress lines as they arrive (rows read of about
 * how many, added), then shows the result card the server rendered. Anything other
 * than a progress stream (session ended, CSRF, too large) falls back on the plain form post.
 */
const importScript = `(function(){var f=document.getElementById('import-form');if(!f||!window.FormData||!window.XMLHttpRequest)return;
var box=document.getElementById('import-progress'),bar=box.querySelector('progress'),line=box.querySelector('[data-line]'),out=document.getElementById('import-live'),T=JSON.parse(box.getAttribute('data-t'));
function fill(s,o){return s.replace(/\\{(\\w+)\\}/g,function(m,k){return k in o?String(o[k]):m})}
function num(n){try{return Number(n).toLocaleString(document.documentElement.lang)}catch(e){return String(n)}}
f.addEventListener('submit',function(e){if(e.defaultPrevented)return;e.preventDefault();
var btn=f.querySelector('button[type=submit]'),x=new XMLHttpRequest(),seen=0,ended=false;btn.disabled=true;f.setAttribute('aria-busy','true');box.hidden=false;out.innerHTML='';bar.max=100;bar.value=0;line.textContent=fill(T.upload,{percent:0});
function done(){btn.disabled=false;f.removeAttribute('aria-busy');}
function handle(o){if(o.type==='progress'){var pct=Math.min(100,Math.round(100*o.rows/Math.max(1,o.estimatedRows)));bar.value=pct;line.textContent=fill(T.rows,{rows:num(o.rows),total:num(o.estimatedRows),imported:num(o.imported),percent:pct});}
else if(o.type==='done'){ended=true;bar.value=100;box.hidden=true;out.innerHTML=o.html;var h=out.querySelector('[data-testid=import-result]');if(h){h.setAttribute('tabindex','-1');h.focus();}f.reset();done();}
else if(o.type==='error'){ended=true;box.hidden=true;var p=document.createElement('p');p.className='flash flash-error';p.setAttribute('role','alert');p.textContent=o.message;out.appendChild(p);done();}}
function read(){var t=x.responseText,i;while((i=t.indexOf('\\n',seen))>=0){var l=t.slice(seen,i);seen=i+1;if(l){try{handle(JSON.parse(l))}catch(err){}}}}
x.open('POST',f.action);x.setRequestHeader('Accept','application/x-ndjson');
x.upload.onprogress=function(ev){if(!ev.lengthComputable)return;var pct=Math.round(100*ev.loaded/ev.total);bar.value=pct;line.textContent=fill(T.upload,{percent:pct});};
x.upload.onload=function(){bar.value=0;line.textContent=T.uploaded;};
x.onprogress=function(){if((x.getResponseHeader('content-type')||'').indexOf('ndjson')>=0)read();};
x.onload=function(){if((x.getResponseHeader('content-type')||'').indexOf('ndjson')<0){f.submit();return;}read();if(!ended){handle({type:'error',message:T.failed});}};
x.onerror=function(){handle({type:'error',message:T.failed});};
x.send(new FormData(f));});})();`;

const SKIP_KEYS = ['duplicate', 'already_subscribed', 'pending', 'unsubscribed', 'suppressed', 'erased'] as const;

/** The summary of a finished import: added, skipped by reason, and rows with errors by line number. */
export function ImportResultCard(props: { v: View; result: ImportResult }) {
  const { v, result } = props;
  const t = v.t;
  const skipped = Object.entries(result.skipped).filter(([, n]) => n > 0);
  const skippedTotal = skipped.reduce((a, [, n]) => a + n, 0);
  return (
    <div class="card" data-testid="import-result" style="margin-bottom:1.5rem">
      <p>
        <strong>{t('subs.importResult', { imported: result.imported, total: result.total })}</strong>
      </p>
      <p class="small">{t('subs.importSummary', { added: result.imported, skipped: skippedTotal, errors: result.errorCount })}</p>
      {skipped.length ? (
        <>
          <h3>{t('subs.importSkipped')}</h3>
          <ul>
            {skipped.map(([k, n]) => (
              <li>
                {(SKIP_KEYS as readonly string[]).includes(k) ? t(`subs.skip.${k as (typeof SKIP_KEYS)[number]}`) : k}: {n}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {result.errorCount > 0 ? (
        <>
          <h3>
            {t('subs.importErrors')} ({result.errorCount})
          </h3>
          <ul>
            {result.errors.slice(0, 100).map((e) => (
              <li class="small">
                {t('subs.importRow')} {e.line ?? e.row ?? '?'}: {csvRowMessage(v, e.message ?? e.error ?? '')}
              </li>
            ))}
          </ul>
          {result.errorCount > result.errors.slice(0, 100).length ? (
            <p class="muted small">{t('subs.importMoreErrors', { count: result.errorCount - result.errors.slice(0, 100).length })}</p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

/** The CSV reader's row messages, in the page's language when we know them. */
function csvRowMessage(v: View, message: string): string {
  const known: Record<string, 'subs.rowEmpty' | 'subs.rowInvalid' | 'subs.rowName'> = {
    'email is empty': 'subs.rowEmpty',
    'email is not a valid address': 'subs.rowInvalid',
    'name must be one line of at most 200 characters': 'subs.rowName',
  };
  const key = known[message];
  return key ? v.t(key) : message;
}

export function ImportSubscribersPage(props: { v: View; flash?: FlashMsg | undefined; result?: ImportResult | undefined }) {
  const { v, result } = props;
  const t = v.t;
  const strings = { upload: t('subs.importUploading'), uploaded: t('subs.importUploaded'), rows: t('subs.importRows'), failed: t('subs.importFailed') };
  return (
    <AdminPage v={v} title={t('subs.importTitle')}>
      <p class="small">
        <a href="/admin/subscribers">← {t('subs.back')}</a>
      </p>
      <h1>
        {t('subs.importTitle')}{' '}
        <span class="sub" lang={v.current!.language}>
          {v.current!.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <div id="import-live" aria-live="polite">
        {result ? <ImportResultCard v={v} result={result} /> : null}
      </div>
      <p>{t('subs.importHelp')}</p>
      <form method="post" action="/admin/subscribers/import" enctype="multipart/form-data" class="card" id="import-form">
        <Csrf v={v} />
        <input type="hidden" name="newsletter" value={v.current!.slug} />
        <label for="csv">{t('subs.importFile')}</label>
        <input id="csv" name="file" type="file" accept=".csv,text/csv" required />
        <label for="note">{t('subs.importNote')}</label>
        <input id="note" name="consentNote" type="text" required maxlength={2000} />
        <p style="margin-top:1rem">
          <button type="submit">{t('subs.importSubmit')}</button>
        </p>
        <div id="import-progress" hidden role="status" data-t={JSON.stringify(strings)}>
          <progress max={100} value={0} aria-label={t('subs.importTitle')}></progress>
          <p class="small" data-line></p>
          <p class="muted small">{t('subs.importing')}</p>
        </div>
      </form>
      <script dangerouslySetInnerHTML={{ __html: importScript }}></script>
    </AdminPage>
  );
}

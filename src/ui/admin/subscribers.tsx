/** Subscribers: list with search, filter and cursor; one subscriber's consent timeline; import; erase. */
import { type PersonNote, PersonPanel } from './audience.tsx';
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import type { Message } from '../../i18n/index.ts';
import type { Services } from '../../services.ts';
import { AdminPage, can, Csrf, Empty, Flash, fmtDateTime, fmtNumber, say, StatusBadge, type View } from './shell.tsx';
import { DetailFields, eventLabel, sourceLabel } from '../detail.tsx';
import { ImportResultCard, type ImportResult } from './import-summary.tsx';

import { SUBSCRIBER_STATUS_LIST as STATUSES } from '../../modules/subscribers/list-service.ts';
import { languageChoices } from './choices.ts';
import { fieldLabel, type SubscriberField } from '../../modules/subscribers/fields.ts';
import type { ImportMapping } from '../../modules/subscribers/fields-service.ts';

export interface SubscriberItem {
  id: string;
  email: string | null;
  name: string | null;
  status: string;
  source: string;
  createdAt: string | null;
  attributes?: Record<string, string | number>;
  tags?: string[];
}

/** A subscriber's tags as chips (each a link to the list filtered by it). */
export function TagChips(props: { tags: string[] | undefined }) {
  if (!props.tags?.length) return null;
  return (
    <span class="chips">
      {props.tags.map((tag) => (
        <a class="chip" href={`/admin/subscribers?tag=${encodeURIComponent(tag)}`} data-tag={tag}>
          {tag}
        </a>
      ))}
    </span>
  );
}

export function SubscribersPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  items: SubscriberItem[];
  q: string;
  status: string;
  next: string | null;
  prev: string | null;
  counts: { total: number; byStatus: Record<string, number> };
  /** An import that stopped or failed part-way, to run again. */
  unfinishedImport?: Message | null | undefined;
  tag?: string | undefined;
  fields?: SubscriberField[] | undefined;
}) {
  const { v } = props;
  const t = v.t;
  const n = v.current!;
  const tag = props.tag ?? '';
  const fields = props.fields ?? [];
  const filtered = !!(props.q || props.status || tag);
  const editor = can(v, 'editor');
  const back = listHref(props.q, props.status, undefined, tag);
  return (
    <AdminPage v={v} title={t('subs.title')}>
      <h1>
        {t('subs.title')}{' '}
        <span class="sub" lang={n.language}>
          {n.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      {props.unfinishedImport ? (
        <p class="flash flash-warn" role="status" data-testid="unfinished-import">
          ⚠ {say(v, props.unfinishedImport)} {can(v, 'editor') ? <a href="/admin/subscribers/import">{v.t('subs.import')}</a> : null}
        </p>
      ) : null}
      <ul class="counts" data-testid="counts">
        <li>
          <a href={listHref(props.q, '', undefined, tag)} aria-current={props.status === '' ? 'true' : undefined} data-status="">
            <span class="n">{fmtNumber(v, props.counts.total)}</span> <span class="l">{t('subs.countAll')}</span>
          </a>
        </li>
        {STATUSES.map((st) => (
          <li>
            <a href={listHref(props.q, st, undefined, tag)} aria-current={props.status === st ? 'true' : undefined} data-status={st}>
              <span class="n">{fmtNumber(v, props.counts.byStatus[st] ?? 0)}</span> <span class="l">{t(`status.${st}`)}</span>
            </a>
          </li>
        ))}
      </ul>
      <search>
        <form method="get" action="/admin/subscribers" class="row" style="margin-bottom:1rem">
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
          <div style="flex:1 1 8rem">
            <label for="tag">{t('fields.tagFilter')}</label>
            <input id="tag" type="text" name="tag" value={tag} maxlength={64} />
          </div>
          <div style="flex:0 0 auto">
            <button type="submit" class="secondary">
              {t('common.search')}
            </button>
          </div>
        </form>
      </search>
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
        <a class="button secondary" href="/admin/subscribers/fields">
          {t('fields.manage')}
        </a>
      </p>
      {can(v, 'editor') ? <AddSubscriberForm v={v} /> : null}
      {props.items.length === 0 ? (
        <Empty title={filtered ? t('subs.empty') : t('subs.emptyAll')}>
          {!filtered ? (
            <p>
              <a href={`/n/${n.slug}`}>/n/{n.slug}</a>
            </p>
          ) : null}
        </Empty>
      ) : (
        <form method="post" action="/admin/subscribers/tags" id="bulk-tags">
          {editor ? <Csrf v={v} /> : null}
          <input type="hidden" name="back" value={back} />
          <div class="card table-wrap">
            <table data-testid="subscribers">
              <thead>
                <tr>
                  {editor ? (
                    <th scope="col">
                      <span class="visually-hidden">{t('fields.bulkTitle')}</span>
                    </th>
                  ) : null}
                  <th scope="col">{t('subs.email')}</th>
                  <th scope="col">{t('subs.name')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('fields.tags')}</th>
                  {fields.map((f) => (
                    <th scope="col" data-field={f.key}>
                      {fieldLabel(f, v.lang, n.language ?? undefined)}
                    </th>
                  ))}
                  <th scope="col">{t('subs.source')}</th>
                  <th scope="col">{t('subs.since')}</th>
                </tr>
              </thead>
              <tbody>
                {props.items.map((s) => (
                  <tr>
                    {editor ? (
                      <td>
                        {s.status !== 'erased' ? (
                          <input type="checkbox" name="ids" value={s.id} aria-label={t('fields.select', { email: s.email ?? `#${s.id}` })} />
                        ) : null}
                      </td>
                    ) : null}
                    <td>
                      <a href={`/admin/subscribers/${s.id}`}>{s.email ?? `#${s.id}`}</a>
                    </td>
                    <td>{s.name ?? ''}</td>
                    <td>
                      <StatusBadge v={v} status={s.status} />
                    </td>
                    <td>
                      <TagChips tags={s.tags} />
                    </td>
                    {fields.map((f) => (
                      <td data-field={f.key}>{s.attributes?.[f.key] ?? ''}</td>
                    ))}
                    <td class="small">{sourceLabel(v.lang, s.source)}</td>
                    <td>{fmtDateTime(v, s.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {editor ? (
            <fieldset class="card bulk-tags" data-testid="bulk-tags">
              <legend>{t('fields.bulkTitle')}</legend>
              <div class="row">
                <div>
                  <label for="bulk-add">{t('fields.bulkAdd')}</label>
                  <input id="bulk-add" name="add" type="text" maxlength={200} autocomplete="off" />
                </div>
                <div>
                  <label for="bulk-remove">{t('fields.bulkRemove')}</label>
                  <input id="bulk-remove" name="remove" type="text" maxlength={200} autocomplete="off" />
                </div>
                <div style="flex:0 0 auto;align-self:flex-end">
                  <button type="submit" class="secondary">
                    {t('fields.bulkSubmit')}
                  </button>
                </div>
              </div>
            </fieldset>
          ) : null}
        </form>
      )}
      <nav class="pager" aria-label={t('subs.pages')}>
        {props.prev ? (
          <a href={listHref(props.q, props.status, props.prev, tag)} rel="prev" data-testid="prev">
            ← {t('subs.prevPage')}
          </a>
        ) : null}
        {props.next ? (
          <a href={listHref(props.q, props.status, props.next, tag)} rel="next" data-testid="next">
            {t('common.next')} →
          </a>
        ) : null}
      </nav>
    </AdminPage>
  );
}

function listHref(q: string, status: string, cursor?: string, tag?: string): string {
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (status) p.set('status', status);
  if (tag) p.set('tag', tag);
  if (cursor) p.set('cursor', cursor);
  const qs = p.toString();
  return qs ? `/admin/subscribers?${qs}` : '/admin/subscribers';
}

/** One person added by hand: consent the admin vouches for, recorded as an admin-added consent event. */
function AddSubscriberForm(props: { v: View }) {
  const { v } = props;
  const t = v.t;
  return (
    <details class="add-subscriber" data-testid="add-subscriber">
      <summary>{t('subs.add')}</summary>
      <form method="post" action="/admin/subscribers" class="card">
        <Csrf v={v} />
        <div class="row">
          <div>
            <label for="as-email">{t('subs.email')}</label>
            <input id="as-email" name="email" type="email" required maxlength={254} autocomplete="off" />
          </div>
          <div>
            <label for="as-name">{t('subs.name')}</label>
            <input id="as-name" name="name" type="text" maxlength={200} autocomplete="off" />
          </div>
          <div>
            <label for="as-lang">{t('nl.language')}</label>
            <select id="as-lang" name="language">
              <option value="">{t('subs.addLanguageDefault')}</option>
              {languageChoices(v.lang).map((l) => (
                <option value={l.tag}>{l.label}</option>
              ))}
            </select>
          </div>
        </div>
        <label for="as-note">{t('subs.addNote')}</label>
        <input id="as-note" name="consentNote" type="text" required maxlength={2000} />
        <fieldset class="add-status">
          <legend>{t('common.status')}</legend>
          <label class="check">
            <input type="radio" name="status" value="active" checked /> {t('subs.addActive')}
          </label>
          <label class="check">
            <input type="radio" name="status" value="pending" /> {t('subs.addPending')}
          </label>
        </fieldset>
        <button type="submit">{t('subs.addSubmit')}</button>
      </form>
    </details>
  );
}

/** One subscriber with their consent events, as the subscribers service gives it. */
export type SubscriberDetail = Awaited<ReturnType<Services['subscriberList']['get']>>;

/** The person's attributes (one input per field, by type) and tags; editors change them, viewers read them. */
function ProfileCard(props: { v: View; s: SubscriberDetail; fields: SubscriberField[] }) {
  const { v, s, fields } = props;
  const t = v.t;
  const nl = v.current?.language ?? undefined;
  const editable = can(v, 'editor') && s.status !== 'erased';
  const value = (k: string) => {
    const x = s.attributes[k];
    return x === undefined || x === null ? '' : String(x);
  };
  if (!editable)
    return (
      <div class="card" data-testid="profile">
        <dl class="meta">
          {fields.map((f) => (
            <>
              <dt>{fieldLabel(f, v.lang, nl)}</dt>
              <dd>{value(f.key) || '—'}</dd>
            </>
          ))}
          <dt>{t('fields.tags')}</dt>
          <dd>{s.tags.length ? <TagChips tags={s.tags} /> : '—'}</dd>
        </dl>
      </div>
    );
  return (
    <form method="post" action={`/admin/subscribers/${s.id}/attributes`} class="card" data-testid="profile">
      <Csrf v={v} />
      {fields.length === 0 ? <p class="muted small">{t('fields.noneDefined')}</p> : null}
      <div class="row">
        {fields.map((f) => {
          const id = `attr-${f.key}`;
          const name = `attr.${f.key}`;
          return (
            <div>
              <label for={id}>{fieldLabel(f, v.lang, nl)}</label>
              {f.type === 'choice' ? (
                <select id={id} name={name}>
                  <option value="">—</option>
                  {f.choices.map((c) => (
                    <option value={c} selected={value(f.key) === c}>
                      {c}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  name={name}
                  type={f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text'}
                  step={f.type === 'number' ? 'any' : undefined}
                  value={value(f.key)}
                  maxlength={f.type === 'text' ? 1000 : undefined}
                />
              )}
            </div>
          );
        })}
      </div>
      <label for="profile-tags">{t('fields.tags')}</label>
      <input id="profile-tags" name="tags" type="text" value={s.tags.join(', ')} aria-describedby="profile-tags-help" />
      <p class="small muted" id="profile-tags-help">
        {t('fields.tagsHelp')}
      </p>
      <button type="submit">{t('fields.profileSave')}</button>
    </form>
  );
}

export function SubscriberPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  s: SubscriberDetail;
  fields?: SubscriberField[] | undefined;
  notes?: PersonNote[];
}) {
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
          <dd>{sourceLabel(v.lang, s.source)}</dd>
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
      <h2>{t('fields.attributes')}</h2>
      <ProfileCard v={v} s={s} fields={props.fields ?? []} />
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
                    <span data-event={e.type}>{eventLabel(v.lang, e.type)}</span>
                  </td>
                  <td>
                    {sourceLabel(v.lang, e.source)}
                    {e.ip ? <div class="small muted">{e.ip}</div> : null}
                  </td>
                  <td>{e.consentTextVersion ?? ''}</td>
                  <td class="small">
                    <DetailFields lang={v.lang} detail={e.detail} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PersonPanel v={v} s={s} notes={props.notes ?? []} />
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

/** The select each column of the mapping step gets (the page's script clones it): built-in columns, the newsletter's fields, a new field, ignore. */
function MappingSelect(props: { v: View; fields: SubscriberField[] }) {
  const { v } = props;
  const t = v.t;
  return (
    <select>
      <option value="email">{t('fields.asEmail')}</option>
      <option value="name">{t('fields.asName')}</option>
      <option value="language">{t('fields.asLanguage')}</option>
      <option value="tags">{t('fields.asTags')}</option>
      {props.fields.length ? (
        <optgroup label={t('fields.existing')}>
          {props.fields.map((f) => (
            <option value={`attribute:${f.key}`}>
              {fieldLabel(f, v.lang, v.current?.language ?? undefined)} ({f.key})
            </option>
          ))}
        </optgroup>
      ) : null}
      <option value="new">{t('fields.asNew')}</option>
      <option value="ignore">{t('fields.asIgnore')}</option>
    </select>
  );
}

export function ImportSubscribersPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  result?: ImportResult | undefined;
  fields?: SubscriberField[] | undefined;
  savedMapping?: ImportMapping | null | undefined;
}) {
  const { v, result } = props;
  const t = v.t;
  const fields = props.fields ?? [];
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
      <p class="small">{t('fields.importHelp')}</p>
      <p class="small">
        <a href="/admin/subscribers/move">{t('audienceMove.linkFromImport')}</a>
      </p>
      <form method="post" action="/admin/subscribers/import" enctype="multipart/form-data" class="card" id="import-form">
        <Csrf v={v} />
        <input type="hidden" name="newsletter" value={v.current!.slug} />
        <label for="csv">{t('subs.importFile')}</label>
        <input id="csv" name="file" type="file" accept=".csv,text/csv" required />
        {/* The mapping step: the page's script reads the file's first rows and fills the table; the choice goes with the import (and is remembered). */}
        <input type="hidden" name="mapping" value="" data-mapping-value />
        <section
          id="import-mapping"
          hidden
          data-saved={JSON.stringify(props.savedMapping?.columns ?? {})}
          data-fields={JSON.stringify(fields.map((f) => f.key))}
          aria-labelledby="mapping-title"
        >
          <h2 id="mapping-title">{t('fields.mapTitle')}</h2>
          <p class="small">{t('fields.mapHelp')}</p>
          <div class="table-wrap">
            <table data-testid="mapping">
              <thead>
                <tr>
                  <th scope="col">{t('fields.mapColumn')}</th>
                  <th scope="col">{t('fields.mapSamples')}</th>
                  <th scope="col">{t('fields.mapAs')}</th>
                </tr>
              </thead>
              <tbody></tbody>
            </table>
          </div>
          <template id="mapping-select">
            <MappingSelect v={v} fields={fields} />
          </template>
        </section>
        <p class="small muted" data-mapping-nojs>
          {t('fields.noJs')}
        </p>
        <label for="note">{t('subs.importNote')}</label>
        <input id="note" name="consentNote" type="text" required maxlength={2000} />
        <p style="margin-top:1rem">
          <button type="submit">{t('subs.importSubmit')}</button>
        </p>
        <div id="import-progress" hidden role="status">
          <progress max={100} value={0} aria-label={t('subs.importTitle')}></progress>
          <p class="small" data-line></p>
          <p class="muted small">{t('subs.importing')}</p>
        </div>
      </form>
    </AdminPage>
  );
}

/** Segments (the list with counts, the builder with its live count) and topics (issue 24). */
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { OPS_OF, SEGMENT_FIELDS, SEGMENT_OPS, type SegmentFieldKind } from '../../modules/segments/ops.ts';
import type { Segment, Topic } from '../../modules/segments/service.ts';
import { AdminPage, can, Csrf, Empty, Flash, fmtNumber, type View } from './shell.tsx';

/** One row of the builder as the form holds it. */
export interface BuilderRow {
  field: string;
  attr: string;
  op: string;
  value: string;
}

export interface BuilderState {
  id?: number;
  name: string;
  match: 'all' | 'any';
  rows: BuilderRow[];
}

/** A stored condition as a builder row (`attribute.org` → field attribute, key org; lists joined with commas). */
export function rowOf(c: { field: string; op: string; value?: unknown }): BuilderRow {
  const attr = c.field.startsWith('attribute.') ? c.field.slice('attribute.'.length) : '';
  const value = Array.isArray(c.value) ? c.value.join(', ') : c.value === undefined || c.value === null ? '' : String(c.value);
  return { field: attr ? 'attribute' : c.field, attr, op: c.op, value };
}

function CountLine(props: { v: View; count: { count: number; sendable: number } | null }) {
  const { v } = props;
  return (
    <p class="segment-count" data-segment-count aria-live="polite" data-testid="segment-count">
      {props.count ? v.t('segments.liveCount', { count: props.count.count, sendable: props.count.sendable }) : v.t('segments.countHint')}
    </p>
  );
}

export function SegmentsPage(props: { v: View; flash?: FlashMsg | undefined; items: (Segment & { count: number; sendable: number })[] }) {
  const { v } = props;
  const t = v.t;
  const n = v.current!;
  return (
    <AdminPage v={v} title={t('segments.title')}>
      <h1>
        {t('segments.title')}{' '}
        <span class="sub" lang={n.language}>
          {n.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <p class="muted">{t('segments.intro')}</p>
      <p style="display:flex;gap:.5rem;flex-wrap:wrap">
        {can(v, 'editor') ? (
          <a class="button" href="/admin/segments/new" data-testid="new-segment">
            {t('segments.new')}
          </a>
        ) : null}
        <a class="button secondary" href="/admin/topics">
          {t('segments.topicsLink')}
        </a>
      </p>
      {props.items.length ? (
        <div class="table-wrap">
          <table data-testid="segments">
            <thead>
              <tr>
                <th scope="col">{t('segments.colName')}</th>
                <th scope="col">{t('segments.colConditions')}</th>
                <th scope="col" class="num">
                  {t('segments.colCount')}
                </th>
                <th scope="col" class="num">
                  {t('segments.colSendable')}
                </th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((s) => (
                <tr>
                  <td>
                    <a href={`/admin/segments/${s.id}`}>{s.name}</a>
                  </td>
                  <td>
                    {t('segments.conditionsCount', { count: s.conditions.length })} · {s.match === 'all' ? t('segments.matchAll') : t('segments.matchAny')}
                  </td>
                  <td class="num">{fmtNumber(v, s.count)}</td>
                  <td class="num">{fmtNumber(v, s.sendable)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <Empty title={t('segments.none')}>
          <p>{t('segments.noneHint')}</p>
        </Empty>
      )}
    </AdminPage>
  );
}

function FieldOptions(props: { v: View; selected: string }) {
  return (
    <>
      {SEGMENT_FIELDS.map((f) => (
        <option value={f} selected={f === props.selected}>
          {props.v.t(`segments.field.${f}`)}
        </option>
      ))}
    </>
  );
}

function OpOptions(props: { v: View; field: string; selected: string }) {
  // Every op is offered (the script narrows them to the field's); the server checks the pair.
  const fits = OPS_OF[props.field as SegmentFieldKind] ?? SEGMENT_OPS;
  return (
    <>
      {SEGMENT_OPS.map((o) => (
        <option value={o} selected={o === props.selected} data-fits={fits.includes(o) ? '1' : undefined}>
          {props.v.t(`segments.op.${o}`)}
        </option>
      ))}
    </>
  );
}

export function SegmentBuilderPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  state: BuilderState;
  count: { count: number; sendable: number } | null;
  error?: string | undefined;
  topics: Topic[];
}) {
  const { v, state } = props;
  const t = v.t;
  const title = state.id ? t('segments.editTitle', { name: state.name }) : t('segments.new');
  const action = state.id ? `/admin/segments/${state.id}` : '/admin/segments';
  const editable = can(v, 'editor');
  return (
    <AdminPage v={v} title={title}>
      <p class="small">
        <a href="/admin/segments">← {t('segments.title')}</a>
      </p>
      <h1>{title}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <Flash message={props.error} kind="error" />
      <form method="post" action={action} class="card segment-builder" id="segment-builder" data-count-url="/admin/segments/count">
        <Csrf v={v} />
        <label for="seg-name">{t('segments.name')}</label>
        <input id="seg-name" name="name" type="text" required maxlength={100} value={state.name} />
        <label for="seg-match">{t('segments.match')}</label>
        <select id="seg-match" name="match">
          <option value="all" selected={state.match === 'all'}>
            {t('segments.matchAll')}
          </option>
          <option value="any" selected={state.match === 'any'}>
            {t('segments.matchAny')}
          </option>
        </select>
        <fieldset class="seg-rows">
          <legend>{t('segments.conditions')}</legend>
          {state.rows.length ? null : <p class="muted small">{t('segments.noConditions')}</p>}
          {state.rows.map((r, i) => (
            <fieldset class="seg-row" data-seg-row aria-label={t('segments.rowLabel', { n: i + 1 })}>
              <div class="seg-cell">
                <label for={`field-${i}`}>{t('segments.fieldLabel')}</label>
                <select id={`field-${i}`} name={`field.${i}`} data-seg-field>
                  <FieldOptions v={v} selected={r.field} />
                </select>
              </div>
              <div class="seg-cell" data-seg-attr hidden={r.field !== 'attribute' ? true : undefined}>
                <label for={`attr-${i}`}>{t('segments.attrKey')}</label>
                <input id={`attr-${i}`} name={`attr.${i}`} type="text" maxlength={64} value={r.attr} translate="no" />
              </div>
              <div class="seg-cell">
                <label for={`op-${i}`}>{t('segments.opLabel')}</label>
                <select id={`op-${i}`} name={`op.${i}`} data-seg-op>
                  <OpOptions v={v} field={r.field} selected={r.op} />
                </select>
              </div>
              <div class="seg-cell seg-value">
                <label for={`value-${i}`}>{t('segments.valueLabel')}</label>
                <input
                  id={`value-${i}`}
                  name={`value.${i}`}
                  type="text"
                  maxlength={2000}
                  value={r.value}
                  list={r.field === 'topic' ? 'seg-topics' : undefined}
                />
              </div>
              <div class="seg-cell seg-remove">
                <button
                  type="submit"
                  name="action"
                  value={`remove.${i}`}
                  class="secondary"
                  formnovalidate
                  aria-label={t('segments.removeRowLabel', { n: i + 1 })}
                >
                  {t('segments.removeRow')}
                </button>
              </div>
            </fieldset>
          ))}
          <datalist id="seg-topics">
            {props.topics.map((tp) => (
              <option value={tp.key}>{tp.name}</option>
            ))}
          </datalist>
          <p class="muted small">
            {t('segments.hintTags')} {t('segments.hintDates')} <code translate="no">YYYY-MM-DD</code>
            {t('segments.hintSep')}
            {t('segments.hintStatus')} <code translate="no">active, pending, unsubscribed, suppressed, erased</code>
          </p>
          <button type="submit" name="action" value="add" class="secondary" formnovalidate data-testid="add-row">
            {t('segments.addRow')}
          </button>
        </fieldset>
        <CountLine v={v} count={props.count} />
        {editable ? (
          <p style="display:flex;gap:.5rem;flex-wrap:wrap;margin-bottom:0">
            <button type="submit" name="action" value="save" data-testid="save-segment">
              {t('segments.save')}
            </button>
          </p>
        ) : null}
      </form>
      {state.id && editable ? (
        <form method="post" action={`/admin/segments/${state.id}/delete`} style="margin-top:1rem" data-confirm={t('segments.deleteConfirm')}>
          <Csrf v={v} />
          <button type="submit" class="danger">
            {t('segments.delete')}
          </button>
        </form>
      ) : null}
    </AdminPage>
  );
}

export function TopicsPage(props: { v: View; flash?: FlashMsg | undefined; topics: Topic[] }) {
  const { v } = props;
  const t = v.t;
  const n = v.current!;
  const admin = can(v, 'admin');
  return (
    <AdminPage v={v} title={t('segments.topics.title')}>
      <p class="small">
        <a href="/admin/segments">← {t('segments.title')}</a>
      </p>
      <h1>
        {t('segments.topics.title')}{' '}
        <span class="sub" lang={n.language}>
          {n.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <p class="muted">{t('segments.topics.intro')}</p>
      {props.topics.length ? (
        <ul class="topic-list" data-testid="topics">
          {props.topics.map((tp) => (
            <li class="card">
              {admin ? (
                <div class="row">
                  <form method="post" action={`/admin/topics/${tp.id}`} class="row" style="flex:3 1 18rem;margin:0">
                    <Csrf v={v} />
                    <div style="flex:1 1 12rem">
                      <label for={`topic-${tp.id}`}>
                        {t('segments.topics.name')} <code translate="no">{tp.key}</code>
                      </label>
                      <input id={`topic-${tp.id}`} name="name" type="text" required maxlength={100} value={tp.name} />
                    </div>
                    <div style="flex:0 0 auto;align-self:flex-end">
                      <button type="submit" class="secondary">
                        {t('segments.topics.rename')}
                      </button>
                    </div>
                  </form>
                  <form
                    method="post"
                    action={`/admin/topics/${tp.id}/delete`}
                    style="flex:0 0 auto;align-self:flex-end;margin:0"
                    data-confirm={t('segments.topics.deleteConfirm')}
                  >
                    <Csrf v={v} />
                    <button type="submit" class="danger">
                      {t('segments.topics.delete')}
                    </button>
                  </form>
                </div>
              ) : (
                <p style="margin:0">
                  {tp.name} <code translate="no">{tp.key}</code>
                </p>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <Empty title={t('segments.topics.none')} />
      )}
      {admin ? (
        <form method="post" action="/admin/topics" class="card" data-testid="add-topic">
          <Csrf v={v} />
          <h2 style="margin-top:0">{t('segments.topics.add')}</h2>
          <label for="new-topic-name">{t('segments.topics.name')}</label>
          <input id="new-topic-name" name="name" type="text" required maxlength={100} />
          <label for="new-topic-key">{t('segments.topics.key')}</label>
          <input id="new-topic-key" name="key" type="text" maxlength={64} pattern="[a-z0-9][a-z0-9\-]*" translate="no" />
          <p style="margin-bottom:0">
            <button type="submit">{t('segments.topics.add')}</button>
          </p>
        </form>
      ) : null}
    </AdminPage>
  );
}

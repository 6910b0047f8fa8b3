/** The newsletter's subscriber fields: what an import defined, labelled in each language, typed, removable. */
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { FIELD_TYPES, type SubscriberField } from '../../modules/subscribers/fields.ts';
import { AdminPage, can, Csrf, Flash, type View } from './shell.tsx';

/** The languages a field is labelled in: the admin's two and the newsletter's. */
export function labelLanguages(v: View): string[] {
  return [...new Set(['en', 'zh-CN', v.current?.language ?? 'en'])];
}

function languageName(v: View, tag: string): string {
  try {
    // zh-CN reads as 简体中文 / Simplified Chinese, not 中文（中国）inside the label's own brackets.
    return new Intl.DisplayNames([v.lang], { type: 'language' }).of(tag === 'zh-CN' ? 'zh-Hans' : tag) ?? tag;
  } catch {
    return tag;
  }
}

export function SubscriberFieldsPage(props: { v: View; flash?: FlashMsg | undefined; fields: SubscriberField[] }) {
  const { v, fields } = props;
  const t = v.t;
  const admin = can(v, 'admin');
  const langs = labelLanguages(v);
  return (
    <AdminPage v={v} title={t('fields.title')}>
      <p class="small">
        <a href="/admin/subscribers">← {t('subs.back')}</a>
      </p>
      <h1>
        {t('fields.title')}{' '}
        <span class="sub" lang={v.current!.language}>
          {v.current!.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <p>{t('fields.help')}</p>
      {fields.length === 0 ? <p class="muted">{t('fields.none')}</p> : null}
      <div class="field-list" data-testid="fields">
        {fields.map((f) => (
          <section class="card" data-field={f.key}>
            <h2 class="field-key">
              <code>{f.key}</code> <span class="badge">{t(`fields.type.${f.type}`)}</span>
            </h2>
            {admin ? (
              <>
                <form method="post" action={`/admin/subscribers/fields/${f.key}`}>
                  <Csrf v={v} />
                  <div class="row">
                    {langs.map((l) => (
                      <div>
                        <label for={`l-${f.key}-${l}`}>{t('fields.labelIn', { language: languageName(v, l) })}</label>
                        <input id={`l-${f.key}-${l}`} name={`label.${l}`} type="text" maxlength={100} value={f.labels[l] ?? ''} lang={l} />
                      </div>
                    ))}
                  </div>
                  {f.type === 'choice' ? (
                    <>
                      <label for={`c-${f.key}`}>{t('fields.choices')}</label>
                      <textarea id={`c-${f.key}`} name="choices" rows={3}>
                        {f.choices.join('\n')}
                      </textarea>
                    </>
                  ) : null}
                  <p style="display:flex;gap:.75rem;flex-wrap:wrap;margin-top:.75rem">
                    <button type="submit" class="secondary">
                      {t('fields.save')}
                    </button>
                  </p>
                </form>
                <form method="post" action={`/admin/subscribers/fields/${f.key}/delete`} data-confirm={t('fields.removeConfirm')}>
                  <Csrf v={v} />
                  <button type="submit" class="danger small">
                    {t('fields.remove')}
                  </button>
                </form>
              </>
            ) : (
              <dl class="meta">
                {langs.map((l) => (
                  <>
                    <dt>{t('fields.labelIn', { language: languageName(v, l) })}</dt>
                    <dd lang={l}>{f.labels[l] || '—'}</dd>
                  </>
                ))}
                {f.type === 'choice' ? (
                  <>
                    <dt>{t('fields.choices')}</dt>
                    <dd>{f.choices.join(', ')}</dd>
                  </>
                ) : null}
              </dl>
            )}
          </section>
        ))}
      </div>
      {admin ? (
        <details class="add-field" open={fields.length === 0}>
          <summary>{t('fields.add')}</summary>
          <form method="post" action="/admin/subscribers/fields" class="card">
            <Csrf v={v} />
            <div class="row">
              <div>
                <label for="nf-key">{t('fields.key')}</label>
                <input id="nf-key" name="key" type="text" required maxlength={40} pattern="[a-z][a-z0-9_]{0,39}" autocomplete="off" />
              </div>
              <div>
                <label for="nf-type">{t('fields.type')}</label>
                <select id="nf-type" name="type">
                  {FIELD_TYPES.map((ty) => (
                    <option value={ty}>{t(`fields.type.${ty}`)}</option>
                  ))}
                </select>
              </div>
              {langs.map((l) => (
                <div>
                  <label for={`nf-${l}`}>{t('fields.labelIn', { language: languageName(v, l) })}</label>
                  <input id={`nf-${l}`} name={`label.${l}`} type="text" maxlength={100} lang={l} />
                </div>
              ))}
            </div>
            <label for="nf-choices">{t('fields.choices')}</label>
            <textarea id="nf-choices" name="choices" rows={3}></textarea>
            <p style="margin-top:.75rem">
              <button type="submit">{t('fields.addSubmit')}</button>
            </p>
          </form>
        </details>
      ) : null}
    </AdminPage>
  );
}

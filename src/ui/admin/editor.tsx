/** The issue editor (plain inputs named s.N.field / s.N.a.M.field) and the link-cleaning report it keeps current. */
import type { Issue } from '../../modules/issues/service.ts';
import type { IssueContent } from '../../modules/issues/model.ts';
import { Csrf, say, type View } from './shell.tsx';

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
export function Editor(props: { v: View; issue: Issue }) {
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

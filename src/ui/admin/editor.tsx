/** The issue editor (plain inputs named s.N.field / s.N.a.M.field) and the link-cleaning report it keeps current. */
import type { Issue } from '../../modules/issues/service.ts';
import type { IssueContent } from '../../modules/issues/model.ts';
import type { StoredMessage } from '../../i18n/index.ts';
import { paragraphsOf, plainLine, type PlacedNote } from '../../content/structure-ops.ts';
import { GMAIL_CLIP_BYTES } from '../../mail/render/issue.ts';
import { Csrf, say, type View } from './shell.tsx';

/** Where a lint entry's link sits, read from its stored `where` (`sections[0].articles[1].body`): the article, the field's id on the editor and its name. */
interface LintPlace {
  group: string;
  si?: number;
  ai?: number;
  field?: string;
  fieldName?: 'body' | 'sources' | 'image' | 'attribution' | 'intro' | 'footer';
}

export function lintPlace(where: string): LintPlace {
  const m = /^sections\[(\d+)\]\.articles\[(\d+)\]\.(body|attribution|image|sources\[\d+\])$/.exec(where);
  if (m) {
    const [si, ai] = [Number(m[1]), Number(m[2])];
    const f = m[3]!.startsWith('sources') ? 'sources' : (m[3] as 'body' | 'attribution' | 'image');
    const id = { body: 'b', sources: 's', attribution: 'at', image: 'img-url' }[f];
    return { group: `s${si}a${ai}`, si, ai, field: `s${si}a${ai}-${id}`, fieldName: f };
  }
  if (where === 'intro') return { group: 'intro', field: 'f-intro', fieldName: 'intro' };
  const footer = /^footer\.(disclaimer|editor|contact|organisation)$/.exec(where);
  if (footer) return { group: 'footer', field: { disclaimer: 'f-fd', editor: 'f-fe', contact: 'f-fc', organisation: 'f-fo' }[footer[1]!], fieldName: 'footer' };
  return { group: where };
}

type LintIssue = Pick<Issue, 'lint' | 'warnings'> & Partial<Pick<Issue, 'sections'>>;

const isPlaceholder = (l: Issue['lint'][number]) => l.changes.some((c) => typeof c !== 'string' && c.key === 'link.placeholder');

/** A lint group's heading: the article's title (or its number when it has none), the introduction or the footer; an old `where` as itself. */
function groupLabel(v: View, issue: LintIssue, p: LintPlace): string {
  const t = v.t;
  if (p.si !== undefined && p.ai !== undefined) {
    const title = issue.sections?.[p.si]?.articles[p.ai]?.title.trim();
    return title || t('editorUx.lint.untitled', { section: p.si + 1, article: p.ai + 1 });
  }
  if (p.group === 'intro') return t('issue.fIntro');
  if (p.group === 'footer') return t('editorUx.lint.footer');
  return p.group;
}

/**
 * The link report an editor can act on: rows grouped by article (its title, the link's words, the
 * original and the cleaned address, what changed, a link to the field); the `#` placeholders listed
 * apart by article and link text; the importer's notes that name no article (with `placedInEditor`,
 * the others stand beside their article in the editor).
 */
export function LintReport(props: { v: View; issue: LintIssue; placedInEditor?: boolean; links?: boolean }) {
  const { v, issue } = props;
  const t = v.t;
  const jump = props.links !== false;
  const changed = issue.lint.filter((l) => l.changes.length > 0 || l.severity === 'warning');
  const placeholders = changed.filter(isPlaceholder);
  const rows = changed.filter((l) => !isPlaceholder(l));
  const warnings = changed.filter((l) => l.severity === 'warning').length;
  const groups = new Map<string, { place: LintPlace; rows: typeof rows }>();
  for (const l of rows) {
    const place = lintPlace(l.where);
    const g = groups.get(place.group) ?? { place, rows: [] };
    g.rows.push(l);
    groups.set(place.group, g);
  }
  const notes = props.placedInEditor ? issue.warnings.filter((w) => !isPlaced(w)) : issue.warnings;
  const fieldLink = (p: LintPlace) =>
    jump && p.field ? (
      <a href={`#${p.field}`} class="small">
        {t('editorUx.lint.jump')}
      </a>
    ) : null;
  return (
    <section aria-labelledby="lint-h" id="lint">
      <h2 id="lint-h">{t('issue.lint')}</h2>
      {warnings > 0 ? (
        <p class="flash flash-warn" role="status">
          {t('issue.lintWarnings', { count: warnings })}
        </p>
      ) : null}
      {changed.length === 0 ? <p class="muted">{t('issue.lintNone')}</p> : null}
      {placeholders.length > 0 ? (
        <div class="card" data-testid="lint-placeholders">
          <h3 style="margin-top:0">{t('editorUx.lint.placeholders', { count: placeholders.length })}</h3>
          <ul class="lint-ph">
            {placeholders.map((l) => {
              const p = lintPlace(l.where);
              return (
                <li>
                  <strong>{groupLabel(v, issue, p)}</strong>: {l.text ? <q>{l.text}</q> : <em>{t('editorUx.lint.noText')}</em>} {fieldLink(p)}
                </li>
              );
            })}
          </ul>
        </div>
      ) : null}
      {groups.size > 0 ? (
        <div class="card table-wrap">
          <table data-testid="lint" class="lint-table">
            <thead>
              <tr>
                <th scope="col">{t('editorUx.lint.text')}</th>
                <th scope="col">{t('issue.lintOriginal')}</th>
                <th scope="col">{t('issue.lintCleaned')}</th>
                <th scope="col">{t('issue.lintChanges')}</th>
                <th scope="col">{t('issue.lintWhere')}</th>
              </tr>
            </thead>
            {[...groups.values()].map((g) => (
              <tbody>
                <tr class="lint-group">
                  <th scope="colgroup" colspan={5}>
                    {groupLabel(v, issue, g.place)}
                  </th>
                </tr>
                {g.rows.map((l) => (
                  <tr class={l.severity === 'warning' ? 'warn-row' : undefined}>
                    <td class="small" data-label={t('editorUx.lint.text')}>
                      {l.text ? l.text : <em class="muted">{t(l.where.includes('sources') ? 'editorUx.lint.noText' : 'editorUx.lint.inText')}</em>}
                    </td>
                    <td class="small url-cell" data-label={t('issue.lintOriginal')}>
                      {l.original}
                    </td>
                    <td class="small url-cell" data-label={t('issue.lintCleaned')}>
                      {l.cleaned ?? <em>{t('issue.lintDropped')}</em>}
                    </td>
                    <td class="small" data-label={t('issue.lintChanges')}>
                      {l.severity === 'warning' ? <strong class="warn-text">⚠ </strong> : null}
                      {l.changes.map((c) => say(v, c)).join('; ')}
                    </td>
                    <td class="small lint-jump">{fieldLink(g.place)}</td>
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </div>
      ) : null}
      {notes.length > 0 ? (
        <>
          <h3>{t('issue.importWarnings')}</h3>
          <ul data-testid="import-notes">
            {notes.map((w) => (
              <li class="warn-text">{say(v, w)}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/** An importer note that names its article (issue 20); older notes are plain messages. */
const isPlaced = (w: StoredMessage): boolean => {
  const place = (w as PlacedNote).place;
  return typeof w === 'object' && !!place && typeof place.section === 'number';
};

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

/** An importer note's place and first words, and its fix button (the op it proposes, applied with the unsaved fields). */
function NoteItem(props: { v: View; note: PlacedNote; index: number }) {
  const { v, note, index } = props;
  const t = v.t;
  return (
    <li class="note-item">
      <span class="warn-text">⚠ {say(v, note as StoredMessage)}</span>
      {note.place?.excerpt ? (
        <>
          {' '}
          <q class="muted">{note.place.excerpt}</q>
        </>
      ) : null}
      {note.fix ? (
        <>
          {' '}
          <button type="submit" name="op" value={`note:${index}`} class="small" formnovalidate data-testid="note-fix">
            {t(`editorUx.fix.${note.fix.op}`)}
          </button>
        </>
      ) : null}
    </li>
  );
}

/** The notes placed on one article (or, with `ai` undefined, on the section itself). */
function PlacedNotes(props: { v: View; notes: { note: PlacedNote; index: number }[] }) {
  if (props.notes.length === 0) return null;
  return (
    <div class="notes-here" role="note" aria-label={props.v.t('editorUx.notesHere')}>
      <ul>
        {props.notes.map((n) => (
          <NoteItem v={props.v} note={n.note} index={n.index} />
        ))}
      </ul>
    </div>
  );
}

const EXCERPT = 70;
const excerpt = (p: string) => {
  const line = plainLine(p);
  return line.length > EXCERPT ? `${line.slice(0, EXCERPT)}…` : line;
};

/** Per paragraph of a body: split here, make title, make sub-heading (numbered as `paragraphsOf` counts them). */
function ParagraphTools(props: { v: View; body: string; si: number; ai: number }) {
  const { v, si, ai } = props;
  const t = v.t;
  const ps = paragraphsOf(props.body);
  // The editor's script redraws the list as the body is typed (src/ui/client/admin/paragraphs.ts), with these labels.
  return (
    <details
      class="para-tools"
      data-para-tools={`s${si}a${ai}`}
      data-label-split={t('editorUx.tools.split')}
      data-label-title={t('editorUx.tools.makeTitle')}
      data-label-sub={t('editorUx.tools.makeSubheading')}
      hidden={ps.length === 0}
    >
      <summary>{t('editorUx.tools.paragraphs', { count: ps.length })}</summary>
      <ol>
        {ps.map((p, pi) => (
          <li data-para={pi}>
            <span class="para-text">{excerpt(p)}</span>
            <span class="tools">
              {pi > 0 ? (
                <button type="submit" name="op" value={`split:${si}:${ai}:${pi}`} class="small secondary" formnovalidate>
                  {t('editorUx.tools.split')}
                </button>
              ) : null}
              {plainLine(p) && plainLine(p).length <= 500 ? (
                <button type="submit" name="op" value={`makeTitle:${si}:${ai}:${pi}`} class="small secondary" formnovalidate>
                  {t('editorUx.tools.makeTitle')}
                </button>
              ) : null}
              {!/^#{1,6}\s/.test(p) && plainLine(p) ? (
                <button type="submit" name="op" value={`makeSubheading:${si}:${ai}:${pi}`} class="small secondary" formnovalidate>
                  {t('editorUx.tools.makeSubheading')}
                </button>
              ) : null}
            </span>
          </li>
        ))}
      </ol>
    </details>
  );
}

/** An article's toolbar: up, down, move to another section, merge into the previous one, delete. */
function ArticleTools(props: { v: View; issue: Issue; si: number; ai: number }) {
  const { v, issue, si, ai } = props;
  const t = v.t;
  const count = issue.sections[si]!.articles.length;
  const label = t('issue.article', { n: ai + 1 });
  return (
    <div class="art-tools">
      <button type="submit" name="op" value={`up:${si}:${ai}`} class="small secondary" formnovalidate disabled={ai === 0} title={t('editorUx.tools.up')}>
        ↑
        <span class="sr-only">
          {' '}
          {t('editorUx.tools.up')}: {label}
        </span>
      </button>
      <button
        type="submit"
        name="op"
        value={`down:${si}:${ai}`}
        class="small secondary"
        formnovalidate
        disabled={ai === count - 1}
        title={t('editorUx.tools.down')}
      >
        ↓
        <span class="sr-only">
          {' '}
          {t('editorUx.tools.down')}: {label}
        </span>
      </button>
      {issue.sections.length > 1 ? (
        <span class="move-to">
          <label for={`mv-${si}-${ai}`} class="sr-only">
            {t('editorUx.tools.moveTo')}
          </label>
          <select id={`mv-${si}-${ai}`} name={`moveTo.${si}.${ai}`} class="small">
            {issue.sections.map((s2, sj) =>
              sj === si ? null : (
                <option value={String(sj)}>
                  {t('issue.section', { n: sj + 1 })}
                  {s2.title.trim() ? `: ${s2.title.trim().slice(0, 30)}` : ''}
                </option>
              ),
            )}
          </select>
          <button type="submit" name="op" value={`moveTo:${si}:${ai}`} class="small secondary" formnovalidate>
            {t('editorUx.tools.moveToSubmit')}
          </button>
        </span>
      ) : null}
      {ai > 0 ? (
        <button type="submit" name="op" value={`mergePrevious:${si}:${ai}`} class="small secondary" formnovalidate>
          {t('editorUx.tools.merge')}
        </button>
      ) : null}
      <button type="submit" name="op" value={`remove:${si}:${ai}`} class="small secondary" formnovalidate>
        {t('issue.remove')}: {label}
      </button>
    </div>
  );
}

/**
 * The structured editor: plain inputs named s.N.field / s.N.a.M.field. Every structure tool is a
 * submit button of this form (`op`), so the unsaved fields travel with it and are saved with the
 * change; `updatedAt` is what the editor last saw (a save after someone else's is refused).
 */
export function Editor(props: { v: View; issue: Issue; canUndo?: boolean; sizeBytes?: number }) {
  const { v, issue } = props;
  const t = v.t;
  const notes = issue.warnings.map((w, index) => ({ note: w as PlacedNote, index })).filter((n) => isPlaced(n.note as StoredMessage));
  const notesOn = (si: number, ai?: number) => notes.filter((n) => n.note.place!.section === si && n.note.place!.article === ai);
  const clipped = (props.sizeBytes ?? 0) > GMAIL_CLIP_BYTES;
  return (
    <form method="post" action={`/admin/issues/${issue.id}`} id="editor" lang={issue.language} data-autosave={`/admin/issues/${issue.id}/autosave`}>
      <Csrf v={v} />
      <input type="hidden" name="updatedAt" value={issue.updatedAt} data-updated-at />
      {clipped ? (
        <p class="flash flash-warn" role="note" data-testid="gmail-clip" lang={v.lang}>
          {t('editorUx.gmailClip', { size: Math.round((props.sizeBytes ?? 0) / 1024) })}
        </p>
      ) : null}
      {props.canUndo ? (
        <p class="undo-bar" lang={v.lang}>
          <button type="submit" name="op" value="undo" class="small secondary" formnovalidate data-undo>
            ↶ {t('editorUx.undo')}
          </button>
        </p>
      ) : null}
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
        <fieldset id={`s${si}`} class="section-set">
          <legend>{t('issue.section', { n: si + 1 })}</legend>
          <PlacedNotes v={v} notes={notesOn(si, undefined)} />
          <label for={`s${si}-title`}>{t('issue.sectionTitle')}</label>
          <input id={`s${si}-title`} name={`s.${si}.title`} type="text" value={s.title} />
          {s.articles.map((a, ai) => (
            <fieldset id={`s${si}a${ai}`} class="article-set">
              <legend>{t('issue.article', { n: ai + 1 })}</legend>
              <ArticleTools v={v} issue={issue} si={si} ai={ai} />
              <PlacedNotes v={v} notes={notesOn(si, ai)} />
              <label for={`s${si}a${ai}-t`}>{t('issue.articleTitle')}</label>
              <input id={`s${si}a${ai}-t`} name={`s.${si}.a.${ai}.title`} type="text" value={a.title} />
              <label for={`s${si}a${ai}-b`}>{t('issue.articleBody')}</label>
              <textarea id={`s${si}a${ai}-b`} name={`s.${si}.a.${ai}.body`} rows={5}>
                {a.body}
              </textarea>
              <ParagraphTools v={v} body={a.body} si={si} ai={ai} />
              <label for={`s${si}a${ai}-s`}>{t('issue.sources')}</label>
              <textarea id={`s${si}a${ai}-s`} name={`s.${si}.a.${ai}.sources`} rows={2} class="code">
                {sourcesText(a)}
              </textarea>
              <label for={`s${si}a${ai}-at`}>{t('issue.attribution')}</label>
              <input id={`s${si}a${ai}-at`} name={`s.${si}.a.${ai}.attribution`} type="text" value={a.attribution ?? ''} />
              <ImageFields v={v} image={a.image} si={si} ai={ai} />
            </fieldset>
          ))}
          <p class="section-tools">
            <button type="submit" name="op" value={`addArticle:${si}`} class="small secondary" formnovalidate>
              {t('issue.addArticle')}
            </button>
            {si > 0 ? (
              <button type="submit" name="op" value={`sectionUp:${si}`} class="small secondary" formnovalidate>
                ↑ {t('editorUx.tools.sectionUp')}
              </button>
            ) : null}
            {si < issue.sections.length - 1 ? (
              <button type="submit" name="op" value={`sectionDown:${si}`} class="small secondary" formnovalidate>
                ↓ {t('editorUx.tools.sectionDown')}
              </button>
            ) : null}
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
      <div class="save-bar">
        <button type="submit" name="op" value="save">
          {t('issue.save')}
        </button>
        <span class="small muted autosave-status" data-autosave-status aria-live="polite" lang={v.lang}></span>
        <span class="small autosave-conflict" data-autosave-conflict role="alert" hidden lang={v.lang}>
          <span data-conflict-text></span>{' '}
          <a href={`/admin/issues/${issue.id}`} data-conflict-reload>
            {t('editorUx.autosave.reload')}
          </a>
        </span>
        <a href="#preview" class="pv-jump small">
          {t('issue.preview')} ↓
        </a>
      </div>
    </form>
  );
}

/**
 * The preview: one frame at phone (375 px) or desktop (800 px, scaled to fit) width, or the plain
 * text. The toggles are radio buttons styled as tabs, so they work without JS; so does the frame,
 * which loads the last saved version from the preview route.
 */

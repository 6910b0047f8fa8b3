/**
 * The editor's autosave: two seconds after typing stops (and when a field loses focus) the form is
 * posted to its `data-autosave` address with the `updatedAt` the page last saw. The answer's new
 * `updatedAt` replaces it and the save bar says "Saved at 10:42" in the page's language; a 409
 * means someone else saved in between: nothing was overwritten, autosave stops and a message
 * offers to reload. While changes are unsaved, leaving the page asks first. A structural button or
 * Save submits the form as before (it carries the same fields), so it does not ask.
 */
import { lang, t } from '../i18n.ts';

const DELAY_MS = 2000;

export function startAutosave(): void {
  const form = document.getElementById('editor') as HTMLFormElement | null;
  const url = form?.getAttribute('data-autosave');
  if (!form || !url) return;
  const stamp = form.querySelector('[data-updated-at]') as HTMLInputElement | null;
  const status = form.querySelector('[data-autosave-status]') as HTMLElement | null;
  const conflict = form.querySelector('[data-autosave-conflict]') as HTMLElement | null;
  let edits = 0; // changes made
  let saved = 0; // changes stored
  let timer: ReturnType<typeof setTimeout> | undefined;
  let busy = false;
  let stopped = false;
  let submitting = false;

  const show = (state: string, text: string) => {
    if (!status) return;
    status.textContent = text;
    status.setAttribute('data-state', state);
  };
  const time = (d: Date) => {
    try {
      return new Intl.DateTimeFormat(lang(), { hour: '2-digit', minute: '2-digit' }).format(d);
    } catch {
      return d.toTimeString().slice(0, 5);
    }
  };

  const save = () => {
    clearTimeout(timer);
    if (busy || stopped || submitting || saved === edits) return;
    busy = true;
    const upTo = edits;
    show('saving', t('editorUx.autosave.saving'));
    const body = new URLSearchParams([...new FormData(form)].map(([k, v]) => [k, String(v)]));
    body.delete('op');
    fetch(url, { method: 'POST', body, credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then((r) =>
        r
          .json()
          .catch(() => null)
          .then((j: { updatedAt?: string; error?: { code?: string; message?: string } } | null) => {
            if (r.ok && j?.updatedAt) {
              if (stamp) stamp.value = j.updatedAt;
              saved = upTo;
              show('saved', t('editorUx.autosave.savedAt', { time: time(new Date()) }));
              // The live preview showed these changes as unsaved: now they are the saved version.
              const pane = document.getElementById('preview');
              const pv = pane?.querySelector('[data-pv-status]');
              if (pane && pv && saved === edits && pane.getAttribute('data-state') === 'live') {
                pv.textContent = t('issue.previewSaved');
                pane.setAttribute('data-state', 'saved');
              }
              // Undo reverts the last structural change only until the next save.
              for (const b of form.querySelectorAll('[data-undo]')) (b.closest('.undo-bar') ?? b).remove();
            } else if (r.status === 409 && j?.error?.code === 'conflict') {
              stopped = true;
              show('conflict', '');
              if (conflict) {
                const text = conflict.querySelector('[data-conflict-text]');
                if (text) text.textContent = j.error.message ?? '';
                conflict.hidden = false;
              }
            } else {
              show('failed', t('editorUx.autosave.failed', { message: j?.error?.message ?? String(r.status) }));
            }
          }),
      )
      .catch(() => show('failed', t('editorUx.autosave.failed', { message: '—' })))
      .finally(() => {
        busy = false;
        if (held !== undefined) {
          const submitter = held;
          held = undefined;
          if (!stopped) {
            if (submitter && form.requestSubmit) form.requestSubmit(submitter);
            else form.requestSubmit();
          }
          return;
        }
        if (!stopped && saved !== edits) timer = setTimeout(save, DELAY_MS);
      });
  };

  const changed = () => {
    if (stopped) return;
    edits++;
    show('pending', t('editorUx.autosave.pending'));
    clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  };
  form.addEventListener('input', changed);
  form.addEventListener('change', (e) => {
    // A select of the move tools is not content.
    if ((e.target as HTMLElement | null)?.tagName === 'SELECT') return;
    changed();
  });
  form.addEventListener('focusout', () => {
    if (saved !== edits) save();
  });
  let held: HTMLElement | null | undefined;
  form.addEventListener('submit', (e) => {
    // A save in flight would make this submit look like someone else's save: send it once that one is done.
    if (busy) {
      e.preventDefault();
      held = (e as SubmitEvent).submitter ?? null;
      return;
    }
    submitting = true;
    clearTimeout(timer);
  });
  window.addEventListener('beforeunload', (e) => {
    if (submitting || (saved === edits && !busy)) return;
    e.preventDefault();
    e.returnValue = '';
  });
}

/**
 * The issue preview: fits the 800 px desktop frame into the pane (a CSS transform whose scale is
 * set here; a fixed guess without JS) and, beside the editor, keeps the preview live: form
 * changes are debounced, posted unsaved to /admin/issues/:id/preview, and the answer goes into
 * the frame through srcdoc with the scroll position kept. Only the newest request may paint.
 */
import type { MessageKey } from '../../../i18n/index.ts';
import { t } from '../i18n.ts';

interface PreviewAnswer {
  html: string;
  text: string;
  errors?: string[];
  lintHtml?: string;
}

const SAY: Record<string, MessageKey> = {
  saved: 'issue.previewSaved',
  pending: 'issue.previewPending',
  busy: 'issue.previewBusy',
  live: 'issue.previewLive',
  error: 'issue.previewError',
};

export function startPreview(): void {
  const pane = document.getElementById('preview');
  if (!pane) return;
  const stage = pane.querySelector('[data-pv-stage]') as HTMLElement;
  const frame = pane.querySelector('.pv-frame') as HTMLIFrameElement;
  const textEl = pane.querySelector('[data-pv-text]') as HTMLElement;
  const fitFrame = () => {
    const w = stage.clientWidth;
    if (w) stage.style.setProperty('--pv-scale', String(Math.min(1, w / 800)));
  };
  fitFrame();
  if (window.ResizeObserver) new ResizeObserver(fitFrame).observe(stage);
  else window.addEventListener('resize', fitFrame);

  const url = pane.getAttribute('data-live');
  const form = document.getElementById('editor') as HTMLFormElement | null;
  if (!url || !form) return;
  const status = pane.querySelector('[data-pv-status]') as HTMLElement;
  const err = pane.querySelector('[data-pv-error]') as HTMLElement;
  const warn = pane.querySelector('[data-pv-warn]') as HTMLElement;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  let ctl: AbortController | null = null;
  const say = (state: string) => {
    status.textContent = t(SAY[state] ?? 'issue.previewSaved');
    pane.setAttribute('data-state', state);
  };
  const fail = (message?: string) => {
    err.textContent = message || t('issue.previewFailed');
    err.hidden = false;
    say('error');
  };
  const paint = (j: PreviewAnswer) => {
    err.hidden = true;
    let y = 0;
    try {
      y = frame.contentWindow?.scrollY ?? 0;
    } catch {
      /* not readable */
    }
    frame.onload = () => {
      try {
        frame.contentWindow?.scrollTo(0, y);
      } catch {
        /* not scrollable */
      }
    };
    frame.srcdoc = j.html;
    textEl.textContent = j.text;
    warn.textContent = '';
    for (const m of j.errors ?? []) {
      const li = document.createElement('li');
      li.textContent = m;
      warn.appendChild(li);
    }
    warn.hidden = !j.errors?.length;
    const lint = document.getElementById('lint');
    if (lint && j.lintHtml) lint.outerHTML = j.lintHtml;
    say('live');
  };
  const run = () => {
    const my = ++seq;
    ctl?.abort();
    ctl = window.AbortController ? new AbortController() : null;
    say('busy');
    const body = new URLSearchParams([...new FormData(form)].map(([k, v]) => [k, String(v)]));
    body.delete('op');
    fetch(url, { method: 'POST', body, credentials: 'same-origin', headers: { accept: 'application/json' }, ...(ctl ? { signal: ctl.signal } : {}) })
      .then((r) =>
        r
          .json()
          .catch(() => null)
          .then((j: (PreviewAnswer & { error?: { message?: string } }) | null) => {
            if (my !== seq) return;
            if (r.ok && j && typeof j.html === 'string') paint(j);
            else fail(j?.error?.message);
          }),
      )
      .catch((e: unknown) => {
        if (my === seq && (e as { name?: string } | null)?.name !== 'AbortError') fail();
      });
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(run, 400);
    say('pending');
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
}

/**
 * The subscriber CSV import with live progress: the script counts the file's rows, then sends the
 * file itself as the request body (text/csv; the form's fields in the query, the CSRF token in a
 * header) with XMLHttpRequest (for upload progress), so the server reads it as it arrives instead
 * of holding a multipart form in memory. The server answers NDJSON lines (start, progress, done
 * with the rendered summary, or error), and the page shows each. Without this script the form
 * posts and the summary is a page.
 */
import { countDataRows } from '../../../lib/csv-rows.ts';
import { t } from '../i18n.ts';

interface ImportLine {
  type: 'start' | 'progress' | 'done' | 'error';
  rows?: number;
  imported?: number;
  estimatedRows?: number;
  html?: string;
  message?: string;
}

export function startImport(): void {
  const form = document.getElementById('import-form') as HTMLFormElement | null;
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  const box = document.getElementById('import-progress') as HTMLElement;
  const bar = box.querySelector('progress') as HTMLProgressElement;
  const line = box.querySelector('[data-line]') as HTMLElement;
  const out = document.getElementById('import-live') as HTMLElement;
  form.addEventListener('submit', async (e) => {
    if (e.defaultPrevented) return;
    const fields = new FormData(form);
    const file = fields.get('file');
    if (!(file instanceof File) || !file.size || !file.stream) return; // the form posts: the server says what is missing
    e.preventDefault();
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    const x = new XMLHttpRequest();
    let seen = 0;
    let ended = false;
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    box.hidden = false;
    out.innerHTML = '';
    bar.max = 100;
    bar.value = 0;
    line.textContent = t('subs.importUploading', { percent: 0 });
    const finish = () => {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    };
    const handle = (o: ImportLine) => {
      if (o.type === 'progress') {
        const total = Math.max(1, o.estimatedRows ?? 1);
        const percent = Math.min(100, Math.round((100 * (o.rows ?? 0)) / total));
        bar.value = percent;
        line.textContent = t('subs.importRows', { rows: o.rows ?? 0, total, imported: o.imported ?? 0, percent });
      } else if (o.type === 'done') {
        ended = true;
        bar.value = 100;
        box.hidden = true;
        out.innerHTML = o.html ?? '';
        const h = out.querySelector<HTMLElement>('[data-testid=import-result]');
        if (h) {
          h.setAttribute('tabindex', '-1');
          h.focus();
        }
        form.reset();
        finish();
      } else if (o.type === 'error') {
        ended = true;
        box.hidden = true;
        const p = document.createElement('p');
        p.className = 'flash flash-error';
        p.setAttribute('role', 'alert');
        p.textContent = o.message ?? t('subs.importFailed');
        out.appendChild(p);
        finish();
      }
    };
    const read = () => {
      const text = x.responseText;
      for (let i = text.indexOf('\n', seen); i >= 0; i = text.indexOf('\n', seen)) {
        const l = text.slice(seen, i);
        seen = i + 1;
        if (!l) continue;
        try {
          handle(JSON.parse(l) as ImportLine);
        } catch {
          /* a line that is not JSON */
        }
      }
    };
    const ndjson = () => (x.getResponseHeader('content-type') ?? '').includes('ndjson');
    const rows = await countDataRows(file.stream()).catch(() => 0);
    const query = new URLSearchParams({
      newsletter: String(fields.get('newsletter') ?? ''),
      consentNote: String(fields.get('consentNote') ?? ''),
      fileName: file.name,
      ...(rows > 0 ? { rows: String(rows) } : {}),
      // The mapping step's choice (import-mapping.ts), remembered for the next import.
      ...(fields.get('mapping') ? { mapping: String(fields.get('mapping')), saveMapping: '1' } : {}),
    });
    x.open('POST', `${form.action}?${query}`);
    x.setRequestHeader('Accept', 'application/x-ndjson');
    x.setRequestHeader('Content-Type', 'text/csv');
    x.setRequestHeader('X-CSRF-Token', String(fields.get('_csrf') ?? ''));
    x.upload.onprogress = (ev) => {
      if (!ev.lengthComputable) return;
      const percent = Math.round((100 * ev.loaded) / ev.total);
      bar.value = percent;
      line.textContent = t('subs.importUploading', { percent });
    };
    x.upload.onload = () => {
      bar.value = 0;
      line.textContent = t('subs.importUploaded');
    };
    x.onprogress = () => {
      if (ndjson()) read();
    };
    x.onload = () => {
      if (!ndjson()) {
        form.submit();
        return;
      }
      read();
      if (!ended) handle({ type: 'error', message: t('subs.importFailed') });
    };
    x.onerror = () => handle({ type: 'error', message: t('subs.importFailed') });
    x.send(file);
  });
}

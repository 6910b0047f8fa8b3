/**
 * The bulk import of back issues, live: the chosen files are listed (waiting), then sent one per
 * request (multipart with the one file, the CSRF token in X-CSRF-Token, `Accept:
 * application/json`); each answer replaces its row with the server's rendered one (done or
 * failed), and the line above says "3 of 12". A file that fails, or a request that does not
 * arrive, is its own failed row: the others go on. Without this script the form posts every file
 * and the summary table is a page.
 */
import { t } from '../i18n.ts';

/** The server's answer for one file: its rendered row; or an error object when the request itself was refused. */
interface RowAnswer {
  ok: boolean;
  html?: string;
  error?: string | { message?: string };
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function waitingRow(name: string, index: number, labels: string[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.state = 'waiting';
  tr.dataset.index = String(index);
  const th = document.createElement('th');
  th.scope = 'row';
  th.setAttribute('translate', 'no');
  th.textContent = name;
  tr.appendChild(th);
  for (let i = 0; i < 5; i++) {
    const td = cell('');
    td.className = 'bulk-gap';
    tr.appendChild(td);
  }
  const status = cell(t('backIssues.rowWaiting'));
  status.className = 'muted';
  status.dataset.label = labels[6] ?? '';
  tr.appendChild(status);
  return tr;
}

function failedRow(row: HTMLTableRowElement, message: string): void {
  row.dataset.state = 'failed';
  row.className = 'warn-row';
  const last = row.lastElementChild as HTMLElement;
  last.className = '';
  last.textContent = '';
  const strong = document.createElement('strong');
  strong.textContent = t('backIssues.rowFailed');
  const why = document.createElement('div');
  why.className = 'small';
  why.dataset.testid = 'row-error';
  why.textContent = message;
  last.append(strong, why);
}

export function startBulkImport(): void {
  const form = document.getElementById('bulk-form') as HTMLFormElement | null;
  if (!form || !window.FormData || !window.fetch) return;
  const input = form.querySelector<HTMLInputElement>('input[type=file]')!;
  const result = document.getElementById('bulk-result') as HTMLElement;
  const rows = result.querySelector<HTMLElement>('[data-bulk-rows]')!;
  const summary = result.querySelector<HTMLElement>('[data-testid=bulk-summary]')!;
  const progress = form.querySelector<HTMLElement>('[data-bulk-progress]')!;
  const bar = form.querySelector<HTMLProgressElement>('[data-bulk-bar]')!;
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
  const max = Number(form.dataset.maxFiles ?? 100);
  // The column names, for the rows' labels on a phone (where each row is a card).
  const labels = Array.from(result.querySelectorAll('thead th')).map((th) => th.textContent ?? '');

  form.addEventListener('submit', async (e) => {
    const files = Array.from(input.files ?? []);
    if (e.defaultPrevented || files.length === 0 || files.length > max) return; // the form posts: the server says what is wrong
    e.preventDefault();
    const fields = new FormData(form);
    const csrf = String(fields.get('_csrf') ?? '');
    const publish = fields.get('publish') === '1';
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    rows.innerHTML = '';
    summary.textContent = '';
    result.hidden = false;
    const list = files.map((f, i) => {
      const r = waitingRow(f.name, i, labels);
      rows.appendChild(r);
      return r;
    });
    bar.hidden = false;
    bar.max = files.length;
    bar.value = 0;
    progress.hidden = false;
    let failed = 0;
    for (const [i, file] of files.entries()) {
      let row = list[i]!;
      row.dataset.state = 'importing';
      (row.lastElementChild as HTMLElement).textContent = t('backIssues.rowImporting');
      progress.textContent = t('backIssues.progress', { done: i, total: files.length });
      const body = new FormData();
      body.append('newsletter', String(fields.get('newsletter') ?? ''));
      if (publish) body.append('publish', '1');
      body.append('file', file, file.name);
      try {
        const res = await fetch(`${form.action}?index=${i}`, {
          method: 'POST',
          body,
          credentials: 'same-origin',
          headers: { Accept: 'application/json', 'X-CSRF-Token': csrf },
        });
        const answer = (await res.json().catch(() => ({ ok: false }))) as RowAnswer;
        if (answer.html) {
          const holder = document.createElement('tbody');
          holder.innerHTML = answer.html;
          const fresh = holder.firstElementChild as HTMLTableRowElement | null;
          if (fresh) {
            row.replaceWith(fresh);
            row = fresh;
            list[i] = fresh;
          }
          if (!answer.ok) failed++;
        } else {
          failed++;
          const message = typeof answer.error === 'string' ? answer.error : (answer.error?.message ?? t('backIssues.networkError'));
          failedRow(row, message);
        }
      } catch {
        failed++;
        failedRow(row, t('backIssues.networkError'));
      }
      bar.value = i + 1;
      progress.textContent = t('backIssues.progress', { done: i + 1, total: files.length });
    }
    summary.textContent = t('backIssues.summary', { imported: files.length - failed, failed });
    button.disabled = false;
    form.removeAttribute('aria-busy');
    input.value = '';
    summary.setAttribute('tabindex', '-1');
    summary.focus();
  });
}

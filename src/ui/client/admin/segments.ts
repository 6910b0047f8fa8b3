/**
 * The segment builder: each row shows the attribute's key only for attribute conditions and
 * offers the ops its field takes; every edit (debounced) posts the unsaved form to
 * /admin/segments/count and shows the live count. Without the script the page counts after saving.
 */
import { OPS_OF, type SegmentFieldKind } from '../../../modules/segments/ops.ts';
import { t } from '../i18n.ts';

function fitRow(row: HTMLElement): void {
  const field = row.querySelector('[data-seg-field]') as HTMLSelectElement | null;
  const op = row.querySelector('[data-seg-op]') as HTMLSelectElement | null;
  const attr = row.querySelector('[data-seg-attr]') as HTMLElement | null;
  if (!field || !op) return;
  if (attr) attr.hidden = field.value !== 'attribute';
  const fits = OPS_OF[field.value as SegmentFieldKind] ?? [];
  let firstFit: HTMLOptionElement | null = null;
  for (const o of Array.from(op.options)) {
    const ok = (fits as readonly string[]).includes(o.value);
    o.hidden = !ok;
    o.disabled = !ok;
    if (ok && !firstFit) firstFit = o;
  }
  if (op.selectedOptions[0]?.disabled && firstFit) op.value = firstFit.value;
}

export function startSegmentBuilder(): void {
  const form = document.getElementById('segment-builder') as HTMLFormElement | null;
  if (!form) return;
  const url = form.getAttribute('data-count-url');
  const out = form.querySelector('[data-segment-count]') as HTMLElement | null;
  for (const row of Array.from(form.querySelectorAll<HTMLElement>('[data-seg-row]'))) fitRow(row);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  const run = () => {
    if (!url || !out) return;
    const my = ++seq;
    const body = new URLSearchParams([...new FormData(form)].map(([k, v]) => [k, String(v)]));
    body.delete('action');
    fetch(url, { method: 'POST', body, credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then((r) => r.json())
      .then((j: { text?: string; error?: string }) => {
        if (my !== seq) return;
        out.textContent = j.text ?? j.error ?? '';
        out.setAttribute('data-state', j.text ? 'ok' : 'error');
        out.removeAttribute('aria-busy');
        out.title = '';
      })
      .catch(() => {
        if (my !== seq) return;
        out.textContent = t('segments.countFailed', { message: '—' });
        out.setAttribute('data-state', 'error');
        out.removeAttribute('aria-busy');
      });
  };
  const later = (e: Event) => {
    const row = (e.target as HTMLElement | null)?.closest?.('[data-seg-row]') as HTMLElement | null;
    if (row && (e.target as HTMLElement).hasAttribute('data-seg-field')) fitRow(row);
    clearTimeout(timer);
    // The last count stays, dimmed, until the new one arrives (no jump in the layout under the cursor).
    if (out) {
      out.setAttribute('data-state', 'busy');
      out.setAttribute('aria-busy', 'true');
      out.title = t('segments.counting');
    }
    timer = setTimeout(run, 300);
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  run();
}

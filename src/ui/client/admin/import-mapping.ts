/**
 * The import's mapping step: when a file is chosen, its first rows are read here (nothing is sent
 * yet) and each column is shown with three sample values and a select — email, name, language,
 * tags, one of the newsletter's fields, a new field, or ignore — guessed from the header (English
 * and Chinese names) or taken from the newsletter's last import. The choice is kept as JSON in the
 * form's `mapping` field, which the import sends along (src/ui/client/admin/import.ts).
 */
import { defaultTarget, fieldKeyOf, mapHeader, peekCsv } from '../../../lib/csv-columns.ts';

const SAMPLE_BYTES = 256 * 1024;

export function startImportMapping(): void {
  const box = document.getElementById('import-mapping');
  const form = document.getElementById('import-form') as HTMLFormElement | null;
  const file = document.getElementById('csv') as HTMLInputElement | null;
  const tpl = document.getElementById('mapping-select') as HTMLTemplateElement | null;
  const value = form?.querySelector<HTMLInputElement>('[data-mapping-value]');
  if (!box || !form || !file || !tpl || !value || !window.File || !Blob.prototype.text) return;
  for (const el of document.querySelectorAll<HTMLElement>('[data-mapping-nojs]')) el.hidden = true;
  const body = box.querySelector('tbody') as HTMLTableSectionElement;
  const parse = <T>(attr: string, fallback: T): T => {
    try {
      return JSON.parse(box.getAttribute(attr) ?? '') as T;
    } catch {
      return fallback;
    }
  };
  const saved = parse<Record<string, string>>('data-saved', {});
  const known = new Set(parse<string[]>('data-fields', []));

  const update = () => {
    const columns: Record<string, string> = {};
    for (const sel of body.querySelectorAll<HTMLSelectElement>('select[data-header]')) {
      const h = sel.getAttribute('data-header') ?? '';
      columns[h] = sel.value === 'new' ? `attribute:${fieldKeyOf(h)}` : sel.value;
    }
    value.value = Object.keys(columns).length ? JSON.stringify({ columns }) : '';
  };
  const has = (sel: HTMLSelectElement, v: string) => [...sel.options].some((o) => o.value === v);
  /** The saved choice when it still makes sense, else a guess: a known header, a field with the header's key, a new field. */
  const initial = (sel: HTMLSelectElement, h: string): string => {
    const s = saved[h];
    if (s && has(sel, s)) return s;
    if (s === `attribute:${fieldKeyOf(h)}`) return 'new';
    const builtIn = mapHeader(h);
    if (builtIn) return builtIn;
    const d = defaultTarget(h);
    if (d === 'ignore') return 'ignore';
    return known.has(fieldKeyOf(h)) ? `attribute:${fieldKeyOf(h)}` : 'new';
  };

  const show = async () => {
    body.textContent = '';
    value.value = '';
    const f = file.files?.[0];
    if (!f?.size) {
      box.hidden = true;
      return;
    }
    const records = peekCsv(await f.slice(0, SAMPLE_BYTES).text(), 4);
    const header = records[0];
    if (!header?.length) {
      box.hidden = true;
      return;
    }
    const seen = new Set<string>();
    header.forEach((raw, i) => {
      if (seen.has(raw)) return; // a repeated header: the mapping names headers, the first one counts
      seen.add(raw);
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = raw;
      const samples = document.createElement('td');
      samples.className = 'small';
      for (const r of records.slice(1)) {
        const cell = (r[i] ?? '').trim();
        if (!cell) continue;
        const span = document.createElement('span');
        span.className = 'sample';
        span.textContent = cell.length > 60 ? `${cell.slice(0, 60)}…` : cell;
        samples.appendChild(span);
      }
      const td = document.createElement('td');
      const sel = (tpl.content.firstElementChild as HTMLSelectElement).cloneNode(true) as HTMLSelectElement;
      sel.setAttribute('data-header', raw);
      sel.setAttribute('aria-label', raw);
      sel.value = initial(sel, raw);
      sel.addEventListener('change', update);
      td.appendChild(sel);
      tr.append(th, samples, td);
      body.appendChild(tr);
    });
    box.hidden = false;
    update();
  };
  file.addEventListener('change', () => void show());
  form.addEventListener('reset', () => {
    body.textContent = '';
    value.value = '';
    box.hidden = true;
  });
  if (file.files?.length) void show();
}

/**
 * The editor's paragraph tools follow the text: as an article body is typed, its list of
 * paragraphs (split here, make title, make sub-heading) is drawn again from the textarea, so the
 * buttons' positions are those of the text the form will post (the server applies them to it).
 */
import { paragraphsOf, plainLine } from '../../../content/paragraphs.ts';
import { t } from '../i18n.ts';

const EXCERPT = 70;

function button(value: string, label: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'submit';
  b.name = 'op';
  b.value = value;
  b.className = 'small secondary';
  b.formNoValidate = true;
  b.textContent = label;
  return b;
}

function redraw(box: HTMLElement, body: string, si: string, ai: string): void {
  const ps = paragraphsOf(body);
  box.hidden = ps.length === 0;
  const summary = box.querySelector('summary');
  if (summary) summary.textContent = t('editorUx.tools.paragraphs', { count: ps.length });
  const ol = box.querySelector('ol') ?? box.appendChild(document.createElement('ol'));
  ol.textContent = '';
  ps.forEach((p, pi) => {
    const line = plainLine(p);
    const li = document.createElement('li');
    li.setAttribute('data-para', String(pi));
    const text = document.createElement('span');
    text.className = 'para-text';
    text.textContent = line.length > EXCERPT ? `${line.slice(0, EXCERPT)}…` : line;
    const tools = document.createElement('span');
    tools.className = 'tools';
    if (pi > 0) tools.appendChild(button(`split:${si}:${ai}:${pi}`, box.dataset.labelSplit ?? ''));
    if (line && line.length <= 500) tools.appendChild(button(`makeTitle:${si}:${ai}:${pi}`, box.dataset.labelTitle ?? ''));
    if (line && !/^#{1,6}\s/.test(p)) tools.appendChild(button(`makeSubheading:${si}:${ai}:${pi}`, box.dataset.labelSub ?? ''));
    li.append(text, tools);
    ol.appendChild(li);
  });
}

export function startParagraphTools(): void {
  for (const box of document.querySelectorAll<HTMLElement>('[data-para-tools]')) {
    const m = /^s(\d+)a(\d+)$/.exec(box.getAttribute('data-para-tools') ?? '');
    const body = m ? (document.getElementById(`s${m[1]}a${m[2]}-b`) as HTMLTextAreaElement | null) : null;
    if (!m || !body) continue;
    let timer: ReturnType<typeof setTimeout> | undefined;
    body.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => redraw(box, body.value, m[1]!, m[2]!), 250);
    });
  }
}

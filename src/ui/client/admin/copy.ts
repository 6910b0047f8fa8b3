/**
 * Copy buttons (`data-copy` = a selector of the element whose text is copied): hidden without a
 * script, shown and wired here. The result is said in the `[data-copy-status]` beside the button.
 */
import { t } from '../i18n.ts';

export function startCopyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    const source = document.querySelector(button.getAttribute('data-copy') ?? '');
    if (!source) continue;
    const status = button.parentElement?.querySelector<HTMLElement>('[data-copy-status]') ?? null;
    button.hidden = false;
    button.addEventListener('click', async () => {
      const text = (source.textContent ?? '').trim();
      try {
        await navigator.clipboard.writeText(text);
        if (status) status.textContent = t('users.copied');
      } catch {
        // No clipboard (an insecure origin, a refused permission): select the text for a manual copy.
        const range = document.createRange();
        range.selectNodeContents(source);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
        if (status) status.textContent = t('users.copyFailed');
      }
    });
  }
}

/** A sending issue's progress bar, polled every 3 seconds; the page reloads when the send ends. */
import type { SendProgress as Progress } from '../../../modules/sending/service.ts';
import { t } from '../i18n.ts';

export function startProgress(): void {
  const el = document.getElementById('progress');
  const url = el?.getAttribute('data-poll');
  if (!el || !url) return;
  const bar = el.querySelector('progress') as HTMLProgressElement;
  const line = el.querySelector('[data-line]') as HTMLElement;
  const update = () => {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then((r) => (r.ok ? (r.json() as Promise<Progress>) : null))
      .then((p) => {
        if (!p) return;
        bar.max = Math.max(1, p.recipients);
        bar.value = p.sent + p.failed + p.skipped;
        line.textContent = t('issue.progressLine', { sent: p.sent, recipients: p.recipients, failed: p.failed, queued: p.queued + p.sending });
        if (p.status !== 'sending') {
          clearInterval(timer);
          if (el.getAttribute('data-status') !== p.status) location.reload();
        }
      })
      .catch(() => {});
  };
  const timer = setInterval(update, 3000);
  update();
}

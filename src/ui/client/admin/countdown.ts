/** Counts down every 30 seconds without a reload (`data-countdown` = an ISO time); the server's text is the fallback. */
import { formatDuration } from '../../../i18n/format.ts';
import { lang, t } from '../i18n.ts';

const duration = (ms: number) => formatDuration(lang(), ms, t);

export function startCountdowns(): void {
  const els = document.querySelectorAll<HTMLElement>('[data-countdown]');
  if (els.length === 0) return;
  const tick = () => {
    for (const el of els) el.textContent = t('dash.in', { time: duration(Date.parse(el.getAttribute('data-countdown') ?? '') - Date.now()) });
  };
  setInterval(tick, 30_000);
}

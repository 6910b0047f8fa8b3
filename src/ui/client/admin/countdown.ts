/** Counts down every 30 seconds without a reload (`data-countdown` = an ISO time); the server's text is the fallback. */
import { t } from '../i18n.ts';

export function duration(ms: number): string {
  const mins = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(mins / 1440);
  const hours = Math.floor((mins % 1440) / 60);
  const minutes = mins % 60;
  const parts: string[] = [];
  if (days) parts.push(t('time.days', { count: days }));
  if (hours) parts.push(t('time.hours', { count: hours }));
  if (!days && (minutes || !hours)) parts.push(t('time.minutes', { count: minutes }));
  return new Intl.ListFormat(document.documentElement.lang || 'en', { type: 'unit', style: 'narrow' }).format(parts);
}

export function startCountdowns(): void {
  const els = document.querySelectorAll<HTMLElement>('[data-countdown]');
  if (els.length === 0) return;
  const tick = () => {
    for (const el of els) el.textContent = t('dash.in', { time: duration(Date.parse(el.getAttribute('data-countdown') ?? '') - Date.now()) });
  };
  setInterval(tick, 30_000);
}

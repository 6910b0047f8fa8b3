/** An issue's delivery statistics: the numbers, the first 72 hours as a chart, the failures. */
import type { Issue } from '../../modules/issues/service.ts';
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { ActionButton, AdminPage, Flash, fmtNumber, fmtPercent, type View } from './shell.tsx';

export interface IssueStats {
  recipients: number;
  sent: number;
  delivered: number | null;
  failed: number;
  bounced: { hard: number; soft: number } | null;
  complained: number | null;
  opened: { unique: number; total: number; likelyHuman: number } | null;
  unsubscribed: number | null;
}
export interface TimelinePoint {
  hour: number;
  opens: number;
  deliveries: number;
}

/** A line chart of the first 72 hours, server-rendered SVG with a title, description and a table fallback. */
export function TimelineChart(props: { v: View; points: TimelinePoint[] }) {
  const { v, points } = props;
  const t = v.t;
  const W = 720;
  const H = 220;
  const L = 44;
  const B = 30;
  const max = Math.max(1, ...points.map((p) => Math.max(p.opens, p.deliveries)));
  const x = (h: number) => L + ((W - L - 10) * h) / 72;
  const y = (n: number) => H - B - ((H - B - 10) * n) / max;
  const line = (k: 'opens' | 'deliveries') => points.map((p) => `${x(p.hour).toFixed(1)},${y(p[k]).toFixed(1)}`).join(' ');
  const totalOpens = points.reduce((a, p) => a + p.opens, 0);
  const totalDeliveries = points.reduce((a, p) => a + p.deliveries, 0);
  const ticks = [0, 12, 24, 36, 48, 60, 72];
  const yTicks = [0, Math.round(max / 2), max];
  return (
    <figure class="chart" style="margin:0">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-t chart-d">
        <title id="chart-t">{t('stats.chart')}</title>
        <desc id="chart-d">{t('stats.chartDesc', { opens: totalOpens, deliveries: totalDeliveries })}</desc>
        {yTicks.map((n) => (
          <>
            <line class="axis" x1={L} x2={W - 10} y1={y(n)} y2={y(n)} />
            <text x={L - 6} y={y(n) + 4} text-anchor="end">
              {n}
            </text>
          </>
        ))}
        {ticks.map((h) => (
          <text x={x(h)} y={H - 10} text-anchor="middle">
            {h}h
          </text>
        ))}
        {points.length > 1 ? <polyline class="deliveries" points={line('deliveries')} /> : null}
        {points.length > 1 ? <polyline class="opens" points={line('opens')} /> : null}
      </svg>
      <figcaption class="legend">
        <span>
          <i></i>
          {t('stats.opened')}
        </span>
        <span>
          <i class="d"></i>
          {t('stats.delivered')}
        </span>
        <span class="muted">{t('stats.hours')}</span>
      </figcaption>
      <details>
        <summary class="small">{t('stats.table')}</summary>
        <div class="table-wrap" style="max-height:16rem;overflow:auto">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('stats.hour')}</th>
                <th scope="col" class="num">
                  {t('stats.opened')}
                </th>
                <th scope="col" class="num">
                  {t('stats.delivered')}
                </th>
              </tr>
            </thead>
            <tbody>
              {points
                .filter((p) => p.opens || p.deliveries)
                .map((p) => (
                  <tr>
                    <td>{p.hour}</td>
                    <td class="num">{p.opens}</td>
                    <td class="num">{p.deliveries}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

export function StatsPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  issue: Issue;
  stats: IssueStats;
  partial: boolean;
  timeline: TimelinePoint[] | null;
  failures: { email: string; error: string }[] | null;
  openTracking: boolean;
  canRetry: boolean;
}) {
  const { v, issue, stats: s } = props;
  const t = v.t;
  const kpi = (label: string, n: number | null, sub?: string) => (
    <div class="kpi">
      <div class="n">{n === null ? '—' : fmtNumber(v, n)}</div>
      <div class="l">{label}</div>
      {sub ? <div class="small muted">{sub}</div> : null}
    </div>
  );
  return (
    <AdminPage v={v} title={t('stats.title', { title: issue.title })}>
      <p class="small">
        <a href={`/admin/issues/${issue.id}`}>
          ← #{issue.number} {issue.title}
        </a>
      </p>
      <h1 lang={issue.language}>{t('stats.title', { title: `#${issue.number} ${issue.title}` })}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      {props.partial ? <p class="notice">{t('stats.partial')}</p> : null}
      <div class="kpis" data-testid="stats">
        {kpi(t('stats.recipients'), s.recipients)}
        {kpi(t('stats.sent'), s.sent)}
        {kpi(t('stats.delivered'), s.delivered, s.delivered !== null ? fmtPercent(v, s.delivered, s.sent) : undefined)}
        {kpi(t('stats.failed'), s.failed)}
        {kpi(
          t('stats.bounced'),
          s.bounced ? s.bounced.hard + s.bounced.soft : null,
          s.bounced ? `${t('stats.bouncedHard')} ${s.bounced.hard} · ${t('stats.bouncedSoft')} ${s.bounced.soft}` : undefined,
        )}
        {kpi(t('stats.complained'), s.complained)}
        {kpi(
          t('stats.opened'),
          s.opened ? s.opened.unique : null,
          s.opened
            ? `${t('stats.openedUnique')} ${fmtPercent(v, s.opened.unique, s.delivered ?? s.sent)} · ${t('stats.openedTotal')} ${s.opened.total} · ${t('stats.openedHuman')} ${s.opened.likelyHuman}`
            : undefined,
        )}
        {kpi(t('stats.unsubscribed'), s.unsubscribed)}
      </div>
      <p class="notice" style="margin-top:1rem" data-testid="no-clicks">
        {t('stats.noClicks')}
      </p>
      <p class="muted-note">{props.openTracking ? t('stats.openNote') : t('stats.trackingOff')}</p>
      <h2>{t('stats.chart')}</h2>
      <div class="card">{props.timeline ? <TimelineChart v={v} points={props.timeline} /> : <p class="muted">{t('stats.noTimelineYet')}</p>}</div>
      <h2>{t('stats.failures')}</h2>
      {props.failures === null ? (
        <p class="muted">{t('common.notAvailable')}</p>
      ) : props.failures.length === 0 ? (
        <p class="muted">{t('stats.failuresNone')}</p>
      ) : (
        <>
          <div class="card table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('subs.email')}</th>
                  <th scope="col">{t('stats.error')}</th>
                </tr>
              </thead>
              <tbody>
                {props.failures.map((f) => (
                  <tr>
                    <td>{f.email}</td>
                    <td class="small">{f.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {props.canRetry ? (
            <p>
              <ActionButton v={v} action={`/admin/issues/${issue.id}/retry`} label={t('stats.retry')} />
            </p>
          ) : null}
        </>
      )}
    </AdminPage>
  );
}

/** An issue's delivery statistics: the numbers, the first 72 hours as a chart, the failures. */
import { audienceLine } from './send-confirm.tsx';
import type { Audience } from '../../modules/segments/model.ts';
import type { Issue } from '../../modules/issues/service.ts';
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import { i18n } from '../../i18n/index.ts';
import { ActionButton, AdminPage, Flash, fmtDuration, fmtNumber, fmtPercent, type View } from './shell.tsx';

export interface IssueStats {
  recipients: number;
  sent: number;
  /** null: unknown (the transport reports no delivery events), not 0. */
  delivered: number | null;
  failed: number;
  bounced: { hard: number; soft: number } | null;
  complained: number | null;
  opened: { unique: number; total: number; likelyHuman: number } | null;
  unsubscribed: number | null;
  /** Whether the transport reports deliveries, bounces and complaints (the outbox does not). */
  deliveryEvents: boolean;
  /** When the send started and finished, shown in `timeZone` (the issue's, else the newsletter's). */
  send: { startedAt: Date | null; finishedAt: Date | null; durationMs: number | null; timeZone: string } | null;
}
export interface TimelinePoint {
  hour: number;
  /** The hour's start (ISO): hours still to come are not drawn. */
  at: string;
  opens: number;
  sent: number;
  deliveries: number;
}

/** One drawing of the chart: the wide one for desktops, the narrow one (bigger type, fewer ticks) for phones. */
const LAYOUTS = {
  wide: { W: 960, H: 260, L: 44, R: 12, B: 30, font: 12, ticks: [0, 12, 24, 36, 48, 60, 72] },
  narrow: { W: 360, H: 250, L: 40, R: 12, B: 32, font: 15, ticks: [0, 24, 48, 72] },
} as const;

/**
 * A line chart of the first 72 hours, server-rendered SVG with a title, description and a table
 * fallback (hourly counts): opens so far, and deliveries (or, when the transport reports none,
 * emails sent) so far. Two
 * drawings, one shown by width (admin.css), so that its labels stay legible on a 375 px phone and
 * it fills the page on a desktop. "No opens yet" instead while nobody has opened the issue.
 */
export function TimelineChart(props: { v: View; points: TimelinePoint[]; deliveryEvents: boolean }) {
  const { v } = props;
  const t = v.t;
  // The lines stop at the current hour (or the last with data): the hours to come have no totals yet.
  const lastWithData = props.points.reduce((a, p) => (p.opens || p.sent || p.deliveries ? p.hour : a), 0);
  const points = props.points.filter((p) => p.hour <= lastWithData || new Date(p.at).getTime() <= v.now.getTime());
  const second = props.deliveryEvents ? 'deliveries' : 'sent';
  const secondLabel = props.deliveryEvents ? t('stats.delivered') : t('statsUx.sentSeries');
  const totalOpens = points.reduce((a, p) => a + p.opens, 0);
  const totalSecond = points.reduce((a, p) => a + p[second], 0);
  if (totalOpens === 0) {
    return (
      <div class="chart-empty" data-testid="chart-empty">
        <p class="chart-empty-title">{t('statsUx.noOpensYet')}</p>
        <p class="small muted">{t('statsUx.noOpensYetDetail')}</p>
      </div>
    );
  }
  // Totals so far, hour by hour: two rising lines that share a scale (opens never outnumber the
  // emails sent), where hourly counts drew one spike of sends that flattened the opens.
  const running = (k: 'opens' | typeof second) => {
    let sum = 0;
    return points.map((p) => (sum += p[k]));
  };
  const so = { opens: running('opens'), [second]: running(second) } as Record<'opens' | typeof second, number[]>;
  const max = Math.max(1, totalOpens, totalSecond);
  const drawing = (kind: keyof typeof LAYOUTS) => {
    const { W, H, L, R, B, font, ticks } = LAYOUTS[kind];
    const x = (h: number) => L + ((W - L - R) * h) / 72;
    const y = (n: number) => H - B - ((H - B - 10) * n) / max;
    const line = (k: 'opens' | typeof second) => points.map((p, i) => `${x(p.hour).toFixed(1)},${y(so[k][i]!).toFixed(1)}`).join(' ');
    const yTicks = [...new Set([0, Math.round(max / 2), max])];
    const id = `chart-${kind}`;
    return (
      <svg class={`chart-${kind}`} viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`} style={`font-size:${font}px`}>
        <title id={`${id}-t`}>{props.deliveryEvents ? t('stats.chart') : t('statsUx.chartSent')}</title>
        <desc id={`${id}-d`}>{t('stats.chartDesc', { opens: totalOpens, deliveries: totalSecond })}</desc>
        {yTicks.map((n) => (
          <>
            <line class="axis" x1={L} x2={W - R} y1={y(n)} y2={y(n)} />
            <text x={L - 6} y={y(n) + 4} text-anchor="end">
              {fmtNumber(v, n)}
            </text>
          </>
        ))}
        {ticks.map((h) => (
          <text x={x(h)} y={H - 8} text-anchor={h === 0 ? 'start' : h === 72 ? 'end' : 'middle'}>
            {t('statsUx.hoursShort', { hours: h })}
          </text>
        ))}
        {points.length > 1 ? <polyline class="deliveries" points={line(second)} /> : null}
        {points.length > 1 ? <polyline class="opens" points={line('opens')} /> : null}
      </svg>
    );
  };
  return (
    <figure class="chart" style="margin:0" data-testid="chart">
      {drawing('wide')}
      {drawing('narrow')}
      <figcaption class="legend">
        <span>
          <i></i>
          {t('stats.opened')}
        </span>
        <span>
          <i class="d"></i>
          {secondLabel}
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
                  {secondLabel}
                </th>
              </tr>
            </thead>
            <tbody>
              {points
                .filter((p) => p.opens || p[second])
                .map((p) => (
                  <tr>
                    <td>{p.hour}</td>
                    <td class="num">{p.opens}</td>
                    <td class="num">{p[second]}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** When the send started and finished, in the newsletter's time zone, and how long it took. */
function SendTimes(props: { v: View; send: NonNullable<IssueStats['send']> }) {
  const { v, send } = props;
  const t = v.t;
  const l = i18n(v.lang);
  if (!send.startedAt)
    return (
      <p class="muted small" data-testid="send-times">
        {t('statsUx.notStarted')}
      </p>
    );
  return (
    <div data-testid="send-times" class="send-times">
      <dl>
        <div>
          <dt>{t('statsUx.started')}</dt>
          <dd>
            <time datetime={send.startedAt.toISOString()}>{l.dateTime(send.startedAt, send.timeZone)}</time>
          </dd>
        </div>
        <div>
          <dt>{t('statsUx.finished')}</dt>
          <dd>
            {send.finishedAt ? <time datetime={send.finishedAt.toISOString()}>{l.dateTime(send.finishedAt, send.timeZone)}</time> : t('statsUx.notFinished')}
          </dd>
        </div>
        {send.durationMs !== null ? (
          <div>
            <dt>{t('statsUx.duration')}</dt>
            <dd>{send.durationMs < 30_000 ? t('statsUx.underAMinute') : fmtDuration(v, send.durationMs)}</dd>
          </div>
        ) : null}
      </dl>
      <p class="small muted">
        {t('statsUx.timeZone')} <span translate="no">{send.timeZone}</span>
      </p>
    </div>
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
  /** Every rate is a share of the emails sent, whatever the transport reports. */
  const ofSent = (n: number) => t('statsUx.ofSent', { rate: fmtPercent(v, n, s.sent) });
  return (
    <AdminPage v={v} title={t('stats.title', { title: issue.title })}>
      <p class="small">
        <a href={`/admin/issues/${issue.id}`}>
          ← #{issue.number} {issue.title}
        </a>
      </p>
      <h1 lang={issue.language}>{t('stats.title', { title: `#${issue.number} ${issue.title}` })}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <p data-testid="stats-audience">{audienceLine(v, issue.audience as Audience | null)}</p>
      {props.partial ? <p class="notice">{t('stats.partial')}</p> : null}
      {s.deliveryEvents ? null : (
        <p class="notice" data-testid="no-delivery-events">
          {t('statsUx.noDeliveryEvents')}
        </p>
      )}
      <div class="kpis" data-testid="stats">
        {kpi(t('stats.recipients'), s.recipients)}
        {kpi(t('stats.sent'), s.sent)}
        {kpi(t('stats.delivered'), s.delivered, s.delivered === null ? t('statsUx.notReported') : ofSent(s.delivered))}
        {kpi(t('stats.failed'), s.failed)}
        {kpi(
          t('stats.bounced'),
          s.bounced ? s.bounced.hard + s.bounced.soft : null,
          s.bounced
            ? `${ofSent(s.bounced.hard + s.bounced.soft)} · ${t('stats.bouncedHard')} ${fmtNumber(v, s.bounced.hard)} · ${t('stats.bouncedSoft')} ${fmtNumber(v, s.bounced.soft)}`
            : t('statsUx.notReported'),
        )}
        {kpi(t('stats.complained'), s.complained, s.complained === null ? t('statsUx.notReported') : ofSent(s.complained))}
        {kpi(
          t('stats.opened'),
          s.opened ? s.opened.unique : null,
          s.opened
            ? `${t('stats.openedUnique')} ${ofSent(s.opened.unique)} · ${t('stats.openedTotal')} ${fmtNumber(v, s.opened.total)} · ${t('stats.openedHuman')} ${fmtNumber(v, s.opened.likelyHuman)}`
            : undefined,
        )}
        {kpi(t('stats.unsubscribed'), s.unsubscribed, s.unsubscribed === null ? undefined : ofSent(s.unsubscribed))}
      </div>
      {s.send ? (
        <>
          <h2>{t('statsUx.sendTimes')}</h2>
          <SendTimes v={v} send={s.send} />
        </>
      ) : null}
      <p class="notice" style="margin-top:1rem" data-testid="no-clicks">
        {t('stats.noClicks')}
      </p>
      <p class="muted-note">{props.openTracking ? t('stats.openNote') : t('stats.trackingOff')}</p>
      <h2>{s.deliveryEvents ? t('stats.chart') : t('statsUx.chartSent')}</h2>
      <div class="card">
        {props.timeline ? <TimelineChart v={v} points={props.timeline} deliveryEvents={s.deliveryEvents} /> : <p class="muted">{t('stats.noTimelineYet')}</p>}
      </div>
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

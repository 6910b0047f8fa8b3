/** The dashboard: next send with a countdown, the last issue's numbers, list growth, warnings. */
import type { Message } from '../../i18n/index.ts';
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import type { Issue } from '../../modules/issues/service.ts';
import type { IssueStats } from './stats.tsx';
import { AdminPage, can, Empty, Flash, fmtDateTime, fmtDuration, fmtNumber, fmtPercent, type View } from './shell.tsx';

export interface DashboardData {
  next: Issue | null;
  nextSlot: string | null;
  nextSlotTz: string | null;
  last: Issue | null;
  lastStats: IssueStats | null;
  growth: { months: { month: string; joined: number; left: number }[]; active: number };
  /** Formatted by the page in the reader's language (see src/modules/admin/dashboard-service.ts). */
  warnings: Message[];
}

export function DashboardPage(props: { v: View; flash?: FlashMsg | undefined; d: DashboardData | null }) {
  const { v, d } = props;
  const t = v.t;
  if (!d || !v.current) {
    return (
      <AdminPage v={v} title={t('dash.title')}>
        <h1>{t('dash.title')}</h1>
        <Empty title={t('common.noNewsletter')}>
          {can(v, 'admin') ? (
            <p>
              <a href="/admin/newsletters">{t('common.createNewsletterFirst')}</a>
            </p>
          ) : null}
        </Empty>
      </AdminPage>
    );
  }
  const n = v.current;
  const maxJoined = Math.max(1, ...d.growth.months.map((m) => m.joined));
  // Active total at the end of each month, walking back from today's count.
  let running = d.growth.active;
  const totals = new Map<string, number>();
  for (const m of [...d.growth.months].reverse()) {
    totals.set(m.month, running);
    running -= m.joined - m.left;
  }
  const countdown = (iso: string) => <span data-countdown={iso}>{t('dash.in', { time: fmtDuration(v, new Date(iso).getTime() - v.now.getTime()) })}</span>;
  const s = d.lastStats;
  return (
    <AdminPage v={v} title={t('dash.title')}>
      <h1>
        {t('dash.title')}{' '}
        <span class="sub" lang={n.language}>
          {n.name}
        </span>
      </h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      <section aria-labelledby="warn-h" style="margin-bottom:1.5rem">
        <h2 id="warn-h" style="margin-top:0">
          {t('dash.warnings')}
        </h2>
        {d.warnings.length === 0 ? (
          <p class="flash" data-testid="no-warnings">
            {t('dash.noWarnings')}
          </p>
        ) : (
          d.warnings.map((w) => (
            <p class="flash flash-warn" role="status">
              ⚠ {t(w.key, w.params)}
            </p>
          ))
        )}
      </section>
      <div class="grid2">
        <section class="card" aria-labelledby="next-h">
          <h2 id="next-h" style="margin-top:0">
            {t('dash.nextSend')}
          </h2>
          {d.next?.sendAt ? (
            <>
              <p>
                <a href={`/admin/issues/${d.next.id}`} lang={d.next.language}>
                  <strong>
                    #{d.next.number} {d.next.title}
                  </strong>
                </a>
              </p>
              <p style="font-size:1.3rem;margin:.25rem 0">{countdown(d.next.sendAt)}</p>
              <p class="muted">{fmtDateTime(v, d.next.sendAt)}</p>
            </>
          ) : (
            <p class="muted">{t('dash.noNextSend')}</p>
          )}
          {d.nextSlot ? (
            <p class="small" style="margin-top:1rem">
              {t('dash.nextSlot')}: {fmtDateTime({ ...v, tz: d.nextSlotTz ?? v.tz }, d.nextSlot)} ({d.nextSlotTz}) · {countdown(d.nextSlot)}
            </p>
          ) : null}
        </section>
        <section class="card" aria-labelledby="last-h">
          <h2 id="last-h" style="margin-top:0">
            {t('dash.lastIssue')}
          </h2>
          {d.last ? (
            <>
              <p>
                <a href={`/admin/issues/${d.last.id}/stats`} lang={d.last.language}>
                  <strong>
                    #{d.last.number} {d.last.title}
                  </strong>
                </a>{' '}
                <span class="muted small">{fmtDateTime(v, d.last.sentAt)}</span>
              </p>
              {s ? (
                <dl class="meta">
                  <dt>{t('stats.recipients')}</dt>
                  <dd>{fmtNumber(v, s.recipients)}</dd>
                  <dt>{t('stats.delivered')}</dt>
                  <dd>{s.delivered === null ? '—' : `${fmtNumber(v, s.delivered)} (${fmtPercent(v, s.delivered, s.sent)})`}</dd>
                  <dt>{t('stats.opened')}</dt>
                  <dd>{s.opened ? `${fmtNumber(v, s.opened.unique)} (${fmtPercent(v, s.opened.unique, s.sent)})` : '—'}</dd>
                  <dt>{t('stats.bounced')}</dt>
                  <dd>{s.bounced ? fmtNumber(v, s.bounced.hard + s.bounced.soft) : '—'}</dd>
                  <dt>{t('stats.unsubscribed')}</dt>
                  <dd>{s.unsubscribed === null ? '—' : fmtNumber(v, s.unsubscribed)}</dd>
                </dl>
              ) : null}
            </>
          ) : (
            <p class="muted">{t('dash.noLastIssue')}</p>
          )}
        </section>
      </div>
      <section aria-labelledby="growth-h">
        <h2 id="growth-h">{t('dash.growth')}</h2>
        <p>
          {t('dash.activeSubscribers')}: <strong data-testid="active-count">{fmtNumber(v, d.growth.active)}</strong>
        </p>
        {d.growth.months.length === 0 ? (
          <p class="muted">{t('dash.growthNone')}</p>
        ) : (
          <div class="card table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('dash.month')}</th>
                  <th scope="col" class="num">
                    {t('dash.new')}
                  </th>
                  <th scope="col" class="num">
                    {t('stats.unsubscribed')}
                  </th>
                  <th scope="col" class="num">
                    {t('dash.total')}
                  </th>
                  <td aria-hidden="true"></td>
                </tr>
              </thead>
              <tbody>
                {d.growth.months.map((m) => (
                  <tr>
                    <td>{m.month}</td>
                    <td class="num">{fmtNumber(v, m.joined)}</td>
                    <td class="num">{fmtNumber(v, m.left)}</td>
                    <td class="num">{fmtNumber(v, totals.get(m.month) ?? 0)}</td>
                    <td aria-hidden="true" style="width:40%">
                      <span class="bar" style={`width:${Math.max(2, Math.round((100 * m.joined) / maxJoined))}%`}></span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </AdminPage>
  );
}

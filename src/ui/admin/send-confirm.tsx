/**
 * The steps before something irreversible: the send confirmation (who gets the issue, when, and
 * each open warning as a box to tick) and the draft deletion confirmation.
 */
import type { Issue } from '../../modules/issues/service.ts';
import type { SendPlan } from '../../modules/sending/service.ts';
import { AdminPage, Csrf, Flash, fmtDateTime, say, type View } from './shell.tsx';
import { i18n } from '../../i18n/index.ts';
import type { Audience } from '../../modules/segments/model.ts';

/** Who a send goes to, as the admin says it: the whole list, the segment "…", and its topics. */
export function audienceLine(v: View, a: Audience | null | undefined): string {
  if (!a || (!a.segment && !a.topics?.length)) return v.t('segments.toWholeList');
  const parts: string[] = [];
  parts.push(a.segment ? v.t('segments.toSegment', { name: a.segment.name }) : v.t('segments.toWholeList'));
  if (a.topics?.length) parts.push(v.t('segments.toTopics', { topics: i18n(v.lang).list(a.topics.map((x) => x.name)) }));
  return parts.join(' · ');
}

export function ConfirmSendPage(props: { v: View; plan: SendPlan; input: { sendAt: string; timeZone?: string; now: boolean }; error?: string | undefined }) {
  const { v, plan } = props;
  const t = v.t;
  const issue = plan.issue;
  const when = `${fmtDateTime({ ...v, tz: plan.timeZone }, plan.sendAt)} ${plan.timeZone}`;
  const params = { title: issue.title, count: plan.recipients, newsletter: plan.newsletterName, when };
  const question = plan.now ? t('sendux.confirmNow', params) : t('sendux.confirmAt', params);
  const title = t('sendux.confirmTitle');
  return (
    <AdminPage v={v} title={title}>
      <p class="small">
        <a href={`/admin/issues/${issue.id}`}>← {t('sendux.backToIssue')}</a>
      </p>
      <h1>{title}</h1>
      <Flash message={props.error} kind="error" />
      <form method="post" action={`/admin/issues/${issue.id}/schedule`} class="card confirm-send" data-testid="confirm-send">
        <Csrf v={v} />
        <input type="hidden" name="confirmed" value="1" />
        {props.input.now ? <input type="hidden" name="now" value="1" /> : <input type="hidden" name="sendAt" value={props.input.sendAt} />}
        {props.input.timeZone ? <input type="hidden" name="timeZone" value={props.input.timeZone} /> : null}
        {plan.audience?.segment ? <input type="hidden" name="segment" value={String(plan.audience.segment.id)} /> : null}
        {(plan.audience?.topics ?? []).map((tp) => (
          <input type="hidden" name={`topic.${tp.id}`} value="on" />
        ))}
        <p class="confirm-question" data-testid="confirm-question">
          {question}
        </p>
        <p data-testid="confirm-audience">{audienceLine(v, plan.audience)}</p>
        {plan.recipients === 0 ? <p class="flash flash-warn">{t('sendux.noRecipients')}</p> : null}
        {plan.warnings.length ? (
          <fieldset class="ticks">
            <legend>{t('sendux.tickEach', { count: plan.warnings.length })}</legend>
            {plan.warnings.map((w, i) => (
              <label class="tick" for={`ack-${i}`}>
                <input type="checkbox" id={`ack-${i}`} name={`ack.${w.id}`} required data-testid="ack" />
                <span>{say(v, w.said)}</span>
              </label>
            ))}
          </fieldset>
        ) : (
          <p class="muted">{t('sendux.noWarnings')}</p>
        )}
        <p style="display:flex;gap:.5rem;flex-wrap:wrap;margin-bottom:0">
          <button type="submit" data-testid="confirm-submit">
            {plan.now ? t('sendux.sendNowSubmit') : t('sendux.scheduleSubmit')}
          </button>
          <a class="button secondary" href={`/admin/issues/${issue.id}`}>
            {t('sendux.back')}
          </a>
        </p>
      </form>
      {plan.warnings.length ? (
        <p class="small muted">
          <a href={`/admin/issues/${issue.id}#editor`}>{t('sendux.fixFirst')}</a>
        </p>
      ) : null}
    </AdminPage>
  );
}

export function ConfirmDeletePage(props: { v: View; issue: Issue }) {
  const { v, issue } = props;
  const t = v.t;
  const title = t('sendux.deleteTitle');
  return (
    <AdminPage v={v} title={title}>
      <p class="small">
        <a href={`/admin/issues/${issue.id}`}>← {t('sendux.backToIssue')}</a>
      </p>
      <h1>{title}</h1>
      <form method="post" action={`/admin/issues/${issue.id}/delete`} class="card">
        <Csrf v={v} />
        <p data-testid="delete-question">{t('sendux.deleteQuestion', { number: issue.number, title: issue.title })}</p>
        <p style="display:flex;gap:.5rem;flex-wrap:wrap;margin-bottom:0">
          <button type="submit" class="danger" data-testid="delete-submit">
            {t('sendux.deleteSubmit')}
          </button>
          <a class="button secondary" href={`/admin/issues/${issue.id}`}>
            {t('sendux.back')}
          </a>
        </p>
      </form>
    </AdminPage>
  );
}

/** Newsletters & settings: sender, language, time zone, tracking, consent text, monthly slot, embed. */
import type { Flash as FlashMsg } from '../../modules/admin/context.ts';
import type { Newsletter } from '../../modules/newsletters/service.ts';
import type { Message } from '../../i18n/index.ts';
import { weekdayKey } from '../../modules/slots/rule.ts';
import { languageChoices } from './choices.ts';
import { AdminPage, can, Csrf, Flash, fmtDateTime, say, type View } from './shell.tsx';

export interface SlotView {
  rule: { kind: 'dayOfMonth'; day: number; time: string } | { kind: 'weekdayOfMonth'; week: number; weekday: number; time: string } | null;
  timeZone: string;
  reminderDaysBefore: number;
  enabled: boolean;
  description: Message | null;
  nextDates: string[];
  warnings: Message[];
}

/** The languages Quire speaks, then common tags, named in the reader's language; an unusual stored tag stays selectable. */
function LanguageSelect(props: { v: View; id: string; value: string }) {
  const choices = languageChoices(props.v.lang, props.value);
  const spoken = choices.filter((c) => c.spoken);
  const others = choices.filter((c) => !c.spoken);
  const opt = (c: (typeof choices)[number]) => (
    <option value={c.tag} selected={c.tag.toLowerCase() === props.value.toLowerCase()}>
      {c.label}
    </option>
  );
  return (
    <select id={props.id} name="language">
      <optgroup label={props.v.t('nl.languagesSpoken')}>{spoken.map(opt)}</optgroup>
      <optgroup label={props.v.t('nl.languagesOther')}>{others.map(opt)}</optgroup>
    </select>
  );
}

export function NewslettersPage(props: {
  v: View;
  flash?: FlashMsg | undefined;
  n: Newsletter | undefined;
  consent: { version: number; text: string; createdAt: string }[] | null;
  slot: SlotView | null;
  snippet: string | null;
  zones: string[];
  publicUrl: string;
  /** A newsletter just created: a notice offers to switch to it (creating one does not switch). */
  created?: { slug: string; name: string } | undefined;
}) {
  const { v, n } = props;
  const t = v.t;
  const isAdmin = can(v, 'admin');
  const weekdays = [0, 1, 2, 3, 4, 5, 6].map((d) => t(weekdayKey(d)));
  const rule = props.slot?.rule;
  return (
    <AdminPage v={v} title={t('nl.title')}>
      <h1>{t('nl.title')}</h1>
      <Flash message={props.flash?.message} kind={props.flash?.kind} />
      {!isAdmin ? <p class="notice">{t('role.viewerNote')}</p> : null}
      {!n ? <p class="card">{t('nl.empty')}</p> : null}
      {props.created && props.created.slug !== n?.slug ? (
        <div class="flash flash-ok created" role="status" data-testid="created-notice">
          <span>{t('nl.createdNotice', { name: props.created.name })}</span>{' '}
          <form method="get" action="/admin/switch" class="inline">
            <input type="hidden" name="n" value={props.created.slug} />
            <input type="hidden" name="next" value="/admin/newsletters" />
            <button type="submit" class="small">
              {t('nl.switchTo', { name: props.created.name })}
            </button>
          </form>
        </div>
      ) : null}
      {props.created && props.created.slug === n?.slug ? (
        <p class="flash flash-ok" role="status">
          {t('nl.createdCurrent', { name: props.created.name })}
        </p>
      ) : null}
      {n && !n.organisation?.trim() ? (
        <p class="flash flash-warn" data-testid="postal-warning">
          {t('nl.postalMissing')} <a href="#nl-org">{t('nl.postalFix')}</a>
        </p>
      ) : null}
      {n ? (
        <div class="stack">
          <form method="post" action={`/admin/newsletters/${n.slug}`} class="card">
            <h2 style="margin-top:0" lang={n.language}>
              {n.name} <span class="muted small">/{n.slug}</span>
            </h2>
            <Csrf v={v} />
            <fieldset disabled={!isAdmin} style="border:0;padding:0;margin:0">
              <div class="row">
                <div>
                  <label for="nl-name">{t('nl.name')}</label>
                  <input id="nl-name" name="name" type="text" required value={n.name} />
                </div>
                <div>
                  <label for="nl-lang">{t('nl.language')}</label>
                  <LanguageSelect v={v} id="nl-lang" value={n.language} />
                </div>
              </div>
              <div class="row">
                <div>
                  <label for="nl-from">{t('nl.fromEmail')}</label>
                  <input id="nl-from" name="fromEmail" type="email" required value={n.fromEmail} />
                </div>
                <div>
                  <label for="nl-fromname">{t('nl.fromName')}</label>
                  <input id="nl-fromname" name="fromName" type="text" value={n.fromName ?? ''} />
                </div>
                <div>
                  <label for="nl-reply">{t('nl.replyTo')}</label>
                  <input id="nl-reply" name="replyTo" type="email" value={n.replyTo ?? ''} />
                </div>
              </div>
              <div class="row">
                <div>
                  <label for="nl-tz">{t('nl.timeZone')}</label>
                  <select id="nl-tz" name="timeZone">
                    {props.zones.map((z) => (
                      <option value={z} selected={z === n.timeZone}>
                        {z}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
              <fieldset style="margin-top:1rem">
                <legend>{t('nl.mailOptions')}</legend>
                <label class="check">
                  <input type="checkbox" name="openTracking" value="on" checked={n.openTracking} /> {t('nl.openTracking')}
                </label>
                <label class="check">
                  <input type="checkbox" name="welcomeEnabled" value="on" checked={n.welcomeEnabled} /> {t('nl.welcome')}
                </label>
                <label class="check">
                  <input type="checkbox" name="goodbyeEnabled" value="on" checked={n.goodbyeEnabled} /> {t('nl.goodbye')}
                </label>
                <p class="small">
                  <a href={`/admin/messages?n=${encodeURIComponent(n.slug)}`}>{t('audienceMove.editMessages')}</a>
                </p>
              </fieldset>
              <label for="nl-desc">{t('nl.description')}</label>
              <textarea id="nl-desc" name="description" rows={2}>
                {n.description ?? ''}
              </textarea>
              <label for="nl-org">{t('nl.organisation')}</label>
              <textarea id="nl-org" name="organisation" rows={2} maxlength={500} aria-describedby="nl-org-help">
                {n.organisation ?? ''}
              </textarea>
              <p class="muted small" id="nl-org-help">
                {t('nl.postalHelp')}
              </p>
              {isAdmin ? (
                <p style="margin-top:1rem">
                  <button type="submit">{t('common.save')}</button>
                </p>
              ) : null}
            </fieldset>
            <p class="small">
              <a href={`/n/${n.slug}`}>
                {t('nl.signupPage')}: {props.publicUrl}/n/{n.slug}
              </a>
            </p>
          </form>

          <section class="card" aria-labelledby="slot-h">
            <h2 id="slot-h" style="margin-top:0">
              {t('nl.slot')}
            </h2>
            {!props.slot ? (
              <p class="muted">{t('common.notAvailable')}</p>
            ) : (
              <>
                {props.slot.description ? (
                  <p>
                    <strong>{say(v, props.slot.description)}</strong> ({props.slot.timeZone})
                    {props.slot.enabled ? '' : ` — ${t('common.no')} ${t('nl.slotEnabled')}`}
                  </p>
                ) : (
                  <p class="muted">{t('nl.slotNone')}</p>
                )}
                {props.slot.warnings.map((w) => (
                  <p class="flash flash-warn">{say(v, w)}</p>
                ))}
                {props.slot.nextDates.length ? (
                  <>
                    <h3>{t('nl.slotNext')}</h3>
                    <ul data-testid="slot-next">
                      {props.slot.nextDates.map((d) => (
                        <li>
                          {fmtDateTime({ ...v, tz: props.slot!.timeZone }, d)} <span class="muted small">({props.slot!.timeZone})</span>
                        </li>
                      ))}
                    </ul>
                  </>
                ) : null}
                {can(v, 'editor') ? (
                  <form method="post" action={`/admin/newsletters/${n.slug}/slot`}>
                    <Csrf v={v} />
                    <fieldset>
                      <legend>{t('nl.slotKind')}</legend>
                      <label class="check">
                        <input type="radio" name="kind" value="dayOfMonth" checked={!rule || rule.kind === 'dayOfMonth'} /> {t('nl.slotDay')}
                      </label>
                      <div class="row" style="margin-left:1.5rem">
                        <div style="flex:0 1 8rem">
                          <label for="sl-day">{t('nl.slotDayN')}</label>
                          <input id="sl-day" name="day" type="number" min={1} max={31} value={String(rule?.kind === 'dayOfMonth' ? rule.day : 1)} />
                        </div>
                      </div>
                      <label class="check">
                        <input type="radio" name="kind" value="weekdayOfMonth" checked={rule?.kind === 'weekdayOfMonth'} /> {t('nl.slotWeekday')}
                      </label>
                      <div class="row" style="margin-left:1.5rem">
                        <div>
                          <label for="sl-week">{t('nl.slotWeek')}</label>
                          <select id="sl-week" name="week">
                            {([1, 2, 3, 4, -1] as const).map((w) => (
                              <option value={String(w)} selected={rule?.kind === 'weekdayOfMonth' && rule.week === w}>
                                {t(w === -1 ? 'nl.weekLast' : (`nl.week${w}` as 'nl.week1'))}
                              </option>
                            ))}
                          </select>
                        </div>
                        <div>
                          <label for="sl-wd">{t('nl.slotWeekdayName')}</label>
                          <select id="sl-wd" name="weekday">
                            {weekdays.map((d, i) => (
                              <option value={String(i)} selected={rule?.kind === 'weekdayOfMonth' && rule.weekday === i}>
                                {d}
                              </option>
                            ))}
                          </select>
                        </div>
                      </div>
                    </fieldset>
                    <div class="row">
                      <div style="flex:0 1 10rem">
                        <label for="sl-time">{t('nl.slotTime')}</label>
                        <input id="sl-time" name="time" type="time" required value={rule?.time ?? '09:00'} />
                      </div>
                      <div>
                        <label for="sl-tz">{t('nl.timeZone')}</label>
                        <select id="sl-tz" name="timeZone">
                          {props.zones.map((z) => (
                            <option value={z} selected={z === props.slot!.timeZone}>
                              {z}
                            </option>
                          ))}
                        </select>
                      </div>
                      <div style="flex:1 1 14rem">
                        <label for="sl-rem">{t('nl.slotReminder')}</label>
                        <input id="sl-rem" name="reminderDaysBefore" type="number" min={0} max={28} value={String(props.slot.reminderDaysBefore)} />
                      </div>
                    </div>
                    <label class="check">
                      <input type="checkbox" name="enabled" value="on" checked={props.slot.enabled || !rule} /> {t('nl.slotEnabled')}
                    </label>
                    <p>
                      <button type="submit">{t('nl.slotSave')}</button>
                    </p>
                  </form>
                ) : null}
              </>
            )}
          </section>

          <section class="card" aria-labelledby="consent-h">
            <h2 id="consent-h" style="margin-top:0">
              {t('nl.consent')}
            </h2>
            <p class="muted small">{t('nl.consentHelp')}</p>
            {!props.consent ? (
              <p class="muted">{t('common.notAvailable')}</p>
            ) : (
              <>
                <ol reversed>
                  {[...props.consent].reverse().map((c) => (
                    <li lang={n.language}>
                      <span class="muted small">{t('nl.consentVersion', { version: c.version, date: fmtDateTime(v, c.createdAt) })}</span>
                      <div>{c.text}</div>
                    </li>
                  ))}
                </ol>
                {isAdmin ? (
                  <form method="post" action={`/admin/newsletters/${n.slug}/consent`}>
                    <Csrf v={v} />
                    <label for="consent-text">{t('nl.consent')}</label>
                    <textarea id="consent-text" name="text" rows={3} required lang={n.language}>
                      {props.consent[props.consent.length - 1]?.text ?? ''}
                    </textarea>
                    <p>
                      <button type="submit">{t('nl.consentSave')}</button>
                    </p>
                  </form>
                ) : null}
              </>
            )}
          </section>

          {props.snippet ? (
            <section class="card" aria-labelledby="embed-h">
              <h2 id="embed-h" style="margin-top:0">
                {t('nl.embed')}
              </h2>
              <p class="muted small">{t('nl.embedHelp')}</p>
              <pre class="snippet">
                <code>{props.snippet}</code>
              </pre>
            </section>
          ) : null}
        </div>
      ) : null}

      {isAdmin ? (
        <details style="margin-top:2rem" open={!n}>
          <summary>
            <strong>{t('nl.create')}</strong>
          </summary>
          <form method="post" action="/admin/newsletters" class="card" style="margin-top:.5rem">
            <Csrf v={v} />
            <div class="row">
              <div>
                <label for="c-slug">{t('nl.slug')}</label>
                <input id="c-slug" name="slug" type="text" required pattern="[a-z0-9][a-z0-9-]{0,62}" />
              </div>
              <div>
                <label for="c-name">{t('nl.name')}</label>
                <input id="c-name" name="name" type="text" required />
              </div>
            </div>
            <div class="row">
              <div>
                <label for="c-from">{t('nl.fromEmail')}</label>
                <input id="c-from" name="fromEmail" type="email" required />
              </div>
              <div>
                <label for="c-lang">{t('nl.language')}</label>
                <LanguageSelect v={v} id="c-lang" value={v.lang} />
              </div>
              <div>
                <label for="c-tz">{t('nl.timeZone')}</label>
                <select id="c-tz" name="timeZone">
                  {props.zones.map((z) => (
                    <option value={z} selected={z === v.tz}>
                      {z}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <p>
              <button type="submit">{t('common.create')}</button>
            </p>
          </form>
        </details>
      ) : null}
    </AdminPage>
  );
}

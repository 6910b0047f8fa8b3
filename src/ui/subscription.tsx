/**
 * Public subscription pages: signup, "check your inbox", confirm, unsubscribe, preferences, and
 * the messages in between (the embeddable snippet is made here but shown in the admin). Plain forms: everything works without
 * JavaScript. Strings come from ./i18n.ts in the newsletter's (or subscriber's) language.
 */
import { TURNSTILE_SCRIPT } from '../modules/subscribers/turnstile.ts';
import type { Child } from 'hono/jsx';
import type { NewsletterRow } from '../db/schema.ts';
import { assetPath } from './assets.ts';
import { Page } from './layout.tsx';
import { i18n, LANGUAGES, type Translate } from '../i18n/index.ts';

export interface NewsletterView {
  slug: string;
  name: string;
  language: string;
  description: string | null;
  openTracking: boolean;
}

export const newsletterView = (n: NewsletterRow): NewsletterView => ({
  slug: n.slug,
  name: n.name,
  language: n.language,
  description: n.description,
  openTracking: n.open_tracking,
});

function Shell(props: { title: string; lang: string; newsletter?: NewsletterView | undefined; children?: Child }) {
  return (
    <Page title={props.title} lang={props.lang} head={<link rel="stylesheet" href={assetPath('public.css')} />}>
      <header class="site">
        <div>
          {props.newsletter ? (
            <a class="brand" href={`/n/${props.newsletter.slug}`} lang={props.newsletter.language}>
              {props.newsletter.name}
            </a>
          ) : (
            <a class="brand" href="/">
              Quire
            </a>
          )}
        </div>
      </header>
      <main>{props.children}</main>
    </Page>
  );
}

export interface SignupValues {
  email?: string;
  name?: string;
  consent?: boolean;
}
export type SignupErrors = Partial<Record<'email' | 'name' | 'consent' | 'bot', string>>;

/** The HTML snippet other sites paste: a plain form posting to this newsletter. */
export function embedSnippet(n: NewsletterView, consentText: string, publicUrl: string): string {
  const t = i18n(n.language).t;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return [
    `<form method="post" action="${esc(publicUrl)}/n/${esc(n.slug)}/subscribe" lang="${esc(n.language)}">`,
    `  <label for="quire-email">${esc(t('signup.email'))}</label>`,
    `  <input id="quire-email" name="email" type="email" autocomplete="email" required maxlength="254">`,
    `  <label for="quire-name">${esc(t('signup.name'))}</label>`,
    `  <input id="quire-name" name="name" type="text" autocomplete="name" maxlength="200">`,
    `  <label><input name="consent" type="checkbox" value="yes" required> ${esc(consentText)}</label>`,
    `  <div style="position:absolute;left:-10000px" aria-hidden="true"><input name="website" tabindex="-1" autocomplete="off"></div>`,
    `  <button type="submit">${esc(t('signup.submit'))}</button>`,
    `</form>`,
  ].join('\n');
}

/** A topic on the signup form or the preferences page (its name as the editor wrote it). */
export interface TopicView {
  id: number;
  name: string;
  checked: boolean;
}

/** Topic checkboxes; the hidden field says they were shown, so none ticked is a choice (not "never chose"). */
function TopicBoxes(props: { topics: TopicView[]; name: string; shown: string; legend: string; hint: string; lang: string }) {
  return (
    <fieldset class="topics">
      <legend>{props.legend}</legend>
      <input type="hidden" name={props.shown} value="1" />
      {props.topics.map((tp) => (
        <label class="check" for={`${props.name}-${tp.id}`}>
          <input id={`${props.name}-${tp.id}`} type="checkbox" name={props.name} value={String(tp.id)} checked={tp.checked} />
          <span>{tp.name}</span>
        </label>
      ))}
      <p class="muted small">{props.hint}</p>
    </fieldset>
  );
}

export function SignupPage(props: {
  n: NewsletterView;
  consentText: string;
  values?: SignupValues;
  errors?: SignupErrors;
  topics?: TopicView[];
  /** Cloudflare Turnstile's site key, when the bot check is on: the page shows its widget. */
  turnstileSiteKey?: string | undefined;
}) {
  const { n } = props;
  const t = i18n(n.language).t;
  const v = props.values ?? {};
  const e = props.errors ?? {};
  const hasErrors = Object.keys(e).length > 0;
  const field = (id: 'email' | 'name' | 'consent') => (e[id] ? { 'aria-invalid': 'true', 'aria-describedby': `${id}-error` } : {});
  return (
    <Shell title={(hasErrors ? '⚠ ' : '') + t('signup.title', { newsletter: n.name })} lang={n.language} newsletter={n}>
      <h1>{t('signup.title', { newsletter: n.name })}</h1>
      {n.description ? <p>{n.description}</p> : null}
      <p class="muted">{t('signup.intro')}</p>
      <div class="card">
        {hasErrors ? (
          <div class="error-summary" role="alert" id="error-summary" tabindex={-1}>
            <strong>{t('signup.errorSummary')}</strong>
            <ul>
              {(['email', 'name', 'consent', 'bot'] as const)
                .filter((k) => e[k])
                .map((k) => (
                  <li>
                    <a href={k === 'bot' ? '#turnstile' : `#${k}`}>{e[k]}</a>
                  </li>
                ))}
            </ul>
          </div>
        ) : null}
        <form method="post" action={`/n/${n.slug}/subscribe`} novalidate>
          <label for="email">{t('signup.email')}</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            inputmode="email"
            required
            maxlength={254}
            value={v.email ?? ''}
            {...field('email')}
          />
          {e.email ? (
            <p class="field-error" id="email-error">
              {e.email}
            </p>
          ) : null}
          <label for="name">{t('signup.name')}</label>
          <input id="name" name="name" type="text" autocomplete="name" maxlength={200} value={v.name ?? ''} {...field('name')} />
          {e.name ? (
            <p class="field-error" id="name-error">
              {e.name}
            </p>
          ) : null}
          {props.topics?.length ? (
            <TopicBoxes
              topics={props.topics}
              name="topics"
              shown="topics_shown"
              legend={t('segments.signup.topics')}
              hint={t('segments.signup.topicsHint')}
              lang={n.language}
            />
          ) : null}
          <label class="check" for="consent">
            <input id="consent" name="consent" type="checkbox" value="yes" required checked={!!v.consent} {...field('consent')} />
            <span>{props.consentText}</span>
          </label>
          {e.consent ? (
            <p class="field-error" id="consent-error">
              {e.consent}
            </p>
          ) : null}
          <div class="hp" aria-hidden="true">
            <label for="website">{t('signup.honeypot')}</label>
            <input id="website" name="website" type="text" tabindex={-1} autocomplete="off" />
          </div>
          {props.turnstileSiteKey ? (
            <>
              {/* The widget adds its token to the form (cf-turnstile-response); the script is Cloudflare's. */}
              <div id="turnstile" class="cf-turnstile" data-sitekey={props.turnstileSiteKey} data-language={n.language} />
              {e.bot ? (
                <p class="field-error" id="bot-error">
                  {e.bot}
                </p>
              ) : null}
              <script src={TURNSTILE_SCRIPT} async defer />
            </>
          ) : null}
          <div class="actions">
            <button type="submit">{t('signup.submit')}</button>
          </div>
        </form>
        <p class="muted small privacy">
          {t('signup.privacy', { optIn: { key: 'signup.doubleOptIn' }, tracking: { key: n.openTracking ? 'signup.trackingOn' : 'signup.trackingOff' } })}
        </p>
      </div>
      <p class="small">
        <a href={`/archive/${n.slug}`}>{t('signup.archive')}</a>
      </p>
    </Shell>
  );
}

export function MessagePage(props: { n?: NewsletterView | undefined; lang: string; title: string; children?: Child }) {
  return (
    <Shell title={props.title} lang={props.lang} newsletter={props.n}>
      <h1>{props.title}</h1>
      <div class="card">{props.children}</div>
    </Shell>
  );
}

export function CheckInboxPage(props: { n: NewsletterView; email: string }) {
  const t = i18n(props.n.language).t;
  return (
    <MessagePage n={props.n} lang={props.n.language} title={t('check.title')}>
      <p role="status">{t('check.body', { email: props.email })}</p>
      <p class="muted small">{t('check.spam')}</p>
    </MessagePage>
  );
}

export function RateLimitedPage(props: { n: NewsletterView; minutes: number }) {
  const t = i18n(props.n.language).t;
  return (
    <MessagePage n={props.n} lang={props.n.language} title={t('error.rateLimitedTitle')}>
      <p role="alert">{t('error.rateLimited', { minutes: props.minutes })}</p>
    </MessagePage>
  );
}

export function ConfirmPage(props: { n: NewsletterView; lang: string; email: string; action: string; csrf: string }) {
  const t = i18n(props.lang).t;
  return (
    <MessagePage n={props.n} lang={props.lang} title={t('confirm.title')}>
      <p>{t('confirm.body', { newsletter: props.n.name, email: props.email })}</p>
      <form method="post" action={props.action}>
        <input type="hidden" name="csrf" value={props.csrf} />
        <div class="actions">
          <button type="submit">{t('confirm.button')}</button>
        </div>
      </form>
    </MessagePage>
  );
}

/** The latest published issue a new subscriber can read now; none yet, no link. */
export interface LatestIssueView {
  href: string;
  title: string;
}

export function ConfirmedPage(props: { n: NewsletterView; lang: string; email: string; already: boolean; latest: LatestIssueView | null }) {
  const t = i18n(props.lang).t;
  return (
    <MessagePage n={props.n} lang={props.lang} title={t('confirm.doneTitle')}>
      <p role="status">{props.already ? t('confirm.already') : t('confirm.doneBody', { newsletter: props.n.name, email: props.email })}</p>
      {props.latest ? (
        <p class="latest">
          <a class="button" href={props.latest.href}>
            {t('confirm.latest')}
          </a>
          <span class="muted small" lang={props.n.language}>
            {props.latest.title}
          </span>
        </p>
      ) : (
        <p class="muted small">{t('reader.confirm.firstIssueSoon')}</p>
      )}
    </MessagePage>
  );
}

export function InvalidLinkPage(props: { lang: string; n?: NewsletterView | undefined; message: string; signupSlug?: string }) {
  const t = i18n(props.lang).t;
  return (
    <MessagePage n={props.n} lang={props.lang} title={t('confirm.invalidTitle')}>
      <p role="alert">{props.message}</p>
      {props.signupSlug ? (
        <p>
          <a href={`/n/${props.signupSlug}`}>{t('confirm.signupAgain')}</a>
        </p>
      ) : null}
    </MessagePage>
  );
}

export function UnsubscribePage(props: { n: NewsletterView; lang: string; email: string; action: string; csrf: string; preferencesHref: string }) {
  const t = i18n(props.lang).t;
  return (
    <MessagePage n={props.n} lang={props.lang} title={t('unsub.title')}>
      <p>{t('unsub.body', { newsletter: props.n.name, email: props.email })}</p>
      <form method="post" action={props.action}>
        <input type="hidden" name="csrf" value={props.csrf} />
        <div class="actions">
          <button type="submit">{t('unsub.button')}</button>
          <a href={props.preferencesHref}>{t('unsub.preferences')}</a>
        </div>
      </form>
    </MessagePage>
  );
}

export function UnsubscribedPage(props: { n: NewsletterView; lang: string; preferencesHref: string }) {
  const t = i18n(props.lang).t;
  return (
    <MessagePage n={props.n} lang={props.lang} title={t('unsub.doneTitle')}>
      <p role="status">{t('unsub.doneBody', { newsletter: props.n.name })}</p>
      <p>
        <a href={props.preferencesHref}>{t('prefs.title')}</a>
      </p>
    </MessagePage>
  );
}

export interface PreferenceRow {
  id: string;
  newsletterName: string;
  status: string;
  /** The newsletter's topics, ticked when this subscriber receives them. */
  topics?: TopicView[];
}

export function PreferencesPage(props: {
  n: NewsletterView;
  lang: string;
  email: string;
  name: string | null;
  language: string | null;
  rows: PreferenceRow[];
  action: string;
  csrf: string;
  saved?: boolean;
  error?: string;
}) {
  const t: Translate = i18n(props.lang).t;
  return (
    <MessagePage n={props.n} lang={props.lang} title={t('prefs.title')}>
      {props.saved ? (
        <p class="notice" role="status">
          {t('prefs.saved')}
        </p>
      ) : null}
      {props.error ? (
        <p class="error-summary" role="alert">
          {props.error}
        </p>
      ) : null}
      <p>{t('prefs.intro', { email: props.email })}</p>
      <form method="post" action={props.action}>
        <input type="hidden" name="csrf" value={props.csrf} />
        <label for="name">{t('prefs.name')}</label>
        <input id="name" name="name" type="text" autocomplete="name" maxlength={200} value={props.name ?? ''} />
        <label for="language">{t('prefs.language')}</label>
        <select id="language" name="language">
          <option value="" selected={!props.language}>
            —
          </option>
          {LANGUAGES.map((code) => [code, i18n(code).t('language.name')] as const).map(([code, label]) => (
            <option value={code} selected={props.language === code} lang={code}>
              {label}
            </option>
          ))}
        </select>
        <fieldset style="border:0;padding:0;margin:1.2rem 0 0">
          <legend style="font-weight:600">{t('prefs.newsletters')}</legend>
          {props.rows.map((r) => (
            <label class="nl" for={`nl-${r.id}`}>
              <input
                id={`nl-${r.id}`}
                type="checkbox"
                name="subscribed"
                value={r.id}
                checked={r.status === 'active' || r.status === 'pending'}
                disabled={r.status === 'suppressed'}
              />
              <span>
                {r.newsletterName}
                {r.status === 'pending' ? <span class="muted small"> ({t('prefs.pendingNote')})</span> : null}
                {r.status === 'suppressed' ? <span class="muted small"> ({t('prefs.suppressedNote')})</span> : null}
              </span>
            </label>
          ))}
        </fieldset>
        {props.rows
          .filter((r) => r.topics?.length && r.status !== 'suppressed')
          .map((r) => (
            <TopicBoxes
              topics={r.topics!}
              name={`topics.${r.id}`}
              shown={`topics_shown.${r.id}`}
              legend={t('segments.prefs.topics', { newsletter: r.newsletterName })}
              hint={t('segments.prefs.topicsNote')}
              lang={props.lang}
            />
          ))}
        <div class="actions">
          <button type="submit">{t('prefs.save')}</button>
        </div>
      </form>
    </MessagePage>
  );
}

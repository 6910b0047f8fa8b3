/**
 * Public subscriber routes: no admin auth. Mounted in app.ts before the admin API so that
 * /api/v1/public/* never passes through `authenticate`.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit, readJson } from '../../http/body.ts';
import { openCors } from '../../http/cors.ts';
import type { NewsletterRow } from '../../db/schema.ts';
import { clientIp, userAgent } from '../../http/client.ts';
import type { AppEnv } from '../../http/env.ts';
import { AppError } from '../../lib/errors.ts';
import { NewsletterNotFoundPage } from '../../ui/error-pages.tsx';
import { checkCsrf, csrfFor, preferencesUrl } from '../../lib/tokens.ts';
import { en, i18n, type MessageKey, msg, readerLanguage } from '../../i18n/index.ts';
import {
  CheckInboxPage,
  ConfirmedPage,
  ConfirmPage,
  embedSnippet,
  InvalidLinkPage,
  type LatestIssueView,
  MessagePage,
  newsletterView,
  PreferencesPage,
  RateLimitedPage,
  SignupPage,
  UnsubscribedPage,
  UnsubscribePage,
  type SignupErrors,
  type SignupValues,
} from '../../ui/subscription.tsx';

/** Public bodies are a few fields: anything larger is refused before it is read. */
export const PUBLIC_BODY_LIMIT = 16 * 1024;

const view = newsletterView;
const meta = (c: Context) => ({ ip: clientIp(c), userAgent: userAgent(c) });

/** The reader's language when no newsletter or subscriber says it: their browser's. */
const readerLang = (c: Context) => readerLanguage(c.req.header('accept-language'));

function tooLargePage(c: Context) {
  const lang = readerLang(c);
  const t = i18n(lang).t;
  return c.html(
    <MessagePage lang={lang} title={t('page.tooLargeTitle')}>
      <p role="alert">{t('page.tooLarge')}</p>
    </MessagePage>,
    413,
  );
}

const formLimit = bodyLimit({ maxSize: PUBLIC_BODY_LIMIT, onError: (c) => tooLargePage(c) });
const jsonLimit = bodyLimit({
  maxSize: PUBLIC_BODY_LIMIT,
  onError: () => {
    throw new AppError('payload_too_large', msg('error.payloadTooLarge', { bytes: PUBLIC_BODY_LIMIT }));
  },
});

/** Form fields as strings (the last value when a field repeats), plus repeated ones as arrays. */
async function readForm(c: Context): Promise<{ one: Record<string, string>; all: Record<string, string[]> } | null> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return null;
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch {
    return { one: {}, all: {} };
  }
  const one: Record<string, string> = {};
  const all: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    const values = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    all[k] = values;
    if (values.length) one[k] = values[values.length - 1]!;
  }
  return { one, all };
}

async function newsletterOrPage(c: Context<AppEnv>, slug: string): Promise<NewsletterRow | Response> {
  try {
    return await c.var.services.subscribers.newsletterBySlug(slug);
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') {
      return c.html(<NewsletterNotFoundPage lang={readerLang(c)} />, 404);
    }
    throw e;
  }
}

/** The issue a new subscriber can read right away: the archive's latest, or none. */
async function latestIssue(c: Context<AppEnv>, n: NewsletterRow): Promise<LatestIssueView | null> {
  const e = await c.var.services.archive.latest(n.slug);
  return e ? { href: `/archive/${encodeURIComponent(n.slug)}/${e.number}`, title: e.title } : null;
}

const fieldMessage: Record<string, MessageKey> = { email: 'error.email', name: 'error.name', consent: 'error.consent' };

export const publicSubscriberRoutes = new Hono<AppEnv>();

// ---- signup page, form and the embeddable snippet (shown to editors in the admin)

publicSubscriberRoutes.get('/n/:slug', async (c) => {
  const n = await newsletterOrPage(c, c.req.param('slug'));
  if (n instanceof Response) return n;
  const s = c.var.services;
  const consent = await s.subscribers.consentText(n);
  return c.html(<SignupPage n={view(n)} consentText={consent.text} topics={await signupTopics(c, n)} turnstileSiteKey={s.config.turnstile?.siteKey} />);
});

/** The newsletter's topics for the signup form: all ticked, or as the reader ticked them (`chosen`). */
async function signupTopics(c: Context<AppEnv>, n: NewsletterRow, chosen?: string[]) {
  const topics = await c.var.services.segments.topicRows(n.id);
  return topics.map((tp) => ({ id: tp.id, name: tp.name, checked: chosen ? chosen.includes(String(tp.id)) : true }));
}

publicSubscriberRoutes.get('/n/:slug/embed', async (c) => {
  const n = await newsletterOrPage(c, c.req.param('slug'));
  if (n instanceof Response) return n;
  const s = c.var.services;
  const consent = await s.subscribers.consentText(n);
  c.header('Access-Control-Allow-Origin', '*');
  c.header('Cross-Origin-Resource-Policy', 'cross-origin');
  return c.body(embedSnippet(view(n), consent.text, s.config.publicUrl), 200, { 'Content-Type': 'text/html; charset=utf-8' });
});

publicSubscriberRoutes.post('/n/:slug/subscribe', formLimit, async (c) => {
  const n = await newsletterOrPage(c, c.req.param('slug'));
  if (n instanceof Response) return n;
  const s = c.var.services;
  const t = i18n(n.language).t;
  const form = await readForm(c);
  if (!form) {
    return c.html(
      <MessagePage n={view(n)} lang={n.language} title={t('page.unsupportedTitle')}>
        <p role="alert">{t('page.unsupported')}</p>
      </MessagePage>,
      415,
    );
  }
  const f = form.one;
  const values: SignupValues = {
    email: (f.email ?? '').slice(0, 320),
    name: (f.name ?? '').slice(0, 400),
    consent: f.consent === 'yes' || f.consent === 'on' || f.consent === 'true',
  };
  // Topic boxes shown: what is ticked (none is a choice too); a form without them (the embed snippet) never chose.
  const chosenTopics = f.topics_shown ? (form.all.topics ?? []).slice(0, 50) : undefined;
  const input = {
    email: f.email ?? '',
    name: f.name ?? null,
    consent: values.consent,
    website: f.website ?? '',
    ...(chosenTopics ? { topics: chosenTopics } : {}),
    ...(f['cf-turnstile-response'] !== undefined ? { turnstileToken: f['cf-turnstile-response'] } : {}),
  };
  try {
    await s.subscribers.signup(n.slug, input, 'form', meta(c));
  } catch (e) {
    if (e instanceof AppError && e.code === 'validation_failed') {
      const errors: SignupErrors = {};
      const fields = ((e.details as { fields?: { field: string }[] } | undefined)?.fields ?? []).map((x) => x.field);
      for (const k of fields) {
        if (k === 'email' || k === 'name' || k === 'consent')
          errors[k] = k === 'email' && !values.email?.trim() ? t('error.emailRequired') : t(fieldMessage[k]!);
        if (k === 'turnstileToken') errors.bot = i18n(n.language).m(e.said);
      }
      if (!Object.keys(errors).length) errors.email = t('error.email');
      const consent = await s.subscribers.consentText(n);
      return c.html(
        <SignupPage
          n={view(n)}
          consentText={consent.text}
          values={values}
          errors={errors}
          topics={await signupTopics(c, n, chosenTopics)}
          turnstileSiteKey={s.config.turnstile?.siteKey}
        />,
        422,
      );
    }
    if (e instanceof AppError && e.code === 'unavailable' && s.config.turnstile) {
      const consent = await s.subscribers.consentText(n);
      return c.html(
        <SignupPage
          n={view(n)}
          consentText={consent.text}
          values={values}
          errors={{ bot: i18n(n.language).m(e.said) }}
          topics={await signupTopics(c, n, chosenTopics)}
          turnstileSiteKey={s.config.turnstile.siteKey}
        />,
        503,
      );
    }
    if (e instanceof AppError && e.code === 'rate_limited') {
      const retry = (e.details as { retryAfter: number }).retryAfter;
      c.header('Retry-After', String(retry));
      return c.html(<RateLimitedPage n={view(n)} minutes={Math.max(1, Math.ceil(retry / 60))} />, 429);
    }
    throw e;
  }
  return c.html(<CheckInboxPage n={view(n)} email={values.email!.trim()} />);
});

// ---- the JSON signup endpoint, callable from any origin

const publicApi = new Hono<AppEnv>();
publicApi.use('*', openCors({ allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type'], maxAge: 86_400 }));
publicApi.use('*', async (c, next) => {
  // Errors answered here keep the CORS headers, so browsers can read them.
  try {
    await next();
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    for (const [k, v] of Object.entries(e.headers ?? {})) c.header(k, v);
    c.res = c.json(e.toJSON(), e.status as 400);
  }
});
publicApi.post('/newsletters/:slug/subscribe', jsonLimit, async (c) => {
  const s = c.var.services;
  const slug = c.req.param('slug');
  await s.subscribers.signupNewsletterId(slug); // an unknown newsletter is a 404 before the body is read
  const body = await readJson(c);
  await s.subscribers.signup(slug, body, 'api', meta(c));
  return c.json({ ok: true, message: en().t('signup.accepted') }, 202);
});
publicApi.all('*', () => {
  throw new AppError('not_found', msg('error.noPublicEndpoint'));
});
publicSubscriberRoutes.route('/api/v1/public', publicApi);

// ---- confirm

publicSubscriberRoutes.get('/confirm/:token', async (c) => {
  const s = c.var.services;
  const token = c.req.param('token');
  const state = await s.subscribers.confirmState(token);
  if (state.kind === 'invalid') return invalid(c, 'confirm.invalid', 400);
  const lang = state.subscriber.language ?? state.newsletter.language;
  if (state.kind === 'already')
    return c.html(
      <ConfirmedPage n={view(state.newsletter)} lang={lang} email={state.subscriber.email ?? ''} already latest={await latestIssue(c, state.newsletter)} />,
    );
  return c.html(
    <ConfirmPage n={view(state.newsletter)} lang={lang} email={state.subscriber.email ?? ''} action={`/confirm/${token}`} csrf={csrfFor(s.secret, token)} />,
  );
});

publicSubscriberRoutes.post('/confirm/:token', formLimit, async (c) => {
  const s = c.var.services;
  const token = c.req.param('token');
  const form = await readForm(c);
  if (!checkCsrf(s.secret, token, form?.one.csrf)) return csrfFailed(c);
  const before = await s.subscribers.confirmState(token);
  const state = await s.subscribers.confirm(token, meta(c));
  if (state.kind === 'invalid') return invalid(c, 'confirm.invalid', 400);
  const lang = state.subscriber.language ?? state.newsletter.language;
  return c.html(
    <ConfirmedPage
      n={view(state.newsletter)}
      lang={lang}
      email={state.subscriber.email ?? ''}
      already={before.kind === 'already'}
      latest={await latestIssue(c, state.newsletter)}
    />,
  );
});

// ---- unsubscribe (RFC 8058 one-click and the page's button)

publicSubscriberRoutes.get('/unsubscribe/:token', async (c) => {
  const s = c.var.services;
  const token = c.req.param('token');
  const state = await s.subscribers.unsubscribeState(token);
  if (state.kind === 'invalid') return invalid(c, 'unsub.invalid', 404);
  const lang = state.subscriber.language ?? state.newsletter.language;
  const prefs = preferencesUrl('', s.secret, String(state.subscriber.id));
  if (state.subscriber.status === 'unsubscribed') return c.html(<UnsubscribedPage n={view(state.newsletter)} lang={lang} preferencesHref={prefs} />);
  return c.html(
    <UnsubscribePage
      n={view(state.newsletter)}
      lang={lang}
      email={state.subscriber.email ?? ''}
      action={`/unsubscribe/${token}`}
      csrf={csrfFor(s.secret, token)}
      preferencesHref={prefs}
    />,
  );
});

publicSubscriberRoutes.post('/unsubscribe/:token', formLimit, async (c) => {
  const s = c.var.services;
  const token = c.req.param('token');
  const form = await readForm(c);
  // RFC 8058: the mail client posts List-Unsubscribe=One-Click; the token in the URL is the capability.
  const oneClick = form?.one['List-Unsubscribe'] === 'One-Click';
  if (!oneClick && !checkCsrf(s.secret, token, form?.one.csrf)) return csrfFailed(c);
  const state = await s.subscribers.unsubscribe(token, oneClick ? 'one-click' : 'link', meta(c));
  if (state.kind === 'invalid') return invalid(c, 'unsub.invalid', 404);
  const lang = state.subscriber.language ?? state.newsletter.language;
  return c.html(<UnsubscribedPage n={view(state.newsletter)} lang={lang} preferencesHref={preferencesUrl('', s.secret, String(state.subscriber.id))} />, 200);
});

// ---- preferences

publicSubscriberRoutes.get('/preferences/:token', async (c) => {
  const s = c.var.services;
  const token = c.req.param('token');
  const state = await s.subscribers.preferencesState(token);
  if (state.kind === 'invalid') return invalid(c, 'prefs.invalid', 404);
  return c.html(preferencesPage(c, token, state));
});

publicSubscriberRoutes.post('/preferences/:token', formLimit, async (c) => {
  const s = c.var.services;
  const token = c.req.param('token');
  const form = await readForm(c);
  if (!checkCsrf(s.secret, token, form?.one.csrf)) return csrfFailed(c);
  try {
    const state = await s.subscribers.savePreferences(
      token,
      {
        ...(form!.one.name !== undefined ? { name: form!.one.name } : {}),
        ...(form!.one.language !== undefined ? { language: form!.one.language } : {}),
        subscribed: form!.all.subscribed ?? [],
        topics: Object.fromEntries(
          Object.keys(form!.one)
            .filter((k) => /^topics_shown\.\d{1,18}$/.test(k))
            .slice(0, 100)
            .map((k) => [k.slice('topics_shown.'.length), form!.all[`topics.${k.slice('topics_shown.'.length)}`] ?? []]),
        ),
      },
      meta(c),
    );
    if (state.kind === 'invalid') return invalid(c, 'prefs.invalid', 404);
    return c.html(preferencesPage(c, token, state, { saved: true }));
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== 'validation_failed') throw e;
    const state = await s.subscribers.preferencesState(token);
    if (state.kind === 'invalid') return invalid(c, 'prefs.invalid', 404);
    const t = i18n(state.subscriber.language ?? state.newsletter.language).t;
    return c.html(preferencesPage(c, token, state, { error: t('error.name') }), 422);
  }
});

type PrefState = Extract<Awaited<ReturnType<AppEnv['Variables']['services']['subscribers']['preferencesState']>>, { kind: 'ok' }>;

function preferencesPage(c: Context<AppEnv>, token: string, state: PrefState, extra: { saved?: boolean; error?: string } = {}) {
  const s = state.subscriber;
  return (
    <PreferencesPage
      n={view(state.newsletter)}
      lang={s.language ?? state.newsletter.language}
      email={s.email ?? ''}
      name={s.name}
      language={s.language}
      rows={state.rows.map((r) => ({
        id: String(r.subscriber.id),
        newsletterName: r.newsletterName,
        status: r.subscriber.status,
        topics: (state.topics[String(r.subscriber.id)] ?? []).map((tp) => ({ id: tp.id, name: tp.name, checked: tp.received })),
      }))}
      action={`/preferences/${token}`}
      csrf={csrfFor(c.var.services.secret, token)}
      {...extra}
    />
  );
}

function invalid(c: Context, key: MessageKey, status: 400 | 404) {
  const lang = readerLang(c);
  return c.html(<InvalidLinkPage lang={lang} message={i18n(lang).t(key)} />, status);
}

function csrfFailed(c: Context) {
  const lang = readerLang(c);
  return c.html(<InvalidLinkPage lang={lang} message={i18n(lang).t('csrf.invalid')} />, 403);
}

/** The start page: what this Quire serves and where to go next, in the reader's language. */
import { i18n, type Lang } from '../i18n/index.ts';
import type { Newsletter } from '../modules/newsletters/service.ts';
import { Page } from './layout.tsx';
import { rich } from './rich.tsx';

export function HomePage(props: { lang: Lang; newsletters: Newsletter[]; dbKind: string; transport: string }) {
  const { t } = i18n(props.lang);
  return (
    <Page title="Quire" lang={props.lang}>
      <header class="site">
        <div>
          <a class="brand" href="/">
            Quire
          </a>
          <span class="muted small">{t('home.tagline')}</span>
          <a href="/admin" style="margin-left:auto">
            {t('home.admin')}
          </a>
        </div>
      </header>
      <main>
        <h1>{t('home.title')}</h1>
        {props.newsletters.length === 0 ? (
          <div class="card">
            <p>{t('home.empty')}</p>
            <p class="muted small">{t('home.emptyHelp', { endpoint: 'POST /api/v1/newsletters' })}</p>
          </div>
        ) : (
          <div class="card">
            <ul class="plain">
              {props.newsletters.map((n) => (
                <li>
                  <strong lang={n.language}>{n.name}</strong>
                  {n.description ? (
                    <div class="muted small" lang={n.language}>
                      {n.description}
                    </div>
                  ) : null}
                  <div class="small">
                    <a href={`/n/${n.slug}`}>{t('home.subscribe')}</a> · <a href={`/archive/${n.slug}`}>{t('home.archive')}</a> ·{' '}
                    <a href={`/archive/${n.slug}/feed.xml`}>{t('home.rss')}</a>
                  </div>
                </li>
              ))}
            </ul>
          </div>
        )}
        <p class="muted small" style="margin-top:2rem">
          {rich(t, 'home.database', { db: <code>{props.dbKind}</code> })} · {rich(t, 'home.transport', { transport: <code>{props.transport}</code> })} ·{' '}
          <a href="/api/docs">{t('home.api')}</a> · <a href="/healthz">{t('home.health')}</a>
        </p>
      </main>
    </Page>
  );
}

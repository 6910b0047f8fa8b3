/** The start page: the newsletters a reader can subscribe to and read, in the reader's language. Nothing about how this Quire runs. */
import { i18n, type Lang } from '../i18n/index.ts';
import type { Newsletter } from '../modules/newsletters/service.ts';
import { Page } from './layout.tsx';

export function HomePage(props: { lang: Lang; newsletters: Newsletter[] }) {
  const { t } = i18n(props.lang);
  return (
    <Page title="Quire" lang={props.lang}>
      <header class="site">
        <div>
          <a class="brand" href="/">
            Quire
          </a>
          <span class="muted small">{t('home.tagline')}</span>
        </div>
      </header>
      <main>
        <h1>{t('home.title')}</h1>
        {props.newsletters.length === 0 ? (
          <div class="card">
            <p>{t('home.empty')}</p>
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
      </main>
    </Page>
  );
}

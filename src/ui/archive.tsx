/** The archive index of a newsletter: every sent issue, newest first. */
import type { NewsletterRow } from '../db/schema.ts';
import type { ArchiveEntry } from '../modules/archive/service.ts';
import { i18n } from '../i18n/index.ts';
import { Page } from './layout.tsx';

export function ArchivePage(props: { newsletter: NewsletterRow; entries: ArchiveEntry[] }) {
  const n = props.newsletter;
  const { t: tr } = i18n(n.language);
  const t = { archive: tr('archive.title'), empty: tr('archive.empty'), subscribe: tr('archive.subscribe'), rss: tr('archive.rss') };
  return (
    <Page
      title={tr('reader.archive.pageTitle', { newsletter: n.name })}
      lang={n.language}
      head={<link rel="alternate" type="application/rss+xml" title={n.name} href={`/archive/${n.slug}/feed.xml`} />}
    >
      <main>
        <p class="muted small">
          <a href="/">Quire</a> / {t.archive}
        </p>
        <h1>{n.name}</h1>
        {n.description ? <p class="muted">{n.description}</p> : null}
        <p>
          <a class="button" href={`/n/${n.slug}`}>
            {t.subscribe}
          </a>{' '}
          <a class="button secondary" href={`/archive/${n.slug}/feed.xml`}>
            {t.rss}
          </a>
        </p>
        <h2>{t.archive}</h2>
        {props.entries.length === 0 ? (
          <div class="card">
            <p class="muted">{t.empty}</p>
          </div>
        ) : (
          <div class="card">
            <ul class="plain">
              {props.entries.map((e) => (
                <li>
                  <a href={`/archive/${n.slug}/${e.number}`}>
                    <strong>{e.title}</strong>
                  </a>
                  <div class="muted small">{[e.volume, e.date ?? e.sentAt?.slice(0, 10)].filter(Boolean).join(' · ')}</div>
                  {e.sectionTitles.length ? <div class="small">{e.sectionTitles.join(' · ')}</div> : null}
                </li>
              ))}
            </ul>
          </div>
        )}
      </main>
    </Page>
  );
}

/** The archive of a newsletter: the list of issues, newest first, and the search over their articles. */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { NewsletterRow } from '../db/schema.ts';
import type { ArchiveEntry, ArchiveListPage, SearchResult } from '../modules/archive/service.ts';
import { i18n } from '../i18n/index.ts';
import { assetPath } from './assets.ts';
import { Page } from './layout.tsx';

const base = (n: NewsletterRow) => `/archive/${encodeURIComponent(n.slug)}`;

/** The feeds beside every archive page, for feed readers' autodiscovery. */
function FeedLinks(props: { n: NewsletterRow }) {
  const href = base(props.n);
  return (
    <>
      <link rel="stylesheet" href={assetPath('archive.css')} />
      <link rel="alternate" type="application/rss+xml" title={props.n.name} href={`${href}/feed.xml`} />
      <link rel="alternate" type="application/atom+xml" title={props.n.name} href={`${href}/feed.atom`} />
      <link rel="alternate" type="application/feed+json" title={props.n.name} href={`${href}/feed.json`} />
    </>
  );
}

function Frame(props: { n: NewsletterRow; title: string; head?: Child; children?: Child }) {
  const n = props.n;
  return (
    <Page
      title={props.title}
      lang={n.language}
      head={
        <>
          <FeedLinks n={n} />
          {props.head}
        </>
      }
    >
      <header class="site">
        <div>
          <a class="brand" href={base(n)}>
            {n.name}
          </a>
        </div>
      </header>
      <main class="archive">{props.children}</main>
    </Page>
  );
}

/** `labelHidden`: the page's heading already says what the box is for (the label stays for screen readers). */
function SearchBox(props: { n: NewsletterRow; q?: string; labelHidden?: boolean }) {
  const { t } = i18n(props.n.language);
  return (
    <search>
      <form class="archive-search" method="get" action={`${base(props.n)}/search`}>
        <label for="archive-q" class={props.labelHidden ? 'archive-sr' : undefined}>
          {t('archiveUx.search.label')}
        </label>
        <div class="archive-search-row">
          <input type="search" id="archive-q" name="q" value={props.q ?? ''} maxlength={200} autocomplete="off" />
          <button type="submit">{t('archiveUx.search.button')}</button>
        </div>
      </form>
    </search>
  );
}

/** "2026年第3期 · 2026年3月1日" / "No. 3 · March 1, 2026": the volume (else the number) and the date, in the newsletter's language. */
function entryMeta(n: NewsletterRow, e: { number: number; volume: string | null; date: string | null; publishedAt: string }): string {
  const l = i18n(n.language);
  const date = l.date(e.date ? `${e.date}T12:00:00Z` : e.publishedAt, e.date ? 'UTC' : n.time_zone);
  return [e.volume?.trim() || l.t('archiveUx.issueNumber', { number: e.number }), date].join(' · ');
}

export function ArchivePage(props: ArchiveListPage) {
  const n = props.newsletter;
  const { t } = i18n(n.language);
  const list = props.entries;
  return (
    <Frame n={n} title={t('reader.archive.pageTitle', { newsletter: n.name })}>
      <h1>{n.name}</h1>
      {n.description ? <p class="muted">{n.description}</p> : null}
      <p class="archive-actions">
        <a class="button" href={`/n/${n.slug}`}>
          {t('archive.subscribe')}
        </a>{' '}
        <a class="button secondary" href={`${base(n)}/feed.xml`}>
          {t('archive.rss')}
        </a>
      </p>
      <p class="muted small">
        <a href={`${base(n)}/feed.atom`}>{t('archiveUx.atom')}</a> · <a href={`${base(n)}/feed.json`}>{t('archiveUx.jsonFeed')}</a>
      </p>
      <SearchBox n={n} />
      <h2>{t('archive.title')}</h2>
      {list.length === 0 ? (
        <div class="card">
          <p>{t('archiveUx.empty')}</p>
          <p class="muted">
            <a href={`/n/${n.slug}`}>{t('archiveUx.emptySignup')}</a>
          </p>
        </div>
      ) : (
        <ol class="archive-list card">
          {list.map((e) => (
            <ArchiveItem n={n} e={e} />
          ))}
        </ol>
      )}
      <Pager n={n} older={props.older} newer={props.newer} />
    </Frame>
  );
}

function ArchiveItem(props: { n: NewsletterRow; e: ArchiveEntry }) {
  const { n, e } = props;
  return (
    <li>
      <a class="archive-title" href={`${base(n)}/${e.number}`}>
        {e.title}
      </a>
      <div class="muted small">{entryMeta(n, e)}</div>
      {e.articleTitles.length ? (
        <ul class="archive-articles small">
          {e.articleTitles.map((title) => (
            <li>{title}</li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function Pager(props: { n: NewsletterRow; older: string | null; newer: string | null }) {
  if (!props.older && !props.newer) return null;
  const { t } = i18n(props.n.language);
  return (
    <nav class="archive-pager">
      {props.newer ? (
        <a rel="prev" href={`${base(props.n)}?cursor=${encodeURIComponent(props.newer)}`}>
          {t('archiveUx.newerIssues')}
        </a>
      ) : (
        <span />
      )}
      {props.older ? (
        <a rel="next" href={`${base(props.n)}?cursor=${encodeURIComponent(props.older)}`}>
          {t('archiveUx.olderIssues')}
        </a>
      ) : null}
    </nav>
  );
}

/**
 * The search page. `problem`: a query too long (the page says so instead of searching);
 * results' snippets arrive HTML-escaped with `<mark>` around matches (ArchiveService.search).
 */
export function ArchiveSearchPage(props: { result: SearchResult; problem?: string | undefined; cursor?: string | undefined }) {
  const { newsletter: n, query, items, nextCursor } = props.result;
  const l = i18n(n.language);
  const { t } = l;
  const title = query ? t('archiveUx.search.pageTitle', { query, newsletter: n.name }) : t('archiveUx.search.titleEmpty', { newsletter: n.name });
  return (
    <Frame n={n} title={title} head={<meta name="robots" content="noindex" />}>
      <p class="small">
        <a href={base(n)}>{t('archiveUx.search.back')}</a>
      </p>
      <h1>{t('archiveUx.search.label')}</h1>
      <SearchBox n={n} q={query} labelHidden />
      {props.problem ? (
        <p class="notice" role="alert">
          {props.problem}
        </p>
      ) : !query ? (
        <p class="muted">{t('archiveUx.search.hint')}</p>
      ) : items.length === 0 ? (
        <div class="card">
          <p role="status">{t('archiveUx.search.none', { query })}</p>
          <p class="muted small">{t('archiveUx.search.hint')}</p>
        </div>
      ) : (
        <>
          <h2 class="muted small">{t('archiveUx.search.results', { query })}</h2>
          <ol class="archive-list archive-results card">
            {items.map((it) => (
              <li>
                <a class="archive-title" href={it.url}>
                  {raw(it.article.titleHtml)}
                </a>
                <div class="muted small">
                  {it.title} · {l.date(it.publishedAt, n.time_zone)}
                </div>
                {it.snippetHtml ? <p class="archive-snippet small">{raw(it.snippetHtml)}</p> : null}
              </li>
            ))}
          </ol>
          {nextCursor ? (
            <nav class="archive-pager">
              <span />
              <a rel="next" href={`${base(n)}/search?q=${encodeURIComponent(query)}&cursor=${encodeURIComponent(nextCursor)}`}>
                {t('archiveUx.search.more')}
              </a>
            </nav>
          ) : null}
        </>
      )}
    </Frame>
  );
}

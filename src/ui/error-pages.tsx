/** The pages a reader meets when a public address is wrong or a request fails, in their language. */
import { i18n, type Lang } from '../i18n/index.ts';
import { MessagePage, type NewsletterView } from './subscription.tsx';

/**
 * `n`: the newsletter the address belongs to, when known: the page wears its name and offers its
 * archive list (an unknown issue number, a mistyped archive address).
 */
export function NotFoundPage(props: { lang: Lang; detail?: string | undefined; n?: NewsletterView | undefined }) {
  const { t } = i18n(props.lang);
  return (
    <MessagePage lang={props.lang} n={props.n} title={t('page.notFoundTitle')}>
      {props.detail ? <p>{props.detail}</p> : null}
      {props.n ? (
        <>
          <p>{t('reader.archive.checkLink')}</p>
          <p>
            <a class="button" href={`/archive/${encodeURIComponent(props.n.slug)}`}>
              {t('reader.archive.allIssues')}
            </a>
          </p>
        </>
      ) : (
        <p>
          {t('page.notFound')} <a href="/">{t('page.start')}</a>
        </p>
      )}
    </MessagePage>
  );
}

/** An address naming a newsletter that does not exist (`/n/:slug`, `/archive/:slug`). */
export function NewsletterNotFoundPage(props: { lang: Lang }) {
  const { t } = i18n(props.lang);
  return (
    <MessagePage lang={props.lang} title={t('page.newsletterNotFoundTitle')}>
      <p>{t('page.newsletterNotFound')}</p>
      <p>
        <a href="/">{t('page.start')}</a>
      </p>
    </MessagePage>
  );
}

export function FailurePage(props: { lang: Lang; detail: string }) {
  const { t } = i18n(props.lang);
  return (
    <MessagePage lang={props.lang} title={t('page.errorTitle')}>
      <p role="alert">{t('page.error', { message: props.detail })}</p>
      <p>
        <a href="/">{t('page.start')}</a>
      </p>
    </MessagePage>
  );
}

/** When the database cannot be reached: no operator detail, a promise to be back. */
export function UnavailablePage(props: { lang: Lang }) {
  const { t } = i18n(props.lang);
  return (
    <MessagePage lang={props.lang} title={t('page.unavailableTitle')}>
      <p role="alert">{t('page.unavailable')}</p>
    </MessagePage>
  );
}

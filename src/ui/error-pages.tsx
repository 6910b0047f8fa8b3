/** The pages a reader meets when a public address is wrong or a request fails, in their language. */
import { i18n, type Lang } from '../i18n/index.ts';
import { MessagePage } from './subscription.tsx';

export function NotFoundPage(props: { lang: Lang; detail?: string | undefined }) {
  const { t } = i18n(props.lang);
  return (
    <MessagePage lang={props.lang} title={t('page.notFoundTitle')}>
      {props.detail ? <p>{props.detail}</p> : null}
      <p>
        {t('page.notFound')} <a href="/">{t('page.start')}</a>
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

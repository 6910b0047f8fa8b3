/** @jsxImportSource react */
/** Optional (newsletters.goodbye_enabled): one last note after unsubscribing, with a way back. */
import { Heading, Link, Text } from '@react-email/components';
import { i18n } from '../../src/i18n/index.ts';
import { CustomBody, type CustomText, cls, EmailFrame, styles } from './layout.tsx';

export interface GoodbyeEmailProps {
  lang: string;
  newsletterName: string;
  /** The newsletter's own wording (subject and text, filled in), in place of the default. */
  custom?: CustomText | null;
  /** The newsletter's organisation and postal address, in the footer. */
  postalAddress?: string | null;
  signupUrl: string;
}

export function GoodbyeEmail(p: GoodbyeEmailProps) {
  const t = i18n(p.lang).t;
  const v = { newsletter: p.newsletterName };
  return (
    <EmailFrame lang={p.lang} preview={t('mail.goodbye.preview')} newsletterName={p.newsletterName} postalAddress={p.postalAddress}>
      <Heading as="h1" style={styles.heading} className={cls.heading}>
        {t('mail.goodbye.heading')}
      </Heading>
      {p.custom ? (
        <CustomBody body={p.custom.body} />
      ) : (
        <Text style={styles.text} className={cls.text}>
          {t('mail.goodbye.body', v)}
        </Text>
      )}
      <Text style={styles.muted} className={cls.muted}>
        <Link href={p.signupUrl} style={styles.link} className={cls.link}>
          {t('mail.goodbye.resubscribe')}
        </Link>
      </Text>
    </EmailFrame>
  );
}

export default GoodbyeEmail;

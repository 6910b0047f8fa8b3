/** @jsxImportSource react */
/** Double opt-in: the one email sent before consent, so it says who asked and how to ignore it. */
import { Button, Heading, Link, Section, Text } from '@react-email/components';
import { i18n } from '../../src/i18n/index.ts';
import { CustomBody, type CustomText, cls, EmailFrame, Greeting, styles } from './layout.tsx';

export interface ConfirmEmailProps {
  lang: string;
  newsletterName: string;
  /** The newsletter's own wording (subject and text, filled in), in place of the default. */
  custom?: CustomText | null;
  /** The newsletter's organisation and postal address, in the footer. */
  postalAddress?: string | null;
  confirmUrl: string;
  /** The name the subscriber gave, if any: the greeting uses it. */
  name?: string | null;
}

export function ConfirmEmail({ lang, newsletterName, confirmUrl, name, postalAddress, custom }: ConfirmEmailProps) {
  const t = i18n(lang).t;
  const v = { newsletter: newsletterName };
  return (
    <EmailFrame lang={lang} preview={t('mail.confirm.preview')} newsletterName={newsletterName} postalAddress={postalAddress}>
      <Heading as="h1" style={styles.heading} className={cls.heading}>
        {t('mail.confirm.heading')}
      </Heading>
      {custom ? (
        <CustomBody body={custom.body} />
      ) : (
        <>
          <Greeting lang={lang} name={name} />
          <Text style={styles.text} className={cls.text}>
            {t('mail.confirm.body', v)}
          </Text>
        </>
      )}
      <Section style={{ margin: '8px 0 20px' }}>
        <Button href={confirmUrl} style={styles.button} className={cls.button}>
          {t('mail.confirm.button')}
        </Button>
      </Section>
      <Text style={styles.muted} className={cls.muted}>
        <Link href={confirmUrl} style={styles.link} className={cls.link}>
          {confirmUrl}
        </Link>
      </Text>
      <Text style={styles.muted} className={cls.muted}>
        {t('mail.confirm.ignore')}
      </Text>
    </EmailFrame>
  );
}

export default ConfirmEmail;

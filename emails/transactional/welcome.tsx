/** @jsxImportSource react */
/** Sent once after confirmation, when the newsletter has welcome emails on. */
import { Button, Heading, Section, Text } from '@react-email/components';
import { i18n } from '../../src/i18n/index.ts';
import { CustomBody, type CustomText, cls, EmailFrame, FooterLinks, Greeting, styles } from './layout.tsx';

export interface WelcomeEmailProps {
  lang: string;
  newsletterName: string;
  /** The newsletter's own wording (subject and text, filled in), in place of the default. */
  custom?: CustomText | null;
  /** The newsletter's organisation and postal address, in the footer. */
  postalAddress?: string | null;
  archiveUrl: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** The name the subscriber gave, if any: the greeting uses it. */
  name?: string | null;
}

export function WelcomeEmail(p: WelcomeEmailProps) {
  const t = i18n(p.lang).t;
  const v = { newsletter: p.newsletterName };
  return (
    <EmailFrame
      lang={p.lang}
      preview={t('mail.welcome.preview')}
      newsletterName={p.newsletterName}
      postalAddress={p.postalAddress}
      footer={
        <FooterLinks
          links={[
            { href: p.preferencesUrl, label: t('mail.footer.preferences') },
            { href: p.unsubscribeUrl, label: t('mail.footer.unsubscribe') },
          ]}
        />
      }
    >
      <Heading as="h1" style={styles.heading} className={cls.heading}>
        {t('mail.welcome.heading')}
      </Heading>
      {p.custom ? (
        <CustomBody body={p.custom.body} />
      ) : (
        <>
          <Greeting lang={p.lang} name={p.name} />
          <Text style={styles.text} className={cls.text}>
            {t('mail.welcome.body', v)}
          </Text>
        </>
      )}
      <Section style={{ margin: '8px 0 8px' }}>
        <Button href={p.archiveUrl} style={styles.button} className={cls.button}>
          {t('mail.welcome.archive')}
        </Button>
      </Section>
    </EmailFrame>
  );
}

export default WelcomeEmail;

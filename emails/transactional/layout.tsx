/** @jsxImportSource react */
/**
 * The frame every transactional email shares: plain, readable, one column. Inline styles carry the
 * light design (what clients without <style> get); the `qt-*` classes are hooks for the dark-mode
 * rules in DARK_MODE_CSS, which clients that honour `prefers-color-scheme` apply. react-email's
 * <Body> repeats its background on the cell of a full-width table inside it, hence the
 * `.qt-bg > table > tbody > tr > td` rule: without it the page around the card stays light.
 */
import { Body, Container, Head, Hr, Html, Link, Preview, Text } from '@react-email/components';
import type { ReactNode } from 'react';
import { i18n } from '../../src/i18n/index.ts';

export const styles = {
  body: {
    backgroundColor: '#f7f8f6',
    margin: 0,
    padding: '24px 0',
    fontFamily: "-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei','Noto Sans SC',Helvetica,Arial,sans-serif",
  },
  container: { backgroundColor: '#ffffff', border: '1px solid #dfe4e0', borderRadius: '10px', maxWidth: '560px', padding: '28px 28px 20px' },
  heading: { color: '#1d2520', fontSize: '22px', lineHeight: '1.3', margin: '0 0 16px' },
  text: { color: '#1d2520', fontSize: '16px', lineHeight: '1.6', margin: '0 0 16px' },
  button: {
    backgroundColor: '#1f6f4a',
    borderRadius: '8px',
    color: '#ffffff',
    fontSize: '16px',
    fontWeight: 600,
    padding: '12px 20px',
    textDecoration: 'none',
    display: 'inline-block',
  },
  muted: { color: '#5b6660', fontSize: '13px', lineHeight: '1.5', margin: '0 0 8px' },
  link: { color: '#1f6f4a' },
} as const;

/** The class each styled part carries, for the dark-mode rules. */
export const cls = {
  heading: 'qt-text',
  text: 'qt-text',
  muted: 'qt-muted',
  link: 'qt-link',
  button: 'qt-button',
} as const;

/** The same palette as the issue email's dark mode (emails/newsletter/issue.mjml.ts); on a phone the card spans the screen. */
export const DARK_MODE_CSS = `
:root { color-scheme: light dark; supported-color-schemes: light dark; }
@media only screen and (max-width: 480px) {
  .qt-card { border-radius: 0 !important; border-left-width: 0 !important; border-right-width: 0 !important; padding: 24px 20px 16px !important; }
}
@media (prefers-color-scheme: dark) {
  body, .qt-bg, .qt-bg > table > tbody > tr > td { background-color: #0f1512 !important; }
  .qt-card { background-color: #18211c !important; border-color: #2c3a32 !important; }
  .qt-text { color: #e2ebe5 !important; }
  .qt-muted { color: #9fb3a7 !important; }
  .qt-link { color: #7fd0a5 !important; }
  .qt-button { background-color: #2f8a5f !important; color: #ffffff !important; }
  .qt-rule { border-color: #2c3a32 !important; }
}`;

/** `postalAddress`: the newsletter's organisation and postal address (its settings), under its name in every email. */
export function EmailFrame(props: {
  lang: string;
  preview: string;
  newsletterName: string;
  postalAddress?: string | null | undefined;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <Html lang={props.lang}>
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: our own constant style sheet, no input in it */}
        <style dangerouslySetInnerHTML={{ __html: DARK_MODE_CSS }} />
      </Head>
      <Preview>{props.preview}</Preview>
      <Body style={styles.body} className="qt-bg">
        <Container style={styles.container} className="qt-card">
          {props.children}
          <Hr style={{ borderColor: '#dfe4e0', margin: '24px 0 12px' }} className="qt-rule" />
          <Text style={styles.muted} className={cls.muted}>
            {props.newsletterName}
          </Text>
          {props.postalAddress?.trim() ? (
            <Text style={{ ...styles.muted, whiteSpace: 'pre-line' }} className={cls.muted}>
              {props.postalAddress.trim()}
            </Text>
          ) : null}
          {props.footer}
        </Container>
      </Body>
    </Html>
  );
}

/** "Hello Wang Jing," with a name, a neutral "Hello," without one, in the email's language. */
export function Greeting(props: { lang: string; name?: string | null | undefined }) {
  const t = i18n(props.lang).t;
  const name = props.name?.trim();
  return (
    <Text style={styles.text} className={cls.text}>
      {name ? t('reader.mail.greeting', { name }) : t('reader.mail.greetingNeutral')}
    </Text>
  );
}

export function FooterLinks(props: { links: { href: string; label: string }[] }) {
  return (
    <Text style={styles.muted} className={cls.muted}>
      {props.links.map((l, i) => (
        <span key={l.href}>
          {i > 0 ? ' · ' : ''}
          <Link href={l.href} style={styles.link} className={cls.link}>
            {l.label}
          </Link>
        </span>
      ))}
    </Text>
  );
}

/** A newsletter's own wording (newsletter_messages), already filled in: plain text, one paragraph per blank line. */
export interface CustomText {
  subject: string;
  body: string;
}

/** The custom text in place of the greeting and the default paragraph; text, never HTML (React escapes it). */
export function CustomBody(props: { body: string }) {
  const paragraphs = props.body
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((text, n) => ({ text, id: `p${n}` }));
  return (
    <>
      {paragraphs.map(({ text: p, id }) => (
        <Text key={id} style={{ ...styles.text, whiteSpace: 'pre-line' }} className={cls.text}>
          {p}
        </Text>
      ))}
    </>
  );
}

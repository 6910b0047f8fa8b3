/** @jsxImportSource react */
/** The frame every transactional email shares: plain, readable, one column, works in dark mode. */
import { Body, Container, Head, Hr, Html, Link, Preview, Text } from '@react-email/components';
import type { ReactNode } from 'react';

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
      <Head />
      <Preview>{props.preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          {props.children}
          <Hr style={{ borderColor: '#dfe4e0', margin: '24px 0 12px' }} />
          <Text style={styles.muted}>{props.newsletterName}</Text>
          {props.postalAddress?.trim() ? <Text style={{ ...styles.muted, whiteSpace: 'pre-line' }}>{props.postalAddress.trim()}</Text> : null}
          {props.footer}
        </Container>
      </Body>
    </Html>
  );
}

export function FooterLinks(props: { links: { href: string; label: string }[] }) {
  return (
    <Text style={styles.muted}>
      {props.links.map((l, i) => (
        <span key={l.href}>
          {i > 0 ? ' · ' : ''}
          <Link href={l.href} style={styles.link}>
            {l.label}
          </Link>
        </span>
      ))}
    </Text>
  );
}

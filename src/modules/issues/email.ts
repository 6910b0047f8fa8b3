import type { NewsletterRow } from '../../db/schema.ts';

/** `"Name" <address>` for the From header; the name falls back to the newsletter's. */
export function fromHeader(n: Pick<NewsletterRow, 'from_name' | 'name' | 'from_email'>): string {
  const name = (n.from_name ?? n.name).replace(/["\\\r\n]/g, '');
  return `"${name}" <${n.from_email}>`;
}

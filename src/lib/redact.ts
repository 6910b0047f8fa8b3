/**
 * Provider texts (bounce and failure details) often quote the recipient: "550 5.2.2 mailbox of
 * someone@example.com (Someone) full". Quire stores them with every address replaced, and keeps
 * only the SMTP code once the recipient is erased (the repository does that in SQL, same rule).
 */

/** Anything that looks like an address, quoted or in angle brackets or not. */
const ADDRESS = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g;

export const REDACTED_ADDRESS = '[address]';

/** The text with every e-mail address replaced by `[address]`. */
export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, REDACTED_ADDRESS);
}

/** The SMTP code of a provider text: the enhanced status ("5.2.2") if any, else the reply code ("550"), else null. */
export function smtpCodeOf(text: string | null | undefined): string | null {
  if (!text) return null;
  return /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(text)?.[0] ?? /\b[245]\d\d\b/.exec(text)?.[0] ?? null;
}

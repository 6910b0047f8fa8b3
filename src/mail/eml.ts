/** Builds the exact RFC 5322 message the outbox keeps (downloadable as .eml). */
import { createMimeMessage, Mailbox } from 'mimetext';
import { encodeWords } from './headers.ts';
import type { OutgoingEmail } from './mailer.ts';

function mailbox(s: string): { addr: string; name?: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^<>]+)>\s*$/.exec(s);
  return m ? { addr: m[2]!.trim(), ...(m[1]!.trim() ? { name: m[1]!.trim() } : {}) } : { addr: s.trim() };
}

export function buildEml(email: OutgoingEmail, messageId: string, date: Date): string {
  const msg = createMimeMessage();
  msg.setSender(mailbox(email.from));
  msg.setTo(email.to.map(mailbox));
  msg.setSubject(email.subject);
  // mimetext takes one Reply-To mailbox; Quire sets at most one (the newsletter's editor).
  if (email.replyTo?.[0]) msg.setHeader('Reply-To', new Mailbox(mailbox(email.replyTo[0])));
  msg.setHeader('Date', date.toUTCString().replace('GMT', '+0000'));
  msg.setHeader('Message-ID', messageId);
  for (const [name, value] of Object.entries(email.headers ?? {})) {
    if (/^(message-id|date|from|to|subject|reply-to)$/i.test(name)) continue;
    // Header values are ASCII on the wire; one that is not (a caller's mistake) goes as encoded-words, never raw UTF-8.
    msg.setHeader(name, /[^\x00-\x7f]/.test(value) ? encodeWords(value) : value);
  }
  if (email.text !== undefined) msg.addMessage({ contentType: 'text/plain', data: email.text, charset: 'UTF-8' });
  if (email.html !== undefined) msg.addMessage({ contentType: 'text/html', data: email.html, charset: 'UTF-8' });
  return msg.asRaw();
}

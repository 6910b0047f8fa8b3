/** The mail transport seam: Resend in production, the database outbox locally and in tests. */

export interface OutgoingEmail {
  /** `Name <address>` or a bare address. */
  from: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  replyTo?: string[];
  /** Extra headers: List-Unsubscribe, List-Id, Message-ID, … */
  headers?: Record<string, string>;
  /** Provider tags (Resend: ASCII letters, digits, _ and -). */
  tags?: { name: string; value: string }[];
}

export interface SendOptions {
  /** The same key never delivers twice (Resend keeps keys for 24 h; the outbox forever). */
  idempotencyKey?: string;
}

export interface SentEmail {
  /** The provider's message id. */
  id: string;
}

export interface Mailer {
  readonly transport: 'outbox' | 'resend';
  send(email: OutgoingEmail, opts?: SendOptions): Promise<SentEmail>;
  /** At most `maxBatchSize` emails; results are in the same order. */
  sendBatch(emails: OutgoingEmail[], opts?: SendOptions): Promise<SentEmail[]>;
  readonly maxBatchSize: number;
}

/** A failed send. `retryable` errors (429, 5xx, network) may be tried again after `retryAfterMs`. */
export class MailerError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'MailerError';
  }
}

/** The bare address of `Name <addr>` or `addr`, lower-cased. */
export function bareAddress(mailbox: string): string {
  const m = /<([^<>]+)>\s*$/.exec(mailbox);
  return (m ? m[1]! : mailbox).trim().toLowerCase();
}

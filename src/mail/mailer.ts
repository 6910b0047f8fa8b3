import { Buffer } from 'node:buffer';
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

/**
 * An email whose bodies are already in wire form: the UTF-8 bytes of their JSON string literals,
 * in pieces (see createWirePersonaliser). The send pipeline builds these so that a 100-recipient
 * batch of a 50 KB issue is assembled by copying bytes, not by re-serialising 10 MB of strings.
 */
export interface PreparedEmail extends Omit<OutgoingEmail, 'html' | 'text'> {
  htmlJson: Uint8Array[];
  textJson: Uint8Array[];
}

export interface Mailer {
  readonly transport: 'outbox' | 'resend';
  send(email: OutgoingEmail, opts?: SendOptions): Promise<SentEmail>;
  /** At most `maxBatchSize` emails; results are in the same order. */
  sendBatch(emails: OutgoingEmail[], opts?: SendOptions): Promise<SentEmail[]>;
  /** The same as sendBatch, for emails whose bodies are prepared bytes. */
  sendPreparedBatch(emails: PreparedEmail[], opts?: SendOptions): Promise<SentEmail[]>;
  readonly maxBatchSize: number;
  /**
   * Whether the transport reports what happens after it accepts a message (delivered, bounced,
   * complained): Resend does, through its webhooks; the outbox never delivers anything, so it
   * cannot. The stats say so instead of showing "Delivered 0 · 0 %", and give rates over sent.
   */
  readonly reportsDeliveryEvents: boolean;
  /**
   * Whether the provider rewrites links for click tracking (the admin dashboard warns: Quire's links
   * must reach their sources untouched). Optional: only transports that can tell implement it
   * (Resend, through its Domains API; not the outbox). Cheap to call on every view: answers are cached.
   */
  clickTracking?(): Promise<boolean>;
}

/** One copy, done natively (node:buffer is in Node and in workerd with nodejs_compat). */
export function concatBytes(pieces: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return Buffer.concat(pieces) as Uint8Array<ArrayBuffer>;
}

/**
 * The HTTP call a provider transport makes; injected so Node can skip fetch's extra body copy.
 * The body comes in pieces (shared static chunks of a batch): Node writes them to the socket as
 * they are, fetch gets them joined.
 */
export type HttpPost = (
  url: string,
  headers: Record<string, string>,
  body: Uint8Array[],
) => Promise<{ status: number; headers: Record<string, string>; text: string }>;

export const fetchPost: HttpPost = async (url, headers, body) => {
  const res = await fetch(url, { method: 'POST', headers, body: concatBytes(body) });
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), text: await res.text() };
};

const decoder = new TextDecoder();

/** A prepared email back to strings (the outbox keeps strings; it is not a hot path). */
export function unprepare(e: PreparedEmail): OutgoingEmail {
  const { htmlJson, textJson, ...rest } = e;
  return { ...rest, html: JSON.parse(decoder.decode(concatBytes(htmlJson))) as string, text: JSON.parse(decoder.decode(concatBytes(textJson))) as string };
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

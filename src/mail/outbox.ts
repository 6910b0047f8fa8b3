/**
 * The outbox transport: instead of sending, keeps each message in the database, readable at
 * GET /api/v1/outbox and downloadable as .eml. The default when no Resend key is set.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import type { OutboxRepository } from '../modules/outbox/repository.ts';
import { buildEml } from './eml.ts';
import { bareAddress, MailerError, unprepare, type Mailer, type OutgoingEmail, type PreparedEmail, type SendOptions, type SentEmail } from './mailer.ts';

export class OutboxMailer implements Mailer {
  readonly transport = 'outbox' as const;
  readonly maxBatchSize = 100;
  /** Nothing leaves the database: no delivery, bounce or complaint is ever reported. */
  readonly reportsDeliveryEvents = false;

  constructor(
    private readonly repo: OutboxRepository,
    private readonly clock: Clock,
    private readonly messageIdDomain = 'quire.localhost',
  ) {}

  async send(email: OutgoingEmail, opts: SendOptions = {}): Promise<SentEmail> {
    const [sent] = await this.sendBatch([email], opts);
    return sent!;
  }

  sendPreparedBatch(emails: PreparedEmail[], opts: SendOptions = {}): Promise<SentEmail[]> {
    return this.sendBatch(emails.map(unprepare), opts);
  }

  async sendBatch(emails: OutgoingEmail[], opts: SendOptions = {}): Promise<SentEmail[]> {
    if (emails.length > this.maxBatchSize) throw new MailerError(`A batch holds at most ${this.maxBatchSize} emails`, false);
    // Like Resend: one key covers the whole batch; each message gets a derived key.
    const keys = emails.map((_, i) => (opts.idempotencyKey ? `${opts.idempotencyKey}#${i}` : null));
    const known = await this.repo.idsByIdempotencyKey(keys.filter((k): k is string => k !== null));
    const now = this.clock.now();
    const rows = emails.map((email, i) => {
      const key = keys[i]!;
      const id = (key && known.get(key)) || randomUUID();
      const messageId = email.headers?.['Message-ID'] ?? `<${id}@${this.messageIdDomain}>`;
      return {
        id,
        toAddress: bareAddress(email.to[0] ?? ''),
        recipients: email.to,
        from: email.from,
        subject: email.subject,
        headers: { ...(email.headers ?? {}), 'Message-ID': messageId, ...(email.replyTo?.length ? { 'Reply-To': email.replyTo.join(', ') } : {}) },
        html: email.html ?? null,
        text: email.text ?? null,
        eml: buildEml(email, messageId, now),
        idempotencyKey: key,
      };
    });
    await this.repo.insertMany(rows.filter((r) => !(r.idempotencyKey && known.has(r.idempotencyKey))));
    return rows.map((r) => ({ id: r.id }));
  }
}

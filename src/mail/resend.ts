/** The Resend transport, through the official SDK. `RESEND_BASE_URL` points it at a test server. */
import { Resend } from 'resend';
import { MailerError, type Mailer, type OutgoingEmail, type SendOptions, type SentEmail } from './mailer.ts';

interface ResendError {
  message: string;
  statusCode: number | null;
  name: string;
}

function toMailerError(error: ResendError, headers: Record<string, string> | null): MailerError {
  const status = error.statusCode;
  const retryAfter = headers?.['retry-after'];
  const retryAfterMs = retryAfter && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : null;
  // 429 and 5xx are worth another try; a network failure has no status and is too.
  const retryable = status === null || status === 429 || status >= 500;
  return new MailerError(`Resend: ${error.message} (${status ?? 'no response'})`, retryable, status, retryAfterMs);
}

function toPayload(e: OutgoingEmail) {
  return {
    from: e.from,
    to: e.to,
    subject: e.subject,
    ...(e.html !== undefined ? { html: e.html } : {}),
    ...(e.text !== undefined ? { text: e.text } : {}),
    ...(e.replyTo?.length ? { replyTo: e.replyTo } : {}),
    ...(e.headers ? { headers: e.headers } : {}),
    ...(e.tags ? { tags: e.tags } : {}),
  } as Parameters<Resend['emails']['send']>[0];
}

export class ResendMailer implements Mailer {
  readonly transport = 'resend' as const;
  readonly maxBatchSize = 100;
  private readonly client: Resend;

  constructor(apiKey: string, baseUrl?: string) {
    this.client = new Resend(apiKey, baseUrl ? { baseUrl } : {});
  }

  async send(email: OutgoingEmail, opts: SendOptions = {}): Promise<SentEmail> {
    const { data, error, headers } = await this.client.emails.send(toPayload(email), {
      ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
    });
    if (error || !data) throw toMailerError(error ?? { message: 'empty response', statusCode: null, name: 'unknown' }, headers);
    return { id: data.id };
  }

  async sendBatch(emails: OutgoingEmail[], opts: SendOptions = {}): Promise<SentEmail[]> {
    if (emails.length === 0) return [];
    if (emails.length > this.maxBatchSize) throw new MailerError(`A batch holds at most ${this.maxBatchSize} emails`, false);
    const { data, error, headers } = await this.client.batch.send(
      emails.map(toPayload) as Parameters<Resend['batch']['send']>[0],
      opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {},
    );
    if (error || !data) throw toMailerError(error ?? { message: 'empty response', statusCode: null, name: 'unknown' }, headers);
    if (data.data.length !== emails.length) {
      throw new MailerError(`Resend answered ${data.data.length} ids for ${emails.length} emails`, false);
    }
    return data.data.map((d) => ({ id: d.id }));
  }
}

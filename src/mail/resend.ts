/** The Resend transport, through the official SDK. `RESEND_BASE_URL` points it at a test server. */
import { Resend } from 'resend';
import { sha256Hex } from '../lib/crypto.ts';
import { fetchPost, MailerError, type HttpPost, type Mailer, type OutgoingEmail, type PreparedEmail, type SendOptions, type SentEmail } from './mailer.ts';

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

const utf8 = new TextEncoder();

/** The fields of Resend's email object other than the bodies, in its wire names. */
function wireMeta(e: Omit<OutgoingEmail, 'html' | 'text'>): string {
  return JSON.stringify({
    from: e.from,
    to: e.to,
    subject: e.subject,
    ...(e.replyTo?.length ? { reply_to: e.replyTo } : {}),
    ...(e.headers ? { headers: e.headers } : {}),
    ...(e.tags ? { tags: e.tags } : {}),
  });
}

export class ResendMailer implements Mailer {
  readonly transport = 'resend' as const;
  readonly maxBatchSize = 100;
  /** Through its webhooks (POST /webhooks/resend). */
  readonly reportsDeliveryEvents = true;
  private readonly client: Resend;
  private readonly baseUrl: string;
  private readonly cacheKey: string;

  /**
   * `clickTrackingCache`: answers of the Domains API, process-wide (ProcessCaches.clickTracking,
   * bounded) so that mailers built per request on Workers share them; by default this mailer's own.
   */
  constructor(
    private readonly apiKey: string,
    baseUrl?: string,
    private readonly post: HttpPost = fetchPost,
    private readonly clickTrackingCache: Map<string, { on: boolean; until: number }> = new Map(),
  ) {
    this.client = new Resend(apiKey, baseUrl ? { baseUrl } : {});
    this.baseUrl = this.client.baseUrl.replace(/\/+$/, '');
    // By endpoint and account (never the key itself): a shared cache must not answer for another mailer.
    this.cacheKey = `${this.baseUrl} ${sha256Hex(apiKey).slice(0, 16)}`;
  }

  /**
   * Whether Resend rewrites links for click tracking on any sending domain (Domains API). Quire's
   * links must reach their sources untouched, so the admin dashboard warns when this is on.
   * Remembered for ten minutes; an API failure answers false (no warning) rather than an error page.
   */
  async clickTracking(): Promise<boolean> {
    const now = Date.now();
    const hit = this.clickTrackingCache.get(this.cacheKey);
    if (hit && hit.until > now) return hit.on;
    const { data, error } = await this.client.domains.list();
    const on = !error && Boolean(data?.data.some((d) => d.click_tracking === true));
    this.clickTrackingCache.set(this.cacheKey, { on, until: now + 10 * 60_000 });
    return on;
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

  /**
   * `POST /emails/batch` with a body assembled from prepared bytes. The SDK's path serialises
   * each 50 KB body again and hands fetch a 10 MB string it re-scans and re-encodes: measured at
   * well over 1 ms of CPU per email, it was the send pipeline's bottleneck. Same endpoint, same
   * headers (Authorization, Idempotency-Key), same error handling as the SDK.
   */
  async sendPreparedBatch(emails: PreparedEmail[], opts: SendOptions = {}): Promise<SentEmail[]> {
    if (emails.length === 0) return [];
    if (emails.length > this.maxBatchSize) throw new MailerError(`A batch holds at most ${this.maxBatchSize} emails`, false);
    const pieces: Uint8Array[] = [utf8.encode('[')];
    emails.forEach((e, i) => {
      const meta = wireMeta(e);
      pieces.push(utf8.encode(`${i ? ',' : ''}${meta.slice(0, -1)},"html":`), ...e.htmlJson, utf8.encode(',"text":'), ...e.textJson, utf8.encode('}'));
    });
    pieces.push(utf8.encode(']'));
    let res: Awaited<ReturnType<HttpPost>>;
    try {
      res = await this.post(
        `${this.baseUrl}/emails/batch`,
        {
          Authorization: `Bearer ${this.apiKey}`,
          'Content-Type': 'application/json',
          'User-Agent': 'quire',
          ...(opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {}),
        },
        pieces,
      );
    } catch (e) {
      throw new MailerError(`Resend: ${e instanceof Error ? e.message : String(e)} (no response)`, true);
    }
    const headers = res.headers;
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      body = null;
    }
    if (res.status < 200 || res.status > 299) {
      const err = (body ?? {}) as { message?: string; name?: string };
      throw toMailerError({ message: err.message ?? `HTTP ${res.status}`, statusCode: res.status, name: err.name ?? 'application_error' }, headers);
    }
    const data = (body as { data?: { id: string }[] } | null)?.data;
    if (!Array.isArray(data) || data.length !== emails.length) {
      throw new MailerError(`Resend answered ${Array.isArray(data) ? data.length : 'no'} ids for ${emails.length} emails`, false);
    }
    return data.map((d) => ({ id: d.id }));
  }
}

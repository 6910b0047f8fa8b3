/**
 * The send pipeline. The ledger (`deliveries`) is the truth for who got what:
 *   tick → `send.start` job: render once, move scheduled → sending, fan out one row per active
 *   subscriber (one INSERT … SELECT), enqueue one `send.batch` job per batch of ≤ 100;
 *   `send.batch`: claim the batch's rows, skip those who left since, personalise by substitution,
 *   `batch.send` with an Idempotency-Key derived from (issue, batch, recipients), record provider ids.
 * Every step is idempotent, so a crash anywhere is repaired by running the job again.
 */
import { listIdHeader } from '../../mail/headers.ts';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { IssueRow, NewsletterRow } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { backoffMs, Defer, RetryLater, type JobContext, type JobQueue } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { sha256Hex } from '../../lib/crypto.ts';
import type { Logger } from '../../lib/log.ts';
import { preferencesUrl, unsubscribeUrl } from '../../lib/tokens.ts';
import { openPixelUrl } from '../events/pixel.ts';
import { parseOrThrow, timeZoneSchema } from '../../lib/validation.ts';
import { fromLocal, parseLocal } from '../../lib/zoned-time.ts';
import { MailerError, type Mailer, type PreparedEmail } from '../../mail/mailer.ts';
import { createWirePersonaliser } from '../../mail/render/personalise.ts';
import type { AuditRepository } from '../audit/repository.ts';
import { fromHeader } from '../issues/email.ts';
import type { IssueContent, IssueStatus, LinkLintEntry } from '../issues/model.ts';
import type { IssuesRepository } from '../issues/repository.ts';
import type { Issue, IssuesService } from '../issues/service.ts';
import type { NewslettersRepository } from '../newsletters/repository.ts';
import type { AuthUser } from '../users/service.ts';
import type { SendingRepository } from './repository.ts';
import { type MessageKey, msg, type StoredMessage } from '../../i18n/index.ts';
import { openWarnings, sendWarnings, type SendWarning } from './preflight.ts';
import { statusMessage } from '../issues/model.ts';
import { fieldProblem } from '../../lib/validation.ts';
import type { Audience } from '../segments/model.ts';
import { audienceInputSchema, SegmentsService } from '../segments/service.ts';

const SCHEDULABLE: IssueStatus[] = ['draft', 'scheduled'];
/** The states with a send to cancel (the admin shows "Cancel the send" only in these). */
export const CANCELLABLE: IssueStatus[] = ['scheduled', 'sending', 'paused'];

const cannotSchedule = (row: IssueRow) =>
  new AppError(
    'invalid_state',
    msg(row.status === 'published' ? 'backIssues.unpublishFirst' : 'send.cannotSchedule', { id: row.id, status: statusMessage(row.status) }),
  );

type WirePersonaliser = ReturnType<typeof createWirePersonaliser>;

/** Tries of one batch before its recipients are marked failed. */
export const MAX_BATCH_ATTEMPTS = 8;
/** A provider call that takes longer is abandoned and retried (same idempotency key). */
const PROVIDER_TIMEOUT_MS = 30_000;
/** Longer waits for a pacing slot go back to the queue instead of holding a worker. */
const MAX_INLINE_WAIT_MS = 10_000;
/** After an idle pacer, the next slot waits this much more (at most a quarter interval): see reserveSlot. */
const COLD_START_ALLOWANCE_MS = 100;

export const scheduleSchema = z.object({
  /** `YYYY-MM-DDTHH:mm` wall-clock time in `timeZone`, or an ISO instant with an offset. */
  sendAt: z.string().min(1).max(40),
  timeZone: timeZoneSchema.optional(),
  /** Send despite the open warnings (`POST …/schedule` answers 409 `warnings_open` without it). */
  acknowledge: z.boolean().optional(),
  /** A segment's id: only its subscribers get the issue (null or absent: the whole list). */
  segment: audienceInputSchema.shape.segment,
  /** Topic ids or keys: only subscribers who receive at least one of them. */
  topics: audienceInputSchema.shape.topics,
});

/** What a send would do, for the confirmation: who gets it, when, and what to look at first. */
export interface SendPlan {
  issue: Issue;
  newsletterName: string;
  /** Active (so not suppressed, not unsubscribed) subscribers with an address: who the fan-out would write. */
  recipients: number;
  /** Who it goes to (null: the whole list). */
  audience: Audience | null;
  sendAt: Date;
  timeZone: string;
  /** The time is now (within a minute): the next tick starts it. */
  now: boolean;
  warnings: SendWarning[];
}

export interface SendProgress {
  status: IssueStatus;
  recipients: number;
  queued: number;
  sending: number;
  sent: number;
  skipped: number;
  failed: number;
}

export interface SendingDeps {
  repo: SendingRepository;
  issues: IssuesService;
  issuesRepo: IssuesRepository;
  newsletters: NewslettersRepository;
  audit: AuditRepository;
  mailer: Mailer;
  queue: JobQueue;
  clock: Clock;
  config: Config;
  secret: string;
  log: Logger;
  /** Issue personalisers by send, process-wide (ProcessCaches.personalisers: at most a handful, the oldest goes first). */
  personalisers: Map<string, WirePersonaliser>;
  segments: SegmentsService;
}

export class SendingService {
  constructor(private readonly d: SendingDeps) {}

  // ---- editor actions ------------------------------------------------------------------------

  /** The send time of a schedule request, in its time zone (else the newsletter's); refused in the past. */
  private sendTime(v: z.infer<typeof scheduleSchema>, newsletter: NewsletterRow): { sendAt: Date; timeZone: string } {
    const timeZone = v.timeZone ?? newsletter.time_zone;
    const local = parseLocal(v.sendAt);
    let sendAt: Date;
    if (local) sendAt = fromLocal(local, timeZone);
    else if (/[zZ]|[+-]\d{2}:?\d{2}$/.test(v.sendAt) && !Number.isNaN(Date.parse(v.sendAt))) sendAt = new Date(v.sendAt);
    else throw AppError.validation([fieldProblem('sendAt', 'validation.dateTime')]);
    if (sendAt.getTime() < this.d.clock.now().getTime() - 60_000) {
      throw AppError.validation([fieldProblem('sendAt', 'validation.inPast')]);
    }
    return { sendAt, timeZone };
  }

  private async warningsOf(row: IssueRow, newsletter: NewsletterRow): Promise<SendWarning[]> {
    return sendWarnings({
      content: row.content as IssueContent,
      lint: row.lint as LinkLintEntry[],
      importNotes: row.import_warnings as StoredMessage[],
      newsletterOrganisation: newsletter.organisation,
      // The email's size, for Gmail's clipping (rendered as the send renders it).
      sizeBytes: (await this.d.issues.render(row, newsletter)).sizeBytes,
    });
  }

  /** The open warnings of an issue's send (the API's 409 lists the same). */
  async warnings(issueId: number): Promise<SendWarning[]> {
    const { row, newsletter } = await this.d.issues.load(issueId);
    return await this.warningsOf(row, newsletter);
  }

  /** What scheduling would do (the same checks as `schedule`, nothing stored). */
  async plan(issueId: number, input: unknown): Promise<SendPlan> {
    const v = parseOrThrow(scheduleSchema, input);
    const { row, newsletter } = await this.d.issues.load(issueId);
    if (!SCHEDULABLE.includes(row.status)) throw cannotSchedule(row);
    const { sendAt, timeZone } = this.sendTime(v, newsletter);
    const audience = await this.d.segments.resolveAudience(newsletter, v);
    return {
      issue: this.d.issues.toIssue(row, newsletter),
      newsletterName: newsletter.name,
      recipients: await this.d.repo.recipientCount(SegmentsService.context(newsletter, row.id), SegmentsService.filterOf(audience)),
      audience,
      sendAt,
      timeZone,
      now: sendAt.getTime() <= this.d.clock.now().getTime() + 60_000,
      warnings: await this.warningsOf(row, newsletter),
    };
  }

  /**
   * Schedules (or reschedules) a draft or scheduled issue. Refused (409 `warnings_open`, the
   * warnings in `details.warnings`) while a warning is open: `acknowledge: true` acknowledges them
   * all; the admin's confirmation passes the ids it had ticked (`ticked`).
   */
  async schedule(issueId: number, input: unknown, actor: AuthUser, ticked?: readonly string[]) {
    const v = parseOrThrow(scheduleSchema, input);
    const { row, newsletter } = await this.d.issues.load(issueId);
    const { sendAt, timeZone } = this.sendTime(v, newsletter);
    if (!SCHEDULABLE.includes(row.status)) throw cannotSchedule(row);
    const warnings = await this.warningsOf(row, newsletter);
    const open = openWarnings(warnings, { all: v.acknowledge === true, ...(ticked ? { ticked } : {}) });
    const audience = await this.d.segments.resolveAudience(newsletter, v);
    if (open.length) throw new AppError('warnings_open', msg('sendux.warningsOpen', { count: open.length }), { warnings: open.map((w) => w.said) });
    const updated = await this.d.repo.schedule(issueId, sendAt, timeZone, audience);
    if (!updated) throw cannotSchedule(row);
    await this.audit(actor, 'issue.schedule', newsletter, updated.number, {
      sendAt: sendAt.toISOString(),
      timeZone,
      ...(audience ? { audience: { segment: audience.segment?.name ?? null, topics: audience.topics?.map((t) => t.key) ?? [] } } : {}),
      ...(v.acknowledge || ticked?.length ? { acknowledged: warnings.map((w) => w.said.key) } : {}),
    });
    return this.d.issues.toIssue(updated, newsletter);
  }

  async pause(issueId: number, actor: AuthUser) {
    return this.transition(issueId, ['sending'], 'paused', 'issue.pause', actor, 'send.cannot.pause');
  }

  async resume(issueId: number, actor: AuthUser) {
    const issue = await this.transition(issueId, ['paused'], 'sending', 'issue.resume', actor, 'send.cannot.resume');
    await this.d.queue.enqueue([{ kind: 'send.start', payload: { issueId }, dedupeKey: `send.start:${issueId}` }]);
    return issue;
  }

  /**
   * Cancels a scheduled send, or one sending or paused (what was not sent is never sent; a batch
   * already at the provider finishes). A draft has no send to cancel: 409.
   */
  async cancel(issueId: number, actor: AuthUser) {
    const issue = await this.transition(issueId, CANCELLABLE, 'cancelled', 'issue.cancel', actor, 'send.cannot.cancel');
    await this.d.repo.skipQueued(issueId, 'issue cancelled', this.d.clock.now());
    return issue;
  }

  /** Puts failed recipients back in the queue (new batches, new idempotency keys). */
  async retryFailed(issueId: number, actor: AuthUser) {
    const { row, newsletter } = await this.d.issues.load(issueId);
    if (!['sending', 'sent', 'paused'].includes(row.status))
      throw new AppError('invalid_state', msg('send.nothingSent', { id: issueId, status: statusMessage(row.status) }));
    const batches = await this.d.repo.requeueFailed(issueId, this.d.clock.now());
    if (batches.length && row.status === 'sent') await this.d.issuesRepo.setStatus(issueId, ['sent'], 'sending');
    if (row.status !== 'paused') await this.enqueueBatches(issueId, batches);
    await this.audit(actor, 'issue.retry_failed', newsletter, row.number, { batches: batches.length });
    return { requeuedBatches: batches.length, progress: await this.progress(issueId) };
  }

  async progress(issueId: number): Promise<SendProgress> {
    const { row } = await this.d.issues.load(issueId);
    const p = await this.d.repo.progress(issueId);
    return { status: row.status, recipients: p.queued + p.sending + p.sent + p.skipped + p.failed, ...p };
  }

  async failures(issueId: number, limit = 100) {
    await this.d.issues.load(issueId);
    const rows = await this.d.repo.failures(issueId, limit);
    return rows.map((r) => ({
      deliveryId: String(r.id),
      email: r.email,
      error: r.error ?? '',
      attempts: r.attempts,
      at: new Date(r.updated_at).toISOString(),
    }));
  }

  /** `refusal` says why the issue cannot move, when it is in none of `from`. */
  private async transition(issueId: number, from: IssueStatus[], to: IssueStatus, action: string, actor: AuthUser, refusal: MessageKey) {
    const { row, newsletter } = await this.d.issues.load(issueId);
    const moved = await this.d.issuesRepo.setStatus(issueId, from, to);
    if (!moved) throw new AppError('invalid_state', msg(refusal, { id: issueId, status: statusMessage(row.status) }));
    await this.audit(actor, action, newsletter, row.number);
    return this.d.issues.toIssue(moved, newsletter);
  }

  private audit(actor: AuthUser | null, action: string, n: NewsletterRow, number: number, detail?: Record<string, unknown>) {
    return this.d.audit.record({
      userId: actor?.id ?? null,
      actor: actor?.email ?? 'system',
      action,
      target: `${n.slug}#${number}`,
      ...(detail ? { detail } : {}),
    });
  }

  // ---- the scheduler and the jobs ------------------------------------------------------------

  /** For the tick: scheduled issues whose time has come get a start job (deduplicated). */
  async enqueueDue(now: Date): Promise<number> {
    const ids = await this.d.repo.dueIssueIds(now);
    if (ids.length) await this.d.queue.enqueue(ids.map((issueId) => ({ kind: 'send.start', payload: { issueId }, dedupeKey: `send.start:${issueId}` })));
    return ids.length;
  }

  private async enqueueBatches(issueId: number, batches: number[]): Promise<void> {
    const jobs = batches.map((batch) => ({ kind: 'send.batch', payload: { issueId, batch }, dedupeKey: `send.batch:${issueId}:${batch}` }));
    for (let i = 0; i < jobs.length; i += 1000) await this.d.queue.enqueue(jobs.slice(i, i + 1000));
  }

  /** `send.start`: safe to run any number of times. */
  async runStart(payload: Record<string, unknown>): Promise<void> {
    const issueId = Number(payload.issueId);
    const { row, newsletter } = await this.d.issues.load(issueId);
    if (row.status === 'scheduled') {
      const rendered = await this.d.issues.render(row, newsletter);
      const count = await this.d.repo.start(
        issueId,
        SegmentsService.context(newsletter, issueId),
        SegmentsService.filterOf(row.audience),
        { subject: rendered.subject, html: rendered.html, text: rendered.text, nameFallback: rendered.nameFallback },
        this.d.clock.now(),
      );
      if (count !== null) this.d.log.info('send started', { issueId, recipients: count });
    }
    const current = (await this.d.issuesRepo.findById(issueId))!;
    if (current.status !== 'sending') return;
    const batches = await this.d.repo.unfinishedBatches(issueId);
    if (batches.length === 0) await this.d.repo.finishIfDone(issueId, this.d.clock.now());
    else await this.enqueueBatches(issueId, batches);
  }

  /** `send.batch`: sends what is left of one batch, exactly once per recipient. */
  async runBatch(payload: Record<string, unknown>, ctx: Pick<JobContext, 'attempt'>): Promise<void> {
    const issueId = Number(payload.issueId);
    const batch = Number(payload.batch);
    const issue = await this.d.repo.batchContext(issueId);
    if (issue?.status !== 'sending' || !issue.rendered) return; // paused, cancelled or gone: resume re-enqueues
    const { newsletter } = issue;
    const personalise = await this.personaliser(issueId, issue.startedAt);
    if (!personalise) return;

    for (;;) {
      const { recipients, retry } = await this.d.repo.claim(issueId, batch, this.d.clock.now());
      if (recipients.length === 0) break;
      const emails = recipients.map((r) => this.emailFor(r, newsletter, issue.subject, personalise, issueId));
      const key = `quire/${issueId}/${batch}/${sha256Hex(recipients.map((r) => r.id).join(',')).slice(0, 16)}`;
      // After the claim (an empty claim costs no provider slot) and after the batch is built (so the
      // request leaves right at its slot). If pacing defers the job, the claimed rows stay `sending`
      // and the next attempt sends exactly them, with the same key.
      await this.pace();
      try {
        const sent = await withTimeout(this.d.mailer.sendPreparedBatch(emails, { idempotencyKey: key }), PROVIDER_TIMEOUT_MS);
        await this.d.repo.markSent(
          issueId,
          batch,
          recipients.map((r) => r.id),
          sent.map((s) => s.id),
          this.d.clock.now(),
        );
        // A fresh claim took every queued row of the batch: nothing is left to claim. (A retry
        // resent only the earlier attempt's rows; the rest of the batch may still be queued.)
        if (!retry) break;
      } catch (e) {
        const err = e instanceof MailerError ? e : new MailerError(e instanceof Error ? e.message : String(e), true);
        const ids = recipients.map((r) => r.id);
        if (!err.retryable) {
          await this.d.repo.markFailed(issueId, batch, ids, err.message, this.d.clock.now());
          continue;
        }
        if (ctx.attempt >= MAX_BATCH_ATTEMPTS) {
          await this.d.repo.markFailed(issueId, batch, ids, `gave up after ${ctx.attempt} attempts: ${err.message}`, this.d.clock.now());
          continue;
        }
        await this.d.repo.touchAttempt(ids, err.message, this.d.clock.now());
        throw new RetryLater(err.message, err.retryAfterMs ?? backoffMs(ctx.attempt));
      }
    }
    await this.d.repo.finishIfDone(issueId, this.d.clock.now());
  }

  /**
   * `send.batch` given up for good (the job failed at its last attempt on Node, or reached the
   * Workers dead-letter queue): what is left of the batch becomes failed with the reason, so the
   * issue can finish and the admin sees the recipients to retry (retry-failed). A part that may
   * have reached the provider is resent by that retry under the same idempotency key.
   */
  async giveUpBatch(payload: Record<string, unknown>, reason: string): Promise<void> {
    const issueId = Number(payload.issueId);
    const batch = Number(payload.batch);
    if (!Number.isSafeInteger(issueId) || !Number.isSafeInteger(batch)) return;
    const failed = await this.d.repo.failUnfinishedBatch(issueId, batch, reason, this.d.clock.now());
    if (failed) this.d.log.error('send batch given up', { issueId, batch, recipients: failed, reason });
    await this.d.repo.finishIfDone(issueId, this.d.clock.now());
  }

  /**
   * The issue's personaliser, built once per send in this process (Workers: isolate): the rendered
   * bodies never change after the send started (`started_at` is part of the key), and re-reading and
   * re-splitting them for each batch of 100 cost more than the batch's own queries.
   */
  private async personaliser(issueId: number, startedAt: Date | null): Promise<WirePersonaliser | undefined> {
    const key = `${issueId}@${startedAt?.getTime() ?? 0}`;
    const hit = this.d.personalisers.get(key);
    if (hit) return hit;
    const rendered = await this.d.repo.renderedForSend(issueId);
    if (!rendered) return undefined;
    const p = createWirePersonaliser(rendered);
    this.d.personalisers.set(key, p);
    return p;
  }

  private emailFor(
    r: { id: string; subscriberId: string; email: string; name: string | null },
    n: NewsletterRow,
    subject: string,
    personalise: WirePersonaliser,
    issueId: number,
  ): PreparedEmail {
    const base = this.d.config.publicUrl;
    const unsubscribe = unsubscribeUrl(base, this.d.secret, r.subscriberId);
    const body = personalise({
      unsubscribeUrl: unsubscribe,
      preferencesUrl: preferencesUrl(base, this.d.secret, r.subscriberId),
      name: r.name,
      openPixelUrl: n.open_tracking ? openPixelUrl(base, this.d.secret, r.id) : null,
    });
    const host = new URL(base).hostname;
    const sendingDomain = n.from_email.split('@')[1] ?? host;
    return {
      from: fromHeader(n),
      to: [r.email],
      subject,
      htmlJson: body.htmlJson,
      textJson: body.textJson,
      ...(n.reply_to ? { replyTo: [n.reply_to] } : {}),
      headers: {
        'List-Id': listIdHeader(n.name, `${n.slug}.${host}`),
        'List-Unsubscribe': `<${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'Message-ID': `<quire.${issueId}.${r.id}@${sendingDomain}>`,
      },
      tags: [
        { name: 'issue', value: String(issueId) },
        { name: 'delivery', value: r.id },
      ],
    };
  }

  /** Waits for the next provider request slot (shared by every process through the database). */
  private async pace(): Promise<void> {
    if (this.d.mailer.transport === 'outbox') return; // our own database: no provider limit
    // 2% slower than the limit: a limiter that counts a sliding second 429s a request landing a
    // millisecond early, and timers, networks and clocks jitter by that much.
    const intervalMs = (1000 / this.d.config.resend.ratePerSecond) * 1.02;
    if (intervalMs < 1) return; // effectively unlimited (benchmarks against a fake provider)
    // Wall time, not the app clock: the provider's limit is physical.
    const now = Date.now();
    const slot = await this.d.repo.reserveSlot(`mail:${this.d.mailer.transport}`, now, intervalMs, Math.min(COLD_START_ALLOWANCE_MS, intervalMs / 4));
    const wait = slot - Date.now(); // after the round trip, so its latency does not shift the request
    // A long wait gives the worker back (a Defer: not an attempt, so a busy provider never uses up a batch's tries).
    if (wait > MAX_INLINE_WAIT_MS) throw new Defer('waiting for a provider rate slot', wait);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MailerError(`the provider did not answer within ${ms / 1000} s`, true)), ms);
    }),
  ]);
}

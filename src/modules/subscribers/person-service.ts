/**
 * What an admin can do for one person: send the confirmation email again (at most once per
 * CONFIRMATION_RESEND_INTERVAL_MS per subscriber, the same claim the signup path uses), lift a
 * suppression with a reason, and keep notes. Each is in the audit log; lifting is a consent event.
 *
 * Lifting a suppression: the address goes back to active only when there is consent on record
 * (it was active when it was suppressed, or, with no record of that — an imported cleaned row —
 * it had confirmed and never unsubscribed); otherwise to unsubscribed, so nothing is sent until
 * the person signs up again themselves.
 */
import { z } from 'zod';
import type { SubscriberRow } from '../../db/schema.ts';
import { msg } from '../../i18n/index.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { parseOrThrow } from '../../lib/validation.ts';
import type { AuthUser } from '../users/service.ts';
import type { MessagesRepository, NoteRow } from './messages-repository.ts';
import { CONFIRMATION_RESEND_INTERVAL_MS, type RequestMeta, type SubscribersService, type SubscribersServiceDeps } from './service.ts';

const reasonSchema = z.object({ reason: z.string().trim().min(1, { message: 'validation.notEmpty' }).max(2_000) });
const noteSchema = z.object({ body: z.string().trim().min(1, { message: 'validation.notEmpty' }).max(5_000) });

export const noteJson = (r: NoteRow) => ({ id: r.id, author: r.author, body: r.body, createdAt: r.createdAt.toISOString() });

export class PersonService {
  constructor(
    private readonly d: SubscribersServiceDeps,
    private readonly lifecycle: SubscribersService,
    private readonly notesRepo: MessagesRepository,
  ) {}

  private async row(id: string): Promise<SubscriberRow> {
    const s = await this.d.repo.findById(id);
    if (!s || s.status === 'erased') throw notFound(msg('subscriber.what'));
    return s;
  }

  /** Queues the confirmation email again for a pending subscriber; 429 within 10 minutes of the last one. */
  async resendConfirmation(id: string, actor: AuthUser): Promise<{ queued: true }> {
    const s = await this.row(id);
    if (s.status !== 'pending') throw new AppError('conflict', msg('audienceMove.notPending'));
    const now = this.d.clock.now();
    if (!(await this.d.repo.claimConfirmationSend(String(s.id), now, CONFIRMATION_RESEND_INTERVAL_MS))) {
      const last = s.last_confirmation_sent_at ? new Date(s.last_confirmation_sent_at).getTime() : now.getTime();
      const wait = Math.max(1, Math.ceil((last + CONFIRMATION_RESEND_INTERVAL_MS - now.getTime()) / 1000));
      throw new AppError('rate_limited', msg('audienceMove.resendTooSoon', { count: Math.ceil(wait / 60) }), undefined, { 'Retry-After': String(wait) });
    }
    await this.d.queue.enqueue([{ kind: 'mail.confirm', payload: { subscriberId: String(s.id) }, dedupeKey: `mail.confirm:${s.id}:${now.getTime()}` }]);
    await this.d.audit.record({ userId: actor.id, actor: actor.email, action: 'subscriber.resend_confirmation', target: `subscriber:${s.id}` });
    return { queued: true };
  }

  /** Lifts a suppression (a reason is required): back to active with consent on record, else unsubscribed. */
  async liftSuppression(id: string, input: unknown, actor: AuthUser, meta: RequestMeta) {
    const s = await this.row(id);
    const v = parseOrThrow(reasonSchema, input);
    if (s.status !== 'suppressed') throw new AppError('conflict', msg('audienceMove.notSuppressed'));
    const events = await this.d.repo.events([String(s.id)]);
    const suppressedAt = [...events].reverse().find((e) => e.type.startsWith('suppress_'));
    const before = (suppressedAt?.detail as { previousStatus?: string } | null)?.previousStatus;
    const consented =
      before === 'active' || (before === undefined && !!s.confirmed_at && (!s.unsubscribed_at || new Date(s.unsubscribed_at) < new Date(s.confirmed_at)));
    const status = consented ? 'active' : 'unsubscribed';
    const now = this.d.clock.now();
    const moved = await this.d.repo.transition(
      String(s.id),
      ['suppressed'],
      { status, suppression_reason: null, soft_bounce_count: 0, ...(status === 'unsubscribed' && !s.unsubscribed_at ? { unsubscribed_at: now } : {}) },
      now,
    );
    if (!moved) throw new AppError('conflict', msg('audienceMove.notSuppressed'));
    await this.d.repo.addEvents([
      {
        subscriberId: String(s.id),
        newsletterId: s.newsletter_id,
        at: now,
        type: 'suppression_lifted',
        source: 'admin',
        ip: meta.ip,
        userAgent: meta.userAgent,
        detail: { reason: v.reason, by: actor.email, was: s.suppression_reason, status },
      },
    ]);
    await this.d.audit.record({
      userId: actor.id,
      actor: actor.email,
      action: 'subscriber.lift_suppression',
      target: `subscriber:${s.id}`,
      detail: { reason: v.reason, status },
    });
    return { id: String(s.id), status };
  }

  async addNote(id: string, input: unknown, actor: AuthUser) {
    const s = await this.row(id);
    const v = parseOrThrow(noteSchema, input);
    const note = await this.notesRepo.addNote(String(s.id), actor.email, v.body, this.d.clock.now());
    await this.d.audit.record({ userId: actor.id, actor: actor.email, action: 'subscriber.note', target: `subscriber:${s.id}`, detail: { note: note.id } });
    return noteJson(note);
  }

  async notes(id: string) {
    const s = await this.d.repo.findById(id);
    if (!s) throw notFound(msg('subscriber.what'));
    return (await this.notesRepo.notes(String(s.id))).map(noteJson);
  }

  /** The lifecycle, for callers that need it with this service (the admin page). */
  get subscribers(): SubscribersService {
    return this.lifecycle;
  }
}

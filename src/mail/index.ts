import type { Config } from '../config.ts';
import type { Db } from '../db/kysely.ts';
import type { Clock } from '../lib/clock.ts';
import type { ProcessCaches } from '../runtime/caches.ts';
import { OutboxRepository } from '../modules/outbox/repository.ts';
import type { HttpPost, Mailer } from './mailer.ts';
import { OutboxMailer } from './outbox.ts';
import { ResendMailer } from './resend.ts';

/**
 * The configured transport: Resend when a key is set (or MAIL_TRANSPORT=resend), else the outbox.
 * `caches`: the process's (see ProcessCaches); without it the mailer keeps its own.
 */
export function createMailer(config: Config, db: Db, clock: Clock, post?: HttpPost, caches?: Pick<ProcessCaches, 'clickTracking'>): Mailer {
  if (config.mailTransport === 'resend') return new ResendMailer(config.resend.apiKey!, config.resend.baseUrl, post, caches?.clickTracking);
  return new OutboxMailer(new OutboxRepository(db), clock, new URL(config.publicUrl).hostname);
}

import type { Config } from '../config.ts';
import type { Db } from '../db/kysely.ts';
import type { Clock } from '../lib/clock.ts';
import { OutboxRepository } from '../modules/outbox/repository.ts';
import type { HttpPost, Mailer } from './mailer.ts';
import { OutboxMailer } from './outbox.ts';
import { ResendMailer } from './resend.ts';

/** The configured transport: Resend when a key is set (or MAIL_TRANSPORT=resend), else the outbox. */
export function createMailer(config: Config, db: Db, clock: Clock, post?: HttpPost): Mailer {
  if (config.mailTransport === 'resend') return new ResendMailer(config.resend.apiKey!, config.resend.baseUrl, post);
  return new OutboxMailer(new OutboxRepository(db), clock, new URL(config.publicUrl).hostname);
}

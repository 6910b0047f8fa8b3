/**
 * Wires repositories and services from their dependencies. The same function serves Node,
 * Workers (once per request) and tests; nothing here reads the environment. Runtimes reach it
 * through buildServices (src/runtime/build.ts); what must outlive one set of services lives in
 * `caches` (ProcessCaches), never in a service.
 */
import type { Config } from './config.ts';
import type { Db, DbKind } from './db/kysely.ts';
import { JobsRepository } from './jobs/repository.ts';
import { SubscriberImportsRepository } from './modules/subscribers/imports-repository.ts';
import type { GiveUpHandlers, JobHandlers, JobQueue } from './jobs/queue.ts';
import type { Clock } from './lib/clock.ts';
import { randomToken } from './lib/crypto.ts';
import type { Logger } from './lib/log.ts';
import type { Mailer } from './mail/mailer.ts';
import { createProcessCaches, type ProcessCaches } from './runtime/caches.ts';
import { AuditRepository } from './modules/audit/repository.ts';
import { NewslettersRepository } from './modules/newsletters/repository.ts';
import { NewslettersService } from './modules/newsletters/service.ts';
import { IssuesRepository } from './modules/issues/repository.ts';
import { IssuesService } from './modules/issues/service.ts';
import { ArchiveRepository } from './modules/archive/repository.ts';
import { ArchiveService } from './modules/archive/service.ts';
import { SendingRepository } from './modules/sending/repository.ts';
import { EventsRepository } from './modules/events/repository.ts';
import { EventsService } from './modules/events/service.ts';
import { SendingService } from './modules/sending/service.ts';
import { SlotsRepository } from './modules/slots/repository.ts';
import { SlotsService } from './modules/slots/service.ts';
import { OutboxRepository } from './modules/outbox/repository.ts';
import { RateLimitsRepository } from './modules/rate-limits/repository.ts';
import { SubscribersRepository } from './modules/subscribers/repository.ts';
import { SubscribersService } from './modules/subscribers/service.ts';
import { SettingsRepository } from './modules/settings/repository.ts';
import { UsersRepository } from './modules/users/repository.ts';
import { UsersService } from './modules/users/service.ts';
import { AuthRepository } from './modules/auth/repository.ts';
import { AuthService } from './modules/auth/service.ts';
import { HousekeepingService } from './modules/housekeeping/service.ts';
import { SubscriberListService } from './modules/subscribers/list-service.ts';
import { SubscriberFieldsRepository } from './modules/subscribers/fields-repository.ts';
import { SubscriberFieldsService } from './modules/subscribers/fields-service.ts';
import { SegmentsRepository } from './modules/segments/repository.ts';
import { SegmentsService } from './modules/segments/service.ts';
import { SubscriberMail } from './modules/subscribers/mail.ts';
import { MessagesRepository } from './modules/subscribers/messages-repository.ts';
import { MessagesService } from './modules/subscribers/messages-service.ts';
import { MoveRepository } from './modules/subscribers/move-repository.ts';
import { PersonService } from './modules/subscribers/person-service.ts';
import type { TurnstileVerifier } from './modules/subscribers/turnstile.ts';
import { SubscriberMoveService } from './modules/subscribers/move-service.ts';

export interface Deps {
  config: Config;
  db: Db;
  dbKind: DbKind;
  clock: Clock;
  mailer: Mailer;
  /** Built from the services (it may need the jobs repository), hence a factory. */
  queue: JobQueue | ((repos: { jobs: JobsRepository }) => JobQueue);
  log: Logger;
  /** HMAC key for tokens (see resolveSecret). */
  secret: string;
  /** Cloudflare Turnstile's check of signups, when configured (config.turnstile); a fake in tests. */
  turnstile?: TurnstileVerifier;
  /** PBKDF2 work factor; tests lower it. */
  passwordIterations?: number;
  /** The process's (isolate's, harness's) caches; a fresh set when omitted, which on Workers would never hit. */
  caches?: ProcessCaches;
}

function createCore(deps: Deps) {
  const { db, clock } = deps;
  const caches = deps.caches ?? createProcessCaches();
  const repos = {
    settings: new SettingsRepository(db),
    audit: new AuditRepository(db),
    users: new UsersRepository(db),
    newsletters: new NewslettersRepository(db),
    outbox: new OutboxRepository(db),
    jobs: new JobsRepository(db),
    subscribers: new SubscribersRepository(db),
    subscriberImports: new SubscriberImportsRepository(db),
    rateLimits: new RateLimitsRepository(db),
    issues: new IssuesRepository(db),
    sending: new SendingRepository(db),
    slots: new SlotsRepository(db),
    segments: new SegmentsRepository(db),
    archive: new ArchiveRepository(db),
  };
  const queue = typeof deps.queue === 'function' ? deps.queue(repos) : deps.queue;
  const issues = new IssuesService(repos.issues, repos.newsletters, repos.audit, deps.mailer, deps.config, clock);
  const segments = new SegmentsService({ repo: repos.segments, newsletters: repos.newsletters, audit: repos.audit, clock });
  const subscriberDeps = {
    repo: repos.subscribers,
    newsletters: repos.newsletters,
    rateLimits: repos.rateLimits,
    audit: repos.audit,
    outbox: repos.outbox,
    queue,
    mailer: deps.mailer,
    clock,
    config: deps.config,
    secret: deps.secret,
    log: deps.log,
    topics: segments,
    turnstile: deps.turnstile,
  };
  const common = { newsletters: repos.newsletters, issues, audit: repos.audit, mailer: deps.mailer, queue, clock, config: deps.config, log: deps.log };
  const core = {
    ...deps,
    queue,
    caches,
    repos,
    users: new UsersService(repos.users, repos.audit, clock, deps.passwordIterations),
    // Admin web sessions, sign-in throttling, CSRF (issue #8).
    auth: new AuthService({
      repo: new AuthRepository(db),
      users: repos.users,
      usersService: new UsersService(repos.users, repos.audit, clock, deps.passwordIterations),
      rateLimits: repos.rateLimits,
      audit: repos.audit,
      clock,
      secret: deps.secret,
      passwordIterations: deps.passwordIterations,
    }),
    newsletters: new NewslettersService(repos.newsletters, repos.audit),
    subscribers: new SubscribersService(subscriberDeps, caches.signupNewsletters),
    issues,
    sending: new SendingService({
      ...common,
      repo: repos.sending,
      issuesRepo: repos.issues,
      secret: deps.secret,
      personalisers: caches.personalisers,
      segments,
    }),
    // Segments, topics and the audience of a send (issue 24).
    segments,
    slots: new SlotsService({ ...common, repo: repos.slots, sending: repos.sending }),
    archive: new ArchiveService(repos.archive, repos.newsletters, repos.rateLimits, clock, deps.config, caches.archivePages),
  };
  // The fields a newsletter defines for its subscribers' attributes, and its saved import mapping.
  const subscriberFields = new SubscriberFieldsService({
    repo: new SubscriberFieldsRepository(db),
    settings: repos.settings,
    audit: repos.audit,
    clock,
    lifecycle: core.subscribers,
  });
  // The newsletter's own wording of its confirmation, welcome and goodbye emails (issue #24).
  const messagesRepo = new MessagesRepository(db);
  const messages = new MessagesService(subscriberDeps, core.subscribers, messagesRepo);
  return {
    ...core,
    subscriberFields,
    messages,
    // An admin's actions on one person: resend the confirmation, lift a suppression, notes.
    person: new PersonService(subscriberDeps, core.subscribers, messagesRepo),
    // The list as admins manage it (import, export, erasure) and the consent lifecycle's emails.
    subscriberList: new SubscriberListService(subscriberDeps, core.subscribers, repos.subscriberImports, subscriberFields),
    subscriberMail: new SubscriberMail(subscriberDeps, core.subscribers, messages),
    // The audience move: Mailchimp, Substack and listmonk exports with their consent proof (issue #24).
    subscriberMove: new SubscriberMoveService(subscriberDeps, core.subscribers, repos.subscriberImports, new MoveRepository(db)),
    // Opens, provider webhooks, issue stats (issue #7); suppresses through the subscribers module.
    events: new EventsService({
      repo: new EventsRepository(db),
      subscribers: core.subscribers,
      queue,
      clock,
      config: deps.config,
      mailer: deps.mailer,
      secret: deps.secret,
      log: deps.log,
    }),
    // Hourly retention of the job log, raw webhook payloads, rate-limit windows and sessions.
    housekeeping: new HousekeepingService({
      jobs: repos.jobs,
      events: new EventsRepository(db),
      rateLimits: repos.rateLimits,
      auth: new AuthRepository(db),
      queue,
      clock,
      log: deps.log,
    }),
  };
}

type CoreServices = ReturnType<typeof createCore>;
export type Services = CoreServices & { jobHandlers: JobHandlers; jobGiveUps: GiveUpHandlers };

export function createServices(deps: Deps): Services {
  const core = createCore(deps);
  return { ...core, jobHandlers: createJobHandlers(core), jobGiveUps: { 'send.batch': (p, reason) => core.sending.giveUpBatch(p, reason) } };
}

/** Every job kind the queue can carry, by name. */
function createJobHandlers(_s: CoreServices): JobHandlers {
  return {
    // mail.confirm, mail.welcome, mail.goodbye
    ..._s.subscriberMail.jobHandlers(),
    'send.start': (p) => _s.sending.runStart(p),
    'send.batch': (p, ctx) => _s.sending.runBatch(p, ctx),
    'mail.slot_reminder': (p) => _s.slots.sendReminder(p),
    // Webhook events that arrived before the ledger knew their provider id.
    'events.rematch': async () => {
      await _s.events.rematch();
    },
    'housekeeping.prune': async () => {
      await _s.housekeeping.prune();
    },
    // Lets operators (and tests) check that the queue moves end to end.
    noop: async () => {},
  };
}

/** The HMAC key: SECRET from the environment, else one generated on first run and kept in the database. */
export async function resolveSecret(config: Config, db: Db): Promise<string> {
  if (config.secret) return config.secret;
  return new SettingsRepository(db).getOrInsert('secret', randomToken(48));
}

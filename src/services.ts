/**
 * Wires repositories and services from their dependencies. The same function serves Node,
 * Workers (once per request) and tests; nothing here reads the environment.
 */
import type { Config } from './config.ts';
import type { Db, DbKind } from './db/kysely.ts';
import { JobsRepository } from './jobs/repository.ts';
import type { JobHandlers, JobQueue } from './jobs/queue.ts';
import type { Clock } from './lib/clock.ts';
import { randomToken } from './lib/crypto.ts';
import type { Logger } from './lib/log.ts';
import type { Mailer } from './mail/mailer.ts';
import { AuditRepository } from './modules/audit/repository.ts';
import { NewslettersRepository } from './modules/newsletters/repository.ts';
import { NewslettersService } from './modules/newsletters/service.ts';
import { OutboxRepository } from './modules/outbox/repository.ts';
import { SettingsRepository } from './modules/settings/repository.ts';
import { UsersRepository } from './modules/users/repository.ts';
import { UsersService } from './modules/users/service.ts';

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
  /** PBKDF2 work factor; tests lower it. */
  passwordIterations?: number;
}

function createCore(deps: Deps) {
  const { db, clock } = deps;
  const repos = {
    settings: new SettingsRepository(db),
    audit: new AuditRepository(db),
    users: new UsersRepository(db),
    newsletters: new NewslettersRepository(db),
    outbox: new OutboxRepository(db),
    jobs: new JobsRepository(db),
  };
  const queue = typeof deps.queue === 'function' ? deps.queue(repos) : deps.queue;
  return {
    ...deps,
    queue,
    repos,
    users: new UsersService(repos.users, repos.audit, clock, deps.passwordIterations),
    newsletters: new NewslettersService(repos.newsletters, repos.audit),
  };
}

type CoreServices = ReturnType<typeof createCore>;
export type Services = CoreServices & { jobHandlers: JobHandlers };

export function createServices(deps: Deps): Services {
  const core = createCore(deps);
  return { ...core, jobHandlers: createJobHandlers(core) };
}

/** Every job kind the queue can carry, by name. */
function createJobHandlers(_s: CoreServices): JobHandlers {
  return {
    // Lets operators (and tests) check that the queue moves end to end.
    noop: async () => {},
  };
}

/** The HMAC key: SECRET from the environment, else one generated on first run and kept in the database. */
export async function resolveSecret(config: Config, db: Db): Promise<string> {
  if (config.secret) return config.secret;
  return new SettingsRepository(db).getOrInsert('secret', randomToken(48));
}

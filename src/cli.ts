/**
 * The `quire` command line. Works with DATABASE_URL or the PGlite in DATA_DIR (and refuses,
 * with a clear message, while a server holds that directory).
 */
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig, type Config } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { runDueJobs } from './jobs/db-queue.ts';
import { tick } from './jobs/tick.ts';
import { AppError } from './http/errors.ts';
import { startNodeRuntime } from './runtime/node-services.ts';
import type { Services } from './services.ts';
import { createLogger } from './lib/log.ts';

const USAGE = `Usage: quire <command> [options]

Commands:
  migrate                                  apply pending database migrations
  admin create --email E [--role R]        create (or reset) a user; password on stdin; role admin|editor|viewer
  token create --email E --name N          create an API token for that user; prints only the token
  tick                                     run one scheduler tick, then every queued job until none is left

Environment: DATABASE_URL (PostgreSQL) or DATA_DIR (embedded PGlite, default ./data). See README.md.`;

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function withServices<T>(config: Config, fn: (s: Services) => Promise<T>): Promise<T> {
  // The CLI logs warnings and errors only, to stderr: stdout carries results (tokens, ids).
  const runtime = await startNodeRuntime(config, 'cli', { log: createLogger(config.logLevel === 'debug' ? 'debug' : 'warn') });
  try {
    return await fn(runtime.services);
  } finally {
    await runtime.close();
  }
}

export async function runCli(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, sub] = positionals;
  if (!cmd || values.help) {
    console.log(USAGE);
    return;
  }
  const config = parseConfig(process.env);

  switch (cmd) {
    case 'migrate': {
      await withServices(config, async () => {});
      console.log('Migrations are up to date.');
      return;
    }
    case 'admin': {
      if (sub !== 'create') throw new UsageError('Usage: quire admin create --email E [--role admin|editor|viewer] (password on stdin)');
      if (!values.email) throw new UsageError('--email is required');
      const role = (values.role ?? 'admin') as 'admin' | 'editor' | 'viewer';
      if (!['admin', 'editor', 'viewer'].includes(role)) throw new UsageError('--role must be admin, editor or viewer');
      const password = await readStdin();
      await withServices(config, async (s) => {
        const { created } = await s.users.createUser(values.email!, password, role, 'cli');
        console.error(`${created ? 'Created' : 'Updated'} ${role} ${values.email}`);
      });
      return;
    }
    case 'token': {
      if (sub !== 'create') throw new UsageError('Usage: quire token create --email E --name N');
      if (!values.email || !values.name) throw new UsageError('--email and --name are required');
      await withServices(config, async (s) => {
        console.log(await s.users.createToken(values.email!, values.name!, 'cli'));
      });
      return;
    }
    case 'tick': {
      await withServices(config, async (s) => {
        const r = await tick(s);
        const ran = await runDueJobs({ repo: s.repos.jobs, clock: s.clock, handlers: s.jobHandlers, queue: s.queue, log: s.log });
        const pending = await s.repos.jobs.countPending();
        console.log(`tick: ${r.enqueued} job(s) enqueued, ${ran} run${pending ? `, ${pending} waiting for later` : ''}`);
      });
      return;
    }
    default:
      throw new UsageError(`Unknown command "${cmd}".\n\n${USAGE}`);
  }
}

runCli(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError || e instanceof ConfigError || e instanceof DataDirLockedError || e instanceof AppError) {
    console.error(e.message);
    process.exit(e instanceof UsageError ? 2 : 1);
  }
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});

/**
 * The `quire` command line. Works with DATABASE_URL or the PGlite in DATA_DIR (and refuses,
 * with a clear message, while a server holds that directory).
 */
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig, type Config } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { runDueJobs } from './jobs/db-queue.ts';
import { tick } from './jobs/tick.ts';
import { AppError } from './lib/errors.ts';
import { createProcessCaches } from './runtime/caches.ts';
import { startNodeRuntime } from './runtime/node-services.ts';
import type { Services } from './services.ts';
import { createLogger } from './lib/log.ts';
import fs from 'node:fs';
import { importIssue } from './content/import/index.ts';
import { renderIssue } from './mail/render/issue.ts';
import { createPersonaliser } from './mail/render/personalise.ts';

const USAGE = `Usage: quire <command> [options]

Commands:
  migrate                                  apply pending database migrations
  admin create --email E [--role R]        create (or reset) a user; password on stdin; role admin|editor|viewer
  token create --email E --name N          create an API token for that user; prints only the token
  tick                                     run one scheduler tick, then every queued job until none is left
  import FILE [--newsletter SLUG]          import a Markdown or PDF-text issue as a draft; prints its id
  import FILE --dry-run --json             print the parsed issue as JSON, touching no database
  render FILE|ISSUE_ID --html OUT [--text OUT]
                                           render an issue (a file needs no database)

Environment: DATABASE_URL (PostgreSQL) or DATA_DIR (embedded PGlite, default ./data). See README.md.`;

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** One command per process: one set of process caches. */
const caches = createProcessCaches();

async function withServices<T>(config: Config, fn: (s: Services) => Promise<T>): Promise<T> {
  // The CLI logs warnings and errors only, to stderr: stdout carries results (tokens, ids).
  const runtime = await startNodeRuntime(config, 'cli', { caches, log: createLogger(config.logLevel === 'debug' ? 'debug' : 'warn') });
  try {
    return await fn(runtime.services);
  } finally {
    await runtime.close();
  }
}

function readSource(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function parseFormat(f: string | undefined): 'markdown' | 'text' | 'auto' {
  if (f === undefined) return 'auto';
  if (f === 'markdown' || f === 'text' || f === 'auto') return f;
  throw new UsageError('--format must be markdown, text or auto');
}

async function onlyNewsletter(s: Services): Promise<string> {
  const all = await s.newsletters.list();
  if (all.length === 1) return all[0]!.slug;
  throw new UsageError(
    all.length === 0
      ? 'No newsletter exists yet; create one first'
      : `Several newsletters exist; choose one with --newsletter (${all.map((n) => n.slug).join(', ')})`,
  );
}

function printImportSummary(r: ReturnType<typeof importIssue>): void {
  console.log(`${r.content.title}${r.content.volume ? ` — ${r.content.volume}` : ''} (${r.format})`);
  for (const sec of r.content.sections) {
    console.log(`  ${sec.title || '(untitled section)'}`);
    for (const a of sec.articles) console.log(`    - ${a.title || '(untitled)'} [${a.sources.length} source(s)]`);
  }
  for (const l of r.lint) console.log(`  link ${l.where}: ${l.changes.join('; ')}`);
  for (const w of r.warnings) console.log(`  warning: ${w}`);
}

export async function runCli(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      newsletter: { type: 'string' },
      format: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      html: { type: 'string' },
      text: { type: 'string' },
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
    case 'import': {
      if (!sub) throw new UsageError('Usage: quire import FILE [--newsletter SLUG] [--format markdown|text] [--dry-run --json]');
      const source = readSource(sub);
      const format = parseFormat(values.format);
      if (values['dry-run']) {
        const result = importIssue(source, { format });
        if (values.json) console.log(JSON.stringify(result, null, 2));
        else printImportSummary(result);
        return;
      }
      await withServices(config, async (s) => {
        const slug = values.newsletter ?? (await onlyNewsletter(s));
        const issue = await s.issues.create(slug, { source, format }, null);
        console.log(issue.id);
        console.error(
          `Draft issue ${issue.id} (#${issue.number}) in ${slug}: "${issue.title}", ${issue.sections.length} sections, ${issue.sections.reduce((n, x) => n + x.articles.length, 0)} articles, ${issue.lint.length} link notes, ${issue.warnings.length} warnings.`,
        );
      });
      return;
    }
    case 'render': {
      if (!sub || !values.html) throw new UsageError('Usage: quire render FILE|ISSUE_ID --html OUT.html [--text OUT.txt]');
      let rendered: { html: string; text: string; sizeBytes: number; errors: string[] };
      if (/^\d+$/.test(sub) && !fs.existsSync(sub)) {
        rendered = await withServices(config, (s) => s.issues.preview(Number(sub)));
      } else {
        const { content } = importIssue(readSource(sub), { format: parseFormat(values.format) });
        const r = await renderIssue({
          content,
          newsletter: { name: content.title, slug: 'preview', language: content.language },
          archiveUrl: `${config.publicUrl}/archive/preview/1`,
        });
        const signup = `${config.publicUrl}/n/preview`;
        rendered = { ...createPersonaliser(r)({ unsubscribeUrl: signup, preferencesUrl: signup }), sizeBytes: r.sizeBytes, errors: r.errors };
      }
      fs.writeFileSync(values.html, rendered.html);
      if (values.text) fs.writeFileSync(values.text, rendered.text);
      console.error(
        `Wrote ${values.html} (${rendered.sizeBytes} bytes${rendered.sizeBytes > 102 * 1024 ? ", OVER Gmail's 102 KB clipping limit" : ''})${values.text ? ` and ${values.text}` : ''}.`,
      );
      for (const e of rendered.errors) console.error(`MJML: ${e}`);
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

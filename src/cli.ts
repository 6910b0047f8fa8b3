/**
 * The `quire` command line. Works with DATABASE_URL or the PGlite in DATA_DIR (and refuses,
 * with a clear message, while a server holds that directory).
 */
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig, type Config } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { runDueJobs } from './jobs/db-queue.ts';
import { tick } from './jobs/tick.ts';
import { AppError, describeError } from './lib/errors.ts';
import { i18n, type Message, msg, systemLanguage } from './i18n/index.ts';
import { presentMessages } from './http/present.ts';
import { createProcessCaches } from './runtime/caches.ts';
import { startNodeRuntime } from './runtime/node-services.ts';
import type { Services } from './services.ts';
import { createLogger } from './lib/log.ts';
import fs from 'node:fs';
import { importIssue } from './content/import/index.ts';
import { renderIssue } from './mail/render/issue.ts';
import { createPersonaliser } from './mail/render/personalise.ts';
import { BACK_ISSUE_EXTENSIONS, type BackIssueResult, importBackIssue } from './modules/issues/back-issues.ts';
import path from 'node:path';

/** The command line speaks the system's language (LC_ALL, LC_MESSAGES, LANG), English by default. */
const { t, m } = i18n(systemLanguage(process.env));
const usage = () => t('cli.usage');

class UsageError extends Error {
  constructor(
    said: Message,
    readonly showUsage = false,
  ) {
    super(m(said));
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(t('cli.password'));
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
    throw new UsageError(msg('cli.cannotRead', { file, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message }));
  }
}

function parseFormat(f: string | undefined): 'markdown' | 'text' | 'auto' {
  if (f === undefined) return 'auto';
  if (f === 'markdown' || f === 'text' || f === 'auto') return f;
  throw new UsageError(msg('cli.badFormat'));
}

async function onlyNewsletter(s: Services): Promise<string> {
  const all = await s.newsletters.list();
  if (all.length === 1) return all[0]!.slug;
  throw new UsageError(all.length === 0 ? msg('cli.noNewsletter') : msg('cli.severalNewsletters', { slugs: all.map((n) => n.slug).join(', ') }));
}

function printImportSummary(r: ReturnType<typeof importIssue>): void {
  console.log(`${r.content.title}${r.content.volume ? ` — ${r.content.volume}` : ''} (${r.format})`);
  for (const sec of r.content.sections) {
    console.log(`  ${sec.title || t('cli.untitledSection')}`);
    for (const a of sec.articles) console.log(`    - ${a.title || t('cli.untitled')} [${t('cli.sources', { count: a.sources.length })}]`);
  }
  for (const l of r.lint) console.log(`  ${t('cli.link', { where: l.where, changes: l.changes.map(m).join('; ') })}`);
  for (const w of r.warnings) console.log(`  ${t('cli.warning', { text: m(w) })}`);
  if (r.warnings.length > 0) console.log(`  ${t('importer.summary', { count: r.warnings.length })}`);
}

/** The files `quire import` was given: a directory stands for its issue files, sorted by name. */
function expandImportPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let dir = false;
    try {
      dir = fs.statSync(p).isDirectory();
    } catch {
      /* not there: its own error line when it is read */
    }
    if (!dir) {
      out.push(p);
      continue;
    }
    const names = fs
      .readdirSync(p)
      .filter((n) => BACK_ISSUE_EXTENSIONS.test(n) && fs.statSync(path.join(p, n)).isFile())
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (names.length === 0) throw new UsageError(msg('backIssues.cliNoFiles', { dir: p }));
    out.push(...names.map((n) => path.join(p, n)));
  }
  return out;
}

function printBackIssue(r: BackIssueResult, file: string): void {
  if (!r.ok) {
    console.log(t('backIssues.cliFailed', { file, error: m(r.error) }));
    return;
  }
  const line = { file, number: r.number, title: r.title, date: r.date ?? t('backIssues.cliNoDate'), articles: r.articles, notes: r.notes.length };
  console.log(t(r.status === 'published' ? 'backIssues.cliOkPublished' : 'backIssues.cliOk', line));
  for (const n of r.notes) console.log(t('backIssues.cliNote', { text: m(n) }));
}

/** `quire import FILE… | DIR [--publish]`: each file one issue, a line each; a bad file never stops the others. */
async function importMany(config: Config, paths: string[], opts: { newsletter?: string | undefined; publish: boolean; format: 'markdown' | 'text' | 'auto' }) {
  const files = expandImportPaths(paths);
  let failed = 0;
  await withServices(config, async (s) => {
    const slug = opts.newsletter ?? (await onlyNewsletter(s));
    for (const file of files) {
      let r: BackIssueResult;
      try {
        const content = new Uint8Array(fs.readFileSync(file));
        r = await importBackIssue(
          s.issues,
          slug,
          { name: path.basename(file), content },
          { format: opts.format, publish: opts.publish, onUnexpected: (e) => s.log.error('back issue import failed', { file, error: String(e) }) },
          null,
        );
      } catch (e) {
        if (e instanceof AppError) throw e; // the newsletter is missing: every file would fail alike
        r = { name: file, ok: false, error: msg('backIssues.cliCannotRead', { reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message }) };
      }
      if (!r.ok) failed++;
      printBackIssue(r, file);
    }
  });
  console.log(t('backIssues.summary', { imported: files.length - failed, failed }));
  if (failed > 0) process.exitCode = 1;
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
      publish: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, sub] = positionals;
  if (!cmd || values.help) {
    console.log(usage());
    return;
  }
  const config = parseConfig(process.env);

  switch (cmd) {
    case 'migrate': {
      await withServices(config, async () => {});
      console.log(t('cli.migrated'));
      return;
    }
    case 'admin': {
      if (sub !== 'create') throw new UsageError(msg('cli.usageAdmin'));
      if (!values.email) throw new UsageError(msg('cli.emailRequired'));
      const role = (values.role ?? 'admin') as 'admin' | 'editor' | 'viewer';
      if (!['admin', 'editor', 'viewer'].includes(role)) throw new UsageError(msg('cli.badRole'));
      const password = await readStdin();
      await withServices(config, async (s) => {
        const { created } = await s.users.createUser(values.email!, password, role, 'cli');
        console.error(t(created ? 'cli.userCreated' : 'cli.userUpdated', { role, email: values.email! }));
      });
      return;
    }
    case 'token': {
      if (sub !== 'create') throw new UsageError(msg('cli.usageToken'));
      if (!values.email || !values.name) throw new UsageError(msg('cli.emailAndName'));
      await withServices(config, async (s) => {
        console.log(await s.users.createToken(values.email!, values.name!, 'cli'));
      });
      return;
    }
    case 'tick': {
      await withServices(config, async (s) => {
        const r = await tick(s);
        const ran = await runDueJobs({ repo: s.repos.jobs, clock: s.clock, handlers: s.jobHandlers, giveUps: s.jobGiveUps, queue: s.queue, log: s.log });
        const pending = await s.repos.jobs.countPending();
        console.log(t(pending ? 'cli.tickedWaiting' : 'cli.ticked', { enqueued: r.enqueued, ran, pending }));
      });
      return;
    }
    case 'import': {
      if (!sub) throw new UsageError(msg('cli.usageImport'));
      const paths = positionals.slice(1);
      const isDir = (p: string) => {
        try {
          return fs.statSync(p).isDirectory();
        } catch {
          return false;
        }
      };
      if (values['dry-run'] && paths.length > 1) throw new UsageError(msg('cli.usageImport'));
      // Several files, a directory or --publish: the bulk import of back issues (one line per file).
      if (!values['dry-run'] && (paths.length > 1 || values.publish || isDir(sub))) {
        await importMany(config, paths, { newsletter: values.newsletter, publish: values.publish === true, format: parseFormat(values.format) });
        return;
      }
      const source = readSource(sub);
      const format = parseFormat(values.format);
      if (values['dry-run']) {
        const result = importIssue(source, { format });
        if (values.json) console.log(JSON.stringify(presentMessages(result), null, 2));
        else printImportSummary(result);
        return;
      }
      await withServices(config, async (s) => {
        const slug = values.newsletter ?? (await onlyNewsletter(s));
        const issue = await s.issues.create(slug, { source, format }, null);
        console.log(issue.id);
        console.error(
          t('cli.imported', {
            id: issue.id,
            number: issue.number,
            slug,
            title: issue.title,
            sections: issue.sections.length,
            articles: issue.sections.reduce((n, x) => n + x.articles.length, 0),
            links: issue.lint.length,
            notes: issue.warnings.length,
          }),
        );
      });
      return;
    }
    case 'render': {
      if (!sub || !values.html) throw new UsageError(msg('cli.usageRender'));
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
      const wrote = { html: values.html, bytes: rendered.sizeBytes };
      console.error(values.text ? t('cli.wroteBoth', { ...wrote, text: values.text }) : t('cli.wrote', wrote));
      if (rendered.sizeBytes > 102 * 1024) console.error(t('cli.overClip'));
      for (const e of rendered.errors) console.error(t('cli.mjml', { error: e }));
      return;
    }
    default:
      throw new UsageError(msg('cli.unknownCommand', { command: cmd }), true);
  }
}

runCli(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError || e instanceof ConfigError || e instanceof DataDirLockedError || e instanceof AppError) {
    console.error(e instanceof UsageError ? e.message : e instanceof AppError ? describeError(e, { m }) : m(e.said));
    if (e instanceof UsageError && e.showUsage) console.error(`\n${usage()}`);
    process.exit(e instanceof UsageError ? 2 : 1);
  }
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});

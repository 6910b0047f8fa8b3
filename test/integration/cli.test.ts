// The `quire` command as a user runs it: a child process on a PGlite data directory.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = path.resolve('bin/quire.js');

function quire(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

// Each command is a fresh process that loads the app and opens PGlite: seconds, more on a busy machine.
describe('quire CLI on a PGlite data directory', { timeout: 120_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-cli-'));
    env = { DATA_DIR: dir };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('migrates, creates an admin from stdin and prints only the token', async () => {
    const m = await quire(['migrate'], env);
    expect(m.stderr).toBe('');
    expect(m.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'db'))).toBe(true);
    const a = await quire(['admin', 'create', '--email', 'ops@example.org'], env, 'a long enough password\n');
    expect(a.code).toBe(0);
    const t = await quire(['token', 'create', '--email', 'ops@example.org', '--name', 'deploy'], env);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^qk_[A-Za-z0-9_-]{40,}\n$/);
    expect(fs.existsSync(path.join(dir, 'quire.lock'))).toBe(false); // released on exit
  });

  it('explains usage mistakes with exit code 2', async () => {
    const r = await quire(['token', 'create', '--email', 'ops@example.org'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--name');
    const u = await quire(['frobnicate'], env);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('Unknown command');
  });

  it('speaks the system language: Chinese under LANG=zh_CN.UTF-8, English under C', async () => {
    const zh = await quire(['frobnicate'], { ...env, LANG: 'zh_CN.UTF-8', LC_ALL: '', LC_MESSAGES: '' });
    expect(zh.code).toBe(2);
    expect(zh.stderr).toContain('未知命令“frobnicate”');
    expect(zh.stderr).toContain('用法：quire <命令>');
    const c = await quire(['--help'], { ...env, LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' });
    expect(c.stdout).toContain('Usage: quire <command>');
  });

  it('refuses a too-short password and an unknown user with a clear message', async () => {
    const a = await quire(['admin', 'create', '--email', 'x@example.org'], env, 'short\n');
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('at least 10 characters');
    const t = await quire(['token', 'create', '--email', 'nobody@example.org', '--name', 'n'], env);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain('No user with email nobody@example.org');
  });

  it('refuses to open a data directory a running process holds', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fs.writeFileSync(path.join(dir, 'quire.lock'), JSON.stringify({ pid: holder.pid, role: 'server' }));
      const r = await quire(['tick'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`in use by another Quire process (pid ${holder.pid})`);
    } finally {
      holder.kill();
    }
    // A lock left by a dead process is stale and taken over.
    await new Promise((r) => holder.once('exit', r));
    const r = await quire(['tick'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tick:');
  });

  it('names a bad setting in one line', async () => {
    const r = await quire(['migrate'], { ...env, PORT: 'abc' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('Configuration error: PORT must be a whole number from 1 to 65535, got “abc”');
  });
});

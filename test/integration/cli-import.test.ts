// `quire import FILE… | DIR [--publish]` as a user runs it: a child process on a PGlite data directory.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createProcessCaches } from '../../src/runtime/caches.ts';
import { startNodeRuntime } from '../../src/runtime/node-services.ts';
import { silentLogger } from '../../src/lib/log.ts';
import { seedFiles, seedPath } from '../helpers/seeds.ts';

const bin = path.resolve('bin/quire.js');

function quire(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, DATABASE_URL: '', LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '', ...env }, timeout: 90_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('quire import of back issues (PGlite data directory)', { timeout: 180_000 }, () => {
  let dir: string;
  let issues: string;
  let env: Record<string, string>;
  /** Runs `fn` on the data directory's services while no CLI process holds it. */
  const withServices = async <T>(fn: (s: Awaited<ReturnType<typeof startNodeRuntime>>['services']) => Promise<T>): Promise<T> => {
    const rt = await startNodeRuntime(parseConfig({ DATA_DIR: path.join(dir, 'data'), SECRET: 'x'.repeat(40) }), 'cli', {
      caches: createProcessCaches(),
      log: silentLogger,
    });
    try {
      return await fn(rt.services);
    } finally {
      await rt.close();
    }
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-cli-import-'));
    env = { DATA_DIR: path.join(dir, 'data'), SECRET: 'x'.repeat(40) };
    await withServices((s) => s.newsletters.create({ slug: 'spp', name: 'SPP brief', fromEmail: 'news@example.org', language: 'zh-CN' }, null));
    issues = path.join(dir, 'issues');
    fs.mkdirSync(issues);
    for (const f of seedFiles().slice(0, 2)) fs.copyFileSync(seedPath(f), path.join(issues, f));
    fs.writeFileSync(path.join(issues, '2023-02.md'), '# 简报\n\n2023年第2期 总第12期\n\n## 新闻\n\n### 文章\n\n正文。\n');
    fs.writeFileSync(path.join(issues, 'empty.txt'), '');
    fs.writeFileSync(path.join(issues, 'scan.txt'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]));
    fs.writeFileSync(path.join(issues, 'notes.pdf'), '%PDF-1.4'); // not an issue file: a directory import skips it
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports a directory by name, a line per file, the bad files failing alone, exit code 1', async () => {
    const r = await quire(['import', issues, '--publish'], env);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => /^[✓✗]/.test(l));
    expect(lines.map((l) => l.slice(0, 1) + l.split(':')[0]!.split(path.sep).pop())).toEqual([
      '✓000_2380499397e0f17a.txt',
      '✓001_6a6305e4b76ecf9c.txt',
      '✓2023-02.md',
      '✗empty.txt',
      '✗scan.txt',
    ]);
    // The second real past issue prints 2023年第2期 总第12期: it is number 12, so the Markdown file saying the same gets 13 and a note.
    expect(r.stdout).toMatch(/001_6a6305e4b76ecf9c\.txt: #12 “[^”]+”, 2023-02-01, articles: 8/);
    expect(r.stdout).toContain('2023-02.md: #13 “简报”, 2023-02-01, articles: 1, notes: 2');
    expect(r.stdout).toContain('which another issue already has');
    expect(r.stdout).toContain('published to the archive');
    expect(r.stdout).toContain('empty.txt: The file is empty');
    expect(r.stdout).toContain('scan.txt: The file is not text');
    expect(r.stdout).toContain('3 imported, 2 failed');
    const published = await withServices((s) => s.issues.list('spp', { status: ['published'], limit: 50 }));
    expect(published.items.map((i) => i.number).sort((a, b) => a - b)).toEqual([1, 12, 13]);
  });

  it('imports several files, continuing after the highest number, and keeps the one-file form', async () => {
    const r = await quire(['import', path.join(issues, '2023-02.md'), path.join(dir, 'missing.md'), '--newsletter', 'spp'], { ...env, LANG: 'zh_CN.UTF-8' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('第 14 期《简报》');
    expect(r.stdout).toContain('原文标注的期号 12 已被其他期刊使用');
    expect(r.stdout).toMatch(/missing\.md：无法读取（ENOENT）/);
    expect(r.stdout).toContain('已导入 1 个，失败 1 个');

    const one = await quire(['import', path.join(issues, '2023-02.md')], env);
    expect(one.code).toBe(0);
    expect(one.stdout.trim()).toMatch(/^\d+$/); // still just the id
    expect(one.stderr).toContain('(#15)');
  });
});

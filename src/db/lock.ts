// Node only: a lock file with the pid, so two processes never open one PGlite directory at once
// (PGlite is single-process; a second writer corrupts it).
import fs from 'node:fs';
import path from 'node:path';
import { en, type Message, msg } from '../i18n/index.ts';

export class DataDirLockedError extends Error {
  readonly said: Message;
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(en().t('cli.dataDirLocked', { dir, pid }));
    this.said = msg('cli.dataDirLocked', { dir, pid });
    this.name = 'DataDirLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock or throws DataDirLockedError. Returns a release function. */
export function lockDataDir(dir: string, role: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'quire.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, role, since: new Date().toISOString() }), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          const held = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number };
          if (held.pid === process.pid) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid;
      } catch {
        /* unreadable or half-written lock: treat as stale */
      }
      if (pid && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(dir, pid);
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not lock ${dir}`);
}

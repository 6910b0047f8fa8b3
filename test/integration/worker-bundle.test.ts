// The Worker as `wrangler deploy` would upload it: minified, without prettier (react-email's
// `pretty` option, never used), under a size a cold isolate parses quickly (issue 23, item 14).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

it('bundles the Worker minified, without prettier, under 5.5 MB', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-worker-'));
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [path.resolve('node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', out],
        { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' }, timeout: 170_000 },
        (err, _stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve()),
      ),
    );
    const js = fs.readFileSync(path.join(out, 'worker.js'), 'utf8');
    expect(js.length).toBeLessThan(5.5 * 1024 * 1024);
    expect(js).not.toContain('printDocToString'); // prettier's printer
    // Minified: few lines for its size.
    expect(js.split('\n').length).toBeLessThan(js.length / 200);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 180_000);

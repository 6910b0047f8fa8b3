/** The JSON signup endpoint under load from a separate process (autocannon), against a do-nothing route. */
import { serve, type ServerType } from '@hono/node-server';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Hono } from 'hono';
import { createApp } from '../../src/app.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { benchServices, type BenchDb, type Result } from '../lib.ts';

interface Cannon {
  requests: { average: number };
  latency: { p99: number; p50: number };
  non2xx: number;
  errors: number;
}

function autocannon(url: string, seconds: number): Promise<Cannon> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', path.resolve('bench/signup-client.ts'), url, String(seconds)], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as Cannon),
    ),
  );
}

export async function signupScenario(db: BenchDb, scale: number): Promise<Result[]> {
  const s = benchServices(db, new OutboxMailer(new OutboxRepository(db.handle.db), systemClock));
  await s.newsletters.create({ slug: 'signup', name: 'Signup bench', fromEmail: 'news@example.org' }, null);
  const outer = new Hono();
  outer.post('/__noop', (c) => c.body(null, 202));
  outer.route('/', createApp(() => s));
  const server: ServerType = await new Promise((r) => {
    const srv = serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' }, () => r(srv));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await autocannon(`${base}/api/v1/public/newsletters/signup/subscribe`, 2); // warm-up
    const ours = await autocannon(`${base}/api/v1/public/newsletters/signup/subscribe`, 8);
    const noop = await autocannon(`${base}/__noop`, 5);
    return [
      {
        name: 'signup: JSON endpoint requests per second',
        scale,
        figure: ours.requests.average,
        unit: 'req/s',
        baseline: noop.requests.average,
        baselineUnit: 'req/s (Hono route answering 202, no work)',
        ratio: ours.requests.average / noop.requests.average,
        peakRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
        detail: { p50Ms: ours.latency.p50, p99Ms: ours.latency.p99, baselineP99Ms: noop.latency.p99, non2xx: ours.non2xx, errors: ours.errors, bars: '≥ 1 500 req/s, p99 < 50 ms' },
      },
    ];
  } finally {
    await new Promise((r) => server.close(() => r(undefined)));
  }
}

/** The JSON signup endpoint under load from a separate process (autocannon), against a do-nothing route. */
import { serve, type ServerType } from '@hono/node-server';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { Hono } from 'hono';
import { createApp } from '../../src/app.ts';
import { OutboxMailer } from '../../src/mail/outbox.ts';
import { OutboxRepository } from '../../src/modules/outbox/repository.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { benchServices, cpuMeter, type BenchDb, type Result } from '../lib.ts';

interface Cannon {
  requests: { average: number; total: number };
  latency: { p99: number; p50: number };
  non2xx: number;
  errors: number;
}

/** Closed loop over 16 connections, or, with `open`, `open.rate` requests per second over `open.connections`. */
function autocannon(url: string, seconds: number, open?: { connections: number; rate: number }): Promise<Cannon> {
  const args = [url, String(seconds), ...(open ? [String(open.connections), String(open.rate)] : [])];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', path.resolve('bench/signup-client.ts'), ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as Cannon),
    ),
  );
}

/** The signup rate the bar asks for. */
const OFFERED_RATE = 1500;

export async function signupScenario(db: BenchDb, scale: number): Promise<Result[]> {
  const s = benchServices(db, new OutboxMailer(new OutboxRepository(db.handle.db), systemClock));
  await s.newsletters.create({ slug: 'signup', name: 'Signup bench', fromEmail: 'news@example.org' }, null);
  const outer = new Hono();
  outer.post('/__noop', (c) => c.body(null, 202));
  outer.route(
    '/',
    createApp(() => s),
  );
  const server: ServerType = await new Promise((r) => {
    const srv = serve({ fetch: outer.fetch, port: 0, hostname: '127.0.0.1' }, () => r(srv));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await autocannon(`${base}/api/v1/public/newsletters/signup/subscribe`, 2); // warm-up
    const ours = await autocannon(`${base}/api/v1/public/newsletters/signup/subscribe`, 8);
    // The bar's question (does it serve 1 500 signups a second within 50 ms at p99?) asked with an
    // offered load: 16 clients each waiting for its answer cap the rate at 16 ÷ latency, while
    // public traffic comes from many visitors at once; grouping serves more of them per statement.
    const perRequest = cpuMeter(db.kind);
    // How long the server's event loop was blocked (GC pauses, long tasks): the part of the tail that is Quire's own.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const offered = await autocannon(`${base}/api/v1/public/newsletters/signup/subscribe`, 8, { connections: 100, rate: OFFERED_RATE });
    loop.disable();
    // CPU per request of this process (the server; the load comes from another) and of PostgreSQL.
    const cpu = perRequest(offered.requests.total);
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
        detail: {
          connections: 16,
          p50Ms: ours.latency.p50,
          p99Ms: ours.latency.p99,
          baselineP99Ms: noop.latency.p99,
          non2xx: ours.non2xx,
          errors: ours.errors,
          bars: '≥ 1 500 req/s, p99 < 50 ms',
        },
      },
      {
        name: `signup: served at an offered ${OFFERED_RATE} req/s`,
        scale,
        figure: offered.requests.average,
        unit: 'req/s',
        baseline: OFFERED_RATE,
        baselineUnit: 'req/s offered (100 connections, open loop)',
        ratio: offered.requests.average / OFFERED_RATE,
        peakRssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
        detail: {
          connections: 100,
          p50Ms: offered.latency.p50,
          p99Ms: offered.latency.p99,
          quireCpuUsPerRequest: cpu.quireUs,
          postgresCpuUsPerRequest: cpu.postgresUs,
          eventLoopDelayP99Ms: Math.round(loop.percentile(99) / 1e5) / 10,
          eventLoopDelayMaxMs: Math.round(loop.max / 1e5) / 10,
          non2xx: offered.non2xx,
          errors: offered.errors,
          bars: 'ratio ≥ 0.95 (keeps up), p99 < 50 ms',
        },
      },
    ];
  } finally {
    await new Promise((r) => server.close(() => r(undefined)));
  }
}

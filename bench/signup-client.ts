// Load from a process of its own with autocannon: unique addresses per request (setupRequest
// rebuilds each body, so Content-Length stays right).
// Usage: tsx bench/signup-client.ts URL SECONDS [CONNECTIONS] [RATE]
// Without RATE, each connection sends its next request as soon as the answer comes (closed loop,
// 16 connections by default); with RATE, requests leave at that many per second over all
// connections whatever the answers (open loop: the offered load of many independent visitors).
import autocannon from 'autocannon';

const [url, seconds, connections, rate] = process.argv.slice(2);
let n = 0;
const result = await autocannon({
  url: url!,
  connections: Number(connections ?? 16),
  ...(rate ? { overallRate: Number(rate) } : {}),
  duration: Number(seconds ?? 5),
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ email: `load-${process.pid}-${n++}@example.org`, consent: true }) }),
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests,
    latency: result.latency,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodeStats: result.statusCodeStats,
  })}\n`,
);

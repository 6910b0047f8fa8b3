// Sends N signed Resend webhook events to a URL with C requests in flight, from a process of its
// own (so its CPU is not the server's). Prints {seconds, ok, failed}. Usage:
//   tsx bench/webhook-client.ts URL SECRET FIRST_DELIVERY_ID COUNT CONCURRENCY
import { createHmac } from 'node:crypto';
import http from 'node:http';

const [url, secret, firstArg, countArg, concArg] = process.argv.slice(2);
const first = Number(firstArg);
const count = Number(countArg);
const concurrency = Number(concArg ?? 16);
// node:http with keep-alive, not fetch: fetch cost this process about 1 ms of CPU per request, on
// the two cores the server under test also runs on.
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL(url!);
function post(body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const key = Buffer.from(secret!.replace(/^whsec_/, ''), 'base64');

function request(i: number): { body: string; headers: Record<string, string> } {
  const id = `msg_bench_${process.pid}_${i}`;
  const ts = String(Math.floor(Date.now() / 1000));
  const body = JSON.stringify({ type: 'email.delivered', created_at: new Date().toISOString(), data: { email_id: `wh-${first + i}`, to: [`reader${i}@example.org`], subject: 'Bench', created_at: new Date().toISOString() } });
  const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return { body, headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': ts, 'svix-signature': `v1,${sig}` } };
}

let next = 0;
let ok = 0;
let failed = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const r = request(i);
      try {
        const status = await post(r.body, r.headers);
        if (status >= 200 && status < 300) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  }),
);
agent.destroy();
process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000, ok, failed }) + '\n');

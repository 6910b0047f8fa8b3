// Sends N signed Resend webhook events to a URL with C requests in flight, from a process of its
// own (so its CPU is not the server's). Prints {seconds, ok, failed}. Usage:
//   tsx bench/webhook-client.ts URL SECRET FIRST_DELIVERY_ID COUNT CONCURRENCY
import { createHmac } from 'node:crypto';
import { nodeHttpPost } from '../src/runtime/node-http.ts';

const [url, secret, firstArg, countArg, concArg] = process.argv.slice(2);
const first = Number(firstArg);
const count = Number(countArg);
const concurrency = Number(concArg ?? 16);
// Quire's keep-alive node:http poster, not fetch: fetch cost this process about 1 ms of CPU per
// request, on the two cores the server under test also runs on.
const encoder = new TextEncoder();
const key = Buffer.from(secret!.replace(/^whsec_/, ''), 'base64');

function request(i: number): { body: string; headers: Record<string, string> } {
  const id = `msg_bench_${process.pid}_${i}`;
  const ts = String(Math.floor(Date.now() / 1000));
  const body = JSON.stringify({
    type: 'email.delivered',
    created_at: new Date().toISOString(),
    data: { email_id: `wh-${first + i}`, to: [`reader${i}@example.org`], subject: 'Bench', created_at: new Date().toISOString() },
  });
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
        const { status } = await nodeHttpPost(url!, r.headers, [encoder.encode(r.body)]);
        if (status >= 200 && status < 300) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  }),
);
// The poster's keep-alive sockets would hold the process open until the server drops them.
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - t0) / 1000, ok, failed })}\n`, () => process.exit(0));

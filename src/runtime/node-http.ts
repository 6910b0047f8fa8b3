// Node only: provider calls over node:http(s) with keep-alive. fetch (undici) copies a request
// body once more before writing it, and joining a batch's pieces is a copy too: for 5–8 MB batch
// bodies those copies (and the garbage they leave) were the largest share of the send pipeline's
// CPU. Here the pieces — most of them the static chunks, shared by every message — go to
// the socket as they are, in one corked writev. Same semantics as fetchPost: resolves with any
// status, rejects on network errors.
import http from 'node:http';
import https from 'node:https';
import type { HttpPost } from '../mail/mailer.ts';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

export const nodeHttpPost: HttpPost = (url, headers, body) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const client = u.protocol === 'https:' ? https : http;
    const req = client.request(
      u,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(byteLength(body)) }, agent: agents[u.protocol as 'http:' | 'https:'] },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('the provider did not answer within 30 s')));
    req.cork();
    for (const piece of body) if (piece.byteLength) req.write(piece);
    req.end();
  });

function byteLength(pieces: Uint8Array[]): number {
  let n = 0;
  for (const p of pieces) n += p.byteLength;
  return n;
}

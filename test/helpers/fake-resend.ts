/**
 * A fake Resend API on loopback, real HTTP: `POST /emails` and `POST /emails/batch`, honouring
 * `Idempotency-Key` the way Resend does (same key and body → the first answer again; same key,
 * other body → 409). It can answer 429 (with Retry-After), 500, slowly, or drop the connection,
 * and can enforce a request rate. It counts what it accepted per recipient, so tests can check
 * "exactly one email per subscriber". `GET /domains` (the Domains API behind the dashboard's
 * click-tracking warning) is answered and counted apart. Used in-process by tests and as a child
 * process by the bench.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultMode = { kind: 'ok' } | { kind: '429'; retryAfterS: number } | { kind: '500' } | { kind: 'slow'; ms: number } | { kind: 'drop' };

export interface FakeResendStats {
  requests: number;
  accepted: number;
  rejected429: number;
  byStatus: Record<string, number>;
  /** Emails accepted per recipient address. */
  perRecipient: Map<string, number>;
  idempotentReplays: number;
  /** `GET /domains` calls; not counted in `requests`, which are the email API's. */
  domainsRequests: number;
}

export interface FakeResend {
  url: string;
  stats: FakeResendStats;
  /** Emails accepted, in order (only kept when `keepBodies`). */
  emails: { to: string[]; subject: string; html?: string; text?: string; headers?: Record<string, string> }[];
  /** The next `times` requests get this fault (then back to ok). */
  fail(mode: FaultMode, times?: number): void;
  /** Called with each accepted email count (after the response is decided). */
  onAccepted?: (n: number) => void;
  /** What `GET /domains` says about click tracking (false unless set). */
  clickTracking: boolean;
  close(): Promise<void>;
}

/** Recipient lists of a batch body without parsing 10 MB of JSON (benchmark mode): the `to` arrays. */
const TO = Buffer.from('"to":[');

/**
 * The `to` lists of a batch body, found with Buffer#indexOf (native, no decoding of the 5–8 MB
 * body): inside a JSON string a quote is escaped, so `"to":[` only occurs as a key.
 */
function recipientsOf(raw: Buffer): string[][] {
  const out: string[][] = [];
  for (let i = raw.indexOf(TO); i !== -1; i = raw.indexOf(TO, i)) {
    const end = raw.indexOf(']', i + TO.length);
    if (end === -1) break;
    out.push(JSON.parse(raw.toString('utf8', i + TO.length - 1, end + 1)) as string[]);
    i = end;
  }
  return out;
}

export async function startFakeResend(
  opts: {
    port?: number;
    ratePerSecond?: number;
    keepBodies?: boolean;
    unref?: boolean /** count recipients by scanning instead of parsing (benchmarks) */;
    scanOnly?: boolean;
  } = {},
): Promise<FakeResend> {
  const stats: FakeResendStats = {
    requests: 0,
    accepted: 0,
    rejected429: 0,
    byStatus: {},
    perRecipient: new Map(),
    idempotentReplays: 0,
    domainsRequests: 0,
  };
  const emails: FakeResend['emails'] = [];
  const keys = new Map<string, { hash: string; status: number; body: string }>();
  const faults: FaultMode[] = [];
  let nextId = 1;
  // Unique across fake servers, as a real provider's ids are.
  const idPrefix = `fake-${Math.random().toString(36).slice(2, 8)}`;
  // Rate enforcement: a sliding one-second window of request times.
  const recent: number[] = [];

  const fake: FakeResend = {
    url: '',
    stats,
    emails,
    clickTracking: false,
    fail(mode, times = 1) {
      for (let i = 0; i < times; i++) faults.push(mode);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };

  const reply = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
    return text;
  };

  const server = http.createServer((req, res) => {
    // A rate limiter sees a request when it arrives, not when its body has finished uploading.
    const arrivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/domains') {
        stats.domainsRequests++;
        if (!/^Bearer re_/.test(req.headers.authorization ?? ''))
          return reply(res, 401, { name: 'missing_api_key', message: 'Missing API key', statusCode: 401 });
        return reply(res, 200, {
          object: 'list',
          has_more: false,
          data: [{ id: 'fake-domain', name: 'example.org', status: 'verified', region: 'us-east-1', click_tracking: fake.clickTracking }],
        });
      }
      stats.requests++;
      if (req.method === 'GET' && req.url === '/_stats') {
        return reply(res, 200, {
          ...stats,
          perRecipient: undefined,
          recipients: stats.perRecipient.size,
          duplicates: [...stats.perRecipient.values()].filter((n) => n > 1).length,
        });
      }
      if (opts.ratePerSecond) {
        const now = arrivedAt;
        while (recent.length && recent[0]! <= now - 1000) recent.shift();
        if (recent.length >= opts.ratePerSecond) {
          stats.rejected429++;
          return reply(res, 429, { name: 'rate_limit_exceeded', message: 'Too many requests', statusCode: 429 }, { 'retry-after': '1' });
        }
        recent.push(now);
      }
      const fault = faults.shift() ?? { kind: 'ok' };
      if (fault.kind === 'drop') return req.socket.destroy();
      if (fault.kind === '429') {
        stats.rejected429++;
        return reply(res, 429, { name: 'rate_limit_exceeded', message: 'Too many requests', statusCode: 429 }, { 'retry-after': String(fault.retryAfterS) });
      }
      if (fault.kind === '500') return reply(res, 500, { name: 'internal_server_error', message: 'Something broke', statusCode: 500 });
      if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));

      const raw = Buffer.concat(chunks);
      if (!/^Bearer re_/.test(req.headers.authorization ?? ''))
        return reply(res, 401, { name: 'missing_api_key', message: 'Missing API key', statusCode: 401 });
      const isBatch = req.url === '/emails/batch';
      if (!isBatch && req.url !== '/emails') return reply(res, 404, { name: 'not_found', message: 'Not found', statusCode: 404 });
      const key = req.headers['idempotency-key'] as string | undefined;
      // Benchmarks: the body's size and recipients stand for it (hashing 8 MB per request would make
      // this process, which shares the machine's two cores, the bottleneck of what it measures).
      const scanned = opts.scanOnly && isBatch ? recipientsOf(raw) : null;
      const hash = scanned
        ? createHash('sha256')
            .update(`${raw.length}:${scanned.join(';')}`)
            .digest('hex')
        : createHash('sha256').update(raw).digest('hex');
      if (key) {
        const seen = keys.get(key);
        if (seen) {
          if (seen.hash !== hash)
            return reply(res, 409, { name: 'invalid_idempotent_request', message: 'Same idempotency key, different payload', statusCode: 409 });
          stats.idempotentReplays++;
          return reply(res, seen.status, seen.body);
        }
      }
      let list: FakeResend['emails'];
      if (scanned) {
        if (raw.toString('latin1', 0, 2) !== '[{' || raw.toString('latin1', raw.length - 2) !== '}]')
          return reply(res, 422, { name: 'validation_error', message: 'Invalid JSON', statusCode: 422 });
        list = scanned!.map((to) => ({ to, subject: '' }));
      } else {
        let payload: unknown;
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch {
          return reply(res, 422, { name: 'validation_error', message: 'Invalid JSON', statusCode: 422 });
        }
        list = (isBatch ? payload : [payload]) as FakeResend['emails'];
      }
      if (!Array.isArray(list) || list.length === 0 || list.length > 100)
        return reply(res, 422, { name: 'validation_error', message: 'A batch holds 1 to 100 emails', statusCode: 422 });
      const ids = list.map(() => `${idPrefix}-${nextId++}`);
      for (const e of list) {
        for (const to of e.to) stats.perRecipient.set(to.toLowerCase(), (stats.perRecipient.get(to.toLowerCase()) ?? 0) + 1);
        if (opts.keepBodies) emails.push(e);
      }
      stats.accepted += list.length;
      const body = reply(res, 200, isBatch ? { data: ids.map((id) => ({ id })) } : { id: ids[0] });
      if (key) keys.set(key, { hash, status: 200, body });
      fake.onAccepted?.(list.length);
    });
  });
  // Clients that vanish mid-connection (a killed process, workerd shutting down) are normal here.
  server.on('connection', (socket) => socket.on('error', () => {}));
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  if (opts.unref) server.unref(); // does not keep the process alive by itself
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

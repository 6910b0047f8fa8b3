// The Resend transport against a loopback HTTP server standing in for the API (RESEND_BASE_URL).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailerError } from '../../src/mail/mailer.ts';
import { ResendMailer } from '../../src/mail/resend.ts';

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

describe('ResendMailer', () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  let next: { status: number; body: unknown; headers?: Record<string, string> } | null = null;
  let domainsClickTracking = true;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw || 'null');
        if (req.method === 'GET' && req.url === '/domains') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              object: 'list',
              has_more: false,
              data: [{ id: 'd1', name: 'example.org', status: 'verified', click_tracking: domainsClickTracking }],
            }),
          );
          return;
        }
        seen.push({ path: req.url!, headers: req.headers, body });
        const reply = next ?? {
          status: 200,
          body: Array.isArray(body) ? { data: body.map((_: unknown, i: number) => ({ id: `msg-${i}` })) } : { id: 'msg-single' },
        };
        next = null;
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const email = { from: 'News <news@example.org>', to: ['a@example.org'], subject: 'Hi', text: 'x', headers: { 'List-Unsubscribe': '<https://x/u/1>' } };

  it('sends through RESEND_BASE_URL with the key and idempotency key', async () => {
    const m = new ResendMailer('re_test', base);
    expect(await m.send(email, { idempotencyKey: 'k-1' })).toEqual({ id: 'msg-single' });
    const req = seen.at(-1)!;
    expect(req.path).toBe('/emails');
    expect(req.headers.authorization).toBe('Bearer re_test');
    expect(req.headers['idempotency-key']).toBe('k-1');
    expect(req.body).toMatchObject({ from: 'News <news@example.org>', to: ['a@example.org'], headers: { 'List-Unsubscribe': '<https://x/u/1>' } });
  });

  it('sends a batch and returns the ids in order', async () => {
    const m = new ResendMailer('re_test', base);
    const ids = await m.sendBatch([email, { ...email, to: ['b@example.org'] }], { idempotencyKey: 'issue-1/batch-3' });
    expect(ids).toEqual([{ id: 'msg-0' }, { id: 'msg-1' }]);
    expect(seen.at(-1)!.path).toBe('/emails/batch');
    expect(seen.at(-1)!.headers['idempotency-key']).toBe('issue-1/batch-3');
  });

  it('turns 429 into a retryable error carrying Retry-After', async () => {
    next = { status: 429, body: { name: 'rate_limit_exceeded', message: 'Too many requests', statusCode: 429 }, headers: { 'retry-after': '2' } };
    const err = await new ResendMailer('re_test', base).send(email).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 2000 });
  });

  it('treats 5xx and network failures as retryable, 422 as final', async () => {
    next = { status: 503, body: { name: 'internal_server_error', message: 'down', statusCode: 503 } };
    expect(await new ResendMailer('re_test', base).send(email).catch((e: unknown) => e)).toMatchObject({ retryable: true, status: 503 });
    next = { status: 422, body: { name: 'validation_error', message: 'bad from', statusCode: 422 } };
    expect(await new ResendMailer('re_test', base).send(email).catch((e: unknown) => e)).toMatchObject({ retryable: false, status: 422 });
    const dead = await new ResendMailer('re_test', 'http://127.0.0.1:1').send(email).catch((e: unknown) => e);
    expect(dead).toMatchObject({ retryable: true, status: null });
  });

  it('reports click tracking switched on at the provider, so the admin can be warned', async () => {
    expect(await new ResendMailer('re_test', base).clickTracking()).toBe(true);
    domainsClickTracking = false;
    expect(await new ResendMailer('re_test', base).clickTracking()).toBe(false);
    expect(await new ResendMailer('re_test', 'http://127.0.0.1:1').clickTracking()).toBe(false);
  });

  it('refuses a batch over 100 before calling the provider', async () => {
    const before = seen.length;
    const err = await new ResendMailer('re_test', base).sendBatch(Array.from({ length: 101 }, () => email)).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: false });
    expect(seen.length).toBe(before);
  });
});

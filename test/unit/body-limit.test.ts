import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { bodyLimit } from '../../src/http/body.ts';

describe('bodyLimit', () => {
  const app = new Hono();
  app.post('/', bodyLimit({ maxSize: 10, onError: (c) => c.text('too large', 413) }), async (c) => c.text(`got ${(await c.req.text()).length}`));

  it('refuses a body whose declared length is over the limit, before reading it', async () => {
    const r = await app.request('/', { method: 'POST', headers: { 'content-length': '11' }, body: 'x'.repeat(11) });
    expect(r.status).toBe(413);
  });

  it('passes a body whose declared length is within the limit, readable by the handler', async () => {
    const r = await app.request('/', { method: 'POST', headers: { 'content-length': '10' }, body: 'x'.repeat(10) });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('got 10');
  });

  it('counts a body that declares no length (chunked) as it arrives', async () => {
    const stream = (n: number) =>
      new ReadableStream({
        start(ctl) {
          ctl.enqueue(new TextEncoder().encode('y'.repeat(n)));
          ctl.close();
        },
      });
    const big = await app.request('/', { method: 'POST', body: stream(11), duplex: 'half' } as RequestInit);
    expect(big.status).toBe(413);
    const small = await app.request('/', { method: 'POST', body: stream(9), duplex: 'half' } as RequestInit);
    expect(await small.text()).toBe('got 9');
  });
});

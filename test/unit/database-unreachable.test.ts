// A database that does not answer is a 503 the reader can act on, not a 500 (issue 23, item 11).
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnreachable } from '../../src/db/unreachable.ts';
import { unavailableResponse } from '../../src/http/unavailable.tsx';

describe('a database that does not answer', () => {
  it('is recognised from the driver’s own error (refused connection), and a bad query is not', async () => {
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 2_000 });
    const refused = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeTruthy();
    expect(isDatabaseUnreachable(refused)).toBe(true);
    const badQuery = Object.assign(new Error('relation "nope" does not exist'), { code: '42P01' });
    expect(isDatabaseUnreachable(badQuery)).toBe(false);
    expect(isDatabaseUnreachable(new Error('wrapped', { cause: refused }))).toBe(true);
  });

  it('answers monitors, programs and people each in their own form', async () => {
    const health = await unavailableResponse(new Request('https://q.example/healthz'));
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ ok: false, db: 'unreachable' });
    const api = await unavailableResponse(new Request('https://q.example/api/v1/newsletters'));
    expect((await api.json()).error.code).toBe('unavailable');
    const page = await unavailableResponse(new Request('https://q.example/n/spp', { headers: { 'accept-language': 'en' } }));
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('Please try again in a few minutes');
    expect(page.headers.get('retry-after')).toBe('30');
  });
});

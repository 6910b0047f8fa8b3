// Subscriber code inside workerd: react-email rendering, streaming CSV parsing, the public routes.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { renderConfirmEmail } from '../../emails/transactional/index.ts';
import { readSubscriberCsv } from '../../src/modules/subscribers/csv.ts';
import { signToken, verifyToken } from '../../src/lib/tokens.ts';
import worker from '../../src/worker.ts';

const dbAvailable = (env as unknown as Record<string, string>).QUIRE_TEST_DB_AVAILABLE === '1';

describe('subscriber code in workerd', () => {
  it('renders the confirmation email with react-email', async () => {
    const r = await renderConfirmEmail({ lang: 'zh-CN', newsletterName: '简报', confirmUrl: 'https://news.example.test/confirm/abc' });
    expect(r.subject).toBe('请确认订阅《简报》');
    expect(r.html).toContain('https://news.example.test/confirm/abc');
    expect(r.text).toContain('确认订阅');
  });

  it('parses a streamed CSV with csv-parse', async () => {
    const seen: string[] = [];
    const body = new Response('\uFEFFEmail Address,姓名\r\nA@Example.org,甲\r\nbad,乙\r\n').body!;
    const r = await readSubscriberCsv(body, { maxBytes: 1e6, chunkSize: 10, onChunk: async (rows) => void seen.push(...rows.map((x) => x.normalized)) });
    expect(seen).toEqual(['a@example.org']);
    expect(r).toMatchObject({ total: 2, errorCount: 1 });
  });

  it('checks language codes and numbers rows by the line they start on (Intl in workerd)', async () => {
    const rows: { line: number; language: string | null }[] = [];
    const body = new Response('email,language\na@example.org,ZH-cn\nb@example.org,zz\nc@example.org,"unclosed\nd@example.org,fr\n').body!;
    const r = await readSubscriberCsv(body, { maxBytes: 1e6, chunkSize: 10, onChunk: async (x) => void rows.push(...x) });
    expect(rows.map((x) => [x.line, x.language])).toEqual([
      [2, 'zh-CN'],
      [3, null],
    ]);
    expect(r.notes.map((n) => [n.line, n.said.key])).toEqual([[3, 'csvUx.unknownLanguage']]);
    expect(r.errors.map((e) => [e.line, e.said.key])).toEqual([[4, 'csvUx.quoteNotClosedRest']]);
  });

  it('signs and verifies tokens', () => {
    const t = signToken('k'.repeat(40), 'unsubscribe', '42');
    expect(verifyToken('k'.repeat(40), 'unsubscribe', t, new Date())?.subject).toBe('42');
  });

  it.skipIf(!dbAvailable)('serves the public routes without admin auth', async () => {
    const ctx = createExecutionContext();
    const page = await worker.fetch(new Request('https://news.example.test/n/no-such-newsletter'), env as never, ctx);
    expect(page.status).toBe(404);
    const api = await worker.fetch(
      new Request('https://news.example.test/api/v1/public/newsletters/no-such-newsletter/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
      env as never,
      ctx,
    );
    expect(api.status).toBe(404);
    expect(api.headers.get('access-control-allow-origin')).toBe('*');
    const unsub = await worker.fetch(
      new Request('https://news.example.test/unsubscribe/1.AAAAAAAAAAAAAAAAAAAAAA', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      }),
      env as never,
      ctx,
    );
    expect(unsub.status).toBe(404);
    await waitOnExecutionContext(ctx);
  });
});

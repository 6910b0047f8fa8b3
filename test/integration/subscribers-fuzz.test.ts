// Thousands of random payloads at the public signup endpoints: never a 500, never a partial row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const nasty = [
  '\r\n',
  '\n',
  '\u0000',
  '\u2028',
  '"',
  "'",
  '<script>',
  '%00',
  '\\',
  '@@',
  '\uD800',
  '😀',
  '读者',
  'ǅ',
  '\u202E',
  ' ',
  '\t',
  'Bcc: x@example.org',
  '=cmd|',
  '{{',
  'xn--',
  '..',
  '.',
];

function makeFuzzer(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const str = (max = 40): string => {
    const n = Math.floor(r() * max);
    let s = '';
    for (let i = 0; i < n; i++) s += r() < 0.3 ? pick(nasty) : String.fromCharCode(r() < 0.8 ? 32 + Math.floor(r() * 95) : Math.floor(r() * 0xffff));
    return s;
  };
  const value = (depth = 0): unknown => {
    switch (Math.floor(r() * (depth > 2 ? 6 : 9))) {
      case 0:
        return null;
      case 1:
        return r() < 0.5;
      case 2:
        return Math.floor(r() * 1e9) * (r() < 0.5 ? -1 : 1);
      case 3:
        return str();
      case 4:
        return r() < 0.5 ? `${str(10)}@${str(10)}.${str(4)}` : `u${Math.floor(r() * 1e6)}@example.org${pick(['', '\r\n', ' ', '.', '\u0000'])}`;
      case 5:
        return r() < 0.1 ? 'x'.repeat(Math.floor(r() * 20_000)) : '';
      case 6:
        return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: Math.floor(r() * 4) }, () => [
            pick(['email', 'name', 'consent', 'website', 'language', str(8), '__proto__', 'constructor']),
            value(depth + 1),
          ]),
        );
    }
  };
  /** A payload that must be refused: it always breaks at least one rule. */
  const invalidBody = () => {
    const b: Record<string, unknown> = { email: value(), name: value(), consent: value() };
    if (r() < 0.3) b.language = value();
    // make sure it is invalid: a bad consent, or an email that cannot be an address
    if (b.consent === true) b.email = pick([null, 42, '', 'no-at-sign', 'a@b', `x\r\n@example.org`, { email: 'a@example.org' }, ['a@example.org']]);
    return b;
  };
  return { r, pick, str, value, invalidBody };
}

describe.each(dbKinds)('public endpoints under fuzzing on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind, { env: { SIGNUP_RATE_LIMIT: '1000000' } });
    await h.api('POST', '/api/v1/newsletters', { json: { slug: 'fuzz', name: 'Fuzz', fromEmail: 'news@example.org' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const counts = async () =>
    Promise.all(
      (['subscribers', 'subscriber_events', 'jobs'] as const).map(async (t) =>
        Number(
          (
            await h.db.db
              .selectFrom(t)
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      ),
    );

  it('answers thousands of invalid JSON and form payloads without a 500 and without storing anything', async () => {
    const f = makeFuzzer(20260301);
    const before = await counts();
    const statuses = new Map<number, number>();
    const types = [
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
      'application/xml',
      'application/vnd.api+json',
    ];
    for (let i = 0; i < 2500; i++) {
      let res: Response;
      let sent = '';
      let honeypot = false; // a filled honeypot is answered with a (fake) success
      const ip = `10.${i % 250}.0.${(i >> 8) % 250}`;
      if (i % 3 !== 2) {
        const type = i % 5 === 0 ? f.pick(types) : 'application/json';
        const payload = i % 7 === 0 ? f.value() : f.invalidBody();
        const body = f.r() < 0.1 ? f.str(200) : JSON.stringify(payload);
        honeypot =
          !!payload &&
          typeof payload === 'object' &&
          !Array.isArray(payload) &&
          !!(payload as Record<string, unknown>).website &&
          body !== undefined &&
          type.includes('json');
        sent = `${type} ${body}`;
        res = await h.app.request('/api/v1/public/newsletters/fuzz/subscribe', {
          method: 'POST',
          headers: { 'content-type': type, 'x-forwarded-for': ip },
          body,
        });
        if (res.status !== 413) {
          const json = await res.json();
          expect(json.error?.code ?? json.ok, JSON.stringify(body).slice(0, 200)).toBeTruthy();
        }
      } else {
        const b = f.invalidBody();
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(b)) params.append(k, typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
        if (params.get('consent') === 'yes' || params.get('consent') === 'on' || params.get('consent') === 'true') params.set('email', 'bad');
        const type = i % 5 === 0 ? f.pick(types) : 'application/x-www-form-urlencoded';
        honeypot = !!params.get('website') && /urlencoded|multipart/.test(type);
        sent = `${type} ${params.toString()}`;
        res = await h.app.request('/n/fuzz/subscribe', { method: 'POST', headers: { 'content-type': type, 'x-forwarded-for': ip }, body: params.toString() });
        await res.text();
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, `payload #${i}`).not.toBe(500);
      if (!honeypot) expect(res.status === 202 || res.status === 200, `payload #${i} was accepted: ${sent.slice(0, 300)}`).toBe(false);
    }
    expect(await counts()).toEqual(before);
    expect([...statuses.keys()].every((s) => [200, 202, 400, 413, 415, 422].includes(s))).toBe(true);
  });

  it('stores exactly one row per valid signup among random valid ones, even with odd names', async () => {
    const f = makeFuzzer(7);
    const before = await counts();
    const emails = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const email = `Fuzz.${i}.${Math.floor(f.r() * 3)}@Example.org`;
      const name = f
        .str(30)
        .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '')
        .slice(0, 200);
      const res = await h.app.request('/api/v1/public/newsletters/fuzz/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `172.16.${i % 250}.1` },
        body: JSON.stringify({ email, name, consent: true }),
      });
      if (res.status === 202) emails.add(email.toLowerCase());
      else expect([422], `${res.status} for ${JSON.stringify(name)}`).toContain(res.status); // e.g. a lone surrogate
    }
    const [subs] = await counts();
    expect(subs! - before[0]!).toBe(emails.size);
  });

  it('never answers 500 to odd methods and paths on the public routes', async () => {
    const f = makeFuzzer(99);
    for (let i = 0; i < 300; i++) {
      const segment = f.r() < 0.2 ? f.pick(['%E0%A4%A', '%', '%00', '..%2F..', '%FF%FE']) : encodeURIComponent(f.str(60).replace(/[\uD800-\uDFFF]/g, ''));
      const path =
        f.pick(['/n/', '/confirm/', '/unsubscribe/', '/preferences/', '/api/v1/public/newsletters/']) + segment + f.pick(['', '/subscribe', '/embed', '/x']);
      const method = f.pick(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
      const res = await h.app.request(path, {
        method,
        headers: { 'content-type': f.pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain']) },
        ...(method === 'GET' ? {} : { body: f.str(100) }),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
    }
  });
});

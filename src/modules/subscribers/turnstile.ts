/**
 * Cloudflare Turnstile, the optional bot check of the signup form and the JSON signup endpoint
 * (TURNSTILE_SITE_KEY and TURNSTILE_SECRET, both or neither). Behind an interface like every
 * external service: the real siteverify call, and a fake for tests. Without keys there is no
 * verifier and signups are checked as before (the honeypot and the rate limits).
 */

export interface TurnstileVerifier {
  /**
   * True when Cloudflare says the token is valid (for this client IP, when known); false when it
   * says it is not. Throws TurnstileUnavailable when Cloudflare cannot be asked: the signup is then
   * refused (fail closed) with a message saying so.
   */
  verify(token: string, ip: string | null): Promise<boolean>;
}

export class TurnstileUnavailable extends Error {
  constructor(cause: string) {
    super(`Turnstile siteverify unavailable: ${cause}`);
    this.name = 'TurnstileUnavailable';
  }
}

export const SITEVERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';
/** The widget's script, on the signup page (the page's CSP allows its origin then, and only then). */
export const TURNSTILE_SCRIPT = 'https://challenges.cloudflare.com/turnstile/v0/api.js';
export const TURNSTILE_ORIGIN = 'https://challenges.cloudflare.com';

/** Tokens are at most 2048 characters (Cloudflare's documentation); longer ones are not sent. */
const MAX_TOKEN = 2048;

export class CloudflareTurnstile implements TurnstileVerifier {
  constructor(
    private readonly secret: string,
    private readonly o: { fetch?: typeof fetch; timeoutMs?: number; url?: string } = {},
  ) {}

  async verify(token: string, ip: string | null): Promise<boolean> {
    if (!token || token.length > MAX_TOKEN) return false;
    const body = new URLSearchParams({ secret: this.secret, response: token });
    if (ip) body.set('remoteip', ip);
    let res: Response;
    try {
      res = await (this.o.fetch ?? fetch)(this.o.url ?? SITEVERIFY_URL, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5_000),
      });
    } catch (e) {
      throw new TurnstileUnavailable(e instanceof Error ? e.message : String(e));
    }
    if (!res.ok) throw new TurnstileUnavailable(`HTTP ${res.status}`);
    const r = (await res.json().catch(() => null)) as { success?: unknown } | null;
    if (!r || typeof r.success !== 'boolean') throw new TurnstileUnavailable('unreadable answer');
    return r.success;
  }
}

/** For tests: accepts the tokens it was given, records every call, and can be made unreachable. */
export class FakeTurnstile implements TurnstileVerifier {
  readonly calls: { token: string; ip: string | null }[] = [];
  down = false;
  constructor(private readonly valid = new Set(['XXXX.DUMMY.TOKEN.XXXX'])) {}

  async verify(token: string, ip: string | null): Promise<boolean> {
    this.calls.push({ token, ip });
    if (this.down) throw new TurnstileUnavailable('fake is down');
    return this.valid.has(token);
  }
}

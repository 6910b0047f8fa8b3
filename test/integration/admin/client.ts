/** A tiny cookie-keeping client for the admin web app, driven through `app.request()`. */
import type { Harness } from '../../helpers/harness.ts';

export class AdminClient {
  readonly cookies = new Map<string, string>();
  lastSetCookies: string[] = [];

  constructor(
    private readonly h: Harness,
    private readonly ip = '203.0.113.7',
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    opts: { form?: Record<string, string>; headers?: Record<string, string>; body?: BodyInit } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip, ...(opts.headers ?? {}) };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let body = opts.body;
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    }
    // A streamed body needs `duplex: 'half'` (fetch's rule for a ReadableStream).
    const stream = body instanceof ReadableStream ? { duplex: 'half' } : {};
    const r = await this.h.app.request(path, { method, headers, ...(body !== undefined ? { body } : {}), ...stream } as RequestInit);
    this.lastSetCookies = r.headers.getSetCookie();
    for (const sc of this.lastSetCookies) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return r;
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, headers ? { headers } : {});
  }

  /** The CSRF token a page carries in its forms. */
  async csrfFrom(path: string): Promise<string> {
    const html = await (await this.get(path)).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error(`No CSRF field on ${path}`);
    return m[1]!;
  }

  async login(email: string, password: string): Promise<Response> {
    const csrf = await this.csrfFrom('/admin/login');
    return this.request('POST', '/admin/login', { form: { email, password, _csrf: csrf, next: '/admin' } });
  }

  /** Posts a form with this session's CSRF token (taken from the account page). */
  async post(path: string, form: Record<string, string> = {}): Promise<Response> {
    const csrf = await this.csrfFrom('/admin/account');
    return this.request('POST', path, { form: { _csrf: csrf, ...form } });
  }
}

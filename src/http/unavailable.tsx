/**
 * The answer when the database cannot be reached, built without services (a Worker that cannot
 * open its connection has none): `/healthz` says so to monitors, the API answers its usual JSON
 * error, a person gets a styled page in their language. Always 503 with a short Retry-After.
 */
import { AppError } from '../lib/errors.ts';
import { msg, readerLanguage } from '../i18n/index.ts';
import { UnavailablePage } from '../ui/error-pages.tsx';

export const RETRY_AFTER_SECONDS = 30;

export function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/webhooks/');
}

export async function unavailableResponse(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  const headers = { 'Retry-After': String(RETRY_AFTER_SECONDS), 'Cache-Control': 'no-store' };
  if (path === '/healthz') return Response.json({ ok: false, db: 'unreachable' }, { status: 503, headers });
  if (isApiPath(path) || path.startsWith('/o/')) return Response.json(new AppError('unavailable', msg('error.unavailable')).toJSON(), { status: 503, headers });
  const page = await Promise.resolve(UnavailablePage({ lang: readerLanguage(request.headers.get('accept-language') ?? undefined) }).toString());
  return new Response(page, { status: 503, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } });
}

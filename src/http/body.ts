import type { Context } from 'hono';
import { AppError } from './errors.ts';

/** Reads a JSON body with a clear error for the wrong type or malformed JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', 'Send JSON with Content-Type: application/json');
  }
  try {
    return await c.req.json();
  } catch {
    throw new AppError('bad_request', 'The body is not valid JSON');
  }
}

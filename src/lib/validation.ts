import { z } from 'zod';
import { AppError } from '../http/errors.ts';

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z.string().max(64).refine(isTimeZone, { message: 'must be an IANA time zone such as Asia/Shanghai' });

/** Letters, digits, dot, dash, underscore, plus; a domain with a dot; no spaces, quotes or line breaks. */
export const emailSchema = z
  .string()
  .trim()
  .max(254, { message: 'is too long (254 characters at most)' })
  .refine((s) => /^[^\s@"<>,;:\\()[\]]{1,64}@[^\s@"<>,;:\\()[\]]+\.[^\s@"<>,;:\\()[\]]{2,}$/u.test(s), {
    message: 'must be an email address like name@example.org',
  });

/** Parses with a zod schema; a failure becomes a `validation_failed` AppError listing each bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  const first = fields[0]!;
  throw new AppError('validation_failed', `${first.field} ${first.message}`.trim(), { fields });
}

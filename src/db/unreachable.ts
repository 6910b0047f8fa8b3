/**
 * Whether an error means the database cannot be reached (refused, dropped, timed out, shutting
 * down, out of connections), as opposed to a bad query: such a request is answered 503, with a page
 * that asks the reader to try again, instead of a 500.
 */
const CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const MESSAGES =
  /connection terminated|connection refused|connect(ion)? timeout|timeout expired|network connection lost|socket hang up|the database system is (starting|shutting) up|could not connect|cannot connect to the specified address|connection pool is closed|too many clients/i;

export function isDatabaseUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CODES.has(code)) return true;
    if (e instanceof Error && MESSAGES.test(e.message)) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnreachable)) return true;
  }
  return false;
}

/** A minimal structured logger: one JSON line per event on Workers, readable lines on a terminal. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel = 'info', json = false): Logger {
  const emit = (l: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (order[l] < order[level]) return;
    const line = json
      ? JSON.stringify({ level: l, msg, ...fields })
      : `${l === 'info' ? '' : `[${l}] `}${msg}${fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : ''}`;
    (l === 'error' || l === 'warn' ? console.error : console.log)(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = createLogger('silent');

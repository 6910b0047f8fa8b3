/**
 * Configuration: every setting from the environment, parsed once with zod.
 * A bad value stops start-up with one line naming the variable (see `ConfigError`).
 */
import { z } from 'zod';
import { en, type Message, type MessageKey, msg } from './i18n/index.ts';

const optionalString = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));

/** A number from a string variable, with a default when empty; `whole` also requires an integer. */
const numberFrom = (def: number, min: number, max: number, whole = false) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return def;
      const n = Number(s);
      if (!(whole ? Number.isInteger(n) : Number.isFinite(n)) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: whole ? 'config.wholeNumber' : 'config.number', params: { min, max, got: s } });
        return z.NEVER;
      }
      return n;
    });
const intFrom = (def: number, min: number, max: number) => numberFrom(def, min, max, true);

const httpUrl = (message: MessageKey) => optionalString.refine((s) => s === undefined || /^https?:\/\/[^\s/]+/i.test(s), { message });

const envSchema = z.object({
  PORT: intFrom(8787, 1, 65535),
  DATA_DIR: optionalString,
  DATABASE_URL: optionalString.refine((s) => s === undefined || /^postgres(ql)?:\/\//i.test(s), {
    message: 'config.postgresUrl',
  }),
  PUBLIC_URL: httpUrl('config.publicUrl'),
  SECRET: optionalString.refine((s) => s === undefined || s.length >= 32, {
    message: 'config.secretLength',
  }),
  MAIL_TRANSPORT: optionalString.refine((s) => s === undefined || s === 'outbox' || s === 'resend', {
    message: 'config.mailTransport',
  }),
  RESEND_API_KEY: optionalString,
  RESEND_BASE_URL: httpUrl('config.endpointUrl'),
  RESEND_WEBHOOK_SECRET: optionalString.refine((s) => s === undefined || /^whsec_[A-Za-z0-9+/=]+$/.test(s), {
    message: 'config.webhookSecret',
  }),
  RESEND_RATE_PER_SECOND: numberFrom(2, 0.1, 10_000),
  ADMIN_EMAIL: optionalString.refine((s) => s === undefined || /^[^\s@]+@[^\s@]+$/.test(s), {
    message: 'config.email',
  }),
  ADMIN_PASSWORD: optionalString.refine((s) => s === undefined || s.length >= 10, {
    message: 'config.passwordLength',
  }),
  SIGNUP_RATE_LIMIT: intFrom(30, 1, 10_000_000),
  JOB_CONCURRENCY: intFrom(4, 1, 32),
  SOFT_BOUNCE_THRESHOLD: intFrom(3, 1, 100),
  TRUST_PROXY: optionalString.refine((s) => s === undefined || ['none', 'cloudflare', 'forwarded'].includes(s), {
    message: 'config.trustProxy',
  }),
  TURNSTILE_SITE_KEY: optionalString,
  TURNSTILE_SECRET: optionalString,
  LOG_LEVEL: optionalString.refine((s) => s === undefined || ['debug', 'info', 'warn', 'error', 'silent'].includes(s), {
    message: 'config.logLevel',
  }),
});

export interface Config {
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  publicUrl: string;
  /** HMAC key from the environment; when absent the app generates one and keeps it in the database. */
  secret: string | undefined;
  mailTransport: 'outbox' | 'resend';
  resend: { apiKey: string | undefined; baseUrl: string | undefined; webhookSecret: string | undefined; ratePerSecond: number };
  admin: { email: string | undefined; password: string | undefined };
  /** Jobs one Node process runs at once (send batches overlap their database and provider waits). */
  jobConcurrency: number;
  signupRateLimit: number;
  softBounceThreshold: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * Which request header to believe for the client's IP (rate limits, login lockout, consent
   * record). A header is only as honest as the proxy that sets it, so plain Node trusts none.
   */
  trustProxy: TrustProxy;
  /** Cloudflare Turnstile on the signup form and JSON endpoint: both keys, or none (off). */
  turnstile: { siteKey: string; secret: string } | null;
}

export type TrustProxy = 'none' | 'cloudflare' | 'forwarded';

/** A configuration problem; `message` is one line naming the variable (English; `said` in any language). */
export class ConfigError extends Error {
  readonly said: Message;
  constructor(
    readonly variable: string,
    problem: Message,
  ) {
    const said = msg('config.error', { variable, problem });
    super(en().m(said));
    this.said = said;
    this.name = 'ConfigError';
  }
}

const configKey = (s: string): MessageKey => (s.startsWith('config.') ? (s as MessageKey) : 'config.invalid');

/** `defaults` lets an entry choose what an unset variable means there (Workers: behind Cloudflare). */
export function parseConfig(env: Record<string, string | undefined>, defaults: { trustProxy?: TrustProxy } = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const params = (issue as { params?: Record<string, string | number> }).params;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), msg(configKey(issue.message), params));
  }
  const e = parsed.data;
  const mailTransport = (e.MAIL_TRANSPORT as 'outbox' | 'resend' | undefined) ?? (e.RESEND_API_KEY ? 'resend' : 'outbox');
  if (mailTransport === 'resend' && !e.RESEND_API_KEY) {
    throw new ConfigError('RESEND_API_KEY', msg('config.resendKeyRequired'));
  }
  if (!!e.TURNSTILE_SITE_KEY !== !!e.TURNSTILE_SECRET) {
    throw new ConfigError(e.TURNSTILE_SITE_KEY ? 'TURNSTILE_SECRET' : 'TURNSTILE_SITE_KEY', msg('audienceMove.turnstileBoth'));
  }
  return {
    port: e.PORT,
    dataDir: e.DATA_DIR ?? './data',
    databaseUrl: e.DATABASE_URL,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    secret: e.SECRET,
    mailTransport,
    resend: {
      apiKey: e.RESEND_API_KEY,
      baseUrl: e.RESEND_BASE_URL?.replace(/\/+$/, ''),
      webhookSecret: e.RESEND_WEBHOOK_SECRET,
      ratePerSecond: e.RESEND_RATE_PER_SECOND,
    },
    admin: { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD },
    signupRateLimit: e.SIGNUP_RATE_LIMIT,
    jobConcurrency: e.JOB_CONCURRENCY,
    softBounceThreshold: e.SOFT_BOUNCE_THRESHOLD,
    logLevel: (e.LOG_LEVEL as Config['logLevel'] | undefined) ?? 'info',
    trustProxy: (e.TRUST_PROXY as TrustProxy | undefined) ?? defaults.trustProxy ?? 'none',
    turnstile: e.TURNSTILE_SITE_KEY && e.TURNSTILE_SECRET ? { siteKey: e.TURNSTILE_SITE_KEY, secret: e.TURNSTILE_SECRET } : null,
  };
}

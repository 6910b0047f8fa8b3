import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { i18n } from '../../src/i18n/index.ts';

describe('config', () => {
  it('has the documented defaults', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      port: 8787,
      dataDir: './data',
      databaseUrl: undefined,
      publicUrl: 'http://localhost:8787',
      mailTransport: 'outbox',
      signupRateLimit: 30,
      resend: { ratePerSecond: 2 },
    });
  });

  it('defaults PUBLIC_URL to the port and switches to Resend when a key is set', () => {
    const c = parseConfig({ PORT: '9000', RESEND_API_KEY: 're_123' });
    expect(c.publicUrl).toBe('http://localhost:9000');
    expect(c.mailTransport).toBe('resend');
    expect(parseConfig({ RESEND_API_KEY: 're_123', MAIL_TRANSPORT: 'outbox' }).mailTransport).toBe('outbox');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'news.example.org' }, 'PUBLIC_URL'],
    [{ SECRET: 'short' }, 'SECRET'],
    [{ MAIL_TRANSPORT: 'smtp' }, 'MAIL_TRANSPORT'],
    [{ MAIL_TRANSPORT: 'resend' }, 'RESEND_API_KEY'],
    [{ RESEND_WEBHOOK_SECRET: 'abc' }, 'RESEND_WEBHOOK_SECRET'],
    [{ RESEND_RATE_PER_SECOND: '0' }, 'RESEND_RATE_PER_SECOND'],
    [{ SIGNUP_RATE_LIMIT: '-1' }, 'SIGNUP_RATE_LIMIT'],
    [{ ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
  ])('names the bad variable in one line: %o', (env, variable) => {
    let err: unknown;
    try {
      parseConfig(env as Record<string, string>);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
    expect((err as Error).message).toMatch(new RegExp(`^Configuration error: ${variable} `));
    expect((err as Error).message).not.toContain('\n');
    // The same message in Chinese, for a system that speaks it.
    expect(i18n('zh-CN').m((err as ConfigError).said)).toMatch(new RegExp(`^配置错误：${variable} `));
  });

  it('says what a number must be, with its bounds', () => {
    const err = (() => {
      try {
        parseConfig({ PORT: '70000' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.message).toBe('Configuration error: PORT must be a whole number from 1 to 65535, got “70000”');
    expect(i18n('zh-CN').m(err!.said)).toBe('配置错误：PORT 须为 1 到 65535 之间的整数，而不是“70000”');
  });
});

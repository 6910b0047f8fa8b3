/**
 * First run on an empty database: a demo newsletter and the first admin. Idempotent: does
 * nothing once a user and a newsletter exist.
 */
import type { Config } from '../config.ts';
import { randomToken } from '../lib/crypto.ts';
import type { Services } from '../services.ts';

export interface FirstRunReport {
  admin?: { email: string; password?: string; generated: boolean };
  newsletterSlug?: string;
}

export const DEMO_NEWSLETTER = {
  slug: 'spp-brief',
  name: '同一个地球网络 可持续公共采购计划简报',
  // Readers see the description: it says what the newsletter is, not how it was made.
  description: '同一个地球网络可持续公共采购计划的月度简报：政策动态、实践案例与活动资讯。',
  fromEmail: 'newsletter@example.org',
  fromName: '可持续公共采购计划',
  language: 'zh-CN',
  timeZone: 'Asia/Shanghai',
};

/**
 * The first admin on a runtime that cannot print a generated password (Workers): created from
 * ADMIN_EMAIL and ADMIN_PASSWORD when no user exists yet. Safe when isolates race: the user is
 * upserted by address, so two first requests make one admin. `missing` when there is no user and
 * nothing to create one from.
 */
export async function bootstrapAdmin(s: Services, config: Config): Promise<'created' | 'exists' | 'missing'> {
  if ((await s.users.countUsers()) > 0) return 'exists';
  const { email, password } = config.admin;
  if (!email || !password) return 'missing';
  await s.users.createUser(email, password, 'admin', 'first-run');
  return 'created';
}

export async function bootstrap(s: Services, config: Config): Promise<FirstRunReport> {
  const report: FirstRunReport = {};
  if ((await s.users.countUsers()) === 0) {
    const email = config.admin.email ?? 'admin@example.com';
    const generated = !config.admin.password;
    const password = config.admin.password ?? randomToken(12);
    await s.users.createUser(email, password, 'admin', 'first-run');
    report.admin = { email, generated, ...(generated ? { password } : {}) };
  }
  if ((await s.newsletters.count()) === 0) {
    await s.newsletters.create(DEMO_NEWSLETTER, null);
    report.newsletterSlug = DEMO_NEWSLETTER.slug;
  }
  return report;
}

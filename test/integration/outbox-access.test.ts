/** The outbox holds personal data (working confirm and unsubscribe links): only admins read bodies. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

describe.each(dbKinds)('outbox access on %s', (kind) => {
  let h: Harness;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    h = await createHarness(kind);
    for (const role of ['viewer', 'editor'] as const) {
      await h.services.users.createUser(`${role}@example.org`, `${role} password 12`, role, 'test');
      tokens[role] = await h.services.users.createToken(`${role}@example.org`, role);
    }
    await h.services.mailer.send({
      from: 'news@example.org',
      to: ['reader@example.org'],
      subject: 'Confirm your subscription',
      html: '<a href="https://news.example.test/confirm/SECRET">confirm</a>',
      text: 'https://news.example.test/confirm/SECRET',
      headers: { 'List-Unsubscribe': '<https://news.example.test/unsubscribe/SECRET>' },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows viewers and editors to, subject and time only, refuses them the .eml, and gives admins the whole message', async () => {
    for (const role of ['viewer', 'editor']) {
      const list = await h.api('GET', '/api/v1/outbox', { token: tokens[role] });
      expect(list.status).toBe(200);
      const { items } = await list.json();
      expect(items).toHaveLength(1);
      expect(Object.keys(items[0]).sort()).toEqual(['createdAt', 'id', 'subject', 'to']);
      expect(items[0]).toMatchObject({ to: ['reader@example.org'], subject: 'Confirm your subscription' });
      const one = await h.api('GET', `/api/v1/outbox/${items[0].id}`, { token: tokens[role] });
      expect(JSON.stringify(await one.json())).not.toContain('SECRET');
      const eml = await h.api('GET', `/api/v1/outbox/${items[0].id}.eml`, { token: tokens[role] });
      expect(eml.status).toBe(403);
      expect((await eml.json()).error.code).toBe('forbidden');
    }
    const { items } = await (await h.api('GET', '/api/v1/outbox')).json();
    expect(items[0].html).toContain('/confirm/SECRET');
    expect(items[0].headers['List-Unsubscribe']).toContain('SECRET');
    const eml = await h.api('GET', `/api/v1/outbox/${items[0].id}.eml`);
    expect(eml.status).toBe(200);
    expect(await eml.text()).toContain('/confirm/SECRET');
  });
});

/**
 * A newsletter's own confirmation, welcome and goodbye emails, per language: what the editor saves
 * is what the subscriber receives ({{name}} and {{newsletter}} filled in, the text as text, never
 * HTML, the confirmation link always there); a preview; a reset brings the default back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';

let ip = 0;
describe.each(dbKinds)('editable messages on %s', (kind) => {
  let h: Harness;
  const signup = (slug: string, json: Record<string, unknown>) =>
    h.app.request(`/api/v1/public/newsletters/${slug}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${++ip}` },
      body: JSON.stringify({ consent: true, ...json }),
    });
  const outbox = async (to: string) =>
    ((await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).json()) as { items: { subject: string; text: string; html: string }[] }).items;

  beforeAll(async () => {
    h = await createHarness(kind);
    await createNewsletter(h, 'letters', { name: 'Letters & Notes', language: 'en' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists the three emails in every language with the default wording, then sends the saved one', async () => {
    const list = (await (await h.api('GET', '/api/v1/newsletters/letters/messages')).json()) as {
      items: { kind: string; language: string; custom: boolean; body: string }[];
    };
    expect(list.items.map((i) => `${i.kind}/${i.language}`)).toEqual([
      'confirm/en',
      'confirm/zh-CN',
      'welcome/en',
      'welcome/zh-CN',
      'goodbye/en',
      'goodbye/zh-CN',
    ]);
    expect(list.items[0]).toMatchObject({ custom: false, body: expect.stringContaining('Hello {{name}},') });
    expect(list.items[1]!.body).toContain('《{{newsletter}}》');

    const put = await h.api('PUT', '/api/v1/newsletters/letters/messages/confirm/en', {
      json: { subject: 'One click for {{newsletter}}', body: 'Dear {{name}},\n\nYou asked for <b>{{newsletter}}</b>. Please confirm below.' },
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ custom: true, updatedBy: 'admin@example.org' });

    expect((await signup('letters', { email: 'ada@example.org', name: 'Ada' })).status).toBe(202);
    await h.runJobs();
    const [mail] = await outbox('ada@example.org');
    expect(mail!.subject).toBe('One click for Letters & Notes');
    expect(mail!.text).toContain('Dear Ada,');
    expect(mail!.text).toContain('You asked for <b>Letters & Notes</b>.');
    // Text, not HTML: the tags arrive as characters; the confirmation link is still there.
    expect(mail!.html).toContain('&lt;b&gt;Letters &amp; Notes&lt;/b&gt;');
    expect(mail!.html).not.toContain('<b>Letters');
    expect(mail!.text).toMatch(/https:\/\/news\.example\.test\/confirm\/[A-Za-z0-9_.-]+/);
    expect(mail!.text).not.toContain('Someone, hopefully you');

    // Without a name the greeting still reads; Chinese subscribers get the (default) Chinese email.
    expect((await signup('letters', { email: 'anon@example.org' })).status).toBe(202);
    expect((await signup('letters', { email: 'wang@example.cn', name: '王小明', language: 'zh-CN' })).status).toBe(202);
    await h.runJobs();
    expect((await outbox('anon@example.org'))[0]!.text).toContain('Dear reader,');
    expect((await outbox('wang@example.cn'))[0]!.subject).toBe('请确认订阅《Letters & Notes》');
  });

  it('previews the text being edited and the stored one, and refuses unknown placeholders and multi-line subjects', async () => {
    const draft = await h.api('POST', '/api/v1/newsletters/letters/messages/welcome/zh-CN/preview', {
      json: { subject: '欢迎加入《{{newsletter}}》', body: '{{name}}，您好：\n\n感谢订阅。' },
    });
    expect(draft.status).toBe(200);
    const p = (await draft.json()) as { subject: string; html: string; text: string };
    expect(p.subject).toBe('欢迎加入《Letters & Notes》');
    expect(p.text).toContain('王小明，您好：');
    expect(p.html).toContain('感谢订阅。');
    const stored = (await (await h.api('POST', '/api/v1/newsletters/letters/messages/welcome/en/preview')).json()) as { subject: string };
    expect(stored.subject).toBe('Welcome to Letters & Notes');

    const bad = await h.api('PUT', '/api/v1/newsletters/letters/messages/welcome/en', { json: { subject: 'Hi', body: 'Hello {{firstName}}' } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('{{firstName}} is not a placeholder');
    expect((await h.api('PUT', '/api/v1/newsletters/letters/messages/welcome/en', { json: { subject: 'a\nb', body: 'x' } })).status).toBe(422);
    expect((await h.api('PUT', '/api/v1/newsletters/letters/messages/farewell/en', { json: { subject: 'a', body: 'x' } })).status).toBe(422);
    expect((await h.api('PUT', '/api/v1/newsletters/letters/messages/welcome/fr', { json: { subject: 'a', body: 'x' } })).status).toBe(422);
  });

  it('resets to the default: the next email is the catalog’s again', async () => {
    const reset = await h.api('DELETE', '/api/v1/newsletters/letters/messages/confirm/en');
    expect(await reset.json()).toMatchObject({ custom: false, subject: 'Confirm your subscription to {{newsletter}}' });
    expect((await signup('letters', { email: 'grace@example.org', name: 'Grace' })).status).toBe(202);
    await h.runJobs();
    const [mail] = await outbox('grace@example.org');
    expect(mail!.subject).toBe('Confirm your subscription to Letters & Notes');
    expect(mail!.text).toContain('Hello Grace,');
  });
});

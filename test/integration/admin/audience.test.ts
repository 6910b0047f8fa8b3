/**
 * The audience move in the admin, as an editor uses it without JavaScript: the move page imports a
 * Mailchimp ZIP and says what happened; the messages page edits, previews and resets an email; the
 * subscriber page resends a confirmation, lifts a suppression and keeps notes. In English and Chinese.
 */
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { createNewsletter } from '../../helpers/fixtures.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { AdminClient } from './client.ts';

const FIX = new URL('../../fixtures/imports/', import.meta.url);
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe.each(dbKinds)('admin audience pages on %s', (kind) => {
  let h: Harness;
  let admin: AdminClient;

  beforeAll(async () => {
    h = await createHarness(kind);
    admin = new AdminClient(h);
    await admin.login('admin@example.org', 'correct horse battery');
    await createNewsletter(h, 'moving', { language: 'en' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('imports a Mailchimp ZIP from the move page and shows the outcome in the page’s language', async () => {
    const zip = zipSync(
      Object.fromEntries(
        ['subscribed', 'unsubscribed', 'cleaned'].map((k) => [
          `${k}_members_export_8f3a2c1d9e.csv`,
          readFileSync(new URL(`${k}_members_export_8f3a2c1d9e.csv`, FIX)),
        ]),
      ),
    );
    const fd = new FormData();
    fd.set('_csrf', await admin.csrfFrom('/admin/subscribers/move'));
    fd.set('newsletter', 'moving');
    fd.set('format', 'mailchimp');
    fd.set('file', new File([zip as Uint8Array<ArrayBuffer>], 'members_export.zip', { type: 'application/zip' }));
    const res = await admin.request('POST', '/admin/subscribers/move', { body: fd, headers: { 'accept-language': 'zh-CN' } });
    expect(res.status).toBe(200);
    const page = text(await res.text());
    expect(page).toContain('已读取 11 行');
    expect(page).toContain('已添加为订阅者：5');
    expect(page).toContain('已记为退订：3');
    expect(page).toContain('第 5 行：');
  });

  it('edits, previews and resets the welcome email', async () => {
    const list = text(await (await admin.request('GET', '/admin/messages')).text());
    expect(list).toContain('Welcome');
    const path = '/admin/messages/welcome/en';
    const form = async (fields: Record<string, string>) => admin.request('POST', path, { form: { _csrf: await admin.csrfFrom(path), ...fields } });
    const preview = await form({ action: 'preview', subject: 'Hi {{name}}', body: 'Welcome aboard, {{name}}!' });
    expect(preview.status).toBe(200);
    const p = await preview.text();
    expect(p).toContain('Hi Ada Lovelace');
    expect(p).toContain('Welcome aboard, Ada Lovelace!');
    expect((await h.api('GET', '/api/v1/newsletters/moving/messages/welcome/en').then((r) => r.json())) as { custom: boolean }).toMatchObject({
      custom: false,
    });
    const save = await form({ action: 'save', subject: 'Hi {{name}}', body: 'Welcome aboard, {{name}}!' });
    expect(save.status).toBe(303);
    expect(text(await (await admin.request('GET', path)).text())).toContain('Your own (saved');
    expect((await form({ action: 'reset' })).status).toBe(303);
    expect((await h.api('GET', '/api/v1/newsletters/moving/messages/welcome/en').then((r) => r.json())) as { custom: boolean }).toMatchObject({
      custom: false,
    });
  });

  it('acts on a person: notes, resend the confirmation, lift a suppression', async () => {
    const created = (await (
      await h.api('POST', '/api/v1/newsletters/moving/subscribers', { json: { email: 'p@example.org', status: 'pending', consentNote: 'call' } })
    ).json()) as { id: string };
    const at = `/admin/subscribers/${created.id}`;
    const post = async (to: string, fields: Record<string, string>) => admin.request('POST', to, { form: { _csrf: await admin.csrfFrom(at), ...fields } });
    expect((await post(`${at}/notes`, { body: '电话里说想要中文版' })).status).toBe(303);
    const page = await (await admin.request('GET', at)).text();
    expect(page).toContain('电话里说想要中文版');
    expect(page).toContain('admin@example.org');
    // The confirmation went out on creation: resending at once is refused with a message.
    await h.runJobs();
    expect((await post(`${at}/resend-confirmation`, {})).status).toBe(303);
    expect(text(await (await admin.request('GET', at)).text())).toContain('try again in');
    await h.services.subscribers.suppress(created.id, 'hard_bounce');
    expect((await post(`${at}/lift-suppression`, { reason: 'Typo fixed by the reader' })).status).toBe(303);
    const after = (await (await h.api('GET', `/api/v1/subscribers/${created.id}`)).json()) as { status: string };
    expect(after.status).toBe('unsubscribed');
  });
});

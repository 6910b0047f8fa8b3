/**
 * The issue editor's live preview (POST /admin/issues/:id/preview): the unsaved form rendered as
 * the send renders it, nothing stored; editor role and CSRF as for the save; refused edits answer
 * a clear 4xx. Also the issue page around it: the pane, and a sent issue with no empty Schedule card.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { AdminClient } from './client.ts';

const EDITOR = { email: 'editor@example.org', password: 'editor password 1' };
const VIEWER = { email: 'viewer@example.org', password: 'viewer password 1' };
const JSON_ACCEPT = { accept: 'application/json' };

interface PreviewJson {
  html: string;
  text: string;
  subject: string;
  sizeBytes: number;
  errors: string[];
  lintHtml: string;
}

describe.each(dbKinds)('admin issue editor live preview (%s)', (kind) => {
  let h: Harness;
  let ip = 1;
  const client = () => new AdminClient(h, `198.51.100.${ip++}`);
  let editor: AdminClient;
  let issueId = 0;

  /** The editor form as the page renders it, with some fields changed. */
  async function formOf(id: number, changes: Record<string, string> = {}): Promise<Record<string, string>> {
    const issue = await h.services.issues.get(id);
    const f: Record<string, string> = {
      title: issue.title,
      number: String(issue.number),
      volume: issue.volume ?? '',
      date: issue.date ?? '',
      intro: issue.intro ?? '',
    };
    issue.sections.forEach((s, si) => {
      f[`s.${si}.title`] = s.title;
      s.articles.forEach((a, ai) => {
        f[`s.${si}.a.${ai}.title`] = a.title;
        f[`s.${si}.a.${ai}.body`] = a.body;
        f[`s.${si}.a.${ai}.sources`] = a.sources.map((x) => `${x.url} ${x.label}`.trim()).join('\n');
        f[`s.${si}.a.${ai}.attribution`] = a.attribution ?? '';
        f[`s.${si}.a.${ai}.imageUrl`] = a.image?.url ?? '';
        f[`s.${si}.a.${ai}.imageAlt`] = a.image?.alt ?? '';
      });
    });
    return { ...f, ...changes };
  }

  async function preview(b: AdminClient, id: number, form: Record<string, string>, headers: Record<string, string> = JSON_ACCEPT, csrf?: string) {
    const token = csrf ?? (await b.csrfFrom(`/admin/issues/${id}`));
    return b.request('POST', `/admin/issues/${id}/preview`, { form: { _csrf: token, ...form }, headers });
  }

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.services.users.createUser(EDITOR.email, EDITOR.password, 'editor', 'test');
    await h.services.users.createUser(VIEWER.email, VIEWER.password, 'viewer', 'test');
    expect(
      (
        await h.api('POST', '/api/v1/newsletters', {
          json: { slug: 'spp', name: 'SPP brief', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
        })
      ).status,
    ).toBe(201);
    const md = '# 第一期\n\n## 新闻\n\n### 风电\n\n风机遍布山野，见[报告](https://example.org/report?utm_source=newsletter&id=3)。\n';
    const r = await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: md, format: 'markdown' } });
    expect(r.status).toBe(201);
    issueId = ((await r.json()) as { id: number }).id;
    editor = client();
    expect((await editor.login(EDITOR.email, EDITOR.password)).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows the last saved preview in a pane that the editor form updates live', async () => {
    const page = await (await editor.get(`/admin/issues/${issueId}`)).text();
    expect(page).toContain('id="preview"');
    expect(page).toContain(`data-live="/admin/issues/${issueId}/preview"`);
    // Without JS: the frame loads the saved version from the preview route, the text is inline.
    expect(page).toContain(`src="/api/v1/issues/${issueId}/preview.html"`);
    expect(page).toMatch(/<pre class="pv-text"[^>]*>[^<]*风机遍布山野/);
    expect(page).toContain('id="pv-desktop"');
    expect(page).toContain('id="editor"');
  });

  it('renders the unsaved title and article text and stores nothing', async () => {
    const before = await h.db.db.selectFrom('issues').selectAll().where('id', '=', issueId).executeTakeFirstOrThrow();
    const audits = await h.db.db.selectFrom('audit_log').select('id').execute();
    const form = await formOf(issueId, {
      title: 'Unsaved headline 未保存',
      's.0.a.0.body': 'A sentence typed but never saved, with [a link](https://example.org/x?utm_campaign=z).',
    });
    const r = await preview(editor, issueId, form);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    const j = (await r.json()) as PreviewJson;
    expect(j.html).toContain('Unsaved headline 未保存');
    expect(j.html).toContain('A sentence typed but never saved');
    expect(j.html).not.toContain('风机遍布山野');
    expect(j.html).not.toContain('%%QUIRE_'); // personalised like the saved preview
    expect(j.text).toContain('A sentence typed but never saved');
    expect(j.subject).toContain('Unsaved headline 未保存');
    expect(j.sizeBytes).toBeGreaterThan(1000);
    // The link report follows the unsaved text: the new link, cleaned.
    expect(j.lintHtml).toContain('id="lint"');
    expect(j.lintHtml).toContain('utm_campaign=z');
    expect(j.lintHtml).toContain('https://example.org/x');
    expect(j.lintHtml).not.toContain('utm_source=newsletter');
    // Nothing stored, nothing audited.
    const after = await h.db.db.selectFrom('issues').selectAll().where('id', '=', issueId).executeTakeFirstOrThrow();
    expect(after.content).toEqual(before.content);
    expect(after.lint).toEqual(before.lint);
    expect(new Date(after.updated_at).getTime()).toBe(new Date(before.updated_at).getTime());
    expect((await h.services.issues.get(issueId)).title).toBe('第一期');
    expect((await h.db.db.selectFrom('audit_log').select('id').execute()).length).toBe(audits.length);
    // The last saved preview is unchanged.
    const saved = await (await editor.get(`/api/v1/issues/${issueId}/preview.html`)).text();
    expect(saved).toContain('风机遍布山野');
    expect(saved).not.toContain('Unsaved headline');
  });

  it('answers the email HTML itself when JSON is not asked for', async () => {
    const r = await preview(editor, issueId, await formOf(issueId, { title: 'Only HTML' }), {});
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    const html = await r.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('Only HTML');
  });

  it('is the same rendering as the saved preview when nothing changed', async () => {
    const j = (await (await preview(editor, issueId, await formOf(issueId))).json()) as PreviewJson;
    const saved = await h.services.issues.preview(issueId);
    expect(j.html).toBe(saved.html);
    expect(j.text).toBe(saved.text);
  });

  it('refuses a viewer, a request without a session, and a missing or wrong CSRF token', async () => {
    const form = await formOf(issueId, { title: 'Sneaky' });
    const viewer = client();
    expect((await viewer.login(VIEWER.email, VIEWER.password)).status).toBe(303);
    const vr = await preview(viewer, issueId, form);
    expect(vr.status).toBe(403);
    expect(((await vr.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    // The viewer's page has no live pane.
    expect(await (await viewer.get(`/admin/issues/${issueId}`)).text()).not.toContain('data-live=');

    const anon = client();
    const ar = await anon.request('POST', `/admin/issues/${issueId}/preview`, { form, headers: JSON_ACCEPT });
    expect(ar.status).toBe(401);
    const ar2 = await anon.request('POST', `/admin/issues/${issueId}/preview`, { form });
    expect(ar2.status).toBe(303);
    expect(ar2.headers.get('location')).toMatch(/^\/admin\/login/);

    const bad = await preview(editor, issueId, form, JSON_ACCEPT, 'not-the-token');
    expect(bad.status).toBe(403);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const none = await editor.request('POST', `/admin/issues/${issueId}/preview`, { form, headers: JSON_ACCEPT });
    expect(none.status).toBe(403);
    // A token from another session does not work either.
    const other = client();
    await other.login(EDITOR.email, EDITOR.password);
    expect((await preview(editor, issueId, form, JSON_ACCEPT, await other.csrfFrom('/admin/account'))).status).toBe(403);
    expect((await h.services.issues.get(issueId)).title).toBe('第一期');
  });

  it('answers a refused edit with a clear 4xx message in the page language, not a broken page', async () => {
    const empty = await preview(editor, issueId, await formOf(issueId, { title: '   ' }));
    expect(empty.status).toBe(422);
    const e1 = (await empty.json()) as { error: { code: string; message: string } };
    expect(e1.error.code).toBe('validation_failed');
    expect(e1.error.message).toMatch(/title/i);

    const date = await preview(editor, issueId, await formOf(issueId, { date: 'next Tuesday' }));
    expect(date.status).toBe(422);
    expect(((await date.json()) as { error: { message: string } }).error.message).toMatch(/date/);

    // Another issue's number: the same conflict as the save reports.
    const other = (await (await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: '# Other\n\nText.', format: 'markdown' } })).json()) as {
      id: number;
      number: number;
    };
    const taken = await preview(editor, issueId, await formOf(issueId, { number: String(other.number) }));
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { error: { code: string; message: string } }).error.message).toContain(String(other.number));

    // In Chinese when the page is.
    await editor.get('/admin/lang/zh-CN?next=/admin');
    const zh = await preview(editor, issueId, await formOf(issueId, { title: '' }));
    expect(zh.status).toBe(422);
    expect(((await zh.json()) as { error: { message: string } }).error.message).toContain('请更正');
    await editor.get('/admin/lang/en?next=/admin');

    const missing = await preview(editor, 999_999, await formOf(issueId));
    expect(missing.status).toBe(404);
  });

  it('keeps the preview on a sent issue, read-only, with no empty Schedule card', async () => {
    const r = await h.api('POST', '/api/v1/newsletters/spp/issues', {
      json: { source: '# Sent one\n\n## News\n\n### Item\n\nAlready out.\n', format: 'markdown' },
    });
    const sent = ((await r.json()) as { id: number }).id;
    await h.db.db
      .updateTable('issues')
      .set({ status: 'sent', sent_at: new Date('2026-02-01T00:00:00Z') })
      .where('id', '=', sent)
      .execute();
    const page = await (await editor.get(`/admin/issues/${sent}`)).text();
    expect(page).not.toContain('id="send-h"');
    expect(page).not.toContain('>Schedule<');
    expect(page).toContain('id="test-h"'); // a test send is still possible
    expect(page).not.toContain('id="editor"');
    expect(page).toContain('it can no longer be edited');
    expect(page).toContain(`src="/api/v1/issues/${sent}/preview.html"`);
    expect(page).not.toContain('data-live=');
    // And the live preview refuses it, like the save.
    const refused = await preview(editor, sent, { title: 'Changed after sending' }, JSON_ACCEPT, await editor.csrfFrom('/admin/account'));
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_state');
  });
});

/**
 * Issue 20, the editor part: structure tools (API and the editor's buttons, which save the unsaved
 * fields with the change), undo, autosave with its conflict check, PATCH `expectedUpdatedAt`, the
 * link report by article, importer notes beside their article with a fix button, and the Gmail
 * clipping note.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { AdminClient } from './client.ts';

const EDITOR = { email: 'editor@example.org', password: 'editor password 1' };
const VIEWER = { email: 'viewer@example.org', password: 'viewer password 1' };

const MD = [
  '# 第一期',
  '',
  '## 新闻',
  '',
  '### 风电',
  '',
  '风机遍布山野，见[报告](https://example.org/report?utm_source=newsletter&id=3)。',
  '',
  '光伏园区',
  '',
  '沙漠里铺满了光伏板，详见[联系我们](#)和[官网](https://example.org/about/https://other.org/x)。',
  '',
  '### 铁路',
  '',
  '火车准点。',
  '',
  '## 活动',
  '',
  '### 展会',
  '',
  '五月举行。',
  '',
].join('\n');

interface IssueJson {
  id: number;
  updatedAt: string;
  warnings: unknown[];
  sections: { title: string; articles: { title: string; body: string }[] }[];
}

describe.each(dbKinds)('editor structure tools, undo and autosave (%s)', (kind) => {
  let h: Harness;
  let ip = 1;
  const client = () => new AdminClient(h, `198.51.100.${ip++}`);
  let editor: AdminClient;
  let viewerToken = '';

  const newIssue = async (md = MD): Promise<IssueJson> => {
    const r = await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: md, format: 'markdown' } });
    expect(r.status).toBe(201);
    return (await r.json()) as IssueJson;
  };
  const get = async (id: number) => (await (await h.api('GET', `/api/v1/issues/${id}`)).json()) as IssueJson;
  const titles = (i: IssueJson) => i.sections.map((s) => s.articles.map((a) => a.title));
  const structure = (id: number, json: unknown, token?: string) =>
    h.api('POST', `/api/v1/issues/${id}/structure`, { json, ...(token !== undefined ? { token } : {}) });

  /** The editor form as the page renders it (hidden updatedAt included), with some fields changed. */
  async function formOf(id: number, changes: Record<string, string> = {}): Promise<Record<string, string>> {
    const page = await (await editor.get(`/admin/issues/${id}`)).text();
    const issue = await h.services.issues.get(id);
    const f: Record<string, string> = {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]!,
      updatedAt: /name="updatedAt" value="([^"]+)"/.exec(page)![1]!,
      title: issue.title,
      number: String(issue.number),
      intro: issue.intro ?? '',
    };
    issue.sections.forEach((s, si) => {
      f[`s.${si}.title`] = s.title;
      s.articles.forEach((a, ai) => {
        f[`s.${si}.a.${ai}.title`] = a.title;
        f[`s.${si}.a.${ai}.body`] = a.body;
        f[`s.${si}.a.${ai}.sources`] = a.sources.map((x) => `${x.url} ${x.label}`.trim()).join('\n');
      });
    });
    return { ...f, ...changes };
  }

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.services.users.createUser(EDITOR.email, EDITOR.password, 'editor', 'test');
    const viewer = { email: VIEWER.email };
    await h.services.users.createUser(VIEWER.email, VIEWER.password, 'viewer', 'test');
    viewerToken = await h.services.users.createToken(viewer.email, 'read');
    expect(
      (
        await h.api('POST', '/api/v1/newsletters', {
          json: { slug: 'spp', name: 'SPP brief', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
        })
      ).status,
    ).toBe(201);
    editor = client();
    expect((await editor.login(EDITOR.email, EDITOR.password)).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('API: splits, makes a title, moves and merges; out-of-range positions are a 422 that changes nothing', async () => {
    const issue = await newIssue();
    expect(titles(issue)).toEqual([['风电', '铁路'], ['展会']]);
    let r = await structure(issue.id, { op: 'split', section: 0, article: 0, paragraph: 1 });
    expect(r.status).toBe(200);
    let j = (await r.json()) as IssueJson;
    expect(titles(j)[0]).toEqual(['风电', '', '铁路']);
    expect(j.sections[0]!.articles[1]!.body).toContain('光伏园区');
    r = await structure(issue.id, { op: 'makeTitle', section: 0, article: 1, paragraph: 0, expectedUpdatedAt: j.updatedAt });
    j = (await r.json()) as IssueJson;
    expect(titles(j)[0]).toEqual(['风电', '光伏园区', '铁路']);
    r = await structure(issue.id, { op: 'moveArticle', section: 0, article: 2, to: { section: 1, index: 0 } });
    j = (await r.json()) as IssueJson;
    expect(titles(j)).toEqual([
      ['风电', '光伏园区'],
      ['铁路', '展会'],
    ]);
    r = await structure(issue.id, { op: 'mergePrevious', section: 0, article: 1 });
    j = (await r.json()) as IssueJson;
    expect(titles(j)[0]).toEqual(['风电']);
    expect(j.sections[0]!.articles[0]!.body).toContain('### 光伏园区');

    const before = await get(issue.id);
    for (const bad of [
      { op: 'split', section: 9, article: 0, paragraph: 1 },
      { op: 'deleteArticle', section: 0, article: 7 },
      { op: 'makeTitle', section: 0, article: 0, paragraph: 99 },
      { op: 'nonsense' },
      { note: 0 },
    ]) {
      const x = await structure(issue.id, bad);
      expect(x.status, JSON.stringify(bad)).toBe(422);
      expect(((await x.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
    expect(await get(issue.id)).toEqual(before);
    // A viewer may not; a stale expectedUpdatedAt is a conflict.
    expect((await structure(issue.id, { op: 'addSection', index: 0 }, viewerToken)).status).toBe(403);
    const stale = await structure(issue.id, { op: 'addSection', index: 0, expectedUpdatedAt: issue.updatedAt });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('conflict');
    expect(await get(issue.id)).toEqual(before);
  });

  it('API: undo reverts the last structural change once, and not after a later save', async () => {
    const issue = await newIssue();
    await structure(issue.id, { op: 'moveSection', section: 1, to: 0 });
    expect((await get(issue.id)).sections.map((s) => s.title)).toEqual(['活动', '新闻']);
    const u = await h.api('POST', `/api/v1/issues/${issue.id}/structure/undo`);
    expect(u.status).toBe(200);
    expect((await get(issue.id)).sections.map((s) => s.title)).toEqual(['新闻', '活动']);
    expect((await h.api('POST', `/api/v1/issues/${issue.id}/structure/undo`)).status).toBe(409);
    await structure(issue.id, { op: 'deleteSection', section: 1 });
    expect((await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { title: 'Edited after' } })).status).toBe(200);
    expect((await h.api('POST', `/api/v1/issues/${issue.id}/structure/undo`)).status).toBe(409);
    expect((await get(issue.id)).sections).toHaveLength(1);
  });

  it('PATCH: expectedUpdatedAt refuses a stale save with 409 conflict and keeps accepting saves without it', async () => {
    const issue = await newIssue();
    const ok = await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { title: 'Mine', expectedUpdatedAt: issue.updatedAt } });
    expect(ok.status).toBe(200);
    const stale = await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { title: 'Theirs', expectedUpdatedAt: issue.updatedAt } });
    expect(stale.status).toBe(409);
    const body = (await stale.json()) as { error: { code: string; details: { updatedAt: string } } };
    expect(body.error.code).toBe('conflict');
    expect(body.error.details.updatedAt).toBe(((await ok.json()) as IssueJson).updatedAt);
    expect(((await get(issue.id)) as unknown as { title: string }).title).toBe('Mine');
    expect((await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { title: 'No check' } })).status).toBe(200);
    // A PATCH of one field leaves the others as they were (the schema's defaults do not wipe the sections).
    expect(titles(await get(issue.id))).toEqual([['风电', '铁路'], ['展会']]);
    expect((await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { expectedUpdatedAt: 'yesterday' } })).status).toBe(422);
  });

  it('editor buttons: a split saves the unsaved fields with it, returns to the new article, and Undo goes back', async () => {
    const issue = await newIssue();
    const form = await formOf(issue.id, { 's.0.a.0.title': '风电（已改）', op: 'split:0:0:1' });
    const r = await editor.request('POST', `/admin/issues/${issue.id}`, { form });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/admin/issues/${issue.id}#s0a1`);
    let j = await get(issue.id);
    expect(titles(j)[0]).toEqual(['风电（已改）', '', '铁路']);
    const page = await (await editor.get(`/admin/issues/${issue.id}`)).text();
    expect(page).toContain('value="undo"');
    expect(page).toContain('value="makeTitle:0:1:0"');
    const undo = await editor.request('POST', `/admin/issues/${issue.id}`, { form: await formOf(issue.id, { op: 'undo' }) });
    expect(undo.status).toBe(303);
    j = await get(issue.id);
    // Back to before the split, with the title typed alongside it kept.
    expect(titles(j)[0]).toEqual(['风电（已改）', '铁路']);
    expect(await (await editor.get(`/admin/issues/${issue.id}`)).text()).not.toContain('value="undo"');

    // Up / down / move to section / delete, as the buttons post them.
    const post = async (op: string, extra: Record<string, string> = {}) =>
      (await editor.request('POST', `/admin/issues/${issue.id}`, { form: await formOf(issue.id, { op, ...extra }) })).status;
    expect(await post('down:0:0')).toBe(303);
    expect(titles(await get(issue.id))).toEqual([['铁路', '风电（已改）'], ['展会']]);
    expect(await post('moveTo:0:1', { 'moveTo.0.1': '1' })).toBe(303);
    expect(titles(await get(issue.id))).toEqual([['铁路'], ['展会', '风电（已改）']]);
    expect(await post('sectionUp:1')).toBe(303);
    expect((await get(issue.id)).sections.map((s) => s.title)).toEqual(['活动', '新闻']);
    // A position that does not exist: the page says so (no crash), nothing changes.
    const before = await get(issue.id);
    const bad = await editor.request('POST', `/admin/issues/${issue.id}`, { form: await formOf(issue.id, { op: 'split:7:0:1' }) });
    expect(bad.status).toBeLessThan(500);
    expect(await get(issue.id)).toEqual(before);
  });

  it('autosave stores the form and answers the new updatedAt; a stale one is a 409 conflict in the page language, nothing overwritten', async () => {
    const issue = await newIssue();
    const form = await formOf(issue.id, { title: 'Autosaved 自动保存' });
    const r = await editor.request('POST', `/admin/issues/${issue.id}/autosave`, { form, headers: { accept: 'application/json' } });
    expect(r.status).toBe(200);
    const { updatedAt } = (await r.json()) as { updatedAt: string };
    expect(updatedAt).not.toBe(form.updatedAt);
    expect(((await get(issue.id)) as unknown as { title: string }).title).toBe('Autosaved 自动保存');
    // Someone else saves; the old page autosaves again.
    await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { title: 'Theirs 对方' } });
    const zh = client();
    await zh.login(EDITOR.email, EDITOR.password);
    const stale = await zh.request('POST', `/admin/issues/${issue.id}/autosave`, {
      form: { ...form, _csrf: await zh.csrfFrom(`/admin/issues/${issue.id}`), updatedAt, title: 'Mine again' },
      headers: { accept: 'application/json', 'accept-language': 'zh-CN' },
    });
    expect(stale.status).toBe(409);
    const e = (await stale.json()) as { error: { code: string; message: string } };
    expect(e.error.code).toBe('conflict');
    expect(e.error.message).toContain('其他人保存了');
    expect(((await get(issue.id)) as unknown as { title: string }).title).toBe('Theirs 对方');
    // The Save button after someone else's save: the page comes back with my text, not stored, and says so.
    const page = await editor.request('POST', `/admin/issues/${issue.id}`, { form: { ...form, updatedAt, title: 'Mine by Save' } });
    expect(page.status).toBe(409);
    const html = await page.text();
    expect(html).toContain('value="Mine by Save"');
    expect(html).toContain('Someone else saved this issue at');
    expect(((await get(issue.id)) as unknown as { title: string }).title).toBe('Theirs 对方');
  });

  it('link report: rows by article title with link text, a jump to the field, placeholders by article and text, invented links flagged', async () => {
    const issue = await newIssue();
    const page = await (await editor.get(`/admin/issues/${issue.id}`)).text();
    const lint = page.slice(page.indexOf('id="lint"'), page.indexOf('id="editor"'));
    expect(lint).not.toContain('sections[0]');
    expect(lint).toContain('风电');
    expect(lint).toContain('报告');
    expect(lint).toContain('href="#s0a0-b"');
    expect(lint).toContain('data-testid="lint-placeholders"');
    expect(lint).toMatch(/风电<\/strong>: <q>联系我们<\/q>/);
    expect(lint).toContain('“https:”');
    expect(page).toContain('id="s0a0-b"');
    // The placeholder stays listed through saves (its words are still there, not yet a link), follows
    // its words when a split moves them to a new article, and goes once the words are a link.
    const placeholders = async () =>
      ((await get(issue.id)) as unknown as { lint: { where: string; text?: string; changes: { code: string }[] }[] }).lint.filter((l) =>
        l.changes.some((c) => c.code === 'link.placeholder'),
      );
    await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { title: 'Saved once' } });
    expect((await placeholders()).map((l) => [l.where, l.text])).toEqual([['sections[0].articles[0].body', '联系我们']]);
    await structure(issue.id, { op: 'split', section: 0, article: 0, paragraph: 1 });
    expect((await placeholders()).map((l) => [l.where, l.text])).toEqual([['sections[0].articles[1].body', '联系我们']]);
    const body = (await get(issue.id)).sections[0]!.articles[1]!.body.replace('联系我们', '[联系我们](https://example.org/contact)');
    const sections = (await get(issue.id)).sections;
    sections[0]!.articles[1]!.body = body;
    await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { sections } });
    expect(await placeholders()).toEqual([]);
    // Viewers and old rows: an unknown `where` is shown as itself.
    await h.db.db
      .updateTable('issues')
      .set({ lint: JSON.stringify([{ where: 'legacy.path', original: 'x', cleaned: null, changes: ['old text'], severity: 'warning' }]) })
      .where('id', '=', issue.id)
      .execute();
    expect(await (await editor.get(`/admin/issues/${issue.id}`)).text()).toContain('legacy.path');
  });

  it('importer notes with a place stand beside their article; the fix button applies the fix and removes the note', async () => {
    const issue = await newIssue();
    const notes = [
      {
        key: 'editorUx.fix.makeTitle',
        place: { section: 0, article: 0, paragraph: 1, excerpt: '光伏园区' },
        fix: { op: 'split', section: 0, article: 0, paragraph: 1 },
      },
      { key: 'editorUx.fix.split', place: { section: 1, article: 0 } },
      'A plain old note',
    ];
    await h.db.db
      .updateTable('issues')
      .set({ import_warnings: JSON.stringify(notes) })
      .where('id', '=', issue.id)
      .execute();
    const page = await (await editor.get(`/admin/issues/${issue.id}`)).text();
    const art = page.slice(page.indexOf('id="s0a0"'), page.indexOf('id="s0a1"'));
    expect(art).toContain('光伏园区');
    expect(art).toContain('value="note:0"');
    expect(page.slice(page.indexOf('id="s1a0"'))).toContain('Split here');
    const general = page.slice(page.indexOf('data-testid="import-notes"'), page.indexOf('id="editor"'));
    expect(general).toContain('A plain old note');
    expect(general).not.toContain('光伏园区');
    const r = await editor.request('POST', `/admin/issues/${issue.id}`, { form: await formOf(issue.id, { op: 'note:0' }) });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/admin/issues/${issue.id}#s0a1`);
    const j = await get(issue.id);
    expect(titles(j)[0]).toEqual(['风电', '', '铁路']);
    // The fixed note is gone; the note in the untouched section and the plain one stay.
    expect(j.warnings).toHaveLength(2);
  });

  it('notes an email over Gmail’s 102 KB clipping limit, with its size', async () => {
    const long = `# 长期\n\n## 新闻\n\n### 长文\n\n${'很长的段落，'.repeat(9000)}\n`;
    const issue = await newIssue(long);
    const page = await (await editor.get(`/admin/issues/${issue.id}`)).text();
    expect(page).toMatch(/data-testid="gmail-clip"[^>]*>[^<]*This email is \d{3,} KB/);
    const small = await newIssue();
    expect(await (await editor.get(`/admin/issues/${small.id}`)).text()).not.toContain('data-testid="gmail-clip"');
  });
});

/**
 * The admin web app's last gaps: the welcome/goodbye switches, article images in the issue
 * editor, the CSV import's live progress stream, and error messages in the page's language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../../src/i18n/index.ts';
import { dbKinds } from '../../helpers/db.ts';
import { createHarness, type Harness } from '../../helpers/harness.ts';
import { AdminClient } from './client.ts';

let ipCounter = 0;
const freshIp = () => `198.51.100.${++ipCounter % 250}`;

describe.each(dbKinds)('admin settings, images, import progress and localized errors (%s)', (kind) => {
  let h: Harness;
  let b: AdminClient;

  beforeAll(async () => {
    h = await createHarness(kind, { env: { SIGNUP_RATE_LIMIT: '1000' } });
    expect(
      (
        await h.api('POST', '/api/v1/newsletters', {
          json: { slug: 'spp', name: 'SPP brief', fromEmail: 'news@example.org', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
        })
      ).status,
    ).toBe(201);
    expect(
      (await h.api('POST', '/api/v1/newsletters', { json: { slug: 'weekly', name: 'Weekly', fromEmail: 'news@example.org', language: 'en' } })).status,
    ).toBe(201);
    b = new AdminClient(h);
    expect((await b.login('admin@example.org', 'correct horse battery')).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });

  const outbox = async (to: string) =>
    ((await (await h.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).json()) as { items: { subject: string; text: string; html: string }[] }).items;

  /** Signs up through the public form, confirms through the emailed link, runs the jobs. */
  async function signUpAndConfirm(slug: string, email: string) {
    const body = new URLSearchParams({ email, consent: 'yes' }).toString();
    const r = await h.app.request(`/n/${slug}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': freshIp() },
      body,
    });
    expect(r.status).toBe(200);
    await h.runJobs();
    const [mail] = await outbox(email);
    const path = `/confirm/${/\/confirm\/([A-Za-z0-9_.-]+)/.exec(mail!.text)![1]}`;
    const page = await (await h.app.request(path)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const done = await h.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': freshIp() },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(done.status).toBe(200);
    await h.runJobs();
  }

  const settings = (extra: Record<string, string>) =>
    b.post('/admin/newsletters/weekly', {
      name: 'Weekly',
      fromEmail: 'news@example.org',
      fromName: '',
      replyTo: '',
      language: 'en',
      timeZone: 'UTC',
      description: '',
      organisation: '',
      ...extra,
    });

  describe('welcome and goodbye emails', () => {
    it('are exposed in the API and documented in the OpenAPI description', async () => {
      const n = (await (await h.api('GET', '/api/v1/newsletters/weekly')).json()) as { welcomeEnabled: boolean; goodbyeEnabled: boolean };
      expect(n).toMatchObject({ welcomeEnabled: true, goodbyeEnabled: false }); // the column defaults
      const patched = await h.api('PATCH', '/api/v1/newsletters/weekly', { json: { welcomeEnabled: false } });
      expect(patched.status).toBe(200);
      expect(((await patched.json()) as { welcomeEnabled: boolean }).welcomeEnabled).toBe(false);
      expect((await h.api('PATCH', '/api/v1/newsletters/weekly', { json: { welcomeEnabled: 'yes' } })).status).toBe(422);
      const doc = (await (await h.api('GET', '/api/v1/openapi.json', { token: null })).json()) as unknown;
      expect(JSON.stringify(doc)).toContain('welcomeEnabled');
      expect(JSON.stringify(doc)).toContain('goodbyeEnabled');
    });

    it('follow the settings form: off → no welcome after confirming; on → a welcome in the outbox', async () => {
      expect((await settings({})).status).toBe(303); // both boxes unticked
      expect(await h.services.newsletters.get('weekly')).toMatchObject({ welcomeEnabled: false, goodbyeEnabled: false });
      const page = await (await b.get('/admin/newsletters?n=weekly')).text();
      expect(page).toContain('name="welcomeEnabled"');
      expect(page).toContain('name="goodbyeEnabled"');

      await signUpAndConfirm('weekly', 'quiet@example.org');
      expect((await outbox('quiet@example.org')).map((m) => m.subject)).toEqual(['Confirm your subscription to Weekly']);

      expect((await settings({ welcomeEnabled: 'on', goodbyeEnabled: 'on' })).status).toBe(303);
      expect(await h.services.newsletters.get('weekly')).toMatchObject({ welcomeEnabled: true, goodbyeEnabled: true });
      await signUpAndConfirm('weekly', 'greeted@example.org');
      const subjects = (await outbox('greeted@example.org')).map((m) => m.subject);
      expect(subjects).toContain('Welcome to Weekly');
    });

    it('sends a goodbye email on unsubscribing only when switched on', async () => {
      const unsubscribe = async (email: string) => {
        const mail = (await outbox(email)).find((m) => m.subject.startsWith('Welcome'))!;
        const path = new URL(/https:\/\/news\.example\.test\/unsubscribe\/\S+?(?=[\s>)"]|$)/.exec(mail.text)![0]).pathname;
        const r = await h.app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'List-Unsubscribe=One-Click',
        });
        expect(r.status).toBe(200);
        await h.runJobs();
      };
      await unsubscribe('greeted@example.org'); // goodbye is on
      expect((await outbox('greeted@example.org')).map((m) => m.subject)).toContain('You are unsubscribed from Weekly');
      expect((await settings({ welcomeEnabled: 'on' })).status).toBe(303); // goodbye off again
      await signUpAndConfirm('weekly', 'leaver@example.org');
      await unsubscribe('leaver@example.org');
      expect((await outbox('leaver@example.org')).map((m) => m.subject)).not.toContain('You are unsubscribed from Weekly');
    });
  });

  describe('article images in the issue editor', () => {
    let id: number;
    const base = async () => {
      const issue = await h.services.issues.get(id);
      const f: Record<string, string> = { op: 'save', title: issue.title, number: String(issue.number), intro: issue.intro ?? '' };
      issue.sections.forEach((s, si) => {
        f[`s.${si}.title`] = s.title;
        s.articles.forEach((a, ai) => {
          f[`s.${si}.a.${ai}.title`] = a.title;
          f[`s.${si}.a.${ai}.body`] = a.body;
          f[`s.${si}.a.${ai}.sources`] = a.sources.map((x) => `${x.url} ${x.label}`).join('\n');
          f[`s.${si}.a.${ai}.imageUrl`] = a.image?.url ?? '';
          f[`s.${si}.a.${ai}.imageAlt`] = a.image?.alt ?? '';
        });
      });
      return f;
    };

    beforeAll(async () => {
      const r = await h.api('POST', '/api/v1/newsletters/weekly/issues', {
        json: { source: '# Pictures\n\n## News\n\n### Wind\n\nTurbines everywhere.\n\n### Sun\n\nPanels too.\n', format: 'markdown' },
      });
      expect(r.status).toBe(201);
      id = ((await r.json()) as { id: number }).id;
    });

    it('offers address and alt fields for every article, with no image yet', async () => {
      const page = await (await b.get(`/admin/issues/${id}`)).text();
      expect(page).toContain('name="s.0.a.0.imageUrl"');
      expect(page).toContain('name="s.0.a.1.imageAlt"');
      expect(page).toMatch(/name="s\.0\.a\.0\.imageUrl" type="url" pattern="https\?:\/\/\.\+"/);
      expect(page).not.toContain('removeImage:0:0');
    });

    it('adds an image from the form; the page shows its thumbnail and the email carries it with its alt text', async () => {
      const f = await base();
      f['s.0.a.0.imageUrl'] = 'https://cdn.example.org/turbine.jpg?utm_source=newsletter';
      f['s.0.a.0.imageAlt'] = 'A wind turbine on a green hill';
      expect((await b.post(`/admin/issues/${id}`, f)).status).toBe(303);
      const issue = await h.services.issues.get(id);
      expect(issue.sections[0]!.articles[0]!.image).toEqual({ url: 'https://cdn.example.org/turbine.jpg', alt: 'A wind turbine on a green hill' });
      expect(issue.sections[0]!.articles[1]!.image).toBeUndefined();
      const page = await (await b.get(`/admin/issues/${id}`)).text();
      expect(page).toContain('<img src="https://cdn.example.org/turbine.jpg" alt="A wind turbine on a green hill"');
      expect(page).toContain('removeImage:0:0');

      const preview = await (await h.api('GET', `/api/v1/issues/${id}/preview.html`)).text();
      expect(preview).toMatch(
        /<img[^>]+alt="A wind turbine on a green hill"[^>]+src="https:\/\/cdn\.example\.org\/turbine\.jpg"|<img[^>]+src="https:\/\/cdn\.example\.org\/turbine\.jpg"[^>]+alt="A wind turbine on a green hill"/,
      );
      expect((await h.api('POST', `/api/v1/issues/${id}/test`, { json: { to: ['images@example.net'] } })).status).toBeLessThan(300);
      await h.runJobs();
      const [mail] = await outbox('images@example.net');
      expect(mail!.html).toContain('src="https://cdn.example.org/turbine.jpg"');
      expect(mail!.html).toContain('alt="A wind turbine on a green hill"');
    });

    it('changes the image, warns when the alt text is missing, and refuses addresses that are not http(s)', async () => {
      const f = await base();
      f['s.0.a.0.imageUrl'] = 'https://cdn.example.org/turbine-2.png';
      f['s.0.a.0.imageAlt'] = '  ';
      f['s.0.a.1.imageUrl'] = 'ftp://files.example.org/sun.png';
      f['s.0.a.1.imageAlt'] = 'The sun';
      expect((await b.post(`/admin/issues/${id}`, f)).status).toBe(303);
      const issue = await h.services.issues.get(id);
      expect(issue.sections[0]!.articles[0]!.image).toEqual({ url: 'https://cdn.example.org/turbine-2.png', alt: '' });
      expect(issue.sections[0]!.articles[1]!.image).toBeUndefined();
      const alt = issue.lint.find((l) => l.where === 'sections[0].articles[0].image');
      expect(alt).toMatchObject({ severity: 'warning' });
      // The report stores messages (keys and parameters); in English:
      expect(alt!.changes.map((m) => en().m(m)).join(' ')).toContain('no alt text');
      expect(issue.lint.find((l) => l.where === 'sections[0].articles[1].image')).toMatchObject({ severity: 'warning', cleaned: null });
      const page = await (await b.get(`/admin/issues/${id}`)).text();
      expect(page).toContain('Add alt text');
      expect(page).toContain('no alt text: describe the image');
    });

    it('removes the image with its button', async () => {
      const f = await base();
      f.op = 'removeImage:0:0';
      const r = await b.post(`/admin/issues/${id}`, f);
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(`/admin/issues/${id}#s0a0`);
      expect((await h.services.issues.get(id)).sections[0]!.articles[0]!.image).toBeUndefined();
      const preview = await (await h.api('GET', `/api/v1/issues/${id}/preview.html`)).text();
      expect(preview).not.toContain('turbine');
    });
  });

  describe('CSV import with progress', () => {
    async function importLive(csv: string | null, note = 'Conference list', headers: Record<string, string> = {}) {
      const csrf = await b.csrfFrom('/admin/account');
      const fd = new FormData();
      fd.set('_csrf', csrf);
      fd.set('newsletter', 'spp');
      fd.set('consentNote', note);
      if (csv !== null) fd.set('file', new File([csv], 'list.csv', { type: 'text/csv' }));
      const r = await b.request('POST', '/admin/subscribers/import', { body: fd, headers: { accept: 'application/x-ndjson', ...headers } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('application/x-ndjson');
      const lines = (await r.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      return lines;
    }

    it('streams rows processed, then the summary with line-numbered errors and the rendered card', async () => {
      const rows = ['email,name'];
      for (let i = 0; i < 2500; i++) rows.push(`person${i}@example.org,Person ${i}`);
      rows.push('not-an-address,Broken');
      rows.push('person7@example.org,Again');
      const lines = await importLive(`${rows.join('\n')}\n`);
      expect(lines[0]).toMatchObject({ type: 'start' });
      const progress = lines.filter((l) => l.type === 'progress') as { rows: number; imported: number; estimatedRows: number }[];
      expect(progress.length).toBeGreaterThanOrEqual(3); // every 1,000 rows, and the end
      expect(progress[0]!.rows).toBeGreaterThanOrEqual(1000);
      for (const p of progress) expect(p.imported).toBeLessThanOrEqual(p.rows); // chunks still being written are counted when done
      for (let i = 1; i < progress.length; i++) expect(progress[i]!.rows).toBeGreaterThanOrEqual(progress[i - 1]!.rows);
      expect(lines[0]!.estimatedRows).toBe(2502); // from the line count: header + 2,502 rows
      expect(progress.at(-1)).toMatchObject({ rows: 2502, estimatedRows: 2502 });
      const done = lines.at(-1) as {
        type: string;
        result: { imported: number; total: number; skipped: Record<string, number>; errors: { line: number; message: string }[]; errorCount: number };
        html: string;
      };
      expect(done.type).toBe('done');
      expect(done.result).toMatchObject({ imported: 2500, total: 2502, errorCount: 1 });
      expect(done.result.skipped.duplicate).toBe(1);
      expect(done.result.errors).toEqual([{ line: 2502, code: 'csv.rowInvalid', message: 'email is not a valid address' }]);
      expect(done.html).toContain('data-testid="import-result"');
      expect(done.html).toContain('2502');
      // Importing the same file again adds nobody: everyone is already there.
      const again = (await importLive(`${rows.join('\n')}\n`)).at(-1) as { result: { imported: number; skipped: Record<string, number> } };
      expect(again.result.imported).toBe(0);
      expect(again.result.skipped.already_subscribed).toBe(2500);
    });

    it('reports a file it cannot import as an error line in the page language', async () => {
      const missing = await importLive(null);
      expect(missing.at(-1)).toMatchObject({ type: 'error', message: 'Choose a CSV file.' });
      const noEmail = await importLive('name\nAnna\n');
      expect(noEmail.at(-1)).toMatchObject({ type: 'error', code: 'validation_failed' });
      expect(String(noEmail.at(-1)!.message)).toContain('no email column');
      await b.get('/admin/lang/zh-CN?next=/admin');
      try {
        const zh = await importLive('name\nAnna\n');
        expect(String(zh.at(-1)!.message)).toContain('CSV 文件没有邮箱列');
      } finally {
        await b.get('/admin/lang/en?next=/admin');
      }
    });

    it('still works as a plain form post (no JavaScript): a result page', async () => {
      const csrf = await b.csrfFrom('/admin/account');
      const fd = new FormData();
      fd.set('_csrf', csrf);
      fd.set('newsletter', 'spp');
      fd.set('consentNote', 'Sheet');
      fd.set('file', new File(['email\nplain@example.org\n'], 'l.csv', { type: 'text/csv' }));
      const r = await b.request('POST', '/admin/subscribers/import', { body: fd });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/html');
      const html = await r.text();
      expect(html).toContain('1 imported of 1 rows');
      expect(html).toContain('id="import-progress"');
    });
  });

  describe('error messages in the page language', () => {
    it('shows a zh-CN signup with a bad address the Chinese message; the JSON API keeps English', async () => {
      const r = await h.app.request('/n/spp/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': freshIp() },
        body: 'email=not-an-address&consent=yes',
      });
      expect(r.status).toBe(422);
      const html = await r.text();
      expect(html).toContain('lang="zh-CN"');
      expect(html).toContain('请输入有效的电子邮箱地址');
      const api = await h.app.request('/api/v1/public/newsletters/spp/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp(), 'accept-language': 'zh-CN' },
        body: JSON.stringify({ email: 'not-an-address', consent: true }),
      });
      expect(api.status).toBe(422);
      const body = (await api.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.message).toMatch(/^[\x20-\x7e]+$/); // English, unchanged
    });

    it('answers an unknown newsletter, a missing page and a failed public request in Chinese for a Chinese reader', async () => {
      const nl = await h.app.request('/n/nope', { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
      expect(nl.status).toBe(404);
      expect(await nl.text()).toContain('找不到简报');
      const missing = await h.app.request('/no/such/page', { headers: { 'accept-language': 'zh-CN' } });
      expect(missing.status).toBe(404);
      expect(await missing.text()).toContain('页面不存在');
      const archive = await h.app.request('/archive/spp/999', { headers: { 'accept-language': 'zh-CN', accept: 'text/html' } });
      expect(archive.status).toBe(404);
      expect(await archive.text()).toContain('lang="zh-CN"');
      expect((await h.app.request('/no/such/page')).status).toBe(404);
    });

    it('shows admin errors in Chinese when the admin speaks Chinese, and in English otherwise', async () => {
      const a = (await (await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: '# 一\n\n正文。', format: 'markdown' } })).json()) as {
        id: number;
        number: number;
      };
      const c = (await (await h.api('POST', '/api/v1/newsletters/spp/issues', { json: { source: '# 二\n\n正文。', format: 'markdown' } })).json()) as {
        id: number;
        number: number;
      };
      const save = async () => {
        const csrf = await b.csrfFrom('/admin/account');
        return b.request('POST', `/admin/issues/${c.id}`, {
          form: { _csrf: csrf, op: 'save', title: '二', number: String(a.number) },
          headers: { referer: `https://news.example.test/admin/issues/${c.id}` },
        });
      };
      expect((await save()).status).toBe(303);
      expect(await (await b.get(`/admin/issues/${c.id}`)).text()).toContain(`Issue number ${a.number} already exists`);

      await b.get('/admin/lang/zh-CN?next=/admin');
      try {
        expect((await save()).status).toBe(303);
        const page = await (await b.get(`/admin/issues/${c.id}`)).text();
        expect(page).toContain(`“spp”中已有第 ${a.number} 期`);
        expect(page).not.toContain('already exists');
        const missing = await b.get('/admin/issues/99999');
        expect(missing.status).toBe(404);
        expect(await missing.text()).toContain('找不到编号为 99999 的期刊');
        // a field-level validation error from the settings form
        const bad = await b.request('POST', '/admin/newsletters/spp', {
          form: { _csrf: await b.csrfFrom('/admin/account'), name: 'SPP brief', fromEmail: 'not-an-address', language: 'zh-CN', timeZone: 'Asia/Shanghai' },
          headers: { referer: 'https://news.example.test/admin/newsletters' },
        });
        expect(bad.status).toBe(303);
        expect(await (await b.get('/admin/newsletters')).text()).toContain('发件地址须为电子邮箱地址');
        // the JSON API still answers in English
        const api = await h.api('PATCH', '/api/v1/newsletters/spp', { json: { fromEmail: 'not-an-address' } });
        expect(((await api.json()) as { error: { message: string } }).error.message).toBe('fromEmail must be an email address like name@example.org');
      } finally {
        await b.get('/admin/lang/en?next=/admin');
      }
    });
  });
});

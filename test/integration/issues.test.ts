import fs from 'node:fs';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { seedFiles, seedPath } from '../helpers/seeds.ts';

const seeds = seedFiles();

const SAMPLE_MD = `# Sustainable Procurement Brief

## Network news

### A new strategy

The strategy was adopted by **all members**.

- first point
- second point

[Read more](https://example.org/strategy?utm_source=newsletter&utm_medium=email&id=7#part-2)

### Placeholder

Text with a [dead link](#).
`;

describe.each(dbKinds)('issues on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(kind);
    await h.api('POST', '/api/v1/newsletters', {
      json: { slug: 'brief', name: 'SPP Brief', fromEmail: 'news@example.org', fromName: 'SPP Team', replyTo: 'editor@example.org', language: 'en' },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('imports Markdown, cleans links with a report, and flags placeholders', async () => {
    const res = await h.api('POST', '/api/v1/newsletters/brief/issues', { json: { source: SAMPLE_MD, format: 'markdown' } });
    expect(res.status).toBe(201);
    const issue = await res.json();
    expect(issue).toMatchObject({ newsletter: 'brief', number: 1, status: 'draft', title: 'Sustainable Procurement Brief' });
    const json = JSON.stringify(issue.sections);
    expect(json).not.toContain('utm_');
    expect(json).toContain('https://example.org/strategy?id=7#part-2');
    expect(json).not.toContain('](#)');
    // Each change is a message: a stable code, its parameters and the English text.
    const changes = issue.lint.flatMap((l: { changes: { code: string; params?: { name?: string }; message: string }[] }) => l.changes);
    expect(changes).toContainEqual({ code: 'link.removedParam', params: { name: 'utm_source' }, message: 'removed utm_source' });
    expect(issue.lint.some((l: { severity: string; cleaned: string | null }) => l.severity === 'warning' && l.cleaned === null)).toBe(true);
  });

  it('import → preview → test send → outbox, with a plain-text part of its own', async () => {
    const created = await (await h.api('POST', '/api/v1/newsletters/brief/issues', { json: { source: SAMPLE_MD } })).json();
    const html = await h.api('GET', `/api/v1/issues/${created.id}/preview.html`);
    expect(html.status).toBe(200);
    const page = await html.text();
    expect(page).toContain('A new strategy');
    expect(page).not.toContain('%%QUIRE_');
    expect(Number(html.headers.get('x-quire-size-bytes'))).toBeLessThan(102 * 1024);
    const txt = await (await h.api('GET', `/api/v1/issues/${created.id}/preview.txt`)).text();
    expect(txt).toContain('A new strategy');
    expect(txt).toContain('https://example.org/strategy?id=7#part-2');
    expect(txt).not.toMatch(/<[a-z][^>]*>/i);

    const sent = await h.api('POST', `/api/v1/issues/${created.id}/test`, { json: { to: ['Tester@Example.org'] } });
    expect(sent.status).toBe(200);
    const { items } = await (await h.api('GET', '/api/v1/outbox?to=tester@example.org')).json();
    expect(items).toHaveLength(1);
    expect(items[0].subject).toBe('[Test] Sustainable Procurement Brief');
    expect(items[0].from).toBe('"SPP Team" <news@example.org>');
    const eml = await PostalMime.parse(await (await h.api('GET', `/api/v1/outbox/${items[0].id}.eml`)).text());
    expect(eml.replyTo?.[0]?.address).toBe('editor@example.org');
    expect(eml.html).toContain('A new strategy');
    expect(eml.text).toContain('https://example.org/strategy?id=7#part-2');
  });

  it('refuses a test send to a bad address or too many, sending nothing', async () => {
    const created = await (await h.api('POST', '/api/v1/newsletters/brief/issues', { json: { source: SAMPLE_MD } })).json();
    const bad = await h.api('POST', `/api/v1/issues/${created.id}/test`, { json: { to: ['ok@example.org', 'not an address'] } });
    expect(bad.status).toBe(422);
    const many = await h.api('POST', `/api/v1/issues/${created.id}/test`, { json: { to: Array.from({ length: 11 }, (_, i) => `t${i}@example.org`) } });
    expect(many.status).toBe(422);
    expect((await (await h.api('GET', '/api/v1/outbox?to=ok@example.org')).json()).items).toHaveLength(0);
  });

  it('accepts the structured model, cleans links on edit, and reports what changed', async () => {
    const res = await h.api('POST', '/api/v1/newsletters/brief/issues', {
      json: {
        title: 'Structured',
        number: 40,
        sections: [{ title: 'News', articles: [{ title: 'One', body: 'Body', sources: [{ url: 'https://example.org/a?fbclid=abc&x=1', label: 'A' }] }] }],
      },
    });
    expect(res.status).toBe(201);
    const issue = await res.json();
    expect(issue.number).toBe(40);
    expect(issue.sections[0].articles[0].sources[0].url).toBe('https://example.org/a?x=1');

    const patched = await h.api('PATCH', `/api/v1/issues/${issue.id}`, {
      json: { sections: [{ title: 'News', articles: [{ title: 'One', body: 'See [this](http:www.example.org/x?mc_cid=1&mc_eid=2)', sources: [] }] }] },
    });
    expect(patched.status).toBe(200);
    const after = await patched.json();
    expect(after.sections[0].articles[0].body).toContain('http://www.example.org/x');
    expect(after.sections[0].articles[0].body).not.toContain('mc_cid');
    expect(after.lint.length).toBeGreaterThan(0);

    const dup = await h.api('POST', '/api/v1/newsletters/brief/issues', { json: { title: 'Dup', number: 40 } });
    expect(dup.status).toBe(409);
  });

  it('validates input and roles', async () => {
    expect((await h.api('POST', '/api/v1/newsletters/brief/issues', { json: { source: '' } })).status).toBe(422);
    expect((await h.api('POST', '/api/v1/newsletters/brief/issues', { json: { title: '' } })).status).toBe(422);
    expect((await h.api('POST', '/api/v1/newsletters/nope/issues', { json: { title: 'x' } })).status).toBe(404);
    expect((await h.api('GET', '/api/v1/issues/999999')).status).toBe(404);
    expect((await h.api('GET', '/api/v1/issues/1/preview.html', { token: null })).status).toBe(401);
    await h.services.users.createUser('viewer2@example.org', 'viewer password 2', 'viewer', 'test');
    const viewer = await h.services.users.createToken('viewer2@example.org', 'v');
    expect((await h.api('POST', '/api/v1/newsletters/brief/issues', { token: viewer, json: { title: 'x' } })).status).toBe(403);
    expect((await h.api('GET', '/api/v1/newsletters/brief/issues', { token: viewer })).status).toBe(200);
  });

  it('refuses to edit a sent issue', async () => {
    const created = await (await h.api('POST', '/api/v1/newsletters/brief/issues', { json: { title: 'Old' } })).json();
    await h.services.repos.issues.setStatus(created.id, ['draft'], 'sent', { sent_at: h.clock.now() });
    const res = await h.api('PATCH', `/api/v1/issues/${created.id}`, { json: { title: 'New' } });
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('invalid_state');
  });

  it('publishes only sent issues in the archive, the web version and a valid RSS feed', async () => {
    await h.api('POST', '/api/v1/newsletters', { json: { slug: 'arch', name: 'Archive & <Co>', fromEmail: 'a@example.org' } });
    const draft = await (await h.api('POST', '/api/v1/newsletters/arch/issues', { json: { source: SAMPLE_MD } })).json();
    const sent = await (
      await h.api('POST', '/api/v1/newsletters/arch/issues', { json: { source: SAMPLE_MD.replace('Sustainable Procurement Brief', 'Issue Two') } })
    ).json();
    await h.services.repos.issues.setStatus(sent.id, ['draft'], 'sent', {
      sent_at: new Date('2026-02-03T01:00:00Z'),
      published_at: new Date('2026-02-03T01:00:00Z'),
    });

    const index = await (await h.api('GET', '/archive/arch', { token: null })).text();
    expect(index).toContain(`/archive/arch/${sent.number}`);
    expect(index).not.toContain(`/archive/arch/${draft.number}"`);
    expect(index).toContain('Archive &amp; &lt;Co&gt;');

    const web = await h.api('GET', `/archive/arch/${sent.number}`, { token: null });
    expect(web.status).toBe(200);
    const webHtml = await web.text();
    expect(webHtml).toContain('Issue Two');
    expect(webHtml).not.toContain('%%QUIRE_');
    expect(webHtml).not.toMatch(/unsubscribe\//);
    expect(webHtml).toContain('/n/arch');
    expect((await h.api('GET', `/archive/arch/${draft.number}`, { token: null })).status).toBe(404);

    const feed = await h.api('GET', '/archive/arch/feed.xml', { token: null });
    expect(feed.headers.get('content-type')).toContain('application/rss+xml');
    const xml = await feed.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<rss version="2.0"/);
    expect(xml).toContain('<title>Archive &amp; &lt;Co&gt;</title>');
    expect(xml.match(/<item>/g)).toHaveLength(1);
    expect(xml).toContain(`<link>https://news.example.test/archive/arch/${sent.number}</link>`);
    expect(xml).toContain('<pubDate>Tue, 03 Feb 2026 01:00:00 GMT</pubDate>');
    expect((await h.api('GET', '/archive/none/feed.xml', { token: null })).status).toBe(404);
  });

  it.each(seeds)('imports the seed issue %s and previews it under the Gmail clipping limit', async (file) => {
    const source = fs.readFileSync(seedPath(file), 'utf8');
    const res = await h.api('POST', '/api/v1/newsletters/brief/issues', { json: { source } });
    expect(res.status).toBe(201);
    const issue = await res.json();
    expect(issue.sections.length).toBeGreaterThan(0);
    // The lint list keeps each original link (that is its point); the content must be clean.
    expect(JSON.stringify({ ...issue, lint: [] })).not.toMatch(/utm_|mc_cid|mc_eid/);
    const preview = await h.api('GET', `/api/v1/issues/${issue.id}/preview.html`);
    expect(preview.status).toBe(200);
    expect(Number(preview.headers.get('x-quire-size-bytes'))).toBeLessThan(102 * 1024);
  });
});

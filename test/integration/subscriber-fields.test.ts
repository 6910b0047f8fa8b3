/**
 * Subscribers carry attributes and tags (issue 24): the CSV import keeps every column (by default,
 * or as a mapping says), checks values against the newsletter's fields, and the API, the list's
 * filters, bulk tagging, the export and the person's data export show them; erasure clears them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { AdminClient } from './admin/client.ts';

describe.each(dbKinds)('subscriber fields, attributes and tags on %s', (kind) => {
  let h: Harness;
  let n = 0;
  const fresh = async () => {
    const slug = `fld${++n}`;
    await createNewsletter(h, slug, { language: 'en' });
    return slug;
  };
  const importCsv = async (slug: string, csv: string, mapping?: unknown) => {
    const q = new URLSearchParams({ consentNote: 'Conference sheet' });
    if (mapping !== undefined) q.set('mapping', typeof mapping === 'string' ? mapping : JSON.stringify(mapping));
    return h.api('POST', `/api/v1/newsletters/${slug}/subscribers/import?${q}`, { body: csv, headers: { 'content-type': 'text/csv' } });
  };
  const byEmail = async (slug: string, email: string) => {
    const r = await h.api('GET', `/api/v1/newsletters/${slug}/subscribers?q=${encodeURIComponent(email)}`);
    const item = (await r.json()).items[0];
    const one = await h.api('GET', `/api/v1/subscribers/${item.id}`);
    return one.json();
  };
  const list = async (slug: string, qs: string) => {
    const r = await h.api('GET', `/api/v1/newsletters/${slug}/subscribers?${qs}`);
    expect(r.status).toBe(200);
    return ((await r.json()).items as { email: string }[]).map((i) => i.email).sort();
  };

  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('without a mapping keeps email, name, language, tags (split on , or ;) and every other column as an attribute; GET shows them', async () => {
    const slug = await fresh();
    const csv = 'Email,Name,Organisation,Country,国家,Tags\nana@example.org,Ana,UNEP,CN,中国,"speaker, 2026;vip"\nbo@example.org,Bo,,FR,,\n';
    const res = await importCsv(slug, csv);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ imported: 2, errorCount: 0 });
    expect(body.fieldsCreated).toEqual(expect.arrayContaining(['organisation', 'country']));
    const ana = await byEmail(slug, 'ana@example.org');
    expect(ana.tags).toEqual(['speaker', '2026', 'vip']);
    expect(ana.attributes).toMatchObject({ organisation: 'UNEP', country: 'CN' });
    // A Chinese header becomes a safe key; its label is the header.
    const fields = (await (await h.api('GET', `/api/v1/newsletters/${slug}/fields`)).json()).items as { key: string; labels: Record<string, string> }[];
    const zh = fields.find((f) => f.labels.en === '国家')!;
    expect(zh.key).toMatch(/^f_[a-z0-9]+$/);
    expect(ana.attributes[zh.key]).toBe('中国');
    const bo = await byEmail(slug, 'bo@example.org');
    expect(bo.tags).toEqual([]);
    expect(bo.attributes).toEqual({ country: 'FR' });
  });

  it('follows an explicit mapping: renamed columns, ignore, tags from another column; a bad mapping is a 422 and imports nothing', async () => {
    const slug = await fresh();
    const csv = 'Adresse,Wer,Firma,Notes,Groups\ncy@example.org,Cy,ACME,private note,press\n';
    const mapping = { columns: { Adresse: 'email', Wer: 'name', Firma: 'attribute:company', Notes: 'ignore', Groups: 'tags' } };
    const res = await importCsv(slug, csv, mapping);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ imported: 1, fieldsCreated: ['company'] });
    const cy = await byEmail(slug, 'cy@example.org');
    expect(cy).toMatchObject({ name: 'Cy', attributes: { company: 'ACME' }, tags: ['press'] });
    expect(cy.attributes).not.toHaveProperty('notes');

    for (const bad of ['{not json', { columns: { Adresse: 'attribute:Bad Key' } }, { columns: { Adresse: 'email', Wer: 'email' } }]) {
      const r = await importCsv(slug, 'Adresse,Wer\ndan@example.org,Dan\n', bad);
      expect(r.status).toBe(422);
      expect((await r.json()).error.details.fields[0].field).toBe('mapping');
    }
    expect(await list(slug, 'q=dan')).toEqual([]);
  });

  it('checks values against typed fields: a bad number, date or choice is an error on its line, the other rows import', async () => {
    const slug = await fresh();
    const define = (json: unknown) => h.api('POST', `/api/v1/newsletters/${slug}/fields`, { json });
    expect((await define({ key: 'staff', labels: { en: 'Staff', 'zh-CN': '员工人数' }, type: 'number' })).status).toBe(201);
    expect((await define({ key: 'joined', labels: { en: 'Joined' }, type: 'date' })).status).toBe(201);
    expect((await define({ key: 'sector', labels: { en: 'Sector' }, type: 'choice', choices: ['public', 'private'] })).status).toBe(201);
    expect((await define({ key: 'staff', type: 'text' })).status).toBe(409);
    expect((await define({ key: 'Bad-Key' })).status).toBe(422);
    expect((await define({ key: 'kind', type: 'choice', choices: [] })).status).toBe(422);
    const csv = [
      'email,staff,joined,sector',
      'ok@example.org,12,2024-02-29,Public',
      'num@example.org,twelve,2024-01-01,public',
      'date@example.org,3,2023-02-29,public',
      'choice@example.org,3,2024-01-01,NGO',
    ].join('\n');
    const res = await importCsv(slug, csv);
    const body = await res.json();
    expect(body).toMatchObject({ imported: 1, errorCount: 3, fieldsCreated: [] });
    expect(body.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [3, 'fields.notNumber'],
      [4, 'fields.notDate'],
      [5, 'fields.notChoice'],
    ]);
    expect(body.errors[0].message).toBe('staff: “twelve” is not a number');
    const ok = await byEmail(slug, 'ok@example.org');
    expect(ok.attributes).toEqual({ staff: 12, joined: '2024-02-29', sector: 'public' });
  });

  it('filters the list by tag and by attribute (an undefined attribute is a 422)', async () => {
    const slug = await fresh();
    await importCsv(slug, 'email,country,tags\na@example.org,CN,speaker\nb@example.org,FR,speaker;press\nc@example.org,CN,\n');
    expect(await list(slug, 'tag=speaker')).toEqual(['a@example.org', 'b@example.org']);
    expect(await list(slug, 'attr.country=CN')).toEqual(['a@example.org', 'c@example.org']);
    expect(await list(slug, 'attr.country=CN&tag=speaker')).toEqual(['a@example.org']);
    const bad = await h.api('GET', `/api/v1/newsletters/${slug}/subscribers?attr.nope=1`);
    expect(bad.status).toBe(422);
  });

  it('bulk tags and untags by ids or by filter in one request, with an audit entry; PATCH sets one person’s attributes and tags', async () => {
    const slug = await fresh();
    await importCsv(slug, 'email,country,tags\na@example.org,CN,old\nb@example.org,FR,old\nc@example.org,CN,\n');
    const ids = (await (await h.api('GET', `/api/v1/newsletters/${slug}/subscribers`)).json()).items.map((i: { id: string }) => i.id);
    let r = await h.api('POST', `/api/v1/newsletters/${slug}/subscribers/tags`, { json: { add: ['2026'], remove: ['old'], ids } });
    expect(await r.json()).toMatchObject({ updated: 3 });
    expect(await list(slug, 'tag=old')).toEqual([]);
    expect(await list(slug, 'tag=2026')).toHaveLength(3);
    r = await h.api('POST', `/api/v1/newsletters/${slug}/subscribers/tags`, { json: { add: ['china'], filter: { attributes: { country: 'CN' } } } });
    expect(await r.json()).toMatchObject({ updated: 2 });
    expect(await list(slug, 'tag=china')).toEqual(['a@example.org', 'c@example.org']);
    // Nothing to do, nothing written; a body with neither target is a 422.
    r = await h.api('POST', `/api/v1/newsletters/${slug}/subscribers/tags`, { json: { add: ['china'], filter: { tag: 'china' } } });
    expect(await r.json()).toMatchObject({ updated: 0 });
    expect((await h.api('POST', `/api/v1/newsletters/${slug}/subscribers/tags`, { json: { add: ['x'] } })).status).toBe(422);
    const audit = await h.db.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'subscribers.tags').execute();
    expect(audit.length).toBeGreaterThanOrEqual(3);

    const a = await byEmail(slug, 'a@example.org');
    r = await h.api('PATCH', `/api/v1/subscribers/${a.id}/attributes`, { json: { attributes: { country: null }, tags: ['vip', 'vip', 'press'] } });
    expect(r.status).toBe(200);
    const after = await r.json();
    expect(after.attributes).toEqual({});
    expect(after.tags).toEqual(['vip', 'press']);
    expect(after.events.at(-1)).toMatchObject({ type: 'admin_edit' });
    r = await h.api('PATCH', `/api/v1/subscribers/${a.id}/attributes`, { json: { attributes: { unknown: 'x' } } });
    expect(r.status).toBe(422);
  });

  it('the CSV export and the person’s data export include attributes and tags; erasure leaves none behind', async () => {
    const slug = await fresh();
    await importCsv(slug, 'email,organisation,tags\nera@example.org,"Org, Inc",a;b\n');
    const csv = await (await h.api('GET', `/api/v1/newsletters/${slug}/subscribers/export`)).text();
    const [head, row] = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(head).toBe('email,name,status,language,subscribed_at,confirmed_at,unsubscribed_at,source,consent_text_version,tags,organisation');
    expect(row).toContain('"Org, Inc"');
    expect(row).toContain(',a;b,');
    const s = await byEmail(slug, 'era@example.org');
    const personal = await (await h.api('GET', `/api/v1/subscribers/${s.id}/export`)).json();
    expect(personal.subscriptions[0]).toMatchObject({ attributes: { organisation: 'Org, Inc' }, tags: ['a', 'b'] });

    expect((await h.api('DELETE', `/api/v1/subscribers/${s.id}`)).status).toBe(200);
    const gone = await (await h.api('GET', `/api/v1/subscribers/${s.id}`)).json();
    expect(gone).toMatchObject({ status: 'erased', attributes: {}, tags: [] });
    const row2 = await h.db.db.selectFrom('subscribers').select(['attributes', 'tags']).where('id', '=', s.id).executeTakeFirstOrThrow();
    expect(row2.attributes).toEqual({});
    expect(row2.tags).toEqual([]);
  });

  it('defines, changes and removes fields (admin); removing one clears its values', async () => {
    const slug = await fresh();
    await importCsv(slug, 'email,role\nr@example.org,editor\n');
    let r = await h.api('PATCH', `/api/v1/newsletters/${slug}/fields/role`, { json: { labels: { en: 'Role', 'zh-CN': '职务' } } });
    expect(await r.json()).toMatchObject({ key: 'role', labels: { en: 'Role', 'zh-CN': '职务' }, type: 'text' });
    expect((await h.api('PATCH', `/api/v1/newsletters/${slug}/fields/nope`, { json: {} })).status).toBe(404);
    r = await h.api('DELETE', `/api/v1/newsletters/${slug}/fields/role`);
    expect(await r.json()).toEqual({ key: 'role', cleared: 1 });
    expect((await byEmail(slug, 'r@example.org')).attributes).toEqual({});
    expect((await h.api('DELETE', `/api/v1/newsletters/${slug}/fields/role`)).status).toBe(404);
  });

  it('admin pages: the streamed import takes the mapping and remembers it; the bulk form tags the checked subscribers; the list filters by tag', async () => {
    const slug = await fresh();
    const admin = new AdminClient(h);
    await admin.login('admin@example.org', 'correct horse battery');
    await admin.get(`/admin/switch?n=${slug}`);
    const csrf = await admin.csrfFrom('/admin/account');
    const mapping = { columns: { Mail: 'email', Org: 'attribute:org', Secret: 'ignore' } };
    const q = new URLSearchParams({ newsletter: slug, consentNote: 'Sheet', mapping: JSON.stringify(mapping), saveMapping: '1' });
    const res = await admin.request('POST', `/admin/subscribers/import?${q}`, {
      body: 'Mail,Org,Secret\nx1@example.org,UNEP,s\nx2@example.org,ICLEI,s\n',
      headers: { 'content-type': 'text/csv', 'x-csrf-token': csrf, accept: 'application/x-ndjson' },
    });
    const last = JSON.parse((await res.text()).trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ type: 'done', result: { imported: 2, fieldsCreated: ['org'] } });
    expect(await h.services.subscriberFields.savedMapping((await h.services.subscribers.newsletterBySlug(slug)).id)).toEqual(mapping);
    const page = await (await admin.get(`/admin/subscribers/import?n=${slug}`)).text();
    expect(page).toContain('data-saved="{&quot;Mail&quot;:&quot;email&quot;');

    const ids = (await (await h.api('GET', `/api/v1/newsletters/${slug}/subscribers`)).json()).items.map((i: { id: string }) => i.id);
    const body = new URLSearchParams({ _csrf: csrf, add: 'press, 2026', remove: '', back: '/admin/subscribers?tag=press' });
    body.append('ids', ids[0]);
    body.append('ids', ids[1]);
    const r = await admin.request('POST', '/admin/subscribers/tags', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/admin/subscribers?tag=press');
    const listPage = await (await admin.get('/admin/subscribers?tag=press')).text();
    expect(listPage).toContain('data-tag="press"');
    expect(listPage).toContain('x1@example.org');
    expect(listPage).toContain('UNEP');
    expect(await list(slug, 'tag=2026')).toEqual(['x1@example.org', 'x2@example.org']);
  });
});

// Issue 21, the back catalogue: publishing without a send, numbers and dates from the source, the bulk import (API).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { addSubscribers, createIssue, createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { seed } from '../helpers/seeds.ts';

/** A small back issue that prints its own number and date. */
const backIssue = (title: string, volume: string) => `# ${title}\n\n${volume}\n\n## News\n\n### An article\n\nSome text about procurement.\n`;

describe.each(dbKinds)('back issues on %s', (kind) => {
  let h: Harness;
  let n = 0;
  const slug = () => `back${n}`;
  beforeAll(async () => {
    h = await createHarness(kind);
  });
  afterAll(async () => {
    await h?.close();
  });
  const outboxCount = async () => (await (await h.api('GET', '/api/v1/outbox')).json()).items.length;
  const deliveries = async (id: number) =>
    Number(
      (
        await h.db.db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('issue_id', '=', id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const importOne = async (source: string, extra: Record<string, unknown> = {}) => {
    const res = await h.api('POST', `/api/v1/newsletters/${slug()}/issues`, { json: { source, ...extra } });
    expect(res.status).toBe(201);
    return res.json();
  };

  it('publishes a draft to the archive without emailing anyone, dated by the issue, and takes it back', async () => {
    n++;
    await createNewsletter(h, slug(), { timeZone: 'Asia/Shanghai' });
    await addSubscribers(h, slug(), 3, `pub${n}`);
    const issue = await importOne(backIssue('Procurement Notes', '2023年第2期 总第12期'));
    expect(issue).toMatchObject({ number: 12, date: '2023-02-01', publishedAt: null, archiveHidden: false });
    const before = await outboxCount();

    const res = await h.api('POST', `/api/v1/issues/${issue.id}/publish`);
    expect(res.status).toBe(200);
    const published = await res.json();
    // Midnight of the issue's date in the newsletter's time zone.
    expect(published).toMatchObject({ status: 'published', publishedAt: '2023-01-31T16:00:00.000Z' });
    await h.drain();
    expect(await outboxCount()).toBe(before);
    expect(await deliveries(issue.id)).toBe(0);
    expect((await (await h.api('GET', `/api/v1/newsletters/${slug()}/issues?status=published`)).json()).items.map((i: { id: number }) => i.id)).toEqual([
      issue.id,
    ]);

    // A given date wins; the status filter and the audit record it.
    const redated = await (await h.api('POST', `/api/v1/issues/${issue.id}/publish`, { json: { publishedAt: '2023-02-15T09:00:00+08:00' } })).json();
    expect(redated.publishedAt).toBe('2023-02-15T01:00:00.000Z');
    const audit = await h.db.db.selectFrom('audit_log').select(['action', 'target']).where('action', 'in', ['issue.publish', 'issue.unpublish']).execute();
    expect(audit.filter((a) => a.target === `${slug()}#12`).map((a) => a.action)).toEqual(['issue.publish', 'issue.publish']);

    // Editing a published back issue is allowed (typos in the archive); scheduling it is not.
    const edited = await h.api('PATCH', `/api/v1/issues/${issue.id}`, { json: { title: 'Procurement Notes (corrected)' } });
    expect(edited.status).toBe(200);
    const sched = await h.api('POST', `/api/v1/issues/${issue.id}/schedule`, { json: { sendAt: '2026-04-01T09:00', acknowledge: true } });
    expect(sched.status).toBe(409);
    expect((await sched.json()).error.message).toContain('take it off the archive before scheduling');

    const off = await (await h.api('POST', `/api/v1/issues/${issue.id}/unpublish`)).json();
    expect(off).toMatchObject({ status: 'draft', publishedAt: null });
    expect((await h.api('POST', `/api/v1/issues/${issue.id}/unpublish`)).status).toBe(409);
  });

  it('refuses to publish a scheduled issue until its send is cancelled, and an issue without a date is published now', async () => {
    n++;
    await createNewsletter(h, slug());
    const id = await createIssue(h, slug());
    await h.api('POST', `/api/v1/issues/${id}/schedule`, { json: { sendAt: '2026-04-01T09:00:00Z', acknowledge: true } });
    const refused = await h.api('POST', `/api/v1/issues/${id}/publish`);
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.message).toContain('cancel the send first');
    expect((await h.api('GET', `/api/v1/issues/${id}`).then((r) => r.json())).status).toBe('scheduled');
    await h.api('POST', `/api/v1/issues/${id}/cancel`);
    const published = await (await h.api('POST', `/api/v1/issues/${id}/publish`)).json();
    expect(published).toMatchObject({ status: 'published', publishedAt: h.clock.now().toISOString(), sendAt: null });

    const bad = await h.api('POST', `/api/v1/issues/${id}/publish`, { json: { publishedAt: '2023-02-30' } });
    expect(bad.status).toBe(422);
    expect((await h.api('POST', `/api/v1/issues/${id}/publish`, { json: { when: 'now' } })).status).toBe(422);
  });

  it('a sent issue is in the archive at its send time; unpublish only hides it, publish shows it again', async () => {
    n++;
    await createNewsletter(h, slug());
    await addSubscribers(h, slug(), 2, `sent${n}`);
    const id = await createIssue(h, slug());
    const at = new Date(h.clock.now().getTime() + 60_000).toISOString();
    await h.api('POST', `/api/v1/issues/${id}/schedule`, { json: { sendAt: at, acknowledge: true } });
    h.clock.set(new Date(h.clock.now().getTime() + 120_000));
    await h.drain();
    const sent = await (await h.api('GET', `/api/v1/issues/${id}`)).json();
    expect(sent.status).toBe('sent');
    expect(sent.publishedAt).toBe(sent.sentAt);

    const hidden = await (await h.api('POST', `/api/v1/issues/${id}/unpublish`)).json();
    expect(hidden).toMatchObject({ status: 'sent', archiveHidden: true, publishedAt: sent.publishedAt });
    expect(await deliveries(id)).toBe(2); // the record stays
    const shown = await (await h.api('POST', `/api/v1/issues/${id}/publish`)).json();
    expect(shown).toMatchObject({ status: 'sent', archiveHidden: false, publishedAt: sent.publishedAt });
  });

  it('numbers from the source: free numbers are taken, a taken one keeps the next with a note, new issues continue after the highest', async () => {
    n++;
    await createNewsletter(h, slug(), { language: 'en' });
    expect((await importOne(backIssue('Notes', 'Issue #41 · March 2024'))).number).toBe(41);
    expect((await importOne(backIssue('Notes', '2024年11月 总第7期'))).number).toBe(7);
    const dup = await importOne(backIssue('Notes', 'Issue #41'));
    expect(dup.number).toBe(42);
    expect(dup.warnings).toContainEqual(expect.objectContaining({ code: 'backIssues.numberTaken', params: { number: 41 } }));
    expect(dup.warnings.at(-1).message).toContain('number 41, which another issue already has');
    // The caller's number wins over the source's; a structured issue continues after the highest.
    expect((await importOne(backIssue('Notes', 'Issue #50'), { number: 60 })).number).toBe(60);
    expect(
      (
        await createIssue(h, slug())
          .then((id) => h.api('GET', `/api/v1/issues/${id}`))
          .then((r) => r.json())
      ).number,
    ).toBe(61);
    // Dates: the importer's own date stands; a month alone is its first day.
    expect(await importOne(backIssue('Notes', 'Vol. 3, No. 2 — 15 March 2024'))).toMatchObject({ number: 2, date: '2024-03-15' });
    expect(await importOne(backIssue('Notes', '2024年11月'))).toMatchObject({ number: 62, date: '2024-11-01' });
    // A real past issue that prints no number gets the next one.
    expect((await importOne(seed('004'))).number).toBe(63);
  });

  it('bulk-imports several files through the API, a bad one among them failing alone, and publishes them', async () => {
    n++;
    await createNewsletter(h, slug());
    const before = await outboxCount();
    const res = await h.api('POST', `/api/v1/newsletters/${slug()}/issues/import`, {
      json: {
        publish: true,
        files: [
          { name: '2023-02.md', source: backIssue('Brief', '2023年第2期 总第12期') },
          { name: 'empty.txt', source: '  \n' },
          { name: 'cover.pdf', source: 'x' },
          { name: 'binary.txt', source: 'PK\u0003\u0004\u0000\u0000' },
          { name: '004.txt', source: seed('004') },
        ],
      },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ imported: 2, failed: 3 });
    expect(body.items.map((i: { name: string; ok: boolean }) => [i.name, i.ok])).toEqual([
      ['2023-02.md', true],
      ['empty.txt', false],
      ['cover.pdf', false],
      ['binary.txt', false],
      ['004.txt', true],
    ]);
    expect(body.items[0]).toMatchObject({ number: 12, date: '2023-02-01', status: 'published', articles: 1 });
    expect(body.items[1].error.message).toBe('The file is empty');
    expect(body.items[2].error.message).toContain('not a Markdown or text file');
    expect(body.items[3].error.message).toContain('not text');
    expect(body.items[4]).toMatchObject({ number: 13, status: 'published' });
    expect(body.items[4].notes.length).toBeGreaterThanOrEqual(0);
    expect(await outboxCount()).toBe(before);

    expect((await h.api('POST', `/api/v1/newsletters/${slug()}/issues/import`, { json: { files: [] } })).status).toBe(422);
    expect((await h.api('POST', '/api/v1/newsletters/nope/issues/import', { json: { files: [{ name: 'a.md', source: '# A' }] } })).status).toBe(404);
  });
});

/**
 * The CSV import's summary, as a person reads it: rows are data rows (a header and 201 rows are
 * 201, in the API's `total`, the live import's estimate and the page); each bad row is reported
 * once, in words, at the line where it starts ("Line 201: a quotation mark is not closed"), never
 * in the parser's own text; an unknown language code is a note on its row, which still imports
 * (with the newsletter's language). In English and Chinese.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../helpers/db.ts';
import { createNewsletter } from '../helpers/fixtures.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { AdminClient } from './admin/client.ts';

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"');
const rowsOf = (prefix: string, n: number, eol = '\n') => Array.from({ length: n }, (_, i) => `${prefix}-${i}@example.org,Person ${i}`).join(eol);
/** What csv-parse itself says (for programmers): never shown. */
const PARSER_WORDS = /Quote Not Closed|Invalid Opening Quote|Invalid Closing Quote|the parsing is finished|CSV_/;

describe.each(dbKinds)('CSV import summary on %s', (kind) => {
  let h: Harness;
  let admin: AdminClient;
  let n = 0;

  const api = async (slug: string, csv: string) => {
    const res = await h.api('POST', `/api/v1/newsletters/${slug}/subscribers/import?consentNote=${encodeURIComponent('Sign-up sheet, March')}`, {
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(200);
    return res.json();
  };
  const form = async (slug: string, csv: string) => {
    const fd = new FormData();
    fd.set('_csrf', await admin.csrfFrom('/admin/account'));
    fd.set('newsletter', slug);
    fd.set('consentNote', 'Sign-up sheet, March');
    fd.set('file', new File([csv], 'list.csv', { type: 'text/csv' }));
    return fd;
  };
  /** The import page after a plain form post (no JavaScript), in `lang`. */
  const page = async (slug: string, csv: string, lang = 'en') => {
    const res = await admin.request('POST', '/admin/subscribers/import', { body: await form(slug, csv), headers: { 'accept-language': lang } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const live = async (slug: string, csv: string) => {
    const res = await admin.request('POST', '/admin/subscribers/import', { body: await form(slug, csv), headers: { accept: 'application/x-ndjson' } });
    return (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const fresh = async () => {
    const slug = `imp${++n}`;
    await createNewsletter(h, slug, { language: 'en' });
    return slug;
  };

  beforeAll(async () => {
    h = await createHarness(kind);
    admin = new AdminClient(h);
    await admin.login('admin@example.org', 'correct horse battery');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts a header and 201 rows as 201: the API, the live estimate and the page (CRLF, blank lines at the end)', async () => {
    const csv = `email,name\r\n${rowsOf('count', 201, '\r\n')}\r\n\r\n\r\n`;
    expect(await api(await fresh(), csv)).toMatchObject({ total: 201, imported: 201, errorCount: 0, errors: [] });
    const lines = await live(await fresh(), csv);
    expect(lines[0]).toMatchObject({ type: 'start', estimatedRows: 201 });
    expect(lines.at(-1)).toMatchObject({ type: 'done', result: { total: 201, imported: 201 } });
    expect(text(String(lines.at(-1)!.html))).toContain('201 imported of 201 rows');
    expect(text(await page(await fresh(), `email,name\n${rowsOf('count', 201)}`))).toContain('201 imported of 201 rows');
  });

  it('reports an unclosed quotation mark once, at its line, in words: "Line 201: a quotation mark is not closed"', async () => {
    const csv = `email,name\n${rowsOf('quote', 199)}\nbroken@example.org,"Broken\n`;
    const r = await api(await fresh(), csv);
    expect(r).toMatchObject({ total: 200, imported: 199, errorCount: 1 });
    expect(r.errors).toEqual([{ line: 201, code: 'csv.problem.quoteNotClosed', message: 'a quotation mark is not closed' }]);
    const en = text(await page(await fresh(), csv));
    expect(en).toContain('Line 201: a quotation mark is not closed');
    expect(en.match(/quotation mark/g)).toHaveLength(1);
    expect(en).not.toMatch(PARSER_WORDS);
    const zh = text(await page(await fresh(), csv, 'zh-CN'));
    expect(zh).toContain('第 201 行：引号没有闭合');
    expect(zh).not.toMatch(PARSER_WORDS);
  });

  it('says which lines an unclosed quotation mark swallowed, once; a stray quotation mark inside a field loses no later row', async () => {
    const swallowed = await api(
      await fresh(),
      `email,name\n${rowsOf('sw', 199)}\nbroken@example.org,"Broken\nlater@example.org,Later\nlast@example.org,Last\n`,
    );
    expect(swallowed.errors).toEqual([
      {
        line: 201,
        code: 'csvUx.quoteNotClosedRest',
        message: 'a quotation mark is not closed, so the rest of the file (lines 201–203) was read as this one row and not imported',
      },
    ]);
    expect(swallowed.errorCount).toBe(1);
    // Before, the row after "B"x and every later one vanished without a word.
    // Listed by line, although the parser tells of the quotation mark before the row above it is read.
    const both = await api(await fresh(), `email,name\n${rowsOf('order', 3)}\nnot-an-address,X\nbroken@example.org,"Broken\n`);
    expect(both.errors.map((e: { line: number }) => e.line)).toEqual([5, 6]);
    const stray = await api(await fresh(), 'email,name\njo@example.org,Jo"hn\nb@example.org,"B"x\nc@example.org,C\nd@example.org,D\n');
    expect(stray).toMatchObject({ total: 4, imported: 4, errorCount: 0 });
  });

  it('numbers a row that spans lines (a quoted line break) and rows after blank lines by the line they start on', async () => {
    const r = await api(await fresh(), 'email,name\nok@example.org,"Two\nlines"\n\nnot-an-address,X\n');
    expect(r.errors).toEqual([
      { line: 2, code: 'csv.rowName', message: 'name must be one line of at most 200 characters' },
      { line: 5, code: 'csv.rowInvalid', message: 'email is not a valid address' },
    ]);
  });

  it('imports a row with an unknown language code with the newsletter’s language, and notes it on that row', async () => {
    const slug = await fresh();
    const csv = 'email,name,language\nfr@example.org,Fr,fr\nzz@example.org,Zz,zz\nkl@example.org,Kl,klingon\nzh@example.org,Zh,ZH-cn\n';
    const r = await api(slug, csv);
    expect(r).toMatchObject({ total: 4, imported: 4, errorCount: 0, noteCount: 2 });
    expect(r.notes).toEqual([
      { line: 3, code: 'csvUx.unknownLanguage', message: '“zz” is not a language code: imported with the newsletter’s language' },
      { line: 4, code: 'csvUx.unknownLanguage', message: '“klingon” is not a language code: imported with the newsletter’s language' },
    ]);
    const language = async (email: string) =>
      (await h.db.db.selectFrom('subscribers').select('language').where('email_normalized', '=', email).executeTakeFirstOrThrow()).language;
    expect(await language('zz@example.org')).toBeNull(); // follows the newsletter's language
    expect(await language('fr@example.org')).toBe('fr');
    expect(await language('zh@example.org')).toBe('zh-CN');
    const en = text(await page(await fresh(), csv));
    expect(en).toContain('Notes (2)');
    expect(en).toContain('Line 3: “zz” is not a language code: imported with the newsletter’s language');
    const zh = text(await page(await fresh(), csv, 'zh-CN'));
    expect(zh).toContain('第 3 行：“zz”不是语言代码：已按通讯的语言导入');
  });
});

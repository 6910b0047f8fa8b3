// The admin's form parsers (src/modules/admin/forms.ts): what an editor posts becomes what the services take.
import { describe, expect, it } from 'vitest';
import {
  auditQuery,
  contentFromForm,
  editorAction,
  structureAnchor,
  editorAnchor,
  eraseConfirmed,
  issueListQuery,
  issueSourceForm,
  newsletterCreateForm,
  newsletterUpdateForm,
  roleFromForm,
  scheduleForm,
  slotForm,
  subscriberImportForm,
  subscriberListQuery,
  bulkTagsForm,
  testRecipients,
  tokenForm,
  userForm,
} from '../../src/modules/admin/forms.ts';
import type { IssueContent } from '../../src/modules/issues/model.ts';

const current: IssueContent = {
  title: 'Stored title',
  language: 'en',
  intro: 'Stored intro',
  sections: [{ title: 'Stored section', articles: [{ title: 'Stored article', body: 'Body', sources: [] }] }],
  footer: { disclaimer: 'Old disclaimer', editor: 'Old editor' },
};

/** The editor form of `sections` (titles only), as the page names its fields. */
function editorForm(sections: { title: string; articles: string[] }[], extra: Record<string, string> = {}): Record<string, string> {
  const f: Record<string, string> = { title: 'An issue', ...extra };
  sections.forEach((s, si) => {
    f[`s.${si}.title`] = s.title;
    s.articles.forEach((a, ai) => {
      f[`s.${si}.a.${ai}.title`] = a;
      f[`s.${si}.a.${ai}.body`] = `Text of ${a}`;
    });
  });
  return f;
}

const titles = (c: Partial<IssueContent>) => c.sections!.map((s) => [s.title, ...s.articles.map((a) => a.title)]);

describe('the issue editor form', () => {
  const two = [
    { title: 'News', articles: ['N1', 'N2', 'N3'] },
    { title: 'Events', articles: ['E1', 'E2'] },
  ];

  it('reads sections and articles back in order, whatever order the fields come in', () => {
    const f = editorForm(two);
    const shuffled = Object.fromEntries(Object.entries(f).reverse());
    expect(titles(contentFromForm(shuffled, current))).toEqual([
      ['News', 'N1', 'N2', 'N3'],
      ['Events', 'E1', 'E2'],
    ]);
  });

  it('removing article 2 of section 1 removes exactly that article', () => {
    const c = contentFromForm(editorForm(two, { op: 'remove:0:1' }), current);
    expect(titles(c)).toEqual([
      ['News', 'N1', 'N3'],
      ['Events', 'E1', 'E2'],
    ]);
    expect(c.sections![0]!.articles[1]!.body).toBe('Text of N3');
  });

  it('removes a whole section, adds a section with one empty article, adds an article to a section', () => {
    expect(titles(contentFromForm(editorForm(two, { op: 'remove:0' }), current))).toEqual([['Events', 'E1', 'E2']]);
    expect(titles(contentFromForm(editorForm(two, { op: 'addSection' }), current))).toEqual([
      ['News', 'N1', 'N2', 'N3'],
      ['Events', 'E1', 'E2'],
      ['', ''],
    ]);
    expect(titles(contentFromForm(editorForm(two, { op: 'addArticle:1' }), current))).toEqual([
      ['News', 'N1', 'N2', 'N3'],
      ['Events', 'E1', 'E2', ''],
    ]);
  });

  it('ignores an operation on a section that is not there, and a plain save changes nothing', () => {
    const saved = titles(contentFromForm(editorForm(two, { op: 'save' }), current));
    expect(titles(contentFromForm(editorForm(two, { op: 'remove:5:0' }), current))).toEqual(saved);
    expect(titles(contentFromForm(editorForm(two, { op: 'addArticle:9' }), current))).toEqual(saved);
    expect(titles(contentFromForm(editorForm(two), current))).toEqual(saved);
  });

  it('reads sources one per line (URL, then its label), and images; removeImage drops only that image', () => {
    const f = editorForm([{ title: 'S', articles: ['A', 'B'] }]);
    f['s.0.a.0.sources'] = 'https://example.org/a  The report\r\n\r\n  https://example.org/b\n';
    f['s.0.a.0.imageUrl'] = ' https://cdn.example.org/a.png ';
    f['s.0.a.0.imageAlt'] = 'A chart';
    f['s.0.a.1.imageUrl'] = 'https://cdn.example.org/b.png';
    f['s.0.a.1.imageAlt'] = 'B';
    const c = contentFromForm(f, current);
    const a = c.sections![0]!.articles[0]!;
    expect(a.sources).toEqual([
      { url: 'https://example.org/a', label: 'The report' },
      { url: 'https://example.org/b', label: '' },
    ]);
    expect(a.image).toEqual({ url: 'https://cdn.example.org/a.png', alt: 'A chart' });
    const removed = contentFromForm({ ...f, op: 'removeImage:0:1' }, current);
    expect(removed.sections![0]!.articles[0]!.image).toEqual({ url: 'https://cdn.example.org/a.png', alt: 'A chart' });
    expect(removed.sections![0]!.articles[1]!.image).toBeUndefined();
  });

  it('drops an image without an address, and normalises line breaks of bodies and the intro', () => {
    const f = editorForm([{ title: 'S', articles: ['A'] }], { intro: 'one\r\ntwo' });
    f['s.0.a.0.body'] = 'para\r\npara';
    f['s.0.a.0.imageUrl'] = '   ';
    f['s.0.a.0.imageAlt'] = 'orphan alt';
    const c = contentFromForm(f, current);
    expect(c.sections![0]!.articles[0]!.image).toBeUndefined();
    expect(c.sections![0]!.articles[0]!.body).toBe('para\npara');
    expect(c.intro).toBe('one\ntwo');
  });

  it('keeps the stored sections and intro when the form carries none, and clears empty footer fields', () => {
    const c = contentFromForm({ title: '  New title  ', 'footer.editor': '  Ed  ', 'footer.disclaimer': ' ' }, current);
    expect(c.title).toBe('New title');
    expect(c.sections).toEqual(current.sections);
    expect(c.intro).toBe('Stored intro');
    expect(c.footer).toEqual({ disclaimer: undefined, editor: 'Ed', contact: undefined, organisation: undefined });
  });

  it('takes an issue number only when it is digits', () => {
    expect(contentFromForm({ number: '12' }, current).number).toBe(12);
    expect(contentFromForm({ number: '12a' }, current)).not.toHaveProperty('number');
    expect(contentFromForm({ number: '' }, current)).not.toHaveProperty('number');
  });

  it('returns to the edited article after removing its image, to the editor after an add or remove, else to the top', () => {
    expect(editorAnchor('removeImage:1:2')).toBe('#s1a2');
    expect(editorAnchor('remove:0:1')).toBe('#editor');
    expect(editorAnchor('addSection')).toBe('#editor');
    expect(editorAnchor('save')).toBe('');
    expect(editorAnchor(undefined)).toBe('');
  });
});

describe('issue forms and filters', () => {
  it('filters the issue list by a known status only, and continues before a positive number', () => {
    expect(issueListQuery({ status: 'sent', cursor: '7' })).toEqual({ status: 'sent', beforeNumber: 7 });
    expect(issueListQuery({ status: 'bogus', cursor: '-1' })).toEqual({ status: '', beforeNumber: undefined });
    expect(issueListQuery({})).toEqual({ status: '', beforeNumber: undefined });
  });

  it('takes pasted source, or an uploaded file instead (a .md name meaning Markdown)', async () => {
    expect(await issueSourceForm({ source: '# Hi', format: 'text' }, 'spp')).toEqual({ slug: 'spp', source: '# Hi', format: 'text' });
    expect(await issueSourceForm({ source: '# Hi', format: 'html' }, 'spp')).toMatchObject({ format: 'auto' });
    const file = new File(['# From a file'], 'issue.md');
    expect(await issueSourceForm({ newsletter: 'weekly', source: 'ignored', file }, 'spp')).toEqual({
      slug: 'weekly',
      source: '# From a file',
      format: 'markdown',
    });
    expect(await issueSourceForm({ source: 'kept', file: new File([], 'empty.md') }, 'spp')).toMatchObject({ source: 'kept', format: 'auto' });
  });

  it('refuses an uploaded issue over 2 MB', async () => {
    await expect(issueSourceForm({ file: new File([new Uint8Array(2_000_001)], 'big.txt') }, 'spp')).rejects.toMatchObject({ code: 'payload_too_large' });
  });

  it('splits test recipients on commas, semicolons and spaces', () => {
    expect(testRecipients({ to: ' a@example.org, b@example.org;c@example.org\n d@example.org ' })).toEqual([
      'a@example.org',
      'b@example.org',
      'c@example.org',
      'd@example.org',
    ]);
    expect(testRecipients({})).toEqual([]);
  });

  it('schedules with the chosen zone only when one was chosen', () => {
    expect(scheduleForm({ sendAt: '2026-03-01T09:00', timeZone: 'Europe/Berlin' })).toEqual({ sendAt: '2026-03-01T09:00', timeZone: 'Europe/Berlin' });
    expect(scheduleForm({ sendAt: '2026-03-01T09:00', timeZone: '' })).toEqual({ sendAt: '2026-03-01T09:00' });
  });
});

describe('the slot form', () => {
  it('reads "the n-th weekday of the month" and "day n of the month"', () => {
    expect(
      slotForm({ kind: 'weekdayOfMonth', week: '-1', weekday: '2', time: '09:00', timeZone: 'Asia/Shanghai', reminderDaysBefore: '5', enabled: 'on' }),
    ).toEqual({
      rule: { kind: 'weekdayOfMonth', week: -1, weekday: 2, time: '09:00' },
      timeZone: 'Asia/Shanghai',
      reminderDaysBefore: 5,
      enabled: true,
    });
    expect(slotForm({ kind: 'dayOfMonth', day: '15', time: '10:30' })).toEqual({
      rule: { kind: 'dayOfMonth', day: 15, time: '10:30' },
      reminderDaysBefore: 3,
      enabled: false,
    });
  });
});

describe('newsletter forms', () => {
  it('creates with a trimmed slug, and language and zone only when given', () => {
    expect(newsletterCreateForm({ slug: ' weekly ', name: 'Weekly', fromEmail: 'w@example.org', language: ' ', timeZone: '' })).toEqual({
      slug: 'weekly',
      name: 'Weekly',
      fromEmail: 'w@example.org',
    });
    expect(newsletterCreateForm({ slug: 'w', language: ' zh-CN ', timeZone: 'Asia/Shanghai' })).toMatchObject({ language: 'zh-CN', timeZone: 'Asia/Shanghai' });
  });

  it('updates with unchecked boxes as false and empty optional fields cleared', () => {
    expect(newsletterUpdateForm({ name: 'N', fromEmail: 'n@example.org', fromName: '  ', replyTo: ' r@example.org ', openTracking: 'on' })).toEqual({
      name: 'N',
      fromEmail: 'n@example.org',
      fromName: null,
      replyTo: 'r@example.org',
      openTracking: true,
      welcomeEnabled: false,
      goodbyeEnabled: false,
      description: null,
      organisation: null,
    });
  });
});

describe('subscriber forms and filters', () => {
  it('filters by a known status only and cuts the search to an address length', () => {
    expect(subscriberListQuery({ q: 'x'.repeat(300), status: 'active', cursor: 'abc' })).toEqual({
      q: 'x'.repeat(254),
      status: 'active',
      cursor: 'abc',
      tag: '',
    });
    expect(subscriberListQuery({ status: 'nobody', cursor: '' })).toEqual({ q: '', status: '', cursor: undefined, tag: '' });
    expect(subscriberListQuery({ tag: `  vip${'x'.repeat(100)}` }).tag).toBe(`vip${'x'.repeat(61)}`);
  });

  it('reads the bulk tag form: several ids, tags split on , or ;, a safe way back', () => {
    expect(bulkTagsForm({ ids: ['1', '2'], add: 'press; 2026', remove: '', back: '/admin/subscribers?tag=x' })).toEqual({
      ids: ['1', '2'],
      add: ['press', '2026'],
      remove: [],
      back: '/admin/subscribers?tag=x',
    });
    expect(bulkTagsForm({ ids: '7', add: 'a', back: 'https://evil.example/' })).toMatchObject({ ids: ['7'], back: '/admin/subscribers' });
  });

  it('has no file when none was chosen or it is empty', () => {
    expect(subscriberImportForm({ file: new File([], 'a.csv'), consentNote: 'n' }, 'spp')).toEqual({ slug: 'spp', file: null, consentNote: 'n' });
    expect(subscriberImportForm({ file: '' }, 'spp').file).toBeNull();
    const file = new File(['email\na@example.org\n'], 'a.csv');
    expect(subscriberImportForm({ newsletter: 'weekly', file }, 'spp')).toEqual({ slug: 'weekly', file, consentNote: undefined });
  });

  it('confirms an erasure only with the address typed (any case, spaces around ignored)', () => {
    expect(eraseConfirmed({ confirm: '  Reader@Example.NET ' }, 'reader@example.net')).toBe(true);
    expect(eraseConfirmed({ confirm: 'someone@example.net' }, 'reader@example.net')).toBe(false);
    expect(eraseConfirmed({}, 'reader@example.net')).toBe(false);
    expect(eraseConfirmed({ confirm: '' }, null)).toBe(false);
  });
});

describe('users, tokens and the audit log', () => {
  it('gives an unknown role the least one', () => {
    expect(roleFromForm('editor')).toBe('editor');
    expect(roleFromForm('admin')).toBe('admin');
    expect(roleFromForm('owner')).toBe('viewer');
    expect(roleFromForm(undefined)).toBe('viewer');
    expect(userForm({ email: 'e@example.org', password: 'pw', role: 'root' })).toEqual({ email: 'e@example.org', password: 'pw', role: 'viewer' });
  });

  it('names a token in at most 100 characters', () => {
    expect(tokenForm({ email: 'e@example.org', name: `  ${'n'.repeat(150)}` })).toEqual({ email: 'e@example.org', name: 'n'.repeat(100) });
  });

  it('pages the audit log before a numeric id only, filtered by an action', () => {
    expect(auditQuery({ before: '42', action: 'issue.update' })).toEqual({
      action: 'issue.update',
      query: { limit: 101, beforeId: '42', action: 'issue.update' },
    });
    expect(auditQuery({ before: '42; drop' })).toEqual({ action: '', query: { limit: 101 } });
  });
});

describe('the editor structure buttons (issue 20)', () => {
  const sections = [
    {
      title: 'A',
      articles: [
        { title: 'a1', body: '', sources: [] },
        { title: 'a2', body: '', sources: [] },
      ],
    },
    { title: 'B', articles: [{ title: 'b1', body: '', sources: [] }] },
  ];
  it('reads each button as an op, with positions as posted', () => {
    expect(editorAction({ op: 'split:0:1:2' }, sections)).toEqual({ kind: 'op', op: { op: 'split', section: 0, article: 1, paragraph: 2 } });
    expect(editorAction({ op: 'up:0:1' }, sections)).toEqual({ kind: 'op', op: { op: 'moveArticle', section: 0, article: 1, to: { section: 0, index: 0 } } });
    expect(editorAction({ op: 'down:0:0' }, sections)).toEqual({ kind: 'op', op: { op: 'moveArticle', section: 0, article: 0, to: { section: 0, index: 1 } } });
    expect(editorAction({ op: 'moveTo:0:0', 'moveTo.0.0': '1' }, sections)).toEqual({
      kind: 'op',
      op: { op: 'moveArticle', section: 0, article: 0, to: { section: 1, index: 1 } },
    });
    expect(editorAction({ op: 'addArticle:1' }, sections)).toEqual({ kind: 'op', op: { op: 'addArticle', section: 1, index: 1 } });
    expect(editorAction({ op: 'addSection' }, sections)).toEqual({ kind: 'op', op: { op: 'addSection', index: 2 } });
    expect(editorAction({ op: 'remove:1' }, sections)).toEqual({ kind: 'op', op: { op: 'deleteSection', section: 1 } });
    expect(editorAction({ op: 'sectionDown:0' }, sections)).toEqual({ kind: 'op', op: { op: 'moveSection', section: 0, to: 1 } });
    expect(editorAction({ op: 'note:3' }, sections)).toEqual({ kind: 'note', note: 3 });
    expect(editorAction({ op: 'undo' }, sections)).toEqual({ kind: 'undo' });
    for (const op of ['save', 'removeImage:0:1', 'split:0:1', 'split:0:1:999999', '', 'moveTo']) expect(editorAction({ op }, sections), op).toBeNull();
  });
  it('returns to the article the change left in view', () => {
    expect(structureAnchor({ op: 'split', section: 1, article: 2, paragraph: 1 })).toBe('#s1a3');
    expect(structureAnchor({ op: 'mergePrevious', section: 0, article: 2 })).toBe('#s0a1');
    expect(structureAnchor({ op: 'moveArticle', section: 0, article: 2, to: { section: 1, index: 4 } })).toBe('#s1a4');
    expect(structureAnchor({ op: 'moveSection', section: 0, to: 2 })).toBe('#s2');
  });
});

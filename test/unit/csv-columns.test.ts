/** What a CSV column is from its header, the key a header becomes, tags in a cell, and the mapping step's first rows. */
import { describe, expect, it } from 'vitest';
import { defaultTarget, fieldKeyOf, peekCsv, splitTags } from '../../src/lib/csv-columns.ts';
import { checkValue } from '../../src/modules/subscribers/fields.ts';

describe('CSV columns', () => {
  it('reads English and Chinese headers as email, name, language and tags; the rest as attributes', () => {
    expect(['E-mail', '邮箱', '电子邮件', '姓名', '语言', '标签', 'Tags'].map(defaultTarget)).toEqual([
      'email',
      'email',
      'email',
      'name',
      'language',
      'tags',
      'tags',
    ]);
    expect(defaultTarget('Organisation')).toBe('attribute:organisation');
    expect(defaultTarget('  ')).toBe('ignore');
  });

  it('makes keys from headers: Latin ones readable, others stable', () => {
    expect(fieldKeyOf('Organisation')).toBe('organisation');
    expect(fieldKeyOf('Job title')).toBe('job_title');
    expect(fieldKeyOf('Région')).toBe('region');
    expect(fieldKeyOf('2024 score')).toBe('f_2024_score');
    expect(fieldKeyOf('国家')).toMatch(/^f_[a-z0-9]+$/);
    expect(fieldKeyOf('国家')).toBe(fieldKeyOf('国家'));
    expect(fieldKeyOf('国家')).not.toBe(fieldKeyOf('单位'));
    expect(fieldKeyOf('x'.repeat(80))).toHaveLength(40);
  });

  it('splits tags on , and ; (full-width too), trimmed, each once', () => {
    expect(splitTags(' speaker, vip;speaker ;; 专家，嘉宾')).toEqual(['speaker', 'vip', '专家', '嘉宾']);
  });

  it('reads the first records of a slice: quotes, doubled quotes, line breaks in quotes, a BOM, a cut-off record', () => {
    const text = '\uFEFFemail,note\r\na@example.org,"one, ""two""\nthree"\nb@example.org,plain\nc@exa';
    expect(peekCsv(text, 4)).toEqual([
      ['email', 'note'],
      ['a@example.org', 'one, "two"\nthree'],
      ['b@example.org', 'plain'],
    ]);
    expect(peekCsv('email,name', 4)).toEqual([['email', 'name']]);
  });

  it('checks values by type', () => {
    expect(checkValue({ key: 'n', type: 'number', choices: [] }, ' 12.5 ')).toEqual({ ok: true, value: 12.5 });
    expect(checkValue({ key: 'n', type: 'number', choices: [] }, '1,000').ok).toBe(false);
    expect(checkValue({ key: 'd', type: 'date', choices: [] }, '2024-02-29')).toEqual({ ok: true, value: '2024-02-29' });
    expect(checkValue({ key: 'd', type: 'date', choices: [] }, '2023-02-29').ok).toBe(false);
    expect(checkValue({ key: 'd', type: 'date', choices: [] }, '01/02/2024').ok).toBe(false);
    expect(checkValue({ key: 'c', type: 'choice', choices: ['Public', 'Private'] }, 'public')).toEqual({ ok: true, value: 'Public' });
    expect(checkValue({ key: 'c', type: 'choice', choices: ['Public'] }, 'NGO').ok).toBe(false);
  });
});

/** The format readers' small parts: export dates, Mailchimp's TAGS, names, merge-field keys, file kinds. */
import { describe, expect, it } from 'vitest';
import { mailchimp, mailchimpTags } from '../../src/modules/subscribers/import-formats/mailchimp.ts';
import { attributeKey, exportDate, joinName } from '../../src/modules/subscribers/import-formats/types.ts';

describe('import format readers', () => {
  it('reads export dates: Mailchimp’s UTC, ISO with offsets, listmonk’s microseconds; refuses impossible ones', () => {
    expect(exportDate('2021-03-14 09:26:53')?.toISOString()).toBe('2021-03-14T09:26:53.000Z');
    expect(exportDate('2022-08-09T14:03:11.000Z')?.toISOString()).toBe('2022-08-09T14:03:11.000Z');
    expect(exportDate('2023-02-01 10:20:30.123456+08:00')?.toISOString()).toBe('2023-02-01T02:20:30.123Z');
    expect(exportDate('')).toBeNull();
    expect(exportDate('2023-02-30 10:00:00')).toBeUndefined();
    expect(exportDate('2023-01-01 24:00:00')).toBeUndefined();
    expect(exportDate('yesterday')).toBeUndefined();
  });

  it('reads TAGS as Mailchimp quotes them, and names Chinese family-name first', () => {
    expect(mailchimpTags('"Founding reader","Donor"')).toEqual(['Founding reader', 'Donor']);
    expect(mailchimpTags('"He said ""hi""",读者')).toEqual(['He said "hi"']);
    expect(mailchimpTags('Tag A, Tag B')).toEqual(['Tag A', 'Tag B']);
    expect(joinName('小明', '王')).toBe('王小明');
    expect(joinName('Ada', 'Lovelace')).toBe('Ada Lovelace');
    expect(joinName('', 'Hopper')).toBe('Hopper');
    expect(attributeKey('Phone Number')).toBe('phone_number');
    expect(attributeKey('公司 名称')).toBe('公司_名称');
  });

  it('tells the three Mailchimp files apart by their columns, and refuses a file without Email Address', () => {
    const base = ['Email Address', 'First Name', 'Last Name', 'OPTIN_TIME'];
    const kind = (h: string[]) => {
      const f = mailchimp.open(h);
      return 'kind' in f ? f.kind : f.key;
    };
    expect(kind(base)).toBe('subscribed');
    expect(kind([...base, 'UNSUB_TIME', 'UNSUB_REASON'])).toBe('unsubscribed');
    expect(kind([...base, 'CLEAN_TIME'])).toBe('cleaned');
    expect(kind(['email', 'created_at'])).toBe('audienceMove.missingColumn');
  });
});

import { describe, expect, it } from 'vitest';
import { parseVolume, volumeLines } from '../../../src/content/import/volume.ts';

describe('parseVolume: the number and date a back issue prints', () => {
  it.each([
    // The forms the issue names.
    ['2023年第2期 总第12期', { number: 12, date: '2023-02-01', monthGuessed: true }],
    ['Vol. 3, No. 2', { number: 2 }],
    ['Issue #41', { number: 41 }],
    ['2024年11月', { date: '2024-11-01' }],
    // Chinese forms.
    ['总第12期', { number: 12 }],
    ['总12期 2023年3月', { number: 12, date: '2023-03-01' }],
    ['第41期', { number: 41 }],
    ['2023年2月15日', { date: '2023-02-15' }],
    ['2023年2月15日 第7期', { number: 7, date: '2023-02-15' }],
    ['2023年 第5期', { number: 5, date: '2023-05-01', monthGuessed: true }],
    ['2023年第20期', { number: 20 }],
    ['第3卷第2期', { number: 2 }],
    ['第十二期', { number: 12 }],
    ['二〇二四年十一月', { date: '2024-11-01' }],
    ['２０２４年１１月 总第３０期', { number: 30, date: '2024-11-01' }],
    ['2023年第2期（总第12期）', { number: 12, date: '2023-02-01', monthGuessed: true }],
    ['总第12号', { number: 12 }],
    // English forms.
    ['No. 41', { number: 41 }],
    ['Number 7 · March 2024', { number: 7, date: '2024-03-01' }],
    ['March 2024', { date: '2024-03-01' }],
    ['Mar. 2024', { date: '2024-03-01' }],
    ['15 March 2024', { date: '2024-03-15' }],
    ['March 15, 2024', { date: '2024-03-15' }],
    ['15th of September, 2024', { date: '2024-09-15' }],
    ['Volume 3 Issue 2 — Spring 2024', { number: 2 }],
    ['Vol. 3, No. 2 (Whole No. 14)', { number: 14 }],
    ['Issue 14 overall', { number: 14 }],
    ['Edition 9', { number: 9 }],
    ['#41 — 2024-11-05', { number: 41, date: '2024-11-05' }],
    // ISO and numeric dates.
    ['2024-11-05', { date: '2024-11-05' }],
    ['2024/11/05', { date: '2024-11-05' }],
    ['2024.11.5', { date: '2024-11-05' }],
    ['2024-11', { date: '2024-11-01' }],
    // A day that does not exist keeps its month.
    ['2023年2月30日', { date: '2023-02-01' }],
  ])('%s', (text, expected) => {
    expect(parseVolume(text)).toEqual(expected);
  });

  it.each([
    ['nothing at all', 'Procurement Notes'],
    ['a range of years', '（2023-2030年）战略'],
    ['a month out of range', '2024-13'],
    ['an HTML entity', 'It&#39;s here'],
    ['a year after "newsletter"', 'Newsletter 2024'],
  ])('finds nothing in %s', (_what, text) => {
    expect(parseVolume(text)).toEqual({});
  });

  it('does not take the 20th issue of a year for a month', () => {
    expect(parseVolume('2023年第20期').date).toBeUndefined();
  });

  it('reads only the lines at the top that say nothing but a number or a date', () => {
    const source =
      '# Procurement Notes\n\n2024年11月\n\nIssue #41 · March 2024\n\n缔约方通报了于2022年12月获联合国大会批准的战略\n\nWe met on 15 March 2024 in Paris.\n';
    expect(volumeLines(source)).toEqual(['2024年11月', 'Issue #41 · March 2024']);
    const late = `${'line\n'.repeat(12)}2024年11月\n`;
    expect(volumeLines(late)).toEqual([]);
  });
});

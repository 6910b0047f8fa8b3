import { describe, expect, it } from 'vitest';
import { SeenSet } from '../../src/modules/subscribers/csv.ts';

describe('SeenSet (duplicate addresses in a CSV import)', () => {
  it('answers like a Set of strings across many growths', () => {
    const seen = new SeenSet();
    const n = 200_000;
    for (let i = 0; i < n; i++) expect(seen.add(`reader${i}@example.org`)).toBe(true);
    expect(seen.size).toBe(n);
    let again = 0;
    for (let i = 0; i < n; i += 7) if (!seen.add(`reader${i}@example.org`)) again++;
    expect(again).toBe(Math.ceil(n / 7));
    expect(seen.has('reader199999@example.org')).toBe(true);
    expect(seen.has('reader200000@example.org')).toBe(false);
    expect(seen.has('')).toBe(false);
    expect(seen.add('')).toBe(true);
    expect(seen.has('')).toBe(true);
    expect(seen.size).toBe(n + 1);
  });
});

/**
 * The message catalogs (src/i18n/<language>/<area>.json) against each other and against the code:
 * every language has every key, with the same placeholders and the plural forms its language
 * needs; every key is used somewhere; every key the code names untyped exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogs } from '../../src/i18n/catalogs.gen.ts';
import { i18n, LANGUAGES } from '../../src/i18n/index.ts';

const root = path.resolve(import.meta.dirname, '../..');
const reference = catalogs.en;
const placeholders = (entry: string | Record<string, string>) => {
  const texts = typeof entry === 'string' ? [entry] : Object.values(entry);
  return [...new Set(texts.flatMap((t) => [...t.matchAll(/\{(\w+)(?:,\s*\w+)?\}/g)].map((m) => m[1]!)))].sort();
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(d.name) && !d.name.endsWith('.gen.ts') ? [p] : [];
  });
}
const code = [...sourceFiles(path.join(root, 'src')), ...sourceFiles(path.join(root, 'emails'))].map((f) => fs.readFileSync(f, 'utf8')).join('\n');

describe('message catalogs', () => {
  it('has the reference language and at least one other', () => {
    expect(LANGUAGES[0]).toBe('en');
    expect(LANGUAGES).toContain('zh-CN');
  });

  for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
    it(`${lang}: has exactly the keys of en`, () => {
      const have = Object.keys(catalogs[lang]);
      expect(
        Object.keys(reference).filter((k) => !have.includes(k)),
        'missing in this language',
      ).toEqual([]);
      expect(
        have.filter((k) => !(k in reference)),
        'not in en',
      ).toEqual([]);
    });

    it(`${lang}: uses the same placeholders as en in every message`, () => {
      const differ = Object.entries(reference)
        .filter(([k, entry]) => catalogs[lang][k] !== undefined && placeholders(entry).join() !== placeholders(catalogs[lang][k]!).join())
        .map(([k]) => k);
      expect(differ).toEqual([]);
    });
  }

  for (const lang of LANGUAGES) {
    it(`${lang}: gives every plural message the forms the language needs`, () => {
      const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      const lacking = Object.entries(catalogs[lang])
        .filter(([, entry]) => typeof entry !== 'string')
        .filter(([, entry]) => categories.some((c) => !(c in (entry as Record<string, string>))))
        .map(([k]) => k);
      expect(lacking).toEqual([]);
      // A message that counts in English counts in every language (plural form or not).
      for (const [k, entry] of Object.entries(reference)) if (typeof entry !== 'string') expect(placeholders(catalogs[lang][k]!), k).toContain('count');
    });
  }

  it('formats plurals and nested messages', () => {
    expect(i18n('en').t('import.untitledArticles', { count: 1 })).toBe('1 article without a title');
    expect(i18n('en').t('import.untitledArticles', { count: 3 })).toBe('3 articles without a title');
    expect(i18n('zh-CN').t('import.untitledArticles', { count: 3 })).toBe('3 篇文章没有标题');
    expect(i18n('en').duration(3 * 86400_000 + 4 * 3600_000)).toBe('3 days 4 hours');
    expect(i18n('zh-CN').duration(3 * 86400_000 + 4 * 3600_000)).toBe('3天4小时');
    expect(i18n('en').duration(60_000)).toBe('1 minute');
  });

  it('uses every key somewhere in src/ or emails/', () => {
    // Keys built at run time name their family in a template literal: `status.${s}`.
    const families = [...code.matchAll(/`([a-z][a-zA-Z0-9]*\.[a-zA-Z0-9.]*)\$\{/g)].map((m) => m[1]!);
    const unused = Object.keys(reference).filter((k) => !code.includes(`'${k}'`) && !code.includes(`"${k}"`) && !families.some((f) => k.startsWith(f)));
    expect(unused).toEqual([]);
  });

  it('knows every validation key the schemas name (zod messages are not type-checked)', () => {
    const named = [...new Set([...code.matchAll(/message: '(validation\.[a-zA-Z.]+)'/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((k) => !(k in reference))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { asciiDomain, parseAddress } from '../../src/lib/validation.ts';

/** asciiDomain as it was before its ASCII fast path: every domain through the URL parser. */
function viaUrl(domain: string): string | null {
  if (!domain || domain.length > 253 || /[\s/\\?#@:[\]%]/u.test(domain)) return null;
  let host: string;
  try {
    host = new URL(`http://${domain}/`).hostname;
  } catch {
    return null;
  }
  if (host.length > 253 || host.endsWith('.')) return null;
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l))) return null;
  const tld = labels[labels.length - 1]!;
  if (tld.length < 2 || /^\d+$/.test(tld)) return null;
  return host;
}

describe('asciiDomain', () => {
  it('answers what the URL parser answers, for plain and tricky ASCII domains', () => {
    const cases = [
      'example.org',
      'Example.ORG',
      'mail.example.co.uk',
      'a.b',
      'a.bc',
      'x-y.example',
      '-x.example',
      'x-.example',
      'a..b.org',
      '.example.org',
      'example.org.',
      'example',
      '1.2.3.4',
      '127.0.0.1',
      'example.0x10',
      'example.0X7f',
      'example.123',
      'a.1b',
      'a.b1',
      'xn--bcher-kva.de',
      'XN--BCHER-KVA.DE',
      'xn--.org',
      'a.xn--fiqs8s',
      `${'a'.repeat(63)}.org`,
      `${'a'.repeat(64)}.org`,
      `${'a.'.repeat(126)}org`,
      'a--b.org',
      '0x7f.org',
    ];
    for (const d of cases) expect(asciiDomain(d), d).toBe(viaUrl(d));
    // and a few thousand random ones over the characters the fast path accepts, plus some it does not
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = 'abcXYZ019-.-..xn';
    for (let i = 0; i < 5000; i++) {
      let d = '';
      const len = 1 + rnd(20);
      for (let j = 0; j < len; j++) d += alphabet[rnd(alphabet.length)];
      expect(asciiDomain(d), d).toBe(viaUrl(d));
    }
  });

  it('still converts Unicode domains to punycode', () => {
    expect(asciiDomain('bücher.de')).toBe('xn--bcher-kva.de');
    expect(asciiDomain('例子.中国')).toBe('xn--fsqu00a.xn--fiqs8s');
    expect(parseAddress('Reader@Example.ORG')).toEqual({ email: 'Reader@Example.ORG', normalized: 'reader@example.org' });
    expect(parseAddress('a@example.0x10')).toBeNull();
  });
});

import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacBase64url } from '../../src/lib/crypto.ts';
import { personName, personNameSchema } from '../../src/lib/validation.ts';

describe('hmacBase64url', () => {
  const reference = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest('base64url');

  it('equals createHmac for keys shorter than, as long as and longer than a block, and for every kind of message', () => {
    const keys: (string | Buffer)[] = [
      '',
      'k',
      'b'.repeat(40),
      'x'.repeat(64),
      'y'.repeat(65),
      'z'.repeat(200),
      '密钥🔑',
      randomBytes(16),
      randomBytes(64),
      randomBytes(100),
    ];
    const messages = [
      '',
      'quire-token\nunsubscribe\n123456\n',
      'é',
      '订阅者 😀',
      'lone \uD800 surrogate',
      'a'.repeat(341),
      'a'.repeat(342),
      '中'.repeat(400),
      'x'.repeat(5000),
    ];
    for (const key of keys) for (const m of messages) expect(hmacBase64url(key, m), `${String(key).slice(0, 8)} / ${m.slice(0, 8)}`).toBe(reference(key, m));
  });

  it('equals createHmac for 2 000 random messages under two keys used in turn', () => {
    for (let i = 0; i < 2000; i++) {
      const key = i % 2 ? 'secret-one-'.repeat(4) : 'two';
      const m = randomBytes(i % 300).toString(i % 3 ? 'base64' : 'latin1');
      expect(hmacBase64url(key, m)).toBe(reference(key, m));
    }
  });
});

describe('personName', () => {
  it('accepts, refuses and normalises exactly as personNameSchema', () => {
    const inputs = [
      '',
      '  ',
      'Ada Lovelace',
      '  王小明  ',
      'e\u0301',
      'a'.repeat(200),
      'a'.repeat(201),
      `${' '.repeat(199)}b`,
      'line\nbreak',
      'tab\there',
      'del\u007f',
      'ls\u2028',
      'lone \uD800',
      '😀 emoji',
    ];
    for (const s of inputs) {
      const r = personNameSchema.safeParse(s);
      expect(personName(s), JSON.stringify(s)).toBe(r.success ? r.data : undefined);
    }
  });
});

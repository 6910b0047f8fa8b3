import { describe, expect, it } from 'vitest';
import { redactAddresses, smtpCodeOf } from '../../src/lib/redact.ts';

describe('provider texts', () => {
  it('lose every address, quoted, bracketed or bare', () => {
    expect(redactAddresses('550 mailbox of someone@example.com (Name) full; <Some.One+x@mail.example.org>, "a@b.c"')).toBe(
      '550 mailbox of [address] (Name) full; <[address]>, "[address]"',
    );
    expect(redactAddresses('452 4.2.2 over quota')).toBe('452 4.2.2 over quota');
  });
  it('keep only their SMTP code when the recipient is erased', () => {
    expect(smtpCodeOf('Permanent · General · 550 5.1.1 user unknown')).toBe('5.1.1');
    expect(smtpCodeOf('550 mailbox of someone@example.com full')).toBe('550');
    expect(smtpCodeOf('mailbox full')).toBeNull();
    expect(smtpCodeOf(null)).toBeNull();
  });
});

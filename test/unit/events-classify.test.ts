import { describe, expect, it } from 'vitest';
import { classifyUserAgent, likelyHumanOpen } from '../../src/modules/events/classify.ts';
import { bounceTypeOf } from '../../src/modules/events/service.ts';

describe('open client classes', () => {
  it.each([
    ['Mozilla/5.0', 'apple-mpp'],
    ['Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)', 'gmail-proxy'],
    ['YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html', 'yahoo-proxy'],
    ['python-requests/2.31.0', 'scanner'],
    ['curl/8.4.0', 'scanner'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36', 'scanner'],
    ['Mozilla/5.0 (compatible; Mimecast URL Protect)', 'scanner'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)', 'desktop-client'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148', 'mobile-client'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0', 'desktop-client'],
    ['Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)', 'desktop-client'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'webmail'],
    ['', 'unknown'],
    ['SomeNicheMailer/1.0', 'other'],
  ])('%s → %s', (ua, cls) => expect(classifyUserAgent(ua)).toBe(cls));

  it('treats proxies as human only after the prefetch window', () => {
    expect(likelyHumanOpen('gmail-proxy', 3_000)).toBe(false);
    expect(likelyHumanOpen('gmail-proxy', 60_000)).toBe(true);
    expect(likelyHumanOpen('apple-mpp', 3_600_000)).toBe(false);
    expect(likelyHumanOpen('scanner', 3_600_000)).toBe(false);
    expect(likelyHumanOpen('desktop-client', 0)).toBe(true);
  });

  it('reads Resend bounce types defensively', () => {
    expect(bounceTypeOf({ bounce: { type: 'Permanent', subType: 'General' } }).type).toBe('hard');
    expect(bounceTypeOf({ bounce: { type: 'Transient', subType: 'General' } }).type).toBe('soft');
    expect(bounceTypeOf({ bounce: { type: 'Undetermined' } }).type).toBe('soft');
    expect(bounceTypeOf({ bounce: { subType: 'Suppressed' } }).type).toBe('hard');
    expect(bounceTypeOf({}).type).toBe('soft');
    expect(bounceTypeOf({ bounce: 'weird' }).detail).toBeNull();
  });
});

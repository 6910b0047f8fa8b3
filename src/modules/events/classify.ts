/**
 * Coarse classes of whoever fetched an open pixel, from the User-Agent alone (we keep neither the
 * user agent nor the IP address). Heuristics, deliberately simple:
 * - `scanner`: security gateways and link checkers (Barracuda, Mimecast, Proofpoint, Microsoft
 *   Defender / Safe Links, …), HTTP libraries (python-requests, curl, Go, Java …), headless browsers
 *   and bots. They fetch everything in a message; never a person.
 * - `apple-mpp`: Apple Mail Privacy Protection prefetches every image through Apple's proxies with
 *   the bare user agent `Mozilla/5.0`; it says nothing about whether the person read the email.
 * - `gmail-proxy`, `yahoo-proxy`, `outlook-proxy`: webmail image proxies that fetch when the message
 *   is displayed, so a person, except right after delivery (see `likelyHumanOpen`).
 * - `mobile-client`, `desktop-client`, `webmail`: a mail app or a browser loading the image itself.
 * - `unknown`: no user agent (a person's mail client always sends one): counted, not as human.
 * - `other`: a user agent we do not recognise; given the benefit of the doubt.
 * (`provider` is used for opens reported by the email provider's webhook.)
 */
export type OpenClient =
  | 'apple-mpp'
  | 'gmail-proxy'
  | 'yahoo-proxy'
  | 'outlook-proxy'
  | 'scanner'
  | 'mobile-client'
  | 'desktop-client'
  | 'webmail'
  | 'unknown'
  | 'other'
  | 'provider';

const SCANNER =
  /barracuda|mimecast|proofpoint|ppops|messagelabs|symantec|trend ?micro|fortinet|fortimail|forcepoint|sophos|ironport|cisco|safelinks|safe ?links|defender|office ?365 ?atp|microsoft office protection|zscaler|cloudmark|vade|hornet|spamtitan|python-requests|python-urllib|aiohttp|httpx|curl\/|wget|go-http-client|java\/|okhttp|apache-httpclient|axios|node-fetch|undici|libwww|lwp::|guzzle|headless|phantomjs|puppeteer|playwright|selenium|bot\b|bot\/|spider|crawler|scanner|slurp|preview|urlscan|virustotal|postmanruntime/i;

export function classifyUserAgent(ua: string | undefined | null): OpenClient {
  const s = (ua ?? '').trim();
  if (!s) return 'unknown';
  if (/GoogleImageProxy|ggpht\.com/i.test(s)) return 'gmail-proxy';
  if (/YahooMailProxy/i.test(s)) return 'yahoo-proxy';
  if (/OutlookImageProxy|Outlook-Image-Proxy/i.test(s)) return 'outlook-proxy';
  if (SCANNER.test(s)) return 'scanner';
  // Apple MPP: the generic user agent with nothing after it.
  if (/^Mozilla\/5\.0$/.test(s)) return 'apple-mpp';
  if (/Outlook-iOS|Outlook-Android|iPhone|iPad|iPod|Android|Mobile\//i.test(s)) return 'mobile-client';
  if (/Thunderbird|Microsoft Outlook|MSOffice|ms-office|Microsoft-MacOutlook|Postbox|Airmail|Spark|eM Client|Mailbird|Evolution|KMail|Claws/i.test(s))
    return 'desktop-client';
  // Apple Mail on macOS: WebKit without a Safari/Version token.
  if (/Macintosh.*AppleWebKit/.test(s) && !/Safari|Version\//.test(s)) return 'desktop-client';
  if (/Chrome|Firefox|Safari|Edg\/|Edge\/|OPR\//.test(s)) return 'webmail';
  return 'other';
}

/** Webmail image proxies fetch the image when the message is shown, but may prefetch on arrival. */
export const PROXY_PREFETCH_WINDOW_MS = 10_000;

/**
 * Whether an open looks like a person reading: never for scanners, Apple MPP or a missing user
 * agent; for image proxies (and provider-reported opens) only if later than ~10 s after delivery.
 */
export function likelyHumanOpen(client: OpenClient, msSinceDelivery: number | null): boolean {
  switch (client) {
    case 'scanner':
    case 'apple-mpp':
    case 'unknown':
      return false;
    case 'gmail-proxy':
    case 'yahoo-proxy':
    case 'outlook-proxy':
    case 'provider':
      return msSinceDelivery === null || msSinceDelivery >= PROXY_PREFETCH_WINDOW_MS;
    default:
      return true;
  }
}

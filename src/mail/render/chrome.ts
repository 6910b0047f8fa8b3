/** The words an issue's email and web version wrap around the editor's content, in the issue's language (catalog `email.json`). */
import type { ChromeStrings } from '../../../emails/newsletter/issue.mjml.ts';
import { i18n } from '../../i18n/index.ts';

const cache = new Map<string, ChromeStrings>();

export function chromeStrings(language: string | undefined): ChromeStrings {
  const tag = language || 'en';
  const hit = cache.get(tag);
  if (hit) return hit;
  const { t } = i18n(tag);
  // Dates in the issue's own tag (en-GB writes 1 March 2025, en March 1, 2025), at UTC: an ISO date has no zone.
  let dates: Intl.DateTimeFormat;
  try {
    dates = new Intl.DateTimeFormat(tag, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
  } catch {
    dates = new Intl.DateTimeFormat(i18n(tag).lang, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
  }
  const s: ChromeStrings = {
    viewInBrowser: t('issue.chrome.viewInBrowser'),
    contents: t('issue.chrome.contents'),
    backToContents: t('issue.chrome.backToContents'),
    unsubscribe: t('issue.chrome.unsubscribe'),
    preferences: t('issue.chrome.preferences'),
    sources: t('issue.chrome.sources'),
    sourcesText: t('issue.chrome.sourcesText'),
    imageText: t('issue.chrome.image'),
    editor: t('issue.chrome.editor'),
    contact: t('issue.chrome.contact'),
    subscribe: t('issue.chrome.subscribe'),
    readOnline: t('issue.chrome.readOnline'),
    inThisIssue: t('issue.chrome.inThisIssue'),
    nameFallback: t('issue.chrome.nameFallback'),
    issueNumber: (n) => t('issue.chrome.number', { number: n }),
    receivedBecause: (name) => t('issue.chrome.receivedBecause', { newsletter: name }),
    archiveNote: (name) => t('issue.chrome.archiveNote', { newsletter: name }),
    allIssues: t('reader.issue.allIssues'),
    fullTitle: (title, volume) => t('reader.issue.fullTitle', { title, volume }),
    formatDate: (iso) => {
      const d = new Date(`${iso}T00:00:00Z`);
      return Number.isNaN(d.getTime()) ? iso : dates.format(d);
    },
    colon: t('issue.chrome.colon'),
  };
  if (cache.size > 100) cache.clear();
  cache.set(tag, s);
  return s;
}

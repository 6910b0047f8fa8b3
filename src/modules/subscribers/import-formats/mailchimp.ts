/**
 * Mailchimp's audience export: a ZIP of three CSV files (subscribed, unsubscribed, cleaned), each
 * with `Email Address`, `First Name`, `Last Name`, the merge fields, then MEMBER_RATING, OPTIN_TIME,
 * OPTIN_IP, CONFIRM_TIME, CONFIRM_IP, LATITUDE … LAST_CHANGED, LEID, EUID, NOTES, TAGS; the
 * unsubscribed file adds UNSUB_TIME, UNSUB_CAMPAIGN_TITLE, UNSUB_CAMPAIGN_ID, UNSUB_REASON,
 * UNSUB_REASON_OTHER, the cleaned one CLEAN_TIME, CLEAN_CAMPAIGN_TITLE, CLEAN_CAMPAIGN_ID. Times are
 * `YYYY-MM-DD HH:MM:SS` in UTC; TAGS is a list of quoted names (`"Tag A","Tag B"`). Which file a CSV
 * is comes from its columns, so each can be imported on its own.
 */
import { type Message, msg } from '../../../i18n/index.ts';
import { attributeKey, columnIndex, exportDate, exportIp, type FormatReader, field, joinName, type MoveRow, type MoveState, type OpenedFile } from './types.ts';

/** Mailchimp's own columns: read into the record or deliberately left out; every other column is a merge field. */
const OWN = new Set([
  'EMAIL ADDRESS',
  'FIRST NAME',
  'LAST NAME',
  'MEMBER_RATING',
  'OPTIN_TIME',
  'OPTIN_IP',
  'CONFIRM_TIME',
  'CONFIRM_IP',
  'LATITUDE',
  'LONGITUDE',
  'GMTOFF',
  'DSTOFF',
  'TIMEZONE',
  'CC',
  'REGION',
  'LAST_CHANGED',
  'LEID',
  'EUID',
  'NOTES',
  'TAGS',
  'LANGUAGE',
  'UNSUB_TIME',
  'UNSUB_CAMPAIGN_TITLE',
  'UNSUB_CAMPAIGN_ID',
  'UNSUB_REASON',
  'UNSUB_REASON_OTHER',
  'CLEAN_TIME',
  'CLEAN_CAMPAIGN_TITLE',
  'CLEAN_CAMPAIGN_ID',
]);

/** `"Tag A","Tag B"` (or, hand-edited, `Tag A, Tag B`) → the tag names. */
export function mailchimpTags(raw: string | undefined): string[] {
  const s = (raw ?? '').trim();
  if (!s) return [];
  const quoted = [...s.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
  const names = quoted.length ? quoted : s.split(',');
  return [...new Set(names.map((t) => t.trim().slice(0, 100)).filter(Boolean))].slice(0, 50);
}

export const mailchimp: FormatReader = {
  open(header: string[]): OpenedFile | Message {
    const upper = header.map((h) => h.trim().toUpperCase());
    const col = columnIndex(header, (h) => h.trim().toUpperCase());
    const email = col('EMAIL ADDRESS');
    if (email === undefined) return msg('audienceMove.missingColumn', { format: 'Mailchimp', column: 'Email Address' });
    const state: MoveState = upper.includes('CLEAN_TIME') ? 'suppressed' : upper.includes('UNSUB_TIME') ? 'unsubscribed' : 'active';
    const kind = state === 'suppressed' ? 'cleaned' : state === 'unsubscribed' ? 'unsubscribed' : 'subscribed';
    const merge = header.flatMap((h, i) => (!OWN.has(upper[i]!) && attributeKey(h) ? [[i, attributeKey(h)] as const] : []));
    const [first, last, optin, optinIp, confirm, confirmIp, tags, language, leid] = [
      'FIRST NAME',
      'LAST NAME',
      'OPTIN_TIME',
      'OPTIN_IP',
      'CONFIRM_TIME',
      'CONFIRM_IP',
      'TAGS',
      'LANGUAGE',
      'LEID',
    ].map(col);
    const left = col(state === 'suppressed' ? 'CLEAN_TIME' : 'UNSUB_TIME');
    const reason = col('UNSUB_REASON');
    const reasonOther = col('UNSUB_REASON_OTHER');
    return {
      kind,
      read(v): MoveRow | Message {
        const get = (i: number | undefined) => field(v, i);
        const date = (i: number | undefined) => (i === undefined ? null : exportDate(v[i]));
        const [optinAt, confirmAt, leftAt] = [date(optin), date(confirm), date(left)];
        for (const [i, d] of [
          [optin, optinAt],
          [confirm, confirmAt],
          [left, leftAt],
        ] as const)
          if (d === undefined) return msg('audienceMove.badDate', { column: header[i!]!, value: get(i).slice(0, 40) });
        const attributes: Record<string, string> = {};
        for (const [i, key] of merge) {
          const x = get(i);
          if (x) attributes[key] = x.slice(0, 1000);
        }
        const lang = get(language).replace(/_/g, '-');
        return {
          email: get(email),
          name: joinName(get(first), get(last)),
          language: lang || null,
          state,
          optinAt: optinAt ?? null,
          optinIp: exportIp(get(optinIp)),
          confirmAt: confirmAt ?? null,
          confirmIp: exportIp(get(confirmIp)),
          leftAt: leftAt ?? null,
          leftReason: [get(reason), get(reasonOther)].filter(Boolean).join(': ').slice(0, 500) || null,
          tags: mailchimpTags(get(tags)),
          attributes,
          sourceId: get(leid) || null,
        };
      },
    };
  },
};

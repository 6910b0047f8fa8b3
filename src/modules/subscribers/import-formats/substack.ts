/**
 * Substack's subscriber export (Settings → Exports: `email_list.<publication>.csv`): `email`,
 * `active_subscription`, `expiry`, `plan` (free, monthly, yearly, founding, comp, gift),
 * `email_disabled`, `created_at` (ISO 8601), sometimes more. There is no opt-in IP: the consent
 * event is the sign-up date. `email_disabled` true means they no longer receive the publication:
 * unsubscribed here.
 */
import { type Message, msg } from '../../../i18n/index.ts';
import { attributeKey, columnIndex, exportDate, field, type FormatReader, type MoveRow, type OpenedFile, truthy } from './types.ts';

const OWN = new Set(['email', 'name', 'created_at', 'email_disabled', 'active_subscription', 'expiry', 'plan', 'subscription_date']);

export const substack: FormatReader = {
  open(header: string[]): OpenedFile | Message {
    const lower = header.map((h) => h.trim().toLowerCase());
    const col = columnIndex(header, (h) => h.trim().toLowerCase());
    const email = col('email');
    if (email === undefined) return msg('audienceMove.missingColumn', { format: 'Substack', column: 'email' });
    const created = col('created_at') ?? col('subscription_date');
    const [name, disabled, active, expiry, plan] = ['name', 'email_disabled', 'active_subscription', 'expiry', 'plan'].map(col);
    const extra = header.flatMap((h, i) => (!OWN.has(lower[i]!) && attributeKey(h) ? [[i, attributeKey(h)] as const] : []));
    return {
      kind: 'subscribers',
      read(v): MoveRow | Message {
        const get = (i: number | undefined) => field(v, i);
        const at = exportDate(get(created));
        if (at === undefined)
          return msg('audienceMove.badDate', { column: created === undefined ? 'created_at' : header[created]!, value: get(created).slice(0, 40) });
        const attributes: Record<string, string> = {};
        if (get(plan)) attributes.substack_plan = get(plan).slice(0, 100);
        if (get(active)) attributes.substack_paid = truthy(get(active)) ? 'true' : 'false';
        if (get(expiry)) attributes.substack_expiry = get(expiry).slice(0, 40);
        for (const [h, key] of extra) if (get(h)) attributes[key] = get(h).slice(0, 1000);
        const left = truthy(get(disabled));
        return {
          email: get(email),
          name: get(name),
          language: null,
          state: left ? 'unsubscribed' : 'active',
          optinAt: at,
          optinIp: null,
          confirmAt: null,
          confirmIp: null,
          leftAt: null,
          leftReason: null,
          tags: [],
          attributes,
          sourceId: null,
        };
      },
    };
  },
};

/**
 * listmonk's subscriber export (Subscribers → Export, or `GET /api/subscribers/export`): `uuid`,
 * `email`, `name`, `attributes` (a JSON object), `status` (`enabled`, `disabled`, `blocklisted`),
 * `created_at`, `updated_at`. A blocklisted or disabled subscriber receives nothing in listmonk:
 * unsubscribed here (never mailed; only the person can come back). Top-level attributes become
 * attributes here (nested values as JSON text).
 */
import { type Message, msg } from '../../../i18n/index.ts';
import { attributeKey, columnIndex, exportDate, field, type FormatReader, type MoveRow, type OpenedFile } from './types.ts';

export const listmonk: FormatReader = {
  open(header: string[]): OpenedFile | Message {
    const col = columnIndex(header, (h) => h.trim().toLowerCase());
    const email = col('email');
    if (email === undefined) return msg('audienceMove.missingColumn', { format: 'listmonk', column: 'email' });
    const [uuid, name, attribs, status, created, updated] = ['uuid', 'name', 'attributes', 'status', 'created_at', 'updated_at'].map(col);
    return {
      kind: 'subscribers',
      read(v): MoveRow | Message {
        const get = (i: number | undefined) => field(v, i);
        const at = exportDate(get(created));
        if (at === undefined)
          return msg('audienceMove.badDate', { column: created === undefined ? 'created_at' : header[created]!, value: get(created).slice(0, 40) });
        const changed = exportDate(get(updated)) ?? null;
        const attributes: Record<string, string> = {};
        const raw = get(attribs);
        if (raw && raw !== '{}') {
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw);
          } catch {
            return msg('audienceMove.badAttributes');
          }
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
            for (const [k, x] of Object.entries(parsed as Record<string, unknown>).slice(0, 50)) {
              const key = attributeKey(k);
              if (!key || x === null || x === '') continue;
              attributes[key] = (typeof x === 'string' ? x : JSON.stringify(x)).slice(0, 1000);
            }
          }
        }
        const st = get(status).toLowerCase();
        const left = st === 'blocklisted' || st === 'disabled';
        return {
          email: get(email),
          name: get(name),
          language: null,
          state: left ? 'unsubscribed' : 'active',
          optinAt: at,
          optinIp: null,
          confirmAt: null,
          confirmIp: null,
          leftAt: left ? changed : null,
          leftReason: left ? `listmonk: ${st}` : null,
          tags: [],
          attributes,
          sourceId: get(uuid) || null,
        };
      },
    };
  },
};

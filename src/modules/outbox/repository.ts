import type { Db } from '../../db/kysely.ts';
import type { OutboxRow } from '../../db/schema.ts';

export interface NewOutboxMessage {
  id: string;
  toAddress: string;
  recipients: string[];
  from: string;
  subject: string;
  headers: Record<string, string>;
  html: string | null;
  text: string | null;
  eml: string;
  idempotencyKey: string | null;
}

export class OutboxRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the messages; ones whose idempotency key is already stored are skipped. */
  async insertMany(messages: NewOutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.db
      .insertInto('outbox_messages')
      .values(
        messages.map((m) => ({
          id: m.id,
          to_address: m.toAddress,
          recipients: JSON.stringify(m.recipients),
          from_header: m.from,
          subject: m.subject,
          headers: JSON.stringify(m.headers),
          html: m.html,
          text: m.text,
          eml: m.eml,
          idempotency_key: m.idempotencyKey,
        })),
      )
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .execute();
  }

  /** Ids already stored under these idempotency keys, by key. */
  async idsByIdempotencyKey(keys: string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.selectFrom('outbox_messages').select(['id', 'idempotency_key']).where('idempotency_key', 'in', keys).execute();
    return new Map(rows.map((r) => [r.idempotency_key!, r.id]));
  }

  async list(opts: { to?: string; limit: number; before?: { createdAt: Date; id: string } }): Promise<OutboxRow[]> {
    let q = this.db.selectFrom('outbox_messages').selectAll();
    if (opts.to) q = q.where('to_address', '=', opts.to.trim().toLowerCase());
    if (opts.before) {
      const b = opts.before;
      q = q.where((eb) => eb.or([eb('created_at', '<', b.createdAt), eb.and([eb('created_at', '=', b.createdAt), eb('id', '<', b.id)])]));
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
  }

  async get(id: string): Promise<OutboxRow | undefined> {
    return this.db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Erasure: removes every stored copy sent to this address. */
  async deleteByAddress(address: string): Promise<number> {
    const r = await this.db.deleteFrom('outbox_messages').where('to_address', '=', address.trim().toLowerCase()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

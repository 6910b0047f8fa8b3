/** The transactional emails of the consent lifecycle (confirm, welcome, goodbye), sent by jobs. */
import type { NewsletterRow, SubscriberStatus } from '../../db/schema.ts';
import type { JobHandlers } from '../../jobs/queue.ts';
import { preferencesUrl, unsubscribeUrl } from '../../lib/tokens.ts';
import type { MessagesService } from './messages-service.ts';
import type { SubscribersService, SubscribersServiceDeps } from './service.ts';

/** react-email and React take ~1.5 s to import: loaded on the first transactional email, not at start-up (the CLI). */
const transactional = () => import('../../../emails/transactional/index.ts');

/** `Name <address>` for a From header, with nothing that could break the header. */
function fromHeader(n: NewsletterRow): string {
  const name = (n.from_name ?? n.name).replace(/[\u0000-\u001f\u007f"<>\\]/g, '').trim();
  return name ? `${name} <${n.from_email}>` : n.from_email;
}

export class SubscriberMail {
  constructor(
    private readonly d: SubscribersServiceDeps,
    private readonly lifecycle: SubscribersService,
    /** The newsletter's own wording of these emails, when it has one (messages-service.ts). */
    private readonly messages?: MessagesService,
  ) {}

  private get repo() {
    return this.d.repo;
  }

  private async loadForMail(payload: Record<string, unknown>, statuses: SubscriberStatus[]) {
    const id = String(payload.subscriberId ?? '');
    const s = await this.repo.findById(id);
    if (!s?.email || !statuses.includes(s.status)) return null;
    const n = await this.d.newsletters.findById(s.newsletter_id);
    return n ? { s, n, lang: s.language ?? n.language } : null;
  }

  async sendConfirmation(payload: Record<string, unknown>): Promise<void> {
    const x = await this.loadForMail(payload, ['pending']);
    if (!x?.s.pending_since) return;
    const { s, n, lang } = x;
    const mail = await (await transactional()).renderConfirmEmail({
      lang,
      custom: (await this.messages?.customText(n, 'confirm', lang, s.name)) ?? null,
      newsletterName: n.name,
      name: s.name,
      postalAddress: n.organisation,
      confirmUrl: `${this.d.config.publicUrl}/confirm/${this.lifecycle.confirmToken(s)}`,
    });
    const sentAt = s.last_confirmation_sent_at ? new Date(s.last_confirmation_sent_at).getTime() : 0;
    await this.d.mailer.send(
      {
        from: fromHeader(n),
        to: [s.email!],
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        ...(n.reply_to ? { replyTo: [n.reply_to] } : {}),
        tags: [{ name: 'kind', value: 'confirm' }],
      },
      { idempotencyKey: `confirm:${s.id}:${sentAt}` },
    );
  }

  async sendWelcome(payload: Record<string, unknown>): Promise<void> {
    const x = await this.loadForMail(payload, ['active']);
    if (!x) return;
    const { s, n, lang } = x;
    const base = this.d.config.publicUrl;
    const unsub = unsubscribeUrl(base, this.d.secret, String(s.id));
    const mail = await (await transactional()).renderWelcomeEmail({
      lang,
      custom: (await this.messages?.customText(n, 'welcome', lang, s.name)) ?? null,
      newsletterName: n.name,
      name: s.name,
      postalAddress: n.organisation,
      archiveUrl: `${base}/archive/${n.slug}`,
      unsubscribeUrl: unsub,
      preferencesUrl: preferencesUrl(base, this.d.secret, String(s.id)),
    });
    await this.d.mailer.send(
      {
        from: fromHeader(n),
        to: [s.email!],
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        ...(n.reply_to ? { replyTo: [n.reply_to] } : {}),
        headers: { 'List-Unsubscribe': `<${unsub}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        tags: [{ name: 'kind', value: 'welcome' }],
      },
      { idempotencyKey: `welcome:${s.id}:${s.confirmed_at ? new Date(s.confirmed_at).getTime() : 0}` },
    );
  }

  async sendGoodbye(payload: Record<string, unknown>): Promise<void> {
    const x = await this.loadForMail(payload, ['unsubscribed']);
    if (!x) return;
    const { s, n, lang } = x;
    const mail = await (await transactional()).renderGoodbyeEmail({
      lang,
      custom: (await this.messages?.customText(n, 'goodbye', lang, s.name)) ?? null,
      newsletterName: n.name,
      postalAddress: n.organisation,
      signupUrl: `${this.d.config.publicUrl}/n/${n.slug}`,
    });
    await this.d.mailer.send(
      { from: fromHeader(n), to: [s.email!], subject: mail.subject, html: mail.html, text: mail.text, tags: [{ name: 'kind', value: 'goodbye' }] },
      { idempotencyKey: `goodbye:${s.id}:${s.unsubscribed_at ? new Date(s.unsubscribed_at).getTime() : 0}` },
    );
  }

  jobHandlers(): JobHandlers {
    return {
      'mail.confirm': (p) => this.sendConfirmation(p),
      'mail.welcome': (p) => this.sendWelcome(p),
      'mail.goodbye': (p) => this.sendGoodbye(p),
    };
  }
}

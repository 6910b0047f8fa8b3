/** Newsletters & settings: create, sender and tracking settings, consent text, the monthly send slot, the signup snippet. */
import { msg } from '../../../i18n/index.ts';
import { formatLocal } from '../../../lib/zoned-time.ts';
import type { Services } from '../../../services.ts';
import { NewslettersPage, type SlotView } from '../../../ui/admin/newsletters.tsx';
import { embedSnippet } from '../../../ui/subscription.tsx';
import { describeRule } from '../../slots/rule.ts';
import { formFields } from '../context.ts';
import { consentTextForm, newsletterCreateForm, newsletterUpdateForm, slotForm } from '../forms.ts';
import { html, redirectWith, zones } from './respond.tsx';
import { type AdminApp, route } from './router.ts';

type Slot = Awaited<ReturnType<Services['slots']['get']>>;

/** The slot as the settings page shows it, described and warned in the reader's language. */
function slotView(g: Slot): SlotView {
  // The dashboard's no-ready-issue warning says what to do; it stands in for the service's.
  const warnings = g.warnings.filter((w) => w.key !== 'slot.noReadyIssue');
  if (g.enabled && !g.readyIssue && g.nextDates[0])
    warnings.unshift(msg('dash.noReadyIssue', { when: `${formatLocal(new Date(g.nextDates[0]), g.timeZone).replace('T', ' ')} ${g.timeZone}` }));
  return {
    rule: g.rule as SlotView['rule'],
    timeZone: g.timeZone,
    reminderDaysBefore: g.reminderDaysBefore,
    enabled: g.enabled,
    description: g.rule ? describeRule(g.rule) : null,
    nextDates: g.nextDates,
    warnings,
  };
}

export function newsletterRoutes(app: AdminApp): void {
  route(app, 'GET', '/newsletters', 'viewer', async (c) => {
    const v = c.var.view;
    const s = c.var.services;
    const n = v.current;
    let consent: { version: number; text: string; createdAt: string }[] | null = null;
    let slot: SlotView | null = null;
    let snippet: string | null = null;
    if (n) {
      consent = await s.subscribers.consentTexts(n.slug);
      slot = slotView(await s.slots.get(n.slug));
      snippet = embedSnippet(
        { slug: n.slug, name: n.name, language: n.language, description: n.description, openTracking: n.openTracking },
        consent[consent.length - 1]?.text ?? '',
        s.config.publicUrl,
      );
    }
    return html(
      c,
      <NewslettersPage
        v={v}
        flash={c.var.flash}
        n={n}
        consent={consent}
        slot={slot}
        snippet={snippet}
        zones={zones(n?.timeZone, v.tz)}
        publicUrl={s.config.publicUrl}
        created={v.newsletters.find((x) => x.slug === c.req.query('created'))}
      />,
    );
  });

  route(app, 'POST', '/newsletters', 'admin', async (c) => {
    // Creating does not switch the admin to it: the page says so and offers the switch.
    const n = await c.var.services.newsletters.create(newsletterCreateForm(await formFields(c)), c.var.session!.user);
    return c.redirect(`/admin/newsletters?created=${encodeURIComponent(n.slug)}`, 303);
  });

  route(app, 'POST', '/newsletters/:slug', 'admin', async (c) => {
    await c.var.services.newsletters.update(c.req.param('slug'), newsletterUpdateForm(await formFields(c)), c.var.session!.user);
    return redirectWith(c, '/admin/newsletters', 'ok', 'common.saved');
  });

  route(app, 'POST', '/newsletters/:slug/consent', 'admin', async (c) => {
    await c.var.services.subscribers.setConsentText(c.req.param('slug'), consentTextForm(await formFields(c)), c.var.session!.user);
    return redirectWith(c, '/admin/newsletters#consent-h', 'ok', 'common.saved');
  });

  route(app, 'POST', '/newsletters/:slug/slot', 'editor', async (c) => {
    await c.var.services.slots.put(c.req.param('slug'), slotForm(await formFields(c)), c.var.session!.user);
    return redirectWith(c, '/admin/newsletters#slot-h', 'ok', 'common.saved');
  });
}

/**
 * Renders the transactional emails (react-email) to HTML and plain text. Runs on Node and in
 * workerd (@react-email/render picks its edge build there).
 */
import { render } from '@react-email/render';
import { createElement, type ReactElement } from 'react';
import { i18n } from '../../src/i18n/index.ts';
import { ConfirmEmail, type ConfirmEmailProps } from './confirm.tsx';
import { GoodbyeEmail, type GoodbyeEmailProps } from './goodbye.tsx';
import { WelcomeEmail, type WelcomeEmailProps } from './welcome.tsx';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

async function both(subject: string, el: ReactElement): Promise<RenderedEmail> {
  const [html, text] = await Promise.all([render(el), render(el, { plainText: true })]);
  return { subject, html, text };
}

export function renderConfirmEmail(p: ConfirmEmailProps): Promise<RenderedEmail> {
  return both(p.custom?.subject ?? i18n(p.lang).t('mail.confirm.subject', { newsletter: p.newsletterName }), createElement(ConfirmEmail, p));
}

export function renderWelcomeEmail(p: WelcomeEmailProps): Promise<RenderedEmail> {
  return both(p.custom?.subject ?? i18n(p.lang).t('mail.welcome.subject', { newsletter: p.newsletterName }), createElement(WelcomeEmail, p));
}

export function renderGoodbyeEmail(p: GoodbyeEmailProps): Promise<RenderedEmail> {
  return both(p.custom?.subject ?? i18n(p.lang).t('mail.goodbye.subject', { newsletter: p.newsletterName }), createElement(GoodbyeEmail, p));
}

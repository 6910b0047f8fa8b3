import { describe, expect, it } from 'vitest';
import { compileMjml } from '../../../src/mail/render/mjml.ts';

describe('compileMjml', () => {
  it('compiles valid MJML without errors', async () => {
    const { html, errors } = await compileMjml('<mjml><mj-body><mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section></mj-body></mjml>');
    expect(errors).toEqual([]);
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('Hello');
  });

  it('reports validation errors softly, still producing HTML', async () => {
    const { html, errors } = await compileMjml('<mjml><mj-body><mj-section><mj-column><mj-text foo="1">Hi</mj-text></mj-column></mj-section></mj-body></mjml>');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/mj-text.*Attribute foo is illegal/);
    expect(html).toContain('Hi');
  });
});

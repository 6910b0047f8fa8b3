import { describe, expect, it } from 'vitest';
import { presentMessages } from '../../src/http/present.ts';
import { msg } from '../../src/i18n/index.ts';

describe('messages in the JSON API', () => {
  it('shows a plain message as code, params and English text', () => {
    expect(presentMessages({ warnings: [msg('status.draft')] })).toEqual({ warnings: [{ code: 'status.draft', message: 'draft' }] });
  });

  it('shows an importer note with its place and fix beside the message, never as a raw key', () => {
    const note = {
      ...msg('status.published'),
      place: { section: 1, article: 0, excerpt: '某机构近日发布' },
      fix: { op: 'mergePrevious', section: 1, article: 0 },
    };
    expect(presentMessages([note])).toEqual([
      {
        code: 'status.published',
        message: 'published',
        place: { section: 1, article: 0, excerpt: '某机构近日发布' },
        fix: { op: 'mergePrevious', section: 1, article: 0 },
      },
    ]);
  });
});

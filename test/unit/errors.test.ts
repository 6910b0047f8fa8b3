import { describe, expect, it } from 'vitest';
import { i18n, msg } from '../../src/i18n/index.ts';
import { AppError, describeError, notFound } from '../../src/lib/errors.ts';
import { parseOrThrow } from '../../src/lib/validation.ts';
import { statusMessage } from '../../src/modules/issues/model.ts';
import { z } from 'zod';

describe('AppError: one message, shown in every language', () => {
  it('keeps the English text in the JSON and shows the same message in Chinese on pages', () => {
    const e = new AppError('conflict', msg('issue.numberTaken', { number: 3, slug: 'spp' }));
    expect(e.toJSON()).toEqual({ error: { code: 'conflict', message: 'Issue number 3 already exists in “spp”' } });
    expect(describeError(e, i18n('en'))).toBe('Issue number 3 already exists in “spp”');
    expect(describeError(e, i18n('zh-CN'))).toBe('“spp”中已有第 3 期：请换一个期号。');
    // Any Chinese tag speaks Chinese; an unknown language speaks English.
    expect(describeError(e, i18n('zh-TW'))).toBe('“spp”中已有第 3 期：请换一个期号。');
    expect(describeError(e, i18n('fr'))).toBe('Issue number 3 already exists in “spp”');
  });

  it('names states and roles in the page’s language', () => {
    const e = new AppError('invalid_state', msg('send.cannot.pause', { id: 4, status: statusMessage('draft') }));
    expect(e.message).toBe('Issue 4 is draft: only a sending issue can be paused');
    expect(describeError(e, i18n('zh-CN'))).toContain('当前为“草稿”');
    expect(describeError(notFound(msg('issue.what', { id: 9 })), i18n('zh-CN'))).toContain('编号为 9 的期刊');
  });

  it('names refused fields by their id in the API and by their name on pages', () => {
    const schema = z.object({ fromEmail: z.string().email({ message: 'validation.email' }), timeZone: z.string().max(3) });
    let err: AppError | undefined;
    try {
      parseOrThrow(schema, { fromEmail: 'nope', timeZone: 'Asia/Shanghai' });
    } catch (e) {
      err = e as AppError;
    }
    expect(err?.code).toBe('validation_failed');
    expect(err?.message).toBe('fromEmail must be an email address like name@example.org');
    expect(err?.details).toEqual({
      fields: [
        { field: 'fromEmail', message: 'fromEmail must be an email address like name@example.org' },
        { field: 'timeZone', message: 'timeZone is too long (3 characters at most)' },
      ],
    });
    expect(describeError(err!, i18n('en'))).toBe('Sender address must be an email address like name@example.org; Time zone is too long (3 characters at most)');
    expect(describeError(err!, i18n('zh-CN'))).toBe('发件地址须为电子邮箱地址，例如 name@example.org；时区太长（最多 3 个字符）');
  });

  it('says a missing field is required', () => {
    try {
      parseOrThrow(z.object({ sendAt: z.string() }), {});
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).message).toBe('sendAt is required');
      expect(describeError(e as AppError, i18n('zh-CN'))).toBe('请填写发送时间');
    }
  });
});

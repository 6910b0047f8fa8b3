import { describe, expect, it } from 'vitest';
import { AppError, notFound } from '../../src/http/errors.ts';
import { localizedErrorMessage } from '../../src/ui/error-messages.ts';

describe('AppError messages for pages', () => {
  it('keeps the English message for English (and unknown) languages, and in the JSON', () => {
    const e = new AppError('conflict', 'Issue number 3 already exists in "spp"').withKey('issue.numberTaken', { number: 3 });
    expect(localizedErrorMessage(e, 'en')).toBe('Issue number 3 already exists in "spp"');
    expect(localizedErrorMessage(e, 'fr')).toBe('Issue number 3 already exists in "spp"');
    expect(e.toJSON()).toEqual({ error: { code: 'conflict', message: 'Issue number 3 already exists in "spp"' } });
  });

  it('uses the message key and its parameters, with states named in Chinese', () => {
    expect(localizedErrorMessage(new AppError('conflict', 'x').withKey('issue.numberTaken', { number: 3 }), 'zh-CN')).toBe(
      '第 3 期的编号已被使用：请换一个期号。',
    );
    expect(localizedErrorMessage(new AppError('invalid_state', 'x').withKey('send.cannot.issue.pause', { status: 'draft' }), 'zh')).toContain('当前为“草稿”');
    expect(localizedErrorMessage(notFound('Issue 9').withKey('issue.notFound', { id: 9 }), 'zh-TW')).toContain('找不到编号为 9 的期刊');
  });

  it('translates known fixed messages and validation fields', () => {
    expect(localizedErrorMessage(new AppError('validation_failed', 'The two new passwords differ'), 'zh-CN')).toBe('两次输入的新密码不一致。');
    const v = new AppError('validation_failed', 'fromEmail must be an email address like name@example.org', {
      fields: [
        { field: 'fromEmail', message: 'must be an email address like name@example.org' },
        { field: 'timeZone', message: 'something new' },
      ],
    });
    expect(localizedErrorMessage(v, 'zh-CN')).toBe('发件地址须为电子邮箱地址，例如 name@example.org；时区：something new。');
  });

  it('falls back on a sentence for the code, keeping the English detail', () => {
    expect(localizedErrorMessage(new AppError('rate_limited', 'Slow down'), 'zh-CN')).toBe('尝试次数过多，请稍后再试。（Slow down）');
  });
});

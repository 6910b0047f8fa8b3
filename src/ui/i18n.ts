/**
 * Strings for public pages and transactional emails, by language. Add a language by adding a
 * dictionary with the same keys (TypeScript checks that none is missing); `{name}` placeholders
 * are filled by `t()`. Unknown languages fall back on their base (`zh-TW` → `zh`, if present)
 * and then on English.
 */
const en = {
  'signup.title': 'Subscribe to {newsletter}',
  'signup.intro': 'Get each issue by email. You can unsubscribe at any time with one click.',
  'signup.email': 'Email address',
  'signup.name': 'Name (optional)',
  'signup.consent': 'I agree',
  'consent.default': 'I agree to receive {newsletter} by email. I can unsubscribe at any time with the link in every email.',
  'signup.submit': 'Subscribe',
  'signup.trackingOn': 'We record when an email is opened (with a small image), to know how many people read each issue. We never sell or share your address.',
  'signup.trackingOff': 'We do not record whether you open our emails. We never sell or share your address.',
  'signup.doubleOptIn': 'We will send you an email to confirm your address; you are subscribed only after you confirm.',
  'signup.embedTitle': 'Put this form on your site',
  'signup.embedHelp': 'Copy this HTML into any page; it posts to this newsletter and works without JavaScript.',
  'signup.archive': 'Read past issues',
  'signup.errorSummary': 'Please correct the highlighted fields.',
  'error.email': 'Enter a valid email address, like name@example.org.',
  'error.emailRequired': 'Enter your email address.',
  'error.name': 'The name must be at most 200 characters on one line.',
  'error.consent': 'Tick the box to agree to receive this newsletter.',
  'error.rateLimited': 'Too many attempts from your network. Please try again in {minutes} minutes.',
  'error.rateLimitedTitle': 'Please wait a little',
  'check.title': 'Check your inbox',
  'check.body':
    'If {email} can be subscribed, an email with a confirmation link is on its way. Open it and press the button to confirm. The link is valid for 7 days.',
  'check.spam': 'Nothing after a few minutes? Look in your spam folder, or try again later.',
  'confirm.title': 'Confirm your subscription',
  'confirm.body': 'Press the button to confirm that you want to receive {newsletter} at {email}.',
  'confirm.button': 'Confirm my subscription',
  'confirm.doneTitle': 'You are subscribed',
  'confirm.doneBody': 'Thank you. You will receive {newsletter} at {email}.',
  'confirm.already': 'This subscription is already confirmed. There is nothing more to do.',
  'confirm.invalidTitle': 'This link does not work',
  'confirm.invalid': 'This confirmation link is invalid or has expired. Sign up again to get a new one.',
  'confirm.latest': 'Read the latest issue',
  'confirm.signupAgain': 'Sign up again',
  'unsub.title': 'Unsubscribe',
  'unsub.body': 'Stop receiving {newsletter} at {email}?',
  'unsub.button': 'Unsubscribe',
  'unsub.doneTitle': 'You are unsubscribed',
  'unsub.doneBody': 'You will not receive {newsletter} any more. Changed your mind? You can subscribe again from your preferences.',
  'unsub.preferences': 'Manage your preferences instead',
  'unsub.invalid': 'This unsubscribe link is not valid. If you keep receiving email you did not ask for, reply to it and tell us.',
  'prefs.title': 'Your subscription preferences',
  'prefs.intro': 'Preferences for {email}.',
  'prefs.language': 'Language of our emails',
  'prefs.name': 'Name',
  'prefs.newsletters': 'Newsletters',
  'prefs.subscribed': 'Subscribed',
  'prefs.save': 'Save preferences',
  'prefs.saved': 'Your preferences are saved.',
  'prefs.pendingNote': 'waiting for confirmation',
  'prefs.suppressedNote': 'paused: our emails to this address could not be delivered',
  'prefs.invalid': 'This preferences link is not valid.',
  'csrf.invalid': 'The form has expired. Please reload the page and try again.',
  'page.notFoundTitle': 'Page not found',
  'page.notFound': 'This address does not exist here. Check the link, or go to the start page.',
  'page.newsletterNotFoundTitle': 'Newsletter not found',
  'page.newsletterNotFound': 'There is no newsletter at this address. Check the link you followed.',
  'page.start': 'Go to the start page',
  'page.tooLargeTitle': 'Too much data',
  'page.tooLarge': 'The form sent more data than this page accepts. Shorten what you typed and send it again.',
  'page.unsupportedTitle': 'Unsupported form',
  'page.unsupported': 'This form could not be read. Send it from the signup page (application/x-www-form-urlencoded or multipart/form-data).',
  'page.errorTitle': 'Something went wrong',
  'page.error': '{message} Go back and try again; if it keeps happening, reply to any of our emails and tell us.',
  'mail.confirm.subject': 'Confirm your subscription to {newsletter}',
  'mail.confirm.preview': 'One click to confirm your subscription',
  'mail.confirm.heading': 'Please confirm your subscription',
  'mail.confirm.body': 'Someone, hopefully you, asked to receive {newsletter} at this address. Press the button to confirm; the link is valid for 7 days.',
  'mail.confirm.button': 'Confirm subscription',
  'mail.confirm.ignore': 'If you did not ask for this, ignore this email: you will not be subscribed and will not hear from us again.',
  'mail.welcome.subject': 'Welcome to {newsletter}',
  'mail.welcome.preview': 'Your subscription is confirmed',
  'mail.welcome.heading': 'Welcome!',
  'mail.welcome.body': 'Your subscription to {newsletter} is confirmed. Past issues are in the archive.',
  'mail.welcome.archive': 'Open the archive',
  'mail.goodbye.subject': 'You are unsubscribed from {newsletter}',
  'mail.goodbye.preview': 'You will not receive further issues',
  'mail.goodbye.heading': 'You are unsubscribed',
  'mail.goodbye.body': 'You will not receive {newsletter} any more. This is the last email we send you about it.',
  'mail.goodbye.resubscribe': 'Changed your mind? Subscribe again',
  'mail.footer.unsubscribe': 'Unsubscribe',
  'mail.footer.preferences': 'Preferences',
};

export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;

const zhCN: Dictionary = {
  'signup.title': '订阅 {newsletter}',
  'signup.intro': '每期简报将通过电子邮件发送给您。您可随时一键退订。',
  'signup.email': '电子邮箱',
  'signup.name': '姓名（选填）',
  'signup.consent': '我同意',
  'consent.default': '我同意通过电子邮件接收《{newsletter}》，并可随时通过每封邮件中的链接退订。',
  'signup.submit': '订阅',
  'signup.trackingOn': '我们会记录邮件是否被打开（通过一张小图片），以了解每期的阅读人数。我们绝不出售或分享您的邮箱地址。',
  'signup.trackingOff': '我们不记录您是否打开邮件。我们绝不出售或分享您的邮箱地址。',
  'signup.doubleOptIn': '我们将向您发送一封确认邮件；确认后订阅才会生效。',
  'signup.embedTitle': '在您的网站上放置此表单',
  'signup.embedHelp': '将以下 HTML 复制到任意网页即可；表单直接提交到本简报，无需 JavaScript。',
  'signup.archive': '阅读往期简报',
  'signup.errorSummary': '请更正标出的字段。',
  'error.email': '请输入有效的电子邮箱地址，例如 name@example.org。',
  'error.emailRequired': '请输入您的电子邮箱地址。',
  'error.name': '姓名最多 200 个字符，且不能换行。',
  'error.consent': '请勾选同意接收本简报。',
  'error.rateLimited': '来自您网络的尝试次数过多，请在 {minutes} 分钟后重试。',
  'error.rateLimitedTitle': '请稍候',
  'check.title': '请查收邮件',
  'check.body': '如果 {email} 可以订阅，一封包含确认链接的邮件已在路上。请打开邮件并点击按钮确认。链接 7 天内有效。',
  'check.spam': '几分钟后仍未收到？请检查垃圾邮件文件夹，或稍后重试。',
  'confirm.title': '确认订阅',
  'confirm.body': '点击下方按钮，确认您希望通过 {email} 接收 {newsletter}。',
  'confirm.button': '确认订阅',
  'confirm.doneTitle': '订阅成功',
  'confirm.doneBody': '谢谢！您将通过 {email} 收到 {newsletter}。',
  'confirm.already': '此订阅已确认，无需其他操作。',
  'confirm.invalidTitle': '此链接无法使用',
  'confirm.invalid': '此确认链接无效或已过期。请重新订阅以获取新的链接。',
  'confirm.latest': '阅读最新一期',
  'confirm.signupAgain': '重新订阅',
  'unsub.title': '退订',
  'unsub.body': '不再通过 {email} 接收 {newsletter}？',
  'unsub.button': '退订',
  'unsub.doneTitle': '您已退订',
  'unsub.doneBody': '您将不会再收到 {newsletter}。如改变主意，可在订阅偏好中重新订阅。',
  'unsub.preferences': '改为管理订阅偏好',
  'unsub.invalid': '此退订链接无效。如果您持续收到未订阅的邮件，请直接回复邮件告知我们。',
  'prefs.title': '订阅偏好',
  'prefs.intro': '{email} 的订阅偏好。',
  'prefs.language': '邮件语言',
  'prefs.name': '姓名',
  'prefs.newsletters': '简报',
  'prefs.subscribed': '已订阅',
  'prefs.save': '保存偏好',
  'prefs.saved': '您的偏好已保存。',
  'prefs.pendingNote': '等待确认',
  'prefs.suppressedNote': '已暂停：发往此地址的邮件无法送达',
  'prefs.invalid': '此偏好设置链接无效。',
  'csrf.invalid': '表单已过期，请刷新页面后重试。',
  'page.notFoundTitle': '页面不存在',
  'page.notFound': '此地址不存在。请检查链接，或前往首页。',
  'page.newsletterNotFoundTitle': '找不到简报',
  'page.newsletterNotFound': '此地址没有对应的简报。请检查您打开的链接。',
  'page.start': '前往首页',
  'page.tooLargeTitle': '提交的内容太多',
  'page.tooLarge': '表单提交的数据超出了此页面的上限。请缩短填写的内容后重新提交。',
  'page.unsupportedTitle': '无法读取表单',
  'page.unsupported': '无法读取此表单。请从订阅页面提交（application/x-www-form-urlencoded 或 multipart/form-data）。',
  'page.errorTitle': '出错了',
  'page.error': '{message} 请返回后重试；如果问题持续出现，请回复我们的任意一封邮件告诉我们。',
  'mail.confirm.subject': '请确认订阅 {newsletter}',
  'mail.confirm.preview': '一键确认您的订阅',
  'mail.confirm.heading': '请确认您的订阅',
  'mail.confirm.body': '有人（希望是您）申请用此邮箱接收 {newsletter}。请点击按钮确认；链接 7 天内有效。',
  'mail.confirm.button': '确认订阅',
  'mail.confirm.ignore': '如果这不是您本人的操作，请忽略此邮件：您不会被订阅，也不会再收到我们的邮件。',
  'mail.welcome.subject': '欢迎订阅 {newsletter}',
  'mail.welcome.preview': '您的订阅已确认',
  'mail.welcome.heading': '欢迎！',
  'mail.welcome.body': '您对 {newsletter} 的订阅已确认。往期内容可在存档中查看。',
  'mail.welcome.archive': '打开存档',
  'mail.goodbye.subject': '您已退订 {newsletter}',
  'mail.goodbye.preview': '您将不会再收到后续简报',
  'mail.goodbye.heading': '您已退订',
  'mail.goodbye.body': '您将不会再收到 {newsletter}。这是关于此简报的最后一封邮件。',
  'mail.goodbye.resubscribe': '改变主意？重新订阅',
  'mail.footer.unsubscribe': '退订',
  'mail.footer.preferences': '订阅偏好',
};

export const dictionaries: Record<string, Dictionary> = { en, 'zh-CN': zhCN, zh: zhCN };

/** Languages offered on the preferences page, with their own names. */
export const languageNames: Record<string, string> = { en: 'English', 'zh-CN': '简体中文' };

/** The best dictionary language for a tag: exact, then base language, then English. */
export function resolveLanguage(tag: string | null | undefined): string {
  if (!tag) return 'en';
  if (dictionaries[tag]) return tag;
  const lower = Object.keys(dictionaries).find((k) => k.toLowerCase() === tag.toLowerCase());
  if (lower) return lower;
  const base = tag.split('-')[0]!.toLowerCase();
  return dictionaries[base] ? base : 'en';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(tag: string | null | undefined): Translate {
  const dict = dictionaries[resolveLanguage(tag)] ?? en;
  return (key, vars) => {
    const s = dict[key] ?? en[key];
    return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
  };
}

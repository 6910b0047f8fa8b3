/**
 * AppError messages as pages show them, in the page's language. The JSON API keeps the English
 * `message` (stable for clients); pages ask `localizedErrorMessage(err, lang)`, which uses, in
 * order: the error's message key and parameters (`AppError.withKey`), a known parameter-free
 * English message, the fields of a validation error, and finally a sentence for the error's
 * `code` (with the English detail kept in brackets, so nothing is lost).
 *
 * English pages show the English message itself: it is already written for people.
 */
import type { AppError, ErrorCode } from '../http/errors.ts';

type Vars = Record<string, string | number>;

const fill = (s: string, vars: Vars = {}) => s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));

const zhStatus: Record<string, string> = {
  draft: '草稿',
  scheduled: '已排期',
  sending: '发送中',
  sent: '已发送',
  cancelled: '已取消',
  paused: '已暂停',
  pending: '待确认',
  active: '有效',
  unsubscribed: '已退订',
  suppressed: '已屏蔽',
  erased: '已删除',
};

/** Messages named by `withKey` at the throw site. */
const zhKeyed: Record<string, string> = {
  'issue.numberTaken': '第 {number} 期的编号已被使用：请换一个期号。',
  'issue.notEditable': '这一期当前为“{status}”，只有草稿、已排期或已暂停的期刊可以编辑。',
  'issue.notFound': '找不到编号为 {id} 的期刊：它可能已被删除，或链接有误。',
  'send.badTime': '发送时间无效：请按“年-月-日 时:分”填写，并选择时区。',
  'send.pastTime': '发送时间已经过去：请选择将来的时间。',
  'send.cannotSchedule': '这一期当前为“{status}”，只有草稿或已排期的期刊可以安排发送。',
  'send.nothingSent': '这一期当前为“{status}”，还没有发送过，无需重试。',
  'send.cannot.issue.pause': '这一期当前为“{status}”，只有发送中的期刊可以暂停。',
  'send.cannot.issue.resume': '这一期当前为“{status}”，只有已暂停的期刊可以继续发送。',
  'send.cannot.issue.cancel': '这一期当前为“{status}”：正在发送的期刊需先暂停才能取消。',
  'slot.notDraft': '这一期当前为“{status}”，只有草稿可以标记为下一个每月发送时段的期刊。',
  'newsletter.slugTaken': '标识为“{slug}”的简报已存在：请换一个标识。',
  'auth.passwordShort': '新密码至少需要 {min} 个字符。',
  'user.exists': '邮箱为 {email} 的用户已存在。',
  'user.notFound': '没有邮箱为 {email} 的用户。',
  'upload.tooLarge': '文件超过 {mb} MB。',
  'upload.tooLargeApi': '上传的内容超过 {mb} MB；更大的文件请通过 API 导入。',
};

/** Parameter-free English messages (stable strings in the services) and their translation. */
const zhExact: Record<string, string> = {
  'The current password is wrong': '当前密码不正确。',
  'The new password is too long': '新密码太长。',
  'The two new passwords differ': '两次输入的新密码不一致。',
  'Token not found or already revoked': '找不到该令牌，或它已被撤销。',
  'Subscriber not found': '找不到该订阅者：可能已被删除，或链接有误。',
  'This address is already in this newsletter': '该地址已在此简报的订阅者中。',
  'This address was erased at the person\'s request; add it with status "pending" so that they confirm themselves':
    '该地址已应本人要求删除；如需重新添加，请将状态设为“待确认”，让本人自行确认。',
  'consentNote is required: say how these people agreed': '请填写同意说明：这些人是如何同意接收简报的。',
  'Send the CSV as the request body': '请上传 CSV 文件。',
  'The CSV is empty: send a header row with an email column': 'CSV 文件是空的：第一行须为标题行，并包含 email（邮箱）列。',
  'The CSV has no email column (accepted headers: email, "Email Address", 邮箱, …)': 'CSV 文件没有邮箱列（可用的列名：email、“Email Address”、邮箱 等）。',
  'The cursor is not valid; use nextCursor from a previous page': '分页参数无效：请从列表第一页重新开始。',
  'CSRF token missing or wrong': '表单已过期（或来自其他网站）。请刷新页面后重新提交。',
  'Something went wrong on our side; it has been logged': '服务器出错了，我们已记录此问题。请稍后再试。',
};

const zhFields: Record<string, string> = {
  email: '邮箱',
  name: '名称',
  fromEmail: '发件地址',
  fromName: '发件人名称',
  replyTo: '回复地址',
  language: '语言',
  timeZone: '时区',
  slug: '标识',
  consentNote: '同意说明',
  consent: '同意',
  sendAt: '发送时间',
  title: '标题',
  text: '文本',
  time: '时间',
  description: '简介',
  organisation: '机构',
  password: '密码',
  current: '当前密码',
  next: '新密码',
  confirm: '确认密码',
  '(body)': '提交的内容',
};

const zhFieldMessages: Record<string, string> = {
  'is required': '为必填项',
  'is empty': '为空',
  'is in the past': '已经过去',
  'is not a valid date and time': '不是有效的日期和时间',
  'is too long (254 characters at most)': '太长（最多 254 个字符）',
  'must be HH:MM (24-hour)': '须为 24 小时制的“时:分”',
  'must be a language tag such as zh-CN or en': '须为语言代码，例如 zh-CN 或 en',
  'must be an IANA time zone such as Asia/Shanghai': '须为时区名称，例如 Asia/Shanghai',
  'must be an email address like name@example.org': '须为电子邮箱地址，例如 name@example.org',
  'must be at most 200 characters': '最多 200 个字符',
  'must be lower-case letters, digits and dashes, 1 to 63 characters': '只能包含小写字母、数字和连字符，长度 1 到 63 个字符',
  'must be one line without control characters': '须为一行，且不含控制字符',
  'must be true: the person agrees to receive the newsletter': '须勾选：本人同意接收简报',
  'must not be empty': '不能为空',
  'must not contain line breaks': '不能换行',
  'is too short': '太短',
  'is too long': '太长',
  'is wrong': '不正确',
  differs: '不一致',
  'column is required': '列是必需的',
};

const zhCodes: Record<ErrorCode, string> = {
  bad_request: '请求无效，请检查后重试。',
  validation_failed: '填写的内容有误，请更正后重试。',
  unauthorized: '请先登录：您的会话不存在或已结束。',
  forbidden: '您没有执行此操作的权限。',
  not_found: '找不到所请求的内容：它可能已被删除，或地址有误。',
  conflict: '与已有内容冲突。',
  payload_too_large: '提交的内容太大。',
  unsupported_media_type: '不支持此内容格式。',
  rate_limited: '尝试次数过多，请稍后再试。',
  invalid_state: '当前状态下无法执行此操作。',
  provider_error: '邮件服务暂时不可用，请稍后再试。',
  internal: '服务器出错了，我们已记录此问题。请稍后再试。',
};

function validationZh(err: AppError): string | null {
  const fields = (err.details as { fields?: { field: string; message: string }[] } | undefined)?.fields;
  if (!Array.isArray(fields) || fields.length === 0) return null;
  const parts = fields.slice(0, 5).map((f) => {
    const name = zhFields[f.field] ?? f.field;
    const msg = zhFieldMessages[f.message];
    return msg ? `${name}${msg}` : `${name}：${f.message}`;
  });
  return `${parts.join('；')}。`;
}

/** The message of an AppError for a page in `lang` (any tag; `zh…` is Chinese, everything else English). */
export function localizedErrorMessage(err: AppError, lang: string | null | undefined): string {
  if (!(lang ?? '').toLowerCase().startsWith('zh')) return err.message;
  if (err.messageKey && zhKeyed[err.messageKey]) {
    const vars: Vars = { ...(err.messageParams ?? {}) };
    if (typeof vars.status === 'string') vars.status = zhStatus[vars.status] ?? vars.status;
    return fill(zhKeyed[err.messageKey]!, vars);
  }
  const exact = zhExact[err.message];
  if (exact) return exact;
  if (err.code === 'validation_failed') {
    const v = validationZh(err);
    if (v) return v;
  }
  return `${zhCodes[err.code]}（${err.message}）`;
}

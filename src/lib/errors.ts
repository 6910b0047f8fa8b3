/**
 * The one error type. Services throw it with a stable `code` (what a client switches on) and a
 * message (`said`: a catalog key and its parameters). Every API error leaves as
 * `{ "error": { "code", "message", details? } }` with the English text as `message`; pages show
 * `said` in their own language (`i18n(lang).m(err.said)`), so no sentence lives in a service.
 */
import { en, type Message, type MessageKey, msg } from '../i18n/index.ts';

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'invalid_state'
  /** A send with warnings nobody acknowledged (details.warnings). */
  | 'warnings_open'
  | 'provider_error'
  | 'unavailable'
  | 'internal';

const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  invalid_state: 409,
  warnings_open: 409,
  provider_error: 502,
  unavailable: 503,
  internal: 500,
};

/** One refused field of a validation error: its id (as the API names it) and what is wrong, with `{field}` in the message. */
export interface FieldProblem {
  field: string;
  said: Message;
}

/** The catalog key naming a field for people (`sendAt` → "Send time" / "发送时间"); unknown fields keep their id. */
const FIELD_LABELS: Record<string, MessageKey> = {
  email: 'field.email',
  name: 'field.name',
  fromEmail: 'field.fromEmail',
  fromName: 'field.fromName',
  replyTo: 'field.replyTo',
  language: 'field.language',
  timeZone: 'field.timeZone',
  slug: 'field.slug',
  consentNote: 'field.consentNote',
  consent: 'field.consent',
  sendAt: 'field.sendAt',
  title: 'field.title',
  text: 'field.text',
  time: 'field.time',
  description: 'field.description',
  organisation: 'field.organisation',
  password: 'field.password',
  current: 'field.current',
  next: 'field.next',
  confirm: 'field.confirm',
  source: 'field.source',
  to: 'field.to',
  '(body)': 'field.body',
};

export function fieldLabel(field: string): Message | string {
  const key = FIELD_LABELS[field] ?? FIELD_LABELS[field.split('.').pop() ?? ''];
  return key ? msg(key) : field;
}

export class AppError extends Error {
  readonly status: number;
  /** The problems of a `validation_failed` error, field by field, for pages. */
  readonly fields?: readonly FieldProblem[];

  /** What happened, for people; `message` is its English text. */
  readonly said: Message;

  constructor(
    readonly code: ErrorCode,
    said: Message,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After for rate_limited. */
    readonly headers?: Record<string, string>,
  ) {
    super(en().m(said));
    this.said = said;
    this.name = 'AppError';
    this.status = statusOf[code];
  }

  /**
   * A validation error listing each refused field. The API's message and `details.fields` name
   * fields by their ids ("sendAt is in the past"); pages name them for people ("发送时间已经过去").
   */
  static validation(fields: FieldProblem[], extra?: Record<string, unknown>): AppError {
    const english = en();
    const said = fields[0]?.said ?? msg('error.invalidInput');
    const apiField = (f: FieldProblem) => english.m({ key: f.said.key, params: { ...f.said.params, field: f.field } });
    const err = new AppError(
      'validation_failed',
      { key: said.key, params: { ...said.params, field: fields[0]?.field ?? '' } },
      {
        fields: fields.map((f) => ({ field: f.field, message: apiField(f) })),
        ...extra,
      },
    );
    (err as { fields?: readonly FieldProblem[] }).fields = fields;
    return err;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

/** `what` is the thing that was not found, as a message ("Newsletter “spp”" / "简报“spp”"). */
export const notFound = (what: Message) => new AppError('not_found', msg('error.missing', { what }));

/** An error as a page shows it, in that page's language: each refused field by its name, or the message. */
export function describeError(err: AppError, i: { m(m: Message): string }): string {
  if (err.fields?.length)
    return err.fields.map((f) => i.m({ key: f.said.key, params: { ...f.said.params, field: fieldLabel(f.field) } })).join(i.m(msg('error.fieldSeparator')));
  return i.m(err.said);
}

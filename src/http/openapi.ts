/**
 * The OpenAPI 3.1 description of Quire's HTTP API, served at /api/v1/openapi.json and rendered
 * at /api/docs. Request bodies come from the same zod schemas the routes validate with; a test
 * checks that every API route of the app is described here.
 */
import { z } from 'zod';
import { bulkImportSchema } from '../modules/issues/back-issues.ts';
import { importSchema, patchSchema, publishSchema, structureInputSchema, structuredSchema, testSendSchema, undoSchema } from '../modules/issues/service.ts';
import { createNewsletterSchema, updateNewsletterSchema } from '../modules/newsletters/service.ts';
import { scheduleSchema } from '../modules/sending/service.ts';
import { slotPutSchema } from '../modules/slots/service.ts';
import { adminCreateSchema, bulkTagsSchema, profileSchema } from '../modules/subscribers/list-service.ts';
import { fieldCreateSchema, fieldUpdateSchema } from '../modules/subscribers/fields-service.ts';
import { signupSchema } from '../modules/subscribers/service.ts';
import { segmentInputSchema } from '../modules/segments/model.ts';

type Role = 'public' | 'viewer' | 'editor' | 'admin';
interface Op {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  tag: string;
  summary: string;
  role: Role;
  body?: z.ZodType | { contentType: string; description: string };
  query?: Record<string, string>;
  produces?: string;
  /** The JSON answer's schema, where it is worth spelling out. */
  response?: Record<string, unknown>;
  /** Responses beyond 200 and the default error, e.g. a 409 with a body of its own. */
  responses?: Record<string, { description: string; schema?: string }>;
  /** The success status when it is not 200 (e.g. 204). */
  ok?: string;
}

const issueSummary = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    number: { type: 'integer' },
    title: { type: 'string' },
    status: { type: 'string' },
    sendAt: { type: ['string', 'null'], format: 'date-time' },
    timeZone: { type: ['string', 'null'] },
    sentAt: { type: ['string', 'null'], format: 'date-time' },
    publishedAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'in the archive since: the send time, or the date it was published without a send',
    },
    archiveHidden: { type: 'boolean', description: 'a sent issue taken off the archive' },
  },
};
const messageSchema = { type: 'object', properties: { code: { type: 'string' }, params: { type: 'object' }, message: { type: 'string' } } };

/** GET /api/v1/newsletters/{slug}/dashboard: what the admin dashboard shows. */
const dashboardSchema = {
  type: 'object',
  properties: {
    newsletter: { type: 'object', properties: { slug: { type: 'string' }, name: { type: 'string' }, timeZone: { type: 'string' } } },
    generatedAt: { type: 'string', format: 'date-time' },
    subscribers: {
      type: 'object',
      description: 'the list: in all and by status (every status, 0 when none)',
      properties: {
        total: { type: 'integer' },
        byStatus: {
          type: 'object',
          properties: Object.fromEntries(['active', 'pending', 'unsubscribed', 'suppressed', 'erased'].map((k) => [k, { type: 'integer' }])),
        },
      },
    },
    nextSlot: {
      type: ['object', 'null'],
      description: 'the next monthly slot, when one is set and enabled',
      properties: { at: { type: 'string', format: 'date-time' }, timeZone: { type: 'string' } },
    },
    next: { ...issueSummary, type: ['object', 'null'], description: 'the scheduled issue that goes out first' },
    scheduled: { type: 'array', items: issueSummary, description: 'scheduled issues, soonest first' },
    sending: {
      type: 'array',
      description: 'issues being sent (or paused mid-send) with their ledger counts',
      items: {
        ...issueSummary,
        properties: { ...issueSummary.properties, progress: { type: 'object', description: 'status, recipients, queued, sending, sent, skipped, failed' } },
      },
    },
    recent: {
      type: 'array',
      description: 'the last 5 sent issues, newest first, with their figures',
      items: {
        ...issueSummary,
        properties: {
          ...issueSummary.properties,
          stats: {
            type: 'object',
            description: 'recipients, sent, delivered, failed, bounced {hard, soft}, complained, opened {unique, total, likelyHuman}, unsubscribed',
          },
        },
      },
    },
    growth: { type: 'object', description: 'joined and left per month over the last year, and the active count' },
    warnings: { type: 'array', items: messageSchema, description: 'what needs attention, as messages (see Messages in docs/api.md)' },
  },
};

const ops: Op[] = [
  {
    method: 'get',
    path: '/healthz',
    tag: 'System',
    summary: 'Health: `{ok: true, db: "pglite" | "postgres"}`, or `503 {ok: false, db: "unreachable"}` when the database does not answer',
    role: 'public',
  },
  { method: 'get', path: '/api/v1/openapi.json', tag: 'System', summary: 'This document', role: 'public' },

  { method: 'get', path: '/api/v1/newsletters', tag: 'Newsletters', summary: 'List newsletters', role: 'viewer' },
  { method: 'post', path: '/api/v1/newsletters', tag: 'Newsletters', summary: 'Create a newsletter', role: 'admin', body: createNewsletterSchema },
  { method: 'get', path: '/api/v1/newsletters/{slug}', tag: 'Newsletters', summary: 'One newsletter', role: 'viewer' },
  { method: 'patch', path: '/api/v1/newsletters/{slug}', tag: 'Newsletters', summary: 'Change a newsletter', role: 'admin', body: updateNewsletterSchema },
  {
    method: 'get',
    path: '/api/v1/newsletters/{slug}/dashboard',
    tag: 'Newsletters',
    summary: 'The dashboard as data: subscriber counts, next slot, scheduled and sending issues, recent sends with their figures, warnings',
    role: 'viewer',
    response: dashboardSchema,
  },
  { method: 'get', path: '/api/v1/newsletters/{slug}/schedule', tag: 'Scheduling', summary: 'The monthly slot, its next dates and warnings', role: 'viewer' },
  { method: 'put', path: '/api/v1/newsletters/{slug}/schedule', tag: 'Scheduling', summary: 'Set the monthly slot', role: 'editor', body: slotPutSchema },
  { method: 'get', path: '/api/v1/newsletters/{slug}/consent-texts', tag: 'Subscribers', summary: 'Consent text versions', role: 'viewer' },
  {
    method: 'post',
    path: '/api/v1/newsletters/{slug}/consent-texts',
    tag: 'Subscribers',
    summary: 'A new consent text version',
    role: 'admin',
    body: z.object({ text: z.string() }),
  },

  {
    method: 'get',
    path: '/api/v1/newsletters/{slug}/subscribers',
    tag: 'Subscribers',
    summary: 'Subscribers, filtered and paged',
    role: 'viewer',
    query: {
      q: 'address or name prefix',
      status: 'pending|active|unsubscribed|suppressed|erased',
      cursor: 'nextCursor (older rows) or prevCursor (newer rows) of a page; an unknown cursor is a 400',
      limit: '1–200',
      tag: 'only subscribers with this tag',
      'attr.KEY': 'only subscribers whose attribute KEY (a defined field) has this value, e.g. `attr.country=CN`; an undefined key is a 422',
    },
  },
  {
    method: 'post',
    path: '/api/v1/newsletters/{slug}/subscribers',
    tag: 'Subscribers',
    summary: 'Add a subscriber (consentNote required)',
    role: 'editor',
    body: adminCreateSchema,
  },
  {
    method: 'post',
    path: '/api/v1/newsletters/{slug}/subscribers/import',
    tag: 'Subscribers',
    summary:
      'Import a CSV (header row; an email column required), streamed; imported as active. Without `mapping`: `email`, `name`, `language`, `tags` (split on `,` or `;`) and every other column as an attribute under its header’s key (undefined keys become text fields). Attribute values are checked against their field’s type. Answers total (data rows), errors and notes by line, and `fieldsCreated`',
    role: 'editor',
    query: {
      consentNote: 'how these people agreed (required without `format`)',
      fileName: 'the file’s name, for the import’s record (optional)',
      mapping:
        'JSON `{"columns": {"Header": "email" | "name" | "language" | "tags" | "ignore" | "attribute:KEY"}}`; a header it does not name takes the default (optional)',
      format:
        'mailchimp|substack|listmonk: another system’s export, keeping its consent proof (opt-in and confirmation times and IPs as consent events; unsubscribed and cleaned rows never mailed; a re-run changes nothing). Mailchimp: the subscribed, unsubscribed or cleaned CSV (told apart by their columns) or the ZIP holding them (application/zip). Answers counts per outcome (imported, unsubscribed, suppressed, unchanged, kept, pending, erased), duplicates, files and errors by file and line',
    },
    body: { contentType: 'text/csv', description: 'CSV with a header row (with format=mailchimp, also application/zip)' },
  },
  {
    method: 'get',
    path: '/api/v1/newsletters/{slug}/subscribers/imports',
    tag: 'Subscribers',
    summary:
      'Recent imports, newest first: file, who, `state` (`running`, `done`, `failed`, or `stopped` when a running import stopped recording progress: its process died), rows read, added, expected',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/v1/newsletters/{slug}/subscribers/export',
    tag: 'Subscribers',
    summary: 'The list as CSV with status and consent dates',
    role: 'editor',
    produces: 'text/csv',
  },
  {
    method: 'post',
    path: '/api/v1/newsletters/{slug}/subscribers/tags',
    tag: 'Subscribers',
    summary:
      'Add and remove tags on many subscribers at once: `ids`, or a `filter` ({status, q, tag, attributes}); one statement. Answers `{updated, add, remove}`',
    role: 'editor',
    body: bulkTagsSchema,
  },
  {
    method: 'get',
    path: '/api/v1/newsletters/{slug}/fields',
    tag: 'Subscribers',
    summary: 'The subscriber fields (attributes) the newsletter defines',
    role: 'viewer',
  },
  {
    method: 'post',
    path: '/api/v1/newsletters/{slug}/fields',
    tag: 'Subscribers',
    summary: 'Define a field: `{key, labels: {lang: label}, type: text|number|date|choice, choices?, position?}`',
    role: 'admin',
    body: fieldCreateSchema,
    ok: '201',
  },
  {
    method: 'patch',
    path: '/api/v1/newsletters/{slug}/fields/{key}',
    tag: 'Subscribers',
    summary: 'Change a field’s labels, choices or position (its type stays)',
    role: 'admin',
    body: fieldUpdateSchema,
  },
  {
    method: 'delete',
    path: '/api/v1/newsletters/{slug}/fields/{key}',
    tag: 'Subscribers',
    summary: 'Remove a field and its value from every subscriber; answers `{key, cleared}`',
    role: 'admin',
  },
  {
    method: 'get',
    path: '/api/v1/subscribers/{id}',
    tag: 'Subscribers',
    summary: 'A subscriber with the consent record, `attributes: {…}` and `tags: [...]`',
    role: 'viewer',
  },
  {
    method: 'patch',
    path: '/api/v1/subscribers/{id}/attributes',
    tag: 'Subscribers',
    summary: 'Set attributes (merged; `null` removes one; values checked by type) and/or the whole tag list; recorded as an `admin_edit` event',
    role: 'editor',
    body: profileSchema,
  },
  { method: 'delete', path: '/api/v1/subscribers/{id}', tag: 'Subscribers', summary: 'Erase the person (keeps an anonymous tombstone)', role: 'admin' },
  { method: 'get', path: '/api/v1/subscribers/{id}/export', tag: 'Subscribers', summary: 'Everything held about the person', role: 'editor' },
  // The audience's messages and an admin's actions on a person (issue #24).
  {
    method: 'get',
    path: '/api/v1/newsletters/{slug}/messages',
    tag: 'Subscribers',
    summary: 'The confirmation, welcome and goodbye emails in every language: subject, text ({{name}}, {{newsletter}}), custom or default',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/v1/newsletters/{slug}/messages/{kind}/{language}',
    tag: 'Subscribers',
    summary: 'One email (kind confirm|welcome|goodbye)',
    role: 'viewer',
  },
  {
    method: 'put',
    path: '/api/v1/newsletters/{slug}/messages/{kind}/{language}',
    tag: 'Subscribers',
    summary: 'The newsletter’s own subject and plain text for this email and language (placeholders {{name}}, {{newsletter}} only)',
    role: 'editor',
    body: z.object({ subject: z.string(), body: z.string() }),
  },
  {
    method: 'delete',
    path: '/api/v1/newsletters/{slug}/messages/{kind}/{language}',
    tag: 'Subscribers',
    summary: 'Back to the default wording',
    role: 'editor',
  },
  {
    method: 'post',
    path: '/api/v1/newsletters/{slug}/messages/{kind}/{language}/preview',
    tag: 'Subscribers',
    summary: 'The email rendered (subject, html, text) with a sample name: the stored text, or the body’s draft {subject, body}',
    role: 'viewer',
  },
  {
    method: 'post',
    path: '/api/v1/subscribers/{id}/resend-confirmation',
    tag: 'Subscribers',
    summary: 'Send a pending subscriber the confirmation email again (202; 429 with Retry-After within 10 minutes of the last one)',
    role: 'editor',
  },
  {
    method: 'post',
    path: '/api/v1/subscribers/{id}/lift-suppression',
    tag: 'Subscribers',
    summary: 'Lift a suppression with a reason (a consent event): active again with consent on record, else unsubscribed',
    role: 'admin',
    body: z.object({ reason: z.string() }),
  },
  { method: 'get', path: '/api/v1/subscribers/{id}/notes', tag: 'Subscribers', summary: 'Admins’ notes on the person (author, time)', role: 'viewer' },
  {
    method: 'post',
    path: '/api/v1/subscribers/{id}/notes',
    tag: 'Subscribers',
    summary: 'Add a note (erased with the address)',
    role: 'editor',
    body: z.object({ body: z.string() }),
  },
  {
    method: 'post',
    path: '/api/v1/public/newsletters/{slug}/subscribe',
    tag: 'Public',
    summary:
      'Sign up (double opt-in); 202 whether or not the address was known; CORS. With Turnstile configured, `turnstileToken` (the widget’s token) is required: 422 without a valid one, 503 when Cloudflare cannot be asked',
    role: 'public',
    body: signupSchema,
  },
  {
    method: 'get',
    path: '/api/v1/public/newsletters/{slug}/search',
    tag: 'Public',
    summary:
      'Search the archive (sent and published issues): articles holding every word of `q` in their title, body or source labels (Chinese without spaces too), titles first, then newest; CORS; 60 a minute per client address',
    role: 'public',
    query: { q: 'words, all must match (200 characters at most)', cursor: 'nextCursor', limit: '1–50 (20)' },
    response: {
      type: 'object',
      properties: {
        query: { type: 'string' },
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              number: { type: 'integer' },
              title: { type: 'string', description: "the issue's title" },
              publishedAt: { type: 'string', format: 'date-time' },
              article: { type: 'object', properties: { section: { type: 'integer' }, article: { type: 'integer' }, title: { type: 'string' } } },
              snippet: { type: 'string', description: 'plain text around the first match' },
              snippetHtml: { type: 'string', description: 'the same text, HTML-escaped, each matched word in <mark>' },
              url: { type: 'string', description: 'the article in the web version: /archive/{slug}/{number}#a-{section}-{article}' },
            },
          },
        },
        nextCursor: { type: ['string', 'null'] },
      },
    },
  },

  {
    method: 'get',
    path: '/api/v1/newsletters/{slug}/issues',
    tag: 'Issues',
    summary: 'Issues, newest first',
    role: 'viewer',
    query: { status: 'comma-separated states (draft, scheduled, sending, paused, sent, cancelled, published)', cursor: 'nextCursor', limit: '1–200' },
  },
  {
    method: 'post',
    path: '/api/v1/newsletters/{slug}/issues',
    tag: 'Issues',
    summary: 'Create an issue: `{source, format}` (Markdown or PDF text) or the structured model',
    role: 'editor',
    body: z.union([importSchema, structuredSchema]),
  },
  {
    method: 'post',
    path: '/api/v1/newsletters/{slug}/issues/import',
    tag: 'Issues',
    summary:
      'Bulk import of back issues: each of `files` (`{name, source}`, a .md/.markdown/.txt name) becomes one issue, its number and date read from what it prints when free; `publish: true` files each in the archive without a send. A bad file gets its own error in `items` and never stops the others. The whole body is at most 1 MB: send large sets in several requests',
    role: 'editor',
    body: bulkImportSchema,
  },
  { method: 'get', path: '/api/v1/issues/{id}', tag: 'Issues', summary: 'One issue, with its link-cleaning report', role: 'viewer' },
  {
    method: 'patch',
    path: '/api/v1/issues/{id}',
    tag: 'Issues',
    summary: 'Edit a draft, scheduled, paused or published issue; with `expectedUpdatedAt`, 409 `conflict` if someone saved since',
    role: 'editor',
    body: patchSchema,
  },
  {
    method: 'post',
    path: '/api/v1/issues/{id}/structure',
    tag: 'Issues',
    summary:
      "One structural edit (`{op: split|mergePrevious|makeTitle|makeSubheading|moveArticle|addArticle|deleteArticle|addSection|deleteSection|moveSection, …positions}`, or `{note}`: an importer note's fix), optional `expectedUpdatedAt`; the updated issue. 422 when a position does not exist",
    role: 'editor',
    body: structureInputSchema,
  },
  {
    method: 'post',
    path: '/api/v1/issues/{id}/structure/undo',
    tag: 'Issues',
    summary: 'Revert the last structural edit while nothing was saved since (409 `invalid_state` otherwise)',
    role: 'editor',
    body: undoSchema,
  },
  {
    method: 'delete',
    path: '/api/v1/issues/{id}',
    tag: 'Issues',
    summary: 'Delete a draft, or a cancelled issue none of which was sent (409 `invalid_state` otherwise); audited',
    role: 'editor',
    ok: '204',
  },
  {
    method: 'post',
    path: '/api/v1/issues/{id}/reopen',
    tag: 'Issues',
    summary: 'Make a cancelled issue none of which was sent a draft again (no send time, not ready); 409 otherwise',
    role: 'editor',
  },
  {
    method: 'post',
    path: '/api/v1/issues/{id}/publish',
    tag: 'Issues',
    summary:
      'Publish to the archive without a send (status `published`; nobody is emailed, no delivery is recorded), dated `publishedAt` (a date, midnight in the newsletter’s time zone, or an ISO time), else the issue’s date, else now. From a draft or a cancelled issue none of which went out; 409 for a scheduled issue (cancel its send first). A sent issue hidden by unpublish is shown again',
    role: 'editor',
    body: publishSchema,
  },
  {
    method: 'post',
    path: '/api/v1/issues/{id}/unpublish',
    tag: 'Issues',
    summary:
      'Take off the archive: a published issue becomes a draft again; a sent issue is only hidden (`archiveHidden`), its delivery record stays; 409 otherwise',
    role: 'editor',
  },
  {
    method: 'get',
    path: '/api/v1/issues/{id}/preview.html',
    tag: 'Issues',
    summary: 'The email as a subscriber sees it',
    role: 'viewer',
    produces: 'text/html',
  },
  { method: 'get', path: '/api/v1/issues/{id}/preview.txt', tag: 'Issues', summary: 'The plain-text part', role: 'viewer', produces: 'text/plain' },
  { method: 'post', path: '/api/v1/issues/{id}/test', tag: 'Issues', summary: 'Send a test to up to 10 addresses', role: 'editor', body: testSendSchema },
  {
    method: 'post',
    path: '/api/v1/issues/{id}/schedule',
    tag: 'Scheduling',
    summary:
      'Schedule or reschedule (`sendAt` wall-clock in `timeZone`), to the whole list, a segment (`segment`: its id) and/or topics (`topics`: ids or keys; subscribers who receive at least one). The audience is stored on the issue as it is now (`audience`). While the issue has open warnings (placeholder or example links, untitled articles, importer notes, no postal address) it answers 409 `warnings_open` with them in `error.details.warnings`, unless `acknowledge: true`',
    role: 'editor',
    body: scheduleSchema,
    responses: {
      '409': {
        description: '`warnings_open` (the warnings, each `{code, params, message}`), or `invalid_state` when the issue is neither a draft nor scheduled',
        schema: 'WarningsOpen',
      },
    },
  },
  ...segmentOps(),
  {
    method: 'post',
    path: '/api/v1/issues/{id}/ready',
    tag: 'Scheduling',
    summary: 'Mark a draft ready for the next monthly slot (409 `invalid_state`, `details.reason: "no_slot"`, while no slot is set or it is off)',
    role: 'editor',
    body: z.object({ ready: z.boolean() }),
  },
  { method: 'post', path: '/api/v1/issues/{id}/pause', tag: 'Sending', summary: 'Pause a send', role: 'editor' },
  { method: 'post', path: '/api/v1/issues/{id}/resume', tag: 'Sending', summary: 'Resume a paused send', role: 'editor' },
  {
    method: 'post',
    path: '/api/v1/issues/{id}/cancel',
    tag: 'Sending',
    summary: 'Cancel a scheduled, sending or paused send (409 for a draft or a finished issue)',
    role: 'editor',
  },
  { method: 'post', path: '/api/v1/issues/{id}/retry-failed', tag: 'Sending', summary: 'Queue the failed recipients again', role: 'editor' },
  { method: 'get', path: '/api/v1/issues/{id}/progress', tag: 'Sending', summary: 'Ledger counts: queued, sending, sent, skipped, failed', role: 'viewer' },
  { method: 'get', path: '/api/v1/issues/{id}/failures', tag: 'Sending', summary: 'Failed recipients with reasons', role: 'viewer' },

  {
    method: 'get',
    path: '/api/v1/issues/{id}/stats',
    tag: 'Delivery',
    summary:
      'Recipients, sent, delivered, failed, bounces, complaints, opens (unique, total, likely human), unsubscribes; rates over sent; whether the transport reports delivery events; when the send started and finished',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/v1/issues/{id}/stats/timeline',
    tag: 'Delivery',
    summary: 'Hourly deliveries and opens over the first hours',
    role: 'viewer',
    query: { hours: 'how many hours (default 72)' },
  },
  {
    method: 'get',
    path: '/api/v1/issues/{id}/recipients',
    tag: 'Delivery',
    summary: "The delivery ledger with each recipient's state",
    role: 'viewer',
    query: { status: 'ledger or event state', q: 'address prefix', cursor: 'nextCursor' },
  },
  {
    method: 'post',
    path: '/webhooks/resend',
    tag: 'Delivery',
    summary: 'Resend delivery events, Svix-signed (svix-id, svix-timestamp, svix-signature)',
    role: 'public',
    body: { contentType: 'application/json', description: 'A Resend webhook event' },
  },

  {
    method: 'get',
    path: '/api/v1/outbox',
    tag: 'Outbox',
    summary: 'Messages the outbox transport holds (bodies and headers, without the open pixel, for admins only; others get id, to, subject, createdAt)',
    role: 'viewer',
    query: { to: 'bare address, case-insensitive', cursor: 'nextCursor', limit: '1–200' },
  },
  { method: 'get', path: '/api/v1/outbox/{id}', tag: 'Outbox', summary: 'One message (its body for admins only)', role: 'viewer' },
  { method: 'get', path: '/api/v1/outbox/{id}.eml', tag: 'Outbox', summary: 'The exact RFC 5322 message', role: 'admin', produces: 'message/rfc822' },
];

const roleText: Record<Role, string> = {
  public: 'No authentication.',
  viewer: 'Needs a token (or session) with the viewer role or above.',
  editor: 'Needs the editor role or above.',
  admin: 'Needs the admin role.',
};

function jsonSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return { type: 'object' };
  }
}

export function openApiDocument(publicUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const [name, description] of Object.entries(op.query ?? {}))
      params.push({ name, in: 'query', required: false, schema: { type: 'string' }, description } as never);
    const body =
      op.body === undefined
        ? undefined
        : 'contentType' in op.body
          ? { required: true, content: { [op.body.contentType]: { schema: { type: 'string', description: op.body.description } } } }
          : { required: true, content: { 'application/json': { schema: jsonSchema(op.body as z.ZodType) } } };
    (paths[op.path] ??= {})[op.method] = {
      tags: [op.tag],
      summary: op.summary,
      description: roleText[op.role],
      ...(op.role === 'public' ? { security: [] } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(body ? { requestBody: body } : {}),
      responses: {
        [op.ok ?? '200']: {
          description: op.ok === '204' ? 'Done, no content' : 'OK',
          ...(op.produces ? { content: { [op.produces]: {} } } : op.response ? { content: { 'application/json': { schema: op.response } } } : {}),
        },
        ...Object.fromEntries(
          Object.entries(op.responses ?? {}).map(([status, r]) => [
            status,
            { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.schema}` } } } } : {}) },
          ]),
        ),
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Quire API',
      version: '1',
      description: 'Newsletters with provable consent and clean links. Errors are `{error: {code, message, details?}}`; lists are `{items, nextCursor}`.',
    },
    servers: [{ url: publicUrl }],
    security: [{ bearer: [] }, { session: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `quire token create` or the admin' },
        session: { type: 'apiKey', in: 'cookie', name: 'quire_session', description: 'The admin session; non-GET requests also need the X-CSRF-Token header' },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} }, required: ['code', 'message'] },
          },
        },
        WarningsOpen: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: { const: 'warnings_open' },
                message: { type: 'string' },
                details: {
                  type: 'object',
                  properties: {
                    warnings: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          code: { type: 'string', description: 'e.g. sendux.warn.placeholderLinks' },
                          params: { type: 'object' },
                          message: { type: 'string' },
                        },
                        required: ['code', 'message'],
                      },
                    },
                  },
                },
              },
              required: ['code', 'message', 'details'],
            },
          },
        },
      },
    },
    paths,
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

/** Segments and topics (issue 24). */
function segmentOps(): Op[] {
  const condition = {
    type: 'object',
    properties: {
      field: { type: 'string', description: 'tag | status | language | subscribedAt | openedLastIssues | topic | attribute.KEY' },
      op: {
        type: 'string',
        description: 'is | isNot | contains | before | after | atLeast | atMost | anyOf | allOf | noneOf | isSet | isNotSet (which apply depends on the field)',
      },
      value: { description: 'a string, a number, a boolean or a list of tags, as the field and op want' },
    },
    required: ['field', 'op'],
  };
  const definition = z.object({
    match: z.enum(['all', 'any']).optional(),
    conditions: z.array(z.object({ field: z.string(), op: z.string(), value: z.unknown().optional() })),
  });
  const segment = {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      match: { type: 'string', enum: ['all', 'any'] },
      conditions: { type: 'array', items: condition },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  };
  const count = {
    type: 'object',
    properties: { count: { type: 'integer' }, sendable: { type: 'integer', description: 'of them, active with an address: who a send would reach now' } },
  };
  const topic = { type: 'object', properties: { id: { type: 'integer' }, key: { type: 'string' }, name: { type: 'string' }, position: { type: 'integer' } } };
  const S = '/api/v1/newsletters/{slug}/segments';
  const T = '/api/v1/newsletters/{slug}/topics';
  return [
    {
      method: 'get',
      path: S,
      tag: 'Segments',
      summary: 'The newsletter’s segments',
      role: 'viewer',
      response: { type: 'object', properties: { items: { type: 'array', items: segment } } },
    },
    {
      method: 'post',
      path: S,
      tag: 'Segments',
      summary: 'Save a segment `{name, match, conditions}` (a definition that does not check is a 422 naming each condition’s problem)',
      role: 'editor',
      body: segmentInputSchema,
      response: segment,
      ok: '201',
    },
    {
      method: 'post',
      path: `${S}/count`,
      tag: 'Segments',
      summary: 'Count a definition not saved yet (the builder’s live count)',
      role: 'viewer',
      body: definition,
      response: count,
    },
    { method: 'get', path: `${S}/{id}`, tag: 'Segments', summary: 'One segment', role: 'viewer', response: segment },
    {
      method: 'patch',
      path: `${S}/{id}`,
      tag: 'Segments',
      summary: 'Rename or change a segment (issues already scheduled keep the definition they were scheduled with)',
      role: 'editor',
      body: segmentInputSchema.partial(),
      response: segment,
    },
    {
      method: 'delete',
      path: `${S}/{id}`,
      tag: 'Segments',
      summary: 'Delete a segment (scheduled and sent issues keep their audience)',
      role: 'editor',
      ok: '204',
    },
    {
      method: 'get',
      path: `${S}/{id}/count`,
      tag: 'Segments',
      summary: 'How many subscribers the segment holds now, and how many a send would reach',
      role: 'viewer',
      response: count,
    },
    {
      method: 'get',
      path: T,
      tag: 'Topics',
      summary: 'The newsletter’s topics',
      role: 'viewer',
      response: { type: 'object', properties: { items: { type: 'array', items: topic } } },
    },
    {
      method: 'post',
      path: T,
      tag: 'Topics',
      summary: 'Add a topic `{name, key?}` (the key is made from the name when absent)',
      role: 'admin',
      body: z.object({ name: z.string(), key: z.string().optional() }),
      response: topic,
      ok: '201',
    },
    {
      method: 'patch',
      path: `${T}/{id}`,
      tag: 'Topics',
      summary: 'Rename or move a topic',
      role: 'admin',
      body: z.object({ name: z.string().optional(), position: z.number().int().optional() }),
      response: topic,
    },
    { method: 'delete', path: `${T}/{id}`, tag: 'Topics', summary: 'Delete a topic and every subscriber’s choice of it', role: 'admin', ok: '204' },
  ];
}

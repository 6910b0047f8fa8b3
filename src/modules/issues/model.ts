/**
 * The issue model: what an editor writes and what every renderer (MJML email, plain text,
 * web archive, RSS) reads. Importers produce it, the API validates it, the database stores
 * `IssueContent` as JSON beside the issue row.
 */
import { z } from 'zod';
import { type Message, type MessageKey, msg, type StoredMessage } from '../../i18n/index.ts';

export const sourceLinkSchema = z.object({
  url: z.string().min(1).max(2048),
  label: z.string().max(500).default(''),
});

export const imageSchema = z.object({
  url: z.string().min(1).max(2048),
  alt: z.string().max(500).default(''),
});

export const articleSchema = z.object({
  title: z.string().max(500).default(''),
  /** Markdown: paragraphs, lists, **bold**, links. Raw HTML is not rendered. */
  body: z.string().max(100_000).default(''),
  image: imageSchema.optional(),
  sources: z.array(sourceLinkSchema).max(50).default([]),
  /** e.g. "摘自：同一个地球网络网站" */
  attribution: z.string().max(500).optional(),
});

export const sectionSchema = z.object({
  title: z.string().max(500).default(''),
  articles: z.array(articleSchema).max(200).default([]),
});

export const footerSchema = z.object({
  /** Markdown. */
  disclaimer: z.string().max(10_000).optional(),
  editor: z.string().max(500).optional(),
  contact: z.string().max(500).optional(),
  /** Postal / organisation line required by CAN-SPAM. */
  organisation: z.string().max(1_000).optional(),
});

export const issueContentSchema = z.object({
  title: z.string().min(1, { message: 'validation.notEmpty' }).max(500),
  /** Free text such as "2023年第2期 总第12期". */
  volume: z.string().max(200).optional(),
  /** ISO date (YYYY-MM-DD) the issue is dated. */
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  language: z.string().max(35).default('zh-CN'),
  /** Markdown. */
  intro: z.string().max(100_000).optional(),
  sections: z.array(sectionSchema).max(100).default([]),
  footer: footerSchema.default({}),
});

export type SourceLink = z.infer<typeof sourceLinkSchema>;
export type Article = z.infer<typeof articleSchema>;
export type Section = z.infer<typeof sectionSchema>;
export type IssueFooter = z.infer<typeof footerSchema>;
export type IssueContent = z.infer<typeof issueContentSchema>;

/** One entry of the link-cleaning report an editor sees ("lint list"). */
export interface LinkLintEntry {
  /** Where the link is, e.g. "sections[1].articles[0].sources[0]". */
  where: string;
  original: string;
  /** The link's words (Markdown link text, a source's label), when it has some. */
  text?: string;
  /** The URL after cleaning; null when the link is a placeholder or unusable and will not be sent. */
  cleaned: string | null;
  /** What was done, as catalog messages (`link.*`); plain text in rows written before messages had keys. */
  changes: StoredMessage[];
  severity: 'info' | 'warning';
}

export type IssueStatus = 'draft' | 'scheduled' | 'sending' | 'sent' | 'cancelled' | 'paused' | 'published';

/** A status (of an issue or a subscriber) as people name it: `status.draft` → "draft" / "草稿". */
export const statusMessage = (status: string): Message => msg(`status.${status}` as MessageKey);

/**
 * What a CSV column is, from its header: shared by the import (server) and the admin's mapping
 * step (browser), so the page guesses what the server would do without a mapping. Also how a
 * header becomes an attribute key: "Organisation" → `organisation`, "Job title" → `job_title`,
 * a header with no Latin letters (国家) → a stable `f_…` key (the header stays its label).
 */

export type BuiltInColumn = 'email' | 'name' | 'language' | 'tags';
/** A column's role in an import mapping. */
export type ColumnTarget = BuiltInColumn | 'ignore' | `attribute:${string}`;

/** An attribute key: a lower-case letter, then letters, digits or underscores, 40 at most. */
export const FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/;

/** Header names (lower-cased, spaces, dashes and underscores removed) → our column. */
const HEADER_ALIASES: Record<string, BuiltInColumn> = {
  email: 'email',
  emailaddress: 'email',
  mail: 'email',
  mailaddress: 'email',
  emailadresse: 'email',
  courriel: 'email',
  correo: 'email',
  correoelectronico: 'email',
  邮箱: 'email',
  邮件: 'email',
  电子邮箱: 'email',
  电子邮件: 'email',
  邮箱地址: 'email',
  邮件地址: 'email',
  电子邮件地址: 'email',
  name: 'name',
  fullname: 'name',
  displayname: 'name',
  nom: 'name',
  nombre: 'name',
  姓名: 'name',
  名字: 'name',
  名称: 'name',
  language: 'language',
  lang: 'language',
  locale: 'language',
  语言: 'language',
  tags: 'tags',
  tag: 'tags',
  labels: 'tags',
  标签: 'tags',
};

export function mapHeader(h: string): BuiltInColumn | null {
  const k = h
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.:：]/g, '');
  return HEADER_ALIASES[k] ?? null;
}

/** The attribute key a header becomes when nobody chose one. */
export function fieldKeyOf(header: string): string {
  const ascii = header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (ascii && /[a-z]/.test(ascii) && ascii.replace(/_/g, '').length * 2 >= header.trim().length) {
    const k = /^[a-z]/.test(ascii) ? ascii : `f_${ascii}`;
    return k.slice(0, 40).replace(/_+$/, '');
  }
  // Mostly not Latin (国家, 单位名称): a key from the header's hash, the same for the same header.
  return `f_${hash32(header.trim().normalize('NFKC')).toString(36)}`;
}

/** What a column is when no mapping says: a known header, else an attribute under its header's key. */
export function defaultTarget(header: string): ColumnTarget {
  return mapHeader(header) ?? (header.trim() ? `attribute:${fieldKeyOf(header)}` : 'ignore');
}

/** Tags in a cell: split on `,` or `;` (and their full-width forms), trimmed, each once. */
export function splitTags(cell: string): string[] {
  const out: string[] = [];
  for (const part of cell.split(/[,;，；、]/)) {
    const t = part.trim();
    if (t && !out.includes(t)) out.push(t);
  }
  return out;
}

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The first records of a CSV text (the header and a few rows), for the mapping step's samples:
 * quoted fields with commas, doubled quotation marks and line breaks; a BOM is dropped. The text
 * may stop mid-record (a slice of a large file): a record not ended is left out, unless it is the
 * header.
 */
export function peekCsv(text: string, maxRecords: number): string[][] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: string[][] = [];
  let rec: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    rec.push(field);
    field = '';
    if (rec.length > 1 || rec[0]!.trim() !== '') out.push(rec);
    rec = [];
  };
  while (i < s.length && out.length < maxRecords) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      rec.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRecord();
    } else field += c;
    i++;
  }
  if (out.length === 0 && (rec.length || field)) endRecord();
  return out;
}

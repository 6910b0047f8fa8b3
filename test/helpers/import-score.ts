/**
 * Scores an import against a golden file of test/fixtures/corpus: titles right, sections right,
 * text kept, and the front page and footer. Each score is 0…1; the corpus test wants 1 for each.
 */
import { type ImportResult, findLostText } from '../../src/content/import/index.ts';
import { comparable } from '../../src/content/import/text.ts';
import { cleanUrl } from '../../src/content/links.ts';
import type { IssueContent } from '../../src/modules/issues/model.ts';

export interface ExpectedArticle {
  title: string;
  /** Phrases that must be in this article's body (or attribution). */
  mustContain?: string[];
  /** URLs (after cleaning) that must be among its sources. */
  sources?: string[];
}

export interface ExpectedIssue {
  description: string;
  format?: 'markdown' | 'text';
  title: string;
  volume?: string;
  /** "none": no intro; "prose": an intro of prose (no link, address or tagline alone). */
  intro: 'none' | 'prose';
  sections: { title: string; articles: ExpectedArticle[] }[];
  footer?: { editor?: string; contact?: string[]; disclaimer?: string };
  /** Note keys that must be among the warnings. */
  notes?: string[];
}

export interface Score {
  titles: number;
  sections: number;
  text: number;
  front: number;
  problems: string[];
}

const same = (a: string | undefined, b: string | undefined) => comparable(a ?? '') === comparable(b ?? '');

export function scoreImport(source: string, result: ImportResult, expected: ExpectedIssue): Score {
  const { content } = result;
  const problems: string[] = [];

  // Sections: same names, same order.
  const sectionCount = Math.max(expected.sections.length, content.sections.length);
  let sectionsRight = 0;
  expected.sections.forEach((s, i) => {
    if (same(content.sections[i]?.title, s.title)) sectionsRight++;
    else problems.push(`section ${i}: expected “${s.title}”, got “${content.sections[i]?.title ?? '(none)'}”`);
  });
  if (content.sections.length > expected.sections.length) problems.push(`${content.sections.length - expected.sections.length} extra section(s)`);

  // Titles: every article title at its place (section, index), and no extra article.
  const expectedArticles = expected.sections.flatMap((s, i) => s.articles.map((a, j) => ({ ...a, i, j })));
  const actualCount = content.sections.reduce((n, s) => n + s.articles.length, 0);
  let titlesRight = 0;
  let checks = 0;
  let checksRight = 0;
  for (const a of expectedArticles) {
    const got = content.sections[a.i]?.articles[a.j];
    if (same(got?.title, a.title)) titlesRight++;
    else problems.push(`article ${a.i}.${a.j}: expected “${a.title}”, got “${got?.title ?? '(none)'}”`);
    for (const phrase of a.mustContain ?? []) {
      checks++;
      if (got && comparable(`${got.body}\n${got.attribution ?? ''}`).includes(comparable(phrase))) checksRight++;
      else problems.push(`article ${a.i}.${a.j} lacks “${phrase}”`);
    }
    for (const url of a.sources ?? []) {
      checks++;
      if (got?.sources.some((s) => s.url === url)) checksRight++;
      else problems.push(`article ${a.i}.${a.j} lacks the source ${url}`);
    }
  }
  if (actualCount > expectedArticles.length) problems.push(`${actualCount - expectedArticles.length} extra article(s)`);

  // Text kept: nothing lost (the safety net found nothing to add), and every source URL is a link.
  const lost = findLostText(source, content, result.setAside);
  const lostNote = result.warnings.some((w) => w.key === 'import.lostText');
  if (lost.length > 0 || lostNote) problems.push(`lost text: ${lost.slice(0, 3).join(' | ') || '(placed in the intro by the safety net)'}`);
  // A URL cut by a line end counts as kept when the content links to it joined.
  const linked = contentUrls(content);
  const missingUrls = sourceUrls(source).filter((u) => !linked.some((l) => l === u || l.startsWith(u)));
  if (missingUrls.length > 0) problems.push(`URLs not kept as links: ${missingUrls.join(', ')}`);
  checks += 2;
  checksRight += (lost.length === 0 && !lostNote ? 1 : 0) + (missingUrls.length === 0 ? 1 : 0);

  // Front page and footer.
  let front = 0;
  let frontChecks = 0;
  const check = (ok: boolean, problem: string) => {
    frontChecks++;
    if (ok) front++;
    else problems.push(problem);
  };
  check(same(content.title, expected.title), `title: expected “${expected.title}”, got “${content.title}”`);
  if (expected.format) check(result.format === expected.format, `format: expected ${expected.format}, got ${result.format}`);
  check(same(content.volume, expected.volume), `volume: expected “${expected.volume ?? ''}”, got “${content.volume ?? ''}”`);
  const intro = content.intro?.trim() ?? '';
  check(
    expected.intro === 'none' ? intro === '' : intro !== '' && !/^(?:<?https?:|mailto:|www\.)\S+>?$/m.test(intro),
    `intro: expected ${expected.intro}, got “${intro.slice(0, 40)}”`,
  );
  if (expected.footer?.editor !== undefined) check(content.footer.editor === expected.footer.editor, `editor: got “${content.footer.editor ?? ''}”`);
  for (const c of expected.footer?.contact ?? []) {
    check((content.footer.contact ?? '').split(' · ').includes(c), `contact ${c} missing from “${content.footer.contact ?? ''}”`);
  }
  if (expected.footer?.disclaimer) check((content.footer.disclaimer ?? '').includes(expected.footer.disclaimer), 'disclaimer missing');
  for (const key of expected.notes ?? [])
    check(
      result.warnings.some((w) => w.key === key),
      `no ${key} note`,
    );

  return {
    titles: expectedArticles.length === 0 && actualCount === 0 ? 1 : titlesRight / Math.max(expectedArticles.length, actualCount),
    sections: sectionCount === 0 ? 1 : sectionsRight / sectionCount,
    text: checksRight / checks,
    front: frontChecks === 0 ? 1 : front / frontChecks,
    problems,
  };
}

/** The http(s) URLs of a source, as the cleaner leaves them (tracking parameters off). */
export function sourceUrls(source: string): string[] {
  const found = source.match(/(?:https?:\/{0,2}|www\.)[^\s<>()\]\p{Script=Han}\u3000-\u303F\uFF00-\uFFEF“”]+/giu) ?? [];
  return [...new Set(found.map((u) => normaliseUrl(cleanUrl(u.replace(/[.,;:]+$/, '')).url ?? u)))];
}

/** Every URL the content links to (sources, body links and bare URLs, image, footer contacts). */
export function contentUrls(content: IssueContent): string[] {
  const urls: string[] = [];
  const fromText = (t: string | undefined) => {
    for (const m of (t ?? '').matchAll(/\]\(([^)\s]+)\)|<(https?:[^>\s]+)>|(?<!\]\(|<)(https?:\/\/[^\s<>()\p{Script=Han}\uFF00-\uFFEF“”]+)/gu)) {
      urls.push(m[1] ?? m[2] ?? m[3]!);
    }
  };
  fromText(content.intro);
  for (const s of content.sections) {
    for (const a of s.articles) {
      urls.push(...a.sources.map((x) => x.url));
      if (a.image) urls.push(a.image.url);
      fromText(a.body);
      fromText(a.attribution);
    }
  }
  fromText(content.footer.disclaimer);
  for (const c of (content.footer.contact ?? '').split(' · ')) urls.push(c);
  return urls.map((u) => normaliseUrl(u.replace(/[.,;:]+$/, '')));
}

function normaliseUrl(u: string): string {
  return u
    .replace(/^https?:\/*/i, '')
    .replace(/^www\./i, '')
    .replace(/\/$/, '')
    .toLowerCase();
}

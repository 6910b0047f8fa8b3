/**
 * The importer's promise: no sentence of the source is lost. Everything is compared on letters
 * and digits only (whitespace, punctuation, Markdown markup and URLs removed), so joining broken
 * lines, dropping brackets around an attribution or turning a bullet into a Markdown list does
 * not count as a loss, while a missing word does.
 */
import type { IssueContent } from '../../modules/issues/model.ts';
import { CONTACT_LINE, EDITOR_LINE, URL_IN_TEXT, comparable, isTocMarker, similarity } from './text.ts';

/** Every piece of text an issue shows, in one string. */
export function issueText(content: IssueContent): string {
  const parts: (string | undefined)[] = [content.title, content.volume, content.intro];
  for (const section of content.sections) {
    parts.push(section.title);
    for (const a of section.articles) {
      parts.push(a.title, a.body, a.attribution, a.image?.alt, ...a.sources.map((s) => s.label));
    }
  }
  const f = content.footer;
  parts.push(f.disclaimer, f.editor, f.contact, f.organisation);
  return parts.filter((p): p is string => p !== undefined).join('\n');
}

/**
 * The sentences of `source` (split on 。！？, Latin sentence ends and line breaks) that do not
 * appear in `content`. A whole line that repeats a section or article title is a contents entry
 * and needs no other place. `setAside`: text left out on purpose and named in a note (a running
 * header, a logo tagline); it counts as kept.
 */
export function findLostText(source: string, content: IssueContent, setAside: readonly string[] = []): string[] {
  const output = comparable(`${issueText(content)}\n${setAside.join('\n')}`);
  const titles = content.sections.flatMap((s) => [s.title, ...s.articles.map((a) => a.title)]).filter((t) => t !== '');
  const links = content.sections.flatMap((s) => s.articles.flatMap((a) => a.sources.map((l) => l.url)));
  const lost: string[] = [];
  for (let line of source.replace(/\r\n?/g, '\n').split('\n')) {
    const whole = comparable(line);
    if (whole === '' || output.includes(whole) || isTocMarker(line)) continue;
    if (titles.some((t) => similarity(t, line) >= 0.75)) continue;
    // The tail of a URL the line end cut: it is in the joined link.
    const bare = line.trim();
    if (bare !== '' && !/\s/.test(bare) && links.some((u) => u.endsWith(bare))) continue;
    // The footer keeps the editor's name; the email prints the label ("编辑：") itself.
    // Likewise "联系我们 Contact:" before an address: the footer prints its own label.
    line = line.replace(EDITOR_LINE, '').replace(/mailto:/gi, '');
    if (/@|https?:|www\./i.test(line)) line = line.replace(CONTACT_LINE, '');
    // URLs go first: their "?" and "." must not split sentences.
    const prose = line.replace(/\]\([^)]*\)/g, ']').replace(URL_IN_TEXT, ' ');
    for (const sentence of prose.split(/(?<=[。！？])|(?<=[.!?;])\s+/)) {
      const key = comparable(sentence);
      if (key !== '' && !output.includes(key)) lost.push(sentence.trim());
    }
  }
  return lost;
}

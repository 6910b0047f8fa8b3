/** An article body as paragraphs, the way structure ops and notes count them; no dependencies (the editor's browser script uses it too). */

/**
 * An article body's paragraphs: blocks separated by one or more blank lines (a line of only
 * spaces is blank), leading and trailing blank lines ignored. Paragraph indexes in ops and notes
 * count these blocks; `joinParagraphs` writes them back with one blank line between.
 */
export function paragraphsOf(body: string): string[] {
  const text = body
    .replace(/\r\n?/g, '\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .replace(/(?:\n[ \t]*)+$/, '');
  if (!text.trim()) return [];
  return text.split(/\n(?:[ \t]*\n)+/);
}

export const joinParagraphs = (paragraphs: readonly string[]): string => paragraphs.join('\n\n');

/** A paragraph as a single line of plain text: heading marks, list marks and bold/italic wrappers gone. */
export function plainLine(paragraph: string): string {
  return paragraph
    .split('\n')
    .map((l) => l.trim())
    .join(' ')
    .replace(/^#{1,6}\s+/, '')
    .replace(/\s+#+$/, '')
    .replace(/^(\*\*|__)(.*)\1$/, '$2')
    .replace(/^(\*|_)(.*)\1$/, '$2')
    .trim();
}

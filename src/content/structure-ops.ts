/**
 * Structural edits of an issue (issue 20): what the editor's structure tools do and what an
 * importer note's "likely fix" button applies. Positions are indexes into `IssueContent.sections`
 * and each section's `articles`; a paragraph is one block of an article body split on blank lines.
 *
 * This file is the contract between the importer (which proposes ops in its notes) and the editor
 * (which applies them with `applyStructureOp`, implemented beside this type).
 */

/** Where a note or an op points: a section, optionally an article in it, optionally a paragraph of its body. */
export interface ContentPlace {
  section: number;
  article?: number;
  paragraph?: number;
}

export type StructureOp =
  /** Split the article before paragraph `paragraph`: that paragraph and the rest become a new article after it. */
  | { op: 'split'; section: number; article: number; paragraph: number }
  /** Merge the article into the previous one (its title, if any, becomes a sub-heading). */
  | { op: 'mergePrevious'; section: number; article: number }
  /** Paragraph `paragraph` (a short line) becomes the article's title (the old title, if any, a sub-heading). */
  | { op: 'makeTitle'; section: number; article: number; paragraph: number }
  /** Paragraph `paragraph` becomes a sub-heading (`### …`) inside the body. */
  | { op: 'makeSubheading'; section: number; article: number; paragraph: number }
  /** Move an article up/down within its section, or to the end of another section. */
  | { op: 'moveArticle'; section: number; article: number; to: { section: number; index: number } }
  | { op: 'addArticle'; section: number; index: number }
  | { op: 'deleteArticle'; section: number; article: number }
  | { op: 'addSection'; index: number }
  | { op: 'deleteSection'; section: number }
  | { op: 'moveSection'; section: number; to: number };

export type StructureOpKind = StructureOp['op'];

/**
 * An importer note with its place: a catalog message (as the importer's other notes are) plus where
 * it points, the first words of the text concerned, and the op that is the likely fix. Stored in
 * `issues.import_warnings` like every note; older notes are plain messages without a place.
 */
export interface PlacedNote {
  key: string;
  params?: Record<string, unknown>;
  place?: ContentPlace & { excerpt?: string };
  fix?: StructureOp;
}

/**
 * The only place that imports MJML. In Node this is the `mjml` package; the Worker build
 * aliases `mjml` → `mjml-browser` (wrangler.toml `[alias]`), which exports the same async
 * `mjml2html(input, options)` but without file-system features (mj-include, .mjmlconfig).
 */
import mjml2html from 'mjml';

export interface CompiledMjml {
  html: string;
  /** Validation problems, one line each ("line 12 (mj-text): Attribute foo is illegal"). */
  errors: string[];
}

/**
 * Compiles an MJML document. Validation is 'soft': problems are reported, never thrown, so an
 * editor's preview still renders; callers decide whether errors block a send.
 */
export async function compileMjml(mjml: string): Promise<CompiledMjml> {
  const result = await mjml2html(mjml, {
    validationLevel: 'soft',
    keepComments: false,
    // No web-font <link>s: the CJK stack relies on system fonts.
    fonts: {},
    // Templates are code; never let content pull files in.
    ignoreIncludes: true,
  });
  return {
    html: result.html,
    errors: result.errors.map((e) => `line ${e.line} (${e.tagName}): ${e.message}`),
  };
}

/**
 * Types for the one `mjml` import (src/mail/render/mjml.ts). The package ships none and
 * @types/mjml is not a dependency. On Workers the bundler aliases `mjml` to `mjml-browser`,
 * whose default export has the same call signature (also async in 5.x).
 */
declare module 'mjml' {
  export interface MjmlError {
    line: number;
    message: string;
    tagName: string;
    formattedMessage: string;
  }
  export interface MjmlOptions {
    validationLevel?: 'strict' | 'soft' | 'skip';
    keepComments?: boolean;
    beautify?: boolean;
    minify?: boolean;
    fonts?: Record<string, string>;
    ignoreIncludes?: boolean;
    filePath?: string;
  }
  export interface MjmlResult {
    html: string;
    errors: MjmlError[];
    json?: unknown;
  }
  export default function mjml2html(input: string, options?: MjmlOptions): Promise<MjmlResult>;
}

/** The page shell every server-rendered page uses: one style sheet (src/ui/client/base.css), light and dark. */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { assetPath } from './assets.ts';

export function Page(props: { title: string; lang?: string; children?: Child; head?: Child; theme?: 'light' | 'dark' | undefined; bodyClass?: string }) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={props.lang ?? 'en'} data-theme={props.theme}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>{props.title}</title>
          <link rel="stylesheet" href={assetPath('base.css')} />
          {props.head}
        </head>
        <body class={props.bodyClass}>{props.children}</body>
      </html>
    </>
  );
}

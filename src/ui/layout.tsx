/** The page shell every server-rendered page uses: one stylesheet, light and dark, no build step. */
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

export const baseCss = `
:root{color-scheme:light dark;--bg:#f7f8f6;--fg:#1d2520;--muted:#5b6660;--card:#fff;--line:#dfe4e0;--accent:#1f6f4a;--accent-fg:#fff;--danger:#b42318;--ok:#1f6f4a;--warn:#9a6700;
font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Noto Sans SC',Helvetica,Arial,sans-serif;line-height:1.6}
@media (prefers-color-scheme:dark){:root{--bg:#121614;--fg:#e4ebe6;--muted:#9aa69f;--card:#1b211e;--line:#2c3531;--accent:#4fbf8a;--accent-fg:#0c1a13;--danger:#ff8a80;--ok:#4fbf8a;--warn:#e3b341}}
[data-theme=light]{color-scheme:light;--bg:#f7f8f6;--fg:#1d2520;--muted:#5b6660;--card:#fff;--line:#dfe4e0;--accent:#1f6f4a;--accent-fg:#fff;--danger:#b42318;--ok:#1f6f4a;--warn:#9a6700}
[data-theme=dark]{color-scheme:dark;--bg:#121614;--fg:#e4ebe6;--muted:#9aa69f;--card:#1b211e;--line:#2c3531;--accent:#4fbf8a;--accent-fg:#0c1a13;--danger:#ff8a80;--ok:#4fbf8a;--warn:#e3b341}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem 4rem}
header.site{border-bottom:1px solid var(--line);background:var(--card)}header.site div{max-width:46rem;margin:0 auto;padding:.75rem 1.25rem;display:flex;gap:1rem;align-items:center}
header.site a.brand{font-weight:700;text-decoration:none;color:var(--fg);letter-spacing:.02em}
h1{font-size:1.6rem;line-height:1.3;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:2rem 0 .75rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1.25rem 1.25rem}
.muted{color:var(--muted)}.small{font-size:.875rem}
ul.plain{list-style:none;padding:0;margin:0}ul.plain li{padding:.75rem 0;border-top:1px solid var(--line)}ul.plain li:first-child{border-top:0}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input[type=email],input[type=text],input[type=password],input[type=url],select,textarea{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--fg)}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid color-mix(in srgb,var(--accent) 45%,transparent);outline-offset:2px}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.65rem 1.1rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}
.error{color:var(--danger)}.notice{border-left:4px solid var(--accent);padding:.6rem .9rem;background:var(--card)}
code,kbd{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
`;

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
          {/* raw: the JSX text escaper would turn the quotes in font names into entities */}
          <style>{raw(baseCss)}</style>
          {props.head}
        </head>
        <body class={props.bodyClass}>{props.children}</body>
      </html>
    </>
  );
}

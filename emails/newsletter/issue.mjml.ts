/**
 * The newsletter issue template, as code: Workers have no file system, so the MJML is built
 * here from a prepared `IssueView` (see src/mail/render/issue.ts) instead of read from a file.
 *
 * Trust boundary: every `string` field of the view is plain text and is escaped here; only
 * fields named `…Html` carry HTML, and those come from our own markdown renderer
 * (src/mail/render/markdown.ts), which escapes raw HTML and allows only http(s)/mailto links.
 */

/** CJK-first font stack; Latin falls through to the system UI fonts. */
export const FONT_STACK = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Noto Sans SC',-apple-system,'Segoe UI',Helvetica,Arial,sans-serif";

/** Palette: restrained, one deep-green accent. Dark-mode values live in the mj-style below. */
export const COLORS = {
  accent: '#1f6f4a',
  accentSoft: '#cfe6d9',
  page: '#eef3f0',
  card: '#ffffff',
  text: '#1f2a24',
  muted: '#5b6b62',
  rule: '#dfe7e2',
} as const;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** Chrome strings (everything the template writes that is not the editor's content), from the catalogs: src/mail/render/chrome.ts. */
export interface ChromeStrings {
  viewInBrowser: string;
  contents: string;
  backToContents: string;
  unsubscribe: string;
  preferences: string;
  sources: string;
  /** Label before the source list in the plain-text part (with its own punctuation). */
  sourcesText: string;
  /** Plain-text stand-in for an article's image, before its alt text. */
  imageText: string;
  editor: string;
  contact: string;
  subscribe: string;
  readOnline: string;
  inThisIssue: string;
  /** Shown where the editor wrote {{name}} and the subscriber has no name. */
  nameFallback: string;
  issueNumber: (n: number) => string;
  receivedBecause: (newsletterName: string) => string;
  archiveNote: (newsletterName: string) => string;
  /** An issue's title with its volume, for a page's <title>: "March news (Vol. 3)", 《简报》2026年第3期. */
  fullTitle: (title: string, volume: string) => string;
  /** The web version's link back to the archive list ("← All issues"). */
  allIssues: string;
  formatDate: (isoDate: string) => string;
  /** Separator used between label and value, e.g. "编辑：" vs "Editor: ". */
  colon: string;
}

export interface IssueViewSource {
  /** Only http(s)/mailto URLs reach the view (see issue.ts); others are dropped to text. */
  url: string | null;
  label: string;
}

export interface IssueViewArticle {
  /** Anchor id, e.g. "s1-2". */
  id: string;
  title: string;
  bodyHtml: string;
  image?: { url: string; alt: string };
  attribution?: string;
  sources: IssueViewSource[];
}

export interface IssueViewSection {
  /** Anchor id, e.g. "s1"; the table of contents links to `#${id}`. */
  id: string;
  /** Display number, e.g. "01". */
  number: string;
  title: string;
  articles: IssueViewArticle[];
}

export interface IssueView {
  /** BCP 47 language tag, already validated. */
  lang: string;
  strings: ChromeStrings;
  newsletterName: string;
  title: string;
  /** The document's <title>: the title with its volume when the title does not say it. */
  documentTitle: string;
  /** e.g. "2023年第2期 总第12期 · 2023年3月15日". */
  meta: string;
  preheader: string;
  /** "View in browser" target; null hides the link (the web archive is the browser view). */
  browserUrl: string | null;
  introHtml: string | null;
  sections: IssueViewSection[];
  footer: {
    disclaimerHtml: string | null;
    editor: string | null;
    /** Free text; emails and http(s) URLs in it are linked. */
    contact: string | null;
    organisation: string | null;
  };
  /** Email: per-recipient placeholder URLs. Web archive: the signup page and the archive list. */
  links: { kind: 'email'; unsubscribeUrl: string; preferencesUrl: string } | { kind: 'archive'; signupUrl: string; listUrl: string; nav?: ArchiveNav };
}

/** The web version's way to the issues before and after it in the archive (labels already in the page's language). */
export interface ArchiveNav {
  older: { url: string; label: string; title: string } | null;
  newer: { url: string; label: string; title: string } | null;
}

// Inline styles shared by the fragments below. Classes are hooks for the dark-mode and phone
// media queries; the inline styles are what clients without <style> support (Gmail app) get.
const LINK = `color:${COLORS.accent};text-decoration:underline;`;
const MUTED = `color:${COLORS.muted};`;
// Long URLs as link text must wrap on a 375 px screen instead of widening the layout.
const URL_TEXT = 'word-break:break-all;overflow-wrap:anywhere;';

function link(href: string, text: string, style = LINK, cls = 'q-link'): string {
  return `<a href="${escapeHtml(href)}" class="${cls}" style="${style}">${escapeHtml(text)}</a>`;
}

/** Links emails and http(s) URLs inside a free-text contact line; escapes everything else. */
function contactHtml(contact: string): string {
  return contact
    .split(/(\s+)/)
    .map((part) => {
      const bare = part.replace(/^<(.*)>$/, '$1');
      if (/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(bare)) return link(`mailto:${bare}`, bare);
      if (/^https?:\/\/[^\s<>"]+$/i.test(bare)) return link(bare, bare, LINK + URL_TEXT);
      return escapeHtml(part);
    })
    .join('');
}

function sourceListHtml(view: IssueView, sources: IssueViewSource[]): string {
  if (sources.length === 0) return '';
  const items = sources
    .map((s) => {
      const label = s.label.trim();
      if (!s.url) return `<li style="margin:0 0 8px;">${escapeHtml(label)}</li>`;
      // Without a label (or when the label is the URL) the URL itself is the link.
      if (!label || label === s.url) return `<li style="margin:0 0 8px;">${link(s.url, s.url, LINK + URL_TEXT)}</li>`;
      // Otherwise the label is the link and the URL is shown, muted, so readers see where it goes.
      const urlLine = link(s.url, s.url, `${MUTED}font-size:13px;text-decoration:none;${URL_TEXT}`, 'q-url');
      return `<li style="margin:0 0 8px;">${link(s.url, label)}<br>${urlLine}</li>`;
    })
    .join('');
  return (
    `<p class="q-label" style="margin:16px 0 6px;font-size:13px;font-weight:700;letter-spacing:.5px;${MUTED}">${escapeHtml(view.strings.sources)}</p>` +
    `<ul style="margin:0;padding:0 0 0 18px;font-size:14px;line-height:1.6;">${items}</ul>`
  );
}

function articleMjml(view: IssueView, article: IssueViewArticle, first: boolean): string {
  const parts: string[] = [];
  if (!first) parts.push(`<mj-divider css-class="q-p q-rule" padding="8px 28px 20px" />`);
  if (article.title) {
    parts.push(
      `<mj-text css-class="q-p"><h3 id="${escapeHtml(article.id)}" class="q-h" style="margin:0 0 12px;font-size:19px;line-height:1.5;font-weight:700;color:${COLORS.text};">${escapeHtml(article.title)}</h3></mj-text>`,
    );
  }
  if (article.image) {
    // q-img: in dark mode the image itself gets a white backdrop (see styles()), so transparent
    // images with dark line art stay legible.
    parts.push(`<mj-image css-class="q-p q-img" src="${escapeHtml(article.image.url)}" alt="${escapeHtml(article.image.alt)}" padding="0 28px 16px" />`);
  }
  const attribution = article.attribution ? `<p class="q-muted" style="margin:4px 0 0;font-size:14px;${MUTED}">${escapeHtml(article.attribution)}</p>` : '';
  // The web version links every article (`#a-1-2`); an article without a title carries its anchor on its body.
  const bodyId = !article.title && view.links.kind === 'archive' ? ` id="${escapeHtml(article.id)}"` : '';
  parts.push(
    `<mj-text css-class="q-p" padding="0 28px 16px"><div class="q-body"${bodyId} style="overflow-wrap:break-word;">${article.bodyHtml}</div>${attribution}${sourceListHtml(view, article.sources)}</mj-text>`,
  );
  return parts.join('\n');
}

function sectionMjml(view: IssueView, section: IssueViewSection): string {
  const heading = `<mj-text css-class="q-p" padding="28px 28px 4px"><h2 id="${escapeHtml(section.id)}" class="q-h" style="margin:0;padding:0 0 10px;border-bottom:2px solid ${COLORS.accent};font-size:21px;line-height:1.5;font-weight:700;color:${COLORS.text};"><span class="q-num" style="color:${COLORS.accent};margin-right:10px;">${escapeHtml(section.number)}</span>${escapeHtml(section.title)}</h2></mj-text>`;
  const articles = section.articles.map((a, i) => articleMjml(view, a, i === 0)).join('\n');
  const back = `<mj-text css-class="q-p" padding="0 28px 20px" align="right" font-size="13px"><a href="#contents" class="q-link" style="${MUTED}text-decoration:none;">↑ ${escapeHtml(view.strings.backToContents)}</a></mj-text>`;
  return `<mj-section css-class="q-card" background-color="${COLORS.card}" padding="0"><mj-column>
${heading}
<mj-spacer height="16px" />
${articles}
${back}
</mj-column></mj-section>`;
}

function tocHtml(view: IssueView): string {
  const items = view.sections
    .map((s) => {
      const articles = s.articles
        .filter((a) => a.title)
        .map(
          (a) =>
            `<li style="margin:4px 0;"><a href="#${escapeHtml(a.id)}" class="q-link q-toc" style="color:${COLORS.text};text-decoration:none;">${escapeHtml(a.title)}</a></li>`,
        )
        .join('');
      const sub = articles ? `<ul style="margin:4px 0 10px;padding:0 0 0 34px;list-style:none;font-size:15px;${MUTED}">${articles}</ul>` : '';
      return `<li style="margin:8px 0 0;"><span class="q-num" style="color:${COLORS.accent};font-weight:700;display:inline-block;min-width:34px;">${escapeHtml(s.number)}</span><a href="#${escapeHtml(s.id)}" class="q-link" style="color:${COLORS.accent};font-weight:700;text-decoration:none;">${escapeHtml(s.title)}</a>${sub}</li>`;
    })
    .join('');
  return `<h2 id="contents" class="q-h" style="margin:0 0 4px;font-size:15px;font-weight:700;letter-spacing:1px;color:${COLORS.muted};">${escapeHtml(view.strings.contents)}</h2><ul style="margin:0;padding:0;list-style:none;">${items}</ul>`;
}

function footerHtml(view: IssueView): string {
  const s = view.strings;
  const lines: string[] = [];
  if (view.footer.disclaimerHtml) lines.push(`<div class="q-muted" style="margin:0 0 12px;">${view.footer.disclaimerHtml}</div>`);
  const who: string[] = [];
  if (view.footer.editor) who.push(`${escapeHtml(s.editor)}${escapeHtml(s.colon)}${escapeHtml(view.footer.editor)}`);
  if (view.footer.contact) who.push(`${escapeHtml(s.contact)}${escapeHtml(s.colon)}${contactHtml(view.footer.contact)}`);
  if (who.length) lines.push(`<p style="margin:0 0 12px;">${who.join('<br>')}</p>`);
  if (view.footer.organisation) lines.push(`<p style="margin:0 0 12px;">${escapeHtml(view.footer.organisation)}</p>`);
  const footLink = `${MUTED}text-decoration:underline;font-weight:700;`;
  if (view.links.kind === 'email') {
    lines.push(`<p style="margin:0 0 8px;">${escapeHtml(s.receivedBecause(view.newsletterName))}</p>`);
    lines.push(
      `<p style="margin:0;">${link(view.links.unsubscribeUrl, s.unsubscribe, footLink, 'q-link q-foot')}&nbsp;&nbsp;·&nbsp;&nbsp;${link(view.links.preferencesUrl, s.preferences, footLink, 'q-link q-foot')}</p>`,
    );
  } else {
    lines.push(`<p style="margin:0 0 8px;">${escapeHtml(s.archiveNote(view.newsletterName))}</p>`);
    lines.push(`<p style="margin:0;">${link(view.links.signupUrl, s.subscribe, footLink, 'q-link q-foot')}</p>`);
  }
  return lines.join('');
}

/**
 * Dark-mode and phone rules; inline styles carry the light design everywhere else. MJML puts
 * mj-body's css-class on <body> but its background on the full-width wrapper <div> inside it,
 * hence `.q-bg > div`: without it the page around the cards stays light in dark mode.
 */
function styles(): string {
  return `
:root { color-scheme: light dark; supported-color-schemes: light dark; }
.q-body p:last-child { margin-bottom: 0 !important; }
@media only screen and (max-width: 480px) {
  .q-p { padding-left: 20px !important; padding-right: 20px !important; }
  .q-title div { font-size: 23px !important; }
}
@media (prefers-color-scheme: dark) {
  body, .q-bg, .q-bg > div, .q-page, .q-page > table { background: #0f1512 !important; background-color: #0f1512 !important; }
  .q-card, .q-card > table { background: #18211c !important; background-color: #18211c !important; }
  .q-img img { background-color: #ffffff !important; }
  .q-mast, .q-mast > table { background: #174f36 !important; background-color: #174f36 !important; }
  .q-card div, .q-card p, .q-card li, .q-card h2, .q-card h3, .q-card td { color: #e2ebe5 !important; }
  .q-card .q-muted, .q-card .q-muted p, .q-card .q-label, .q-card .q-url, .q-page div, .q-page p { color: #9fb3a7 !important; }
  .q-card a, .q-card .q-num { color: #7fd0a5 !important; }
  .q-card a.q-toc { color: #e2ebe5 !important; }
  .q-page a, .q-page a.q-foot { color: #c5d6cc !important; }
  .q-rule p { border-top-color: #2c3a32 !important; }
}`;
}

/** Web version only: the previous and next issue, under the last section. */
function navMjml(nav: ArchiveNav): string {
  const cell = (side: 'older' | 'newer') => {
    const to = nav[side];
    if (!to) return '';
    return `<a href="${escapeHtml(to.url)}" class="q-link q-foot q-nav" rel="${side === 'older' ? 'prev' : 'next'}" style="${MUTED}text-decoration:none;display:block;"><span style="font-size:13px;">${escapeHtml(to.label)}</span><br><span style="color:${COLORS.accent};font-weight:700;">${escapeHtml(to.title)}</span></a>`;
  };
  return `<mj-section css-class="q-page" background-color="${COLORS.page}" padding="20px 0 0"><mj-group>
<mj-column width="50%"><mj-text css-class="q-p" font-size="15px" line-height="1.5" align="left">${cell('older')}</mj-text></mj-column>
<mj-column width="50%"><mj-text css-class="q-p" font-size="15px" line-height="1.5" align="right">${cell('newer')}</mj-text></mj-column>
</mj-group></mj-section>`;
}

/** Builds the MJML document for one issue. Pure: same view, same string. */
export function issueMjml(view: IssueView): string {
  const s = view.strings;
  const topLink = view.browserUrl
    ? { align: 'right', html: link(view.browserUrl, s.viewInBrowser, `${MUTED}text-decoration:underline;`, 'q-link q-foot') }
    : view.links.kind === 'archive'
      ? { align: 'left', html: link(view.links.listUrl, `← ${s.allIssues}`, `${MUTED}text-decoration:underline;`, 'q-link q-foot q-all') }
      : null;
  const topBar = topLink
    ? `<mj-section css-class="q-page" background-color="${COLORS.page}" padding="14px 0 10px"><mj-column>
<mj-text css-class="q-p" align="${topLink.align}" font-size="13px" color="${COLORS.muted}">${topLink.html}</mj-text>
</mj-column></mj-section>`
    : `<mj-section css-class="q-page" background-color="${COLORS.page}" padding="14px 0 0"><mj-column><mj-spacer height="1px" /></mj-column></mj-section>`;

  const masthead = `<mj-section css-class="q-mast" background-color="${COLORS.accent}" padding="30px 0 26px"><mj-column>
${view.newsletterName && view.newsletterName !== view.title ? `<mj-text css-class="q-p" color="${COLORS.accentSoft}" font-size="14px" line-height="1.6" letter-spacing="1px" padding="0 28px 8px">${escapeHtml(view.newsletterName)}</mj-text>` : ''}
<mj-text css-class="q-p q-title" color="#ffffff" font-size="26px" line-height="1.45" font-weight="700"><h1 style="margin:0;font-size:inherit;line-height:inherit;font-weight:700;">${escapeHtml(view.title)}</h1></mj-text>
${view.meta ? `<mj-text css-class="q-p" color="${COLORS.accentSoft}" font-size="14px" padding="10px 28px 0">${escapeHtml(view.meta)}</mj-text>` : ''}
</mj-column></mj-section>`;

  const intro = view.introHtml
    ? `<mj-text css-class="q-p" padding="28px 28px 4px"><div class="q-body" style="overflow-wrap:break-word;">${view.introHtml}</div></mj-text>
<mj-divider css-class="q-p q-rule" padding="20px 28px 4px" />`
    : '';

  const toc = view.sections.length ? `<mj-text css-class="q-p" padding="${view.introHtml ? '20px' : '28px'} 28px 8px">${tocHtml(view)}</mj-text>` : '';

  const opening =
    intro || toc
      ? `<mj-section css-class="q-card" background-color="${COLORS.card}" padding="0 0 12px"><mj-column>
${intro}
${toc}
</mj-column></mj-section>`
      : '';

  const nav = view.links.kind === 'archive' && view.links.nav ? navMjml(view.links.nav) : '';

  const footer = `<mj-section css-class="q-page" background-color="${COLORS.page}" padding="24px 0 36px"><mj-column>
<mj-text css-class="q-p" font-size="13px" line-height="1.7" color="${COLORS.muted}">${footerHtml(view)}</mj-text>
</mj-column></mj-section>`;

  return `<mjml lang="${escapeHtml(view.lang)}" dir="ltr">
<mj-head>
<mj-title>${escapeHtml(view.documentTitle)}</mj-title>
<mj-preview>${escapeHtml(view.preheader)}</mj-preview>
<mj-breakpoint width="480px" />
<mj-attributes>
<mj-all font-family="${FONT_STACK}" />
<mj-text font-size="16px" line-height="1.7" color="${COLORS.text}" padding="0 28px" css-class="q-p" />
<mj-column padding="0" />
<mj-divider border-color="${COLORS.rule}" border-width="1px" />
</mj-attributes>
<mj-raw><meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark"></mj-raw>
<mj-style>${styles()}</mj-style>
</mj-head>
<mj-body background-color="${COLORS.page}" width="640px" css-class="q-bg">
${topBar}
${masthead}
${opening}
${view.sections.map((sec) => sectionMjml(view, sec)).join('\n')}
${nav}
${footer}
</mj-body>
</mjml>`;
}

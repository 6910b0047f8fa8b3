/** /api/docs: the API reference rendered from the OpenAPI document, with no scripts from elsewhere. */
import type { OpenApiDocument } from '../http/openapi.ts';
import { Page } from './layout.tsx';
import { i18n, type Lang } from '../i18n/index.ts';
import { blockMarkdown, inlineMarkdown } from './markdown.tsx';
import { rich } from './rich.tsx';

/** The page's own words follow the reader's language; the reference itself (summaries, schemas) is in English, as the API's messages are. */
export function ApiDocsPage(props: { doc: OpenApiDocument; lang: Lang }) {
  const { t } = i18n(props.lang);
  const byTag = new Map<
    string,
    {
      method: string;
      path: string;
      op: {
        summary: string;
        description: string;
        parameters?: { name: string; in: string; description?: string }[];
        requestBody?: { content: Record<string, { schema?: unknown }> };
      };
    }[]
  >();
  for (const [path, methods] of Object.entries(props.doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const o = op as { tags: string[]; summary: string; description: string };
      const list = byTag.get(o.tags[0]!) ?? [];
      list.push({ method, path, op: o as never });
      byTag.set(o.tags[0]!, list);
    }
  }
  return (
    <Page title={t('apiDocs.title')} lang={props.lang}>
      <main style="max-width:60rem">
        <p class="muted small">
          <a href="/">Quire</a> / {t('apiDocs.crumb')}
        </p>
        <h1>{t('apiDocs.heading')}</h1>
        {/* The reference is in English, as the API's messages are; a reader of another language is told so. */}
        {t('apiDocs.englishNote') ? <p class="muted small">{t('apiDocs.englishNote')}</p> : null}
        <div lang="en" class="md">
          {blockMarkdown(props.doc.info.description)}
        </div>
        <p class="small">
          {rich(t, 'apiDocs.auth', { header: <code>Authorization: Bearer &lt;token&gt;</code>, command: <code>npx quire token create</code> })}{' '}
          {t('apiDocs.machine')} <a href="/api/v1/openapi.json">openapi.json</a>
        </p>
        {[...byTag].map(([tag, entries]) => (
          <section lang="en">
            <h2>{tag}</h2>
            <div class="card">
              <ul class="plain">
                {entries.map((e) => (
                  <li>
                    <code class="route">
                      <strong>{e.method.toUpperCase()}</strong> {e.path}
                    </code>
                    <div>{inlineMarkdown(e.op.summary)}</div>
                    <div class="muted small md">{blockMarkdown(e.op.description)}</div>
                    {e.op.parameters?.filter((p) => p.in === 'query').length ? (
                      <div class="small">
                        {t('apiDocs.query')}{' '}
                        {e.op.parameters
                          .filter((p) => p.in === 'query')
                          .map((p, i) => (
                            <>
                              {i > 0 ? ', ' : ''}
                              <code>{p.name}</code>
                              {p.description ? <> ({inlineMarkdown(p.description)})</> : null}
                            </>
                          ))}
                      </div>
                    ) : null}
                    {e.op.requestBody ? (
                      <details class="small">
                        <summary>{t('apiDocs.body', { types: Object.keys(e.op.requestBody.content).join(', ') })}</summary>
                        <pre style="white-space:pre-wrap;overflow-x:auto">{JSON.stringify(Object.values(e.op.requestBody.content)[0]?.schema, null, 2)}</pre>
                      </details>
                    ) : null}
                  </li>
                ))}
              </ul>
            </div>
          </section>
        ))}
      </main>
    </Page>
  );
}

/** The start page: what this Quire serves and where to go next. */
import type { Newsletter } from '../modules/newsletters/service.ts';
import { Page } from './layout.tsx';

export function HomePage(props: { newsletters: Newsletter[]; dbKind: string; transport: string }) {
  return (
    <Page title="Quire">
      <header class="site">
        <div>
          <a class="brand" href="/">
            Quire
          </a>
          <span class="muted small">newsletters with clean links and provable consent</span>
          <a href="/admin" style="margin-left:auto">
            Admin
          </a>
        </div>
      </header>
      <main>
        <h1>Newsletters</h1>
        {props.newsletters.length === 0 ? (
          <div class="card">
            <p>No newsletter yet.</p>
            <p class="muted small">
              Create one with <code>POST /api/v1/newsletters</code> or from the admin.
            </p>
          </div>
        ) : (
          <div class="card">
            <ul class="plain">
              {props.newsletters.map((n) => (
                <li>
                  <strong lang={n.language}>{n.name}</strong>
                  {n.description ? (
                    <div class="muted small" lang={n.language}>
                      {n.description}
                    </div>
                  ) : null}
                  <div class="small">
                    <a href={`/n/${n.slug}`}>Subscribe</a> · <a href={`/archive/${n.slug}`}>Archive</a> · <a href={`/archive/${n.slug}/feed.xml`}>RSS</a>
                  </div>
                </li>
              ))}
            </ul>
          </div>
        )}
        <p class="muted small" style="margin-top:2rem">
          Database: {props.dbKind} · mail transport: {props.transport} · <a href="/api/docs">API</a> · <a href="/healthz">health</a>
        </p>
      </main>
    </Page>
  );
}

/** Small builders for integration tests, through the public API where a user would go. */
import type { Harness } from './harness.ts';

export async function createNewsletter(h: Harness, slug: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await h.api('POST', '/api/v1/newsletters', {
    json: { slug, name: `News ${slug}`, fromEmail: `news@${slug}.example.org`, replyTo: 'editor@example.org', ...extra },
  });
  if (res.status !== 201) throw new Error(`create newsletter: ${res.status} ${await res.text()}`);
}

/** Imports `count` active subscribers `prefix-<i>@example.org` through the CSV endpoint. */
export async function addSubscribers(h: Harness, slug: string, count: number, prefix = 'reader'): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, i) => `${prefix}-${i}@example.org`);
  const csv = `email,name\n${emails.map((e, i) => `${e},Reader ${i}`).join('\n')}\n`;
  const res = await h.api('POST', `/api/v1/newsletters/${slug}/subscribers/import?consentNote=${encodeURIComponent('test fixture')}`, {
    body: csv,
    headers: { 'content-type': 'text/csv' },
  });
  if (res.status !== 200) throw new Error(`import: ${res.status} ${await res.text()}`);
  return emails;
}

export async function createIssue(h: Harness, slug: string, title = 'Monthly brief'): Promise<number> {
  const res = await h.api('POST', `/api/v1/newsletters/${slug}/issues`, {
    json: {
      title,
      sections: [
        {
          title: 'News',
          articles: [{ title: 'First article', body: 'Hello {{name}}, here is the news.', sources: [{ url: 'https://example.org/a', label: 'A' }] }],
        },
      ],
    },
  });
  if (res.status !== 201) throw new Error(`create issue: ${res.status} ${await res.text()}`);
  return (await res.json()).id;
}

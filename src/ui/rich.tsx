/** A catalog message with markup in its placeholders (code, links): the words stay in the catalog, the markup in the page. */
import type { Child } from 'hono/jsx';
import type { MessageKey, Translate } from '../i18n/index.ts';

export function rich(t: Translate, key: MessageKey, nodes: Record<string, Child>): Child[] {
  const names = Object.keys(nodes);
  const text = t(key, Object.fromEntries(names.map((n, i) => [n, `\u0000${i}\u0000`])));
  return text.split(/\u0000(\d+)\u0000/).map((part, i) => (i % 2 === 1 ? nodes[names[Number(part)]!] : part));
}

/** Small HTML inspection helpers shared by the render tests. */

/** Attributes named on* inside real tags (quoted attribute values are skipped). */
export function eventAttributes(html: string): string[] {
  return [...html.matchAll(/<[a-z][^>]*>/gi)].flatMap((m) => m[0].replace(/"[^"]*"|'[^']*'/g, '""').match(/\son\w+\s*=/gi) ?? []);
}

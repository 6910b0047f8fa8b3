/**
 * Stands in for prettier in the Worker bundle (wrangler.toml [alias]): @react-email/render imports
 * it only for `pretty: true`, which Quire never asks for. 350 KB less to load on a cold isolate.
 */
export function format(): never {
  throw new Error('prettier is not bundled in the Worker (render without `pretty`)');
}
export default {};

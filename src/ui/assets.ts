/**
 * The browser scripts and style sheets of src/ui/client/, bundled at build (scripts/build-assets.ts)
 * and served at /assets/<name>.<hash>.<ext> with a year of caching: a new build has new hashes.
 */
import { clientAssets } from './client/assets.gen.ts';

export type AssetName = 'base.css' | 'admin.css' | 'public.css' | 'archive.css' | 'admin.js';

/** The URL of an asset, with its content hash. */
export function assetPath(name: AssetName): string {
  const a = clientAssets[name];
  if (!a) throw new Error(`No client asset "${name}": run npm run assets`);
  const dot = name.lastIndexOf('.');
  return `/assets/${name.slice(0, dot)}.${a.hash}${name.slice(dot)}`;
}

/** The asset a path names, and whether its hash is the current one; undefined for no such asset. */
export function findAsset(file: string): { type: string; body: string; current: boolean } | undefined {
  const m = /^([a-z][a-z0-9-]{0,40})\.([0-9a-f]{6,16})\.(js|css)$/.exec(file);
  if (!m) return undefined;
  const a = clientAssets[`${m[1]}.${m[3]}`];
  return a ? { type: a.type, body: a.body, current: a.hash === m[2] } : undefined;
}

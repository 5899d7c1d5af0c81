/**
 * The dashboard's static files (the Vite build in dist/web), read into memory once when
 * the front door starts: a few hundred KB. Requests are answered by exact lookup in that
 * map, so no request path ever reaches the file system (no traversal to guard against).
 * A build without the web part (dist/web missing) serves a page that says so.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
  /** Vite puts a content hash in these names: cacheable for good. */
  immutable: boolean;
}

/**
 * dist/web: beside dist/rpc when running the build, or under the checkout's dist/ when
 * this module runs from src/ (the in-process daemons of the tests).
 */
export const WEB_ROOT = [
  new URL('../../web/', import.meta.url),
  new URL('../../../dist/web/', import.meta.url),
]
  .map((u) => fileURLToPath(u))
  .find((dir) => existsSync(join(dir, 'index.html')));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Files by their path under the web root ("index.html", "assets/index-abc.js"); empty when not built. */
export function loadAssets(root = WEB_ROOT): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (root === undefined) return assets;
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true, encoding: 'utf8' });
  } catch {
    return assets;
  }
  for (const rel of names) {
    const file = join(root, rel);
    const type = TYPES[extname(rel)];
    if (!type || !statSync(file).isFile()) continue;
    const path = rel.split(sep).join('/');
    assets.set(path, {
      body: readFileSync(file),
      type,
      immutable: path.startsWith('assets/'),
    });
  }
  return assets;
}

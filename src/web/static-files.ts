import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../config/paths.js';

/** The page's own files (ui/ in the package): nothing comes from another site. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  // Named by the page itself: the browser asks for it instead of /favicon.ico, which the daemon does not serve.
  'icon.svg': 'image/svg+xml',
};

/** The page's files, read once (they are small and part of the release). */
export function loadStaticFiles(root = path.join(PACKAGE_ROOT, 'ui')): ReadonlyMap<string, { type: string; body: Buffer }> {
  return new Map(Object.entries(FILES).map(([name, type]) => [name, { type, body: fs.readFileSync(path.join(root, name)) }]));
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where the web tests put their screenshots: a temporary folder, so `npm test` leaves the
 * work tree clean; `OXPROV_SCREENSHOTS_DIR=docs/screenshots` refreshes the pictures of the README and docs/daemon-and-page.md.
 */
export function screenshotDir(): string {
  const dir = process.env.OXPROV_SCREENSHOTS_DIR ? path.resolve(process.env.OXPROV_SCREENSHOTS_DIR) : path.join(os.tmpdir(), 'oxprov-screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

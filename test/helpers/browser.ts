import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: the web tests never download a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium with a fresh profile and the flags of DEVELOPERS.md (no background connections on a closed network). */
export async function openChromium(): Promise<{ context: BrowserContext; page: Page }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/ensure-deps.sh does it for npm test)`);
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-chromium-')), {
    executablePath: CHROMIUM, headless: true, acceptDownloads: true, viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  return { context, page: context.pages()[0] ?? await context.newPage() };
}

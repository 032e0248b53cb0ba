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

/** axe-core in the page: the violations of impact serious or critical, and every empty table header (none may stay). */
export async function accessibility(page: Page): Promise<string[]> {
  const axe = fs.readFileSync(path.join(process.cwd(), 'node_modules/axe-core/axe.min.js'), 'utf8');
  const { passes, found } = await page.evaluate(`(async () => { ${axe}\n const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return { passes: r.passes.length, found: r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })) }; })()`) as { passes: number; found: { id: string; impact: string; nodes: string[] }[] };
  // Not vacuous: axe ran its rules on the page.
  if (passes < 10) throw new Error(`axe-core ran ${passes} rules only`);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'empty-table-header').map((v) => `${v.id} (${v.impact}): ${v.nodes.join(', ')}`);
}

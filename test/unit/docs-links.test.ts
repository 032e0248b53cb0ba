import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every relative link of README.md and docs/*.md points to a file that exists
 * and, with a `#anchor`, to a heading of that file; every file of the
 * repository a page names in code (`src/errors.ts`) exists. Anchors follow GitHub's
 * rules: lower case, spaces to `-`, punctuation dropped except `-` and `_`,
 * a repeated heading gets `-1`, `-2`, … Links to other sites are not followed.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function documents(): string[] {
  const docs = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** The lines of a Markdown file outside fenced code blocks, with their numbers. */
function prose(text: string): { line: string; at: number }[] {
  const out: { line: string; at: number }[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((line, i) => {
    const f = /^\s*(```+|~~~+)/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1][0];
      else if (f[1][0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ line, at: i + 1 });
  });
  return out;
}

/** GitHub's anchor of a heading's text. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading keeps its text
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { line } of prose(fs.readFileSync(file, 'utf8'))) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

interface Link { from: string; at: number; target: string }

function linksOf(doc: string): Link[] {
  const out: Link[] = [];
  for (const { line, at } of prose(fs.readFileSync(path.join(root, doc), 'utf8'))) {
    const text = line.replace(/`[^`]*`/g, ''); // code spans are not links
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ from: doc, at, target: m[1] });
    const ref = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(text);
    if (ref) out.push({ from: doc, at, target: ref[1] });
  }
  return out;
}

/** What is wrong with a link, or undefined. */
function brokenBecause(link: Link): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) return undefined; // http:, https:, mailto:
  const [file, anchor] = link.target.split('#', 2) as [string, string | undefined];
  const target = file === '' ? path.join(root, link.from) : path.resolve(path.dirname(path.join(root, link.from)), decodeURIComponent(file));
  if (!target.startsWith(root)) return 'points outside the repository';
  if (!fs.existsSync(target)) return `no file ${path.relative(root, target)}`;
  if (anchor === undefined || !target.endsWith('.md')) return undefined;
  if (!anchorsOf(target).has(anchor)) return `no heading #${anchor} in ${path.relative(root, target)}`;
  return undefined;
}

describe('links of the README and docs/', () => {
  it('the anchors follow GitHub\'s rules', () => {
    expect(slug('Several mail servers and Cyrus')).toBe('several-mail-servers-and-cyrus');
    expect(slug('The admin daemon (XML-RPC)')).toBe('the-admin-daemon-xml-rpc');
    expect(slug('`oxprov sync`: a plan, then_changes')).toBe('oxprov-sync-a-plan-then_changes');
    expect(slug('Entwürfe & Co.')).toBe('entwürfe--co');
  });

  it('every relative link points to a file that exists, and every #anchor to a heading of it', () => {
    const docs = documents();
    expect(docs.length).toBeGreaterThan(5);
    const links = docs.flatMap(linksOf);
    expect(links.length).toBeGreaterThan(20);
    const broken = links.flatMap((l) => {
      const why = brokenBecause(l);
      return why ? [`${l.from}:${l.at}: (${l.target}) ${why}`] : [];
    });
    expect(broken).toEqual([]);
  });

  it('every file of the repository a page names in code (`src/errors.ts`, `samples/users.csv`) exists', () => {
    const named = documents().flatMap((doc) => prose(fs.readFileSync(path.join(root, doc), 'utf8')).flatMap(({ line, at }) =>
      [...line.matchAll(/`((?:src|test|samples|templates|schema|migrations|docs|scripts|bench|ui|bin)\/[\w./-]*)`/g)].map((m) => ({ doc, at, file: m[1] }))));
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((n) => !fs.existsSync(path.join(root, n.file))).map((n) => `${n.doc}:${n.at}: ${n.file}`);
    expect(missing).toEqual([]);
  });

  it('the README is a front door: a screen or three (at most 260 lines), the rest in docs/', () => {
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(260);
  });

  it('every file under docs/ is linked from the README', () => {
    const fromReadme = new Set(linksOf('README.md').map((l) => path.normalize(l.target.split('#')[0])));
    const missing = documents().slice(1).filter((d) => !fromReadme.has(d));
    expect(missing).toEqual([]);
  });
});

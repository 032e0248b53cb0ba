import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../helpers/fault-stack.js';

/**
 * Every command README.md and docs/*.md show as `$ command` runs as printed, in
 * one bash shell, in the order of DOCS, on a fresh local stack of its own with
 * the demo's data loaded (a fresh stack, so that what a command prints does not
 * depend on what earlier test runs left). For each command:
 *
 * - its exit code is the one the page gives: `(exit N)` after it, or
 *   `$ echo $?` and its answer; 0 otherwise;
 * - what it printed (stdout and stderr, as a terminal shows them) is the output
 *   the page shows under it, up to the next `$ ` line or the end of the block,
 *   after the rules of normalisers() below. A line that is only `…` stands for any
 *   number of lines. A command shown without output is checked for its exit code
 *   only; a block right after `<!-- output: not compared (why) -->` likewise.
 *
 * `npm run demo` and `npm run bench` are run by CI and the benchmark themselves;
 * the demo's import is run before the README's commands.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** README first, then each page after the ones whose state its commands need. */
const DOCS = [
  'README.md', // the demo's data; eval "$(npx oxprov stack env)" sets what every later page uses
  'docs/workers.md', // the demo's users again, through two local workers
  'docs/configuration-guide.md',
  'docs/local-stack.md',
  'docs/import.md', // imports the HR export
  'docs/sync.md', // syncs the HR export the import loaded
  'docs/company-directory.md',
  'docs/mail-servers.md',
  'docs/tools.md',
  'docs/daemon-and-page.md',
  'docs/errors.md',
  'docs/architecture.md',
  'docs/benchmark.md',
  'docs/scaling.md',
  'docs/configuration.md',
];
const SKIP = new Set(['npm run demo', 'npm run bench']);
const NOT_COMPARED = /^<!-- output: not compared \((.+)\) -->$/;

/** The docs' stack has its own ports (the shared stack of the tests keeps the default ones). */
const PORT_BASE = 23070;
const DEFAULT_PORTS: Record<number, number> = { [PORT_BASE + 1]: 3389, [PORT_BASE + 2]: 55432, [PORT_BASE + 3]: 1143, [PORT_BASE + 4]: 1144 };

/**
 * What may differ between the output a page shows and what the command prints
 * now, applied line by line to both. Each rule says why it is needed.
 */
function normalisers(stackDir: string): { why: string; from: RegExp; to: string | ((...m: string[]) => string) }[] {
  return [
    {
      why: 'Markdown drops spaces at the end of a line (psql pads its header with them)',
      from: /\s+$/,
      to: '',
    },
    {
      why: 'the docs\' stack listens on ports of its own; the pages show the local stack\'s default ports',
      from: new RegExp(`127\\.0\\.0\\.1:(${Object.keys(DEFAULT_PORTS).join('|')})\\b`, 'g'),
      to: (_m, port) => `127.0.0.1:${DEFAULT_PORTS[Number(port)]}`,
    },
    {
      why: 'the stack\'s folder depends on the checkout (and is a temporary one for the docs\' stack)',
      from: new RegExp(`${escape(stackDir)}|\\S*/\\.stack(?=/)`, 'g'),
      to: '<stack>',
    },
    {
      why: 'a report folder is named after the time of its run (reports/20261201T184541Z-users)',
      from: /\b\d{8}T\d{6}Z-/g,
      to: '<time>-',
    },
    {
      why: 'the summary\'s time and rate vary from run to run, and so does their padding',
      from: /^(\s*time)\s+[\d.]+ s\s+\([\d.]+ (users|rows)\/s\)$/,
      to: '$1 <seconds> (<rate> $2/s)',
    },
    {
      why: 'a leaver is disabled on the day of the run, and the plan says which day',
      from: /(oxprovDisabledAt: \(none\) → )\d{4}-\d{2}-\d{2}\b/g,
      to: '$1<today>',
    },
    {
      why: 'the last cell of a report.csv row is the milliseconds the row took',
      from: /^(\d+,[^,]*,(?:created|updated|exists|failed|rejected|valid|skipped),.*,)\d+$/,
      to: '$1<ms>',
    },
  ];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Shown {
  doc: string;
  at: number;
  command: string;
  exit: number;
  /** The output the page shows, or undefined when it is not compared. */
  output: string[] | undefined;
}

function shownCommands(doc: string): Shown[] {
  const lines = fs.readFileSync(path.join(root, doc), 'utf8').split('\n');
  const out: Shown[] = [];
  let inBlock = false;
  let notCompared: string | undefined; // the reason of a marker right before the next block
  let blockNotCompared: string | undefined;
  let current: Shown | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inBlock) {
      const marker = NOT_COMPARED.exec(line.trim());
      if (marker) notCompared = marker[1];
      else if (line.startsWith('```')) {
        inBlock = true;
        blockNotCompared = notCompared;
        notCompared = undefined;
      } else if (line.trim() !== '') notCompared = undefined;
      continue;
    }
    if (line.startsWith('```')) {
      inBlock = false;
      current = undefined;
      continue;
    }
    if (line.startsWith('$ ')) {
      const command = line.slice(2);
      if (command === 'echo $?') {
        // The answer is the exit code of the command before; it ends that command's output.
        if (current) current.exit = Number(lines[++i]);
        current = undefined;
        continue;
      }
      current = { doc, at: i + 1, command, exit: 0, output: blockNotCompared === undefined ? [] : undefined };
      if (!SKIP.has(command)) out.push(current);
      continue;
    }
    if (!current) continue;
    const exit = /^\(exit (\d+)\)$/.exec(line);
    if (exit) current.exit = Number(exit[1]);
    else current.output?.push(line);
  }
  return out;
}

/** Trailing blank lines are not shown before the end of a block (ldapsearch ends each entry with one). */
function trimEnd(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out;
}

/** True when `actual` matches `shown`, where a line `…` stands for any number of lines. */
function matches(shown: string[], actual: string[]): boolean {
  const memo = new Map<string, boolean>();
  const go = (s: number, a: number): boolean => {
    const key = `${s},${a}`;
    if (memo.has(key)) return memo.get(key)!;
    let r: boolean;
    if (s === shown.length) r = a === actual.length;
    else if (shown[s].trim() === '…') r = go(s + 1, a) || (a < actual.length && go(s, a + 1));
    else r = a < actual.length && shown[s] === actual[a] && go(s + 1, a + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack(PORT_BASE, { OXPROV_STACK_MAIL_FOLDERS: 'on-demand' });
  // What `npm run demo` does after starting the stack (its report goes with the stack's folder).
  const report = path.join(stack.env.OXPROV_STACK_DIR!, 'demo-report');
  execFileSync(process.execPath, [path.join(root, 'bin/oxprov.js'), 'import', 'samples/users.csv', '--create-groups', '--progress', 'none', '--report', report], { cwd: root, env: stack.env, stdio: 'ignore' });
}, 180_000);

afterAll(async () => {
  await stack?.down();
});

describe('the README and docs/', () => {
  it('DOCS names every page of docs/', () => {
    const pages = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    expect([...pages].sort()).toEqual(DOCS.filter((d) => d !== 'README.md').sort());
  });

  it('run every command they show, as printed, with the exit code and the output they give', () => {
    const shown = DOCS.flatMap(shownCommands);
    expect(shown.length).toBeGreaterThan(30);
    // One shell for all, in order: `eval "$(npx oxprov stack env)"` sets what the later ones use.
    // Each command's stdout and stderr go to one pipe, in the order written, between two markers.
    const script = ['exec 2>&1', ...shown.map((s, i) => `printf '::oxprov-command %d\\n' ${i}\n${s.command}\nprintf '\\n::oxprov-exit %d %d\\n' ${i} $?`)].join('\n');
    const r = spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8', env: { ...stack.env, OXPROV_NO_HINTS: '1' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
    const printed = new Map<number, { exit: number; output: string[] }>();
    for (const m of r.stdout.matchAll(/^::oxprov-command (\d+)\n([\s\S]*?)\n::oxprov-exit \1 (\d+)$/gm)) {
      printed.set(Number(m[1]), { exit: Number(m[3]), output: m[2].split('\n') });
    }

    const rules = normalisers(stack.env.OXPROV_STACK_DIR!);
    const normalise = (lines: string[]) => trimEnd(lines).map((l) => rules.reduce((t, { from, to }) => (typeof to === 'string' ? t.replace(from, to) : t.replace(from, to)), l));
    const wrong: string[] = [];
    shown.forEach((s, i) => {
      const where = `${s.doc}:${s.at}: ${s.command.slice(0, 120)}`;
      const p = printed.get(i);
      if (!p) return wrong.push(`${where}\n  did not run to its end`);
      if (p.exit !== s.exit) wrong.push(`${where}\n  exit ${p.exit} instead of ${s.exit}`);
      if (s.output === undefined || trimEnd(s.output).length === 0) return;
      const [want, got] = [normalise(s.output), normalise(p.output)];
      if (!matches(want, got)) wrong.push(`${where}\n  shown:\n${want.map((l) => `    |${l}`).join('\n')}\n  printed:\n${got.map((l) => `    |${l}`).join('\n')}`);
    });

    // The report folders the commands made (they print them) go; the folder keeps the ones of other runs.
    for (const m of new Set(r.stdout.match(/reports\/\d{8}T\d{6}Z-[\w.-]+/g) ?? [])) fs.rmSync(path.join(root, m), { recursive: true, force: true });

    expect(wrong.join('\n\n'), r.error ? String(r.error) : '').toBe('');
  }, 300_000);
});

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every command the README shows as `$ command` runs as printed, on the local
 * stack, with the exit code the README gives for it (`(exit N)` after it, or
 * `$ echo $?` and its answer; 0 otherwise). `npm run demo` and `npm run bench`
 * are run by CI and by the benchmark themselves; the demo's data is loaded first.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SKIP = new Set(['npm run demo', 'npm run bench']);

interface Shown { command: string; exit: number; at: number }

function shownCommands(): Shown[] {
  const lines = fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n');
  const out: Shown[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('$ ')) return;
    const command = line.slice(2);
    if (command === 'echo $?') return;
    let exit = 0;
    for (let k = i + 1; k < lines.length && !lines[k].startsWith('```'); k++) {
      if (lines[k].startsWith('$ ') && lines[k] !== '$ echo $?') break;
      const printed = /^\(exit (\d)\)$/.exec(lines[k]);
      if (printed) { exit = Number(printed[1]); break; }
      if (lines[k] === '$ echo $?') { exit = Number(lines[k + 1]); break; }
    }
    if (!SKIP.has(command)) out.push({ command, exit, at: i + 1 });
  });
  return out;
}

describe('the README', () => {
  it('runs every command it shows, as printed, with the exit code it gives', () => {
    execFileSync(process.execPath, [path.join(root, 'bin/oxprov.js'), 'import', 'samples/users.csv', '--create-groups', '--progress', 'none'], { cwd: root, stdio: 'ignore' });
    const shown = shownCommands();
    expect(shown.length).toBeGreaterThan(15);
    // One shell for all, in order: `eval "$(npx oxprov stack env)"` sets what the later ones use.
    const script = shown.map((s, i) => `${s.command}\necho "::exit ${i} $?"`).join('\n');
    const r = spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8', env: { ...process.env, OXPROV_NO_HINTS: '1' }, timeout: 240_000 });
    const codes = new Map([...r.stdout.matchAll(/^::exit (\d+) (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]));
    const wrong = shown.filter((s, i) => codes.get(i) !== s.exit).map((s, i) => `README line ${s.at}: exit ${codes.get(shown.indexOf(s)) ?? 'none'} instead of ${s.exit}: ${s.command.slice(0, 120)}`);
    expect(wrong, r.stderr.slice(-2000)).toEqual([]);
    // The password file the README's ldapsearch reads is the stack's own.
    expect(r.stdout).toContain('dn: uid=smartin,ou=people,dc=test,dc=tux');
    expect(r.stdout).toContain('Calendrier');
  }, 300_000);
});

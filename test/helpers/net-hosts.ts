import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Hosts of a test's own network: network namespaces on one bridge (itself in a
 * namespace of its own), each with one address of 10.231.N.0/24. Nothing is added
 * to the machine's own namespace: no address, no route, no sysctl.
 */
export interface NetHosts {
  /** The address of each host by name. */
  readonly address: Readonly<Record<string, string>>;
  /** The namespace of each host by name. */
  readonly ns: Readonly<Record<string, string>>;
  /** Runs a process on a host; its stderr and stdout are gathered in `output`. */
  spawn(host: string, argv: string[], env?: NodeJS.ProcessEnv): HostProcess;
  /** Runs a command on a host to its end: its stdout. @throws on a non-zero exit, with its stderr. */
  run(host: string, argv: string[], env?: NodeJS.ProcessEnv, timeoutMs?: number): string;
  /** kill -9 of every process of a host: the machine is gone. */
  killAll(host: string): number;
  /** Kills what is left and deletes the namespaces. */
  remove(): void;
}

export interface HostProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output holds `text` (or rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited(): Promise<number | null>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export function makeHosts(names: readonly string[]): NetHosts {
  if (process.getuid?.() !== 0) throw new Error('the hosts of these tests are network namespaces: the tests must run as root');
  const tag = (process.pid % 10000).toString().padStart(4, '0');
  const subnet = `10.231.${(process.pid % 250) + 1}`;
  const sw = `oxsw${tag}`;
  const ns: Record<string, string> = {};
  const address: Record<string, string> = {};
  ip('netns', 'add', sw);
  try {
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    names.forEach((name, i) => {
      const n = `ox${name.slice(0, 4)}${tag}`;
      const dev = `v${i}${tag}`;
      ip('netns', 'add', n);
      ns[name] = n;
      ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}b`);
      ip('link', 'set', dev, 'netns', n);
      ip('link', 'set', `${dev}b`, 'netns', sw);
      ip('-n', sw, 'link', 'set', `${dev}b`, 'master', 'br0');
      ip('-n', sw, 'link', 'set', `${dev}b`, 'up');
      address[name] = `${subnet}.${i + 1}`;
      ip('-n', n, 'addr', 'add', `${address[name]}/24`, 'dev', dev);
      ip('-n', n, 'link', 'set', dev, 'up');
      ip('-n', n, 'link', 'set', 'lo', 'up');
    });
  } catch (err) {
    for (const n of [...Object.values(ns), sw]) try { ip('netns', 'del', n); } catch { /* gone */ }
    throw err;
  }
  const pids = (n: string) => execFileSync('ip', ['netns', 'pids', n], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  const killAll = (host: string) => {
    const list = pids(ns[host]);
    for (const pid of list) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    return list.length;
  };
  return {
    address, ns,
    spawn(host, argv, env = process.env) {
      const child = spawn('ip', ['netns', 'exec', ns[host], ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      child.stderr!.on('data', (d) => { out += d; });
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return {
        child,
        output: () => out,
        async waitFor(text, timeoutMs = 60_000) {
          const end = Date.now() + timeoutMs;
          while (!(typeof text === 'string' ? out.includes(text) : text.test(out))) {
            if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited ${child.exitCode} before printing ${String(text)}:\n${out}`);
            if (Date.now() > end) throw new Error(`${argv.join(' ')} did not print ${String(text)} within ${timeoutMs} ms:\n${out}`);
            await sleep(100);
          }
        },
        exited: () => exit,
      };
    },
    run(host, argv, env = process.env, timeoutMs = 120_000) {
      try {
        return execFileSync('ip', ['netns', 'exec', ns[host], ...argv], { env, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(`${argv.join(' ')} on ${host} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
      }
    },
    killAll,
    remove() {
      for (const host of Object.keys(ns)) killAll(host);
      for (const n of [...Object.values(ns), sw]) try { ip('netns', 'del', n); } catch { /* gone */ }
    },
  };
}

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { OxprovError } from '../errors.js';

export interface RunResult { code: number; stdout: string; stderr: string }

/**
 * Runs a program without a shell. Secrets go through `input` (stdin) or files,
 * never through arguments: arguments are visible to every local user.
 */
export function run(cmd: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    // A program that exits without reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    // 'exit', not 'close': a daemon (dovecot) keeps the inherited pipes open after its parent exits.
    child.on('exit', (code) => setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code: code ?? 1, stdout, stderr });
    }, 20));
    child.stdin.end(options.input ?? '');
  });
}

export async function runOk(cmd: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new OxprovError('STACK_START_FAILED', `${cmd} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  }
  return r.stdout;
}

export function pidAlive(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim().split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitForPort(port: number, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new OxprovError('STACK_START_FAILED', `${what} did not start listening on 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
}

export async function waitForExit(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try { process.kill(pid, 0); } catch { return true; }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Stops the process of a pid file: TERM, then KILL after a grace period. */
export async function stopPidFile(pidFile: string): Promise<boolean> {
  const pid = pidAlive(pidFile);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid))) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    await waitForExit(pid, 2000);
  }
  return true;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

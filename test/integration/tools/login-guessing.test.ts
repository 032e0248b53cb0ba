import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeServeOptions, startDaemon, type RunningDaemon } from '../../../src/daemon/serve.js';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { serializeMethodCall } from '../../../src/xmlrpc/index.js';
import { faultCodeOf } from '../../helpers/xmlrpc-peers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { DAEMON_FAULT_CODES } from '../../../src/daemon/fault-codes.js';
import { PROTOCOL_FAULTS } from '../../../src/xmlrpc/index.js';

/** The numbers the daemon answers with: the protocol's and its own. */
const FAULT_CODES = { ...PROTOCOL_FAULTS, ...DAEMON_FAULT_CODES };

/** Password guessing against the real daemon and the real directory, from two loopback addresses. */
const config = stackConfig();
const SETTINGS = { freeFailures: 3, baseDelayMs: 20, maxDelayMs: 200, lockAfter: 10, nameLockAfter: 1000, lockMs: 60_000, windowMs: 600_000 };
const log: string[] = [];
let daemon: RunningDaemon;

beforeAll(async () => {
  daemon = await startDaemon(normalizeServeOptions({ listen: '127.0.0.1', port: '0' }), {
    createService: () => createAdminService(config), log: (l) => log.push(l), throttle: SETTINGS,
  });
});
afterAll(async () => { await daemon?.close(); });

/** One XML-RPC call from a chosen loopback address; resolves to the response body. */
function callFrom(localAddress: string, method: string, params: Record<string, string>): Promise<string> {
  const url = new URL(daemon.url);
  const body = serializeMethodCall(method, [params]);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/', localAddress, headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the daemon against password guessing', () => {
  it('slows 200 wrong passwords down and then refuses them, while a correct login from another address answers', async () => {
    const group = uniqueName('guess');
    const answers: string[] = [];
    for (let i = 0; i < 200; i++) answers.push(await callFrom('127.0.0.1', 'delgroup', { adminuser: 'mailadmin', adminpasswd: `wrong-${i}`, groupname: group }));
    expect(answers.every((a) => faultCodeOf(a) === FAULT_CODES.ADMIN_AUTH)).toBe(true);
    // Only the first failures reached the directory; then the address was refused without a bind.
    const tried = log.filter((l) => l.includes('login failed for "mailadmin"'));
    const refused = log.filter((l) => l.includes('login refused for "mailadmin"'));
    expect(tried).toHaveLength(SETTINGS.lockAfter);
    expect(refused).toHaveLength(200 - SETTINGS.lockAfter);
    expect(answers.at(-1)).toContain('too many failed logins from 127.0.0.1');
    // The failures past the free ones were answered late, each later than the one before up to the cap (as the log says: no time measured here).
    const delays = tried.map((l) => Number(/answered after (\d+) ms$/.exec(l)?.[1] ?? 0));
    expect(delays.filter((d) => d > 0)).toEqual([...delays.filter((d) => d > 0)].sort((a, b) => a - b));
    expect(delays.filter((d) => d > 0).length).toBeGreaterThan(0);
    // Each failure is logged with the address, never with the password.
    expect(tried.every((l) => l.includes(' 127.0.0.1 '))).toBe(true);
    expect(log.join('\n')).not.toMatch(/wrong-\d/);

    const ok = await callFrom('127.0.0.2', 'delgroup', { adminuser: 'mailadmin', adminpasswd: 'secret', groupname: group });
    expect(faultCodeOf(ok)).toBeUndefined();
    expect(ok).toContain('<name>status</name><value><string>gone</string>');
    expect(log.some((l) => /127\.0\.0\.2 delgroup by "mailadmin" ".*": gone$/.test(l))).toBe(true);
  }, 60_000);
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { callXmlRpc, type XmlRpcValue } from '../../../src/xmlrpc/index.js';
import { createDaemonServer as createXmlRpcServer, type DaemonServer as XmlRpcServer } from '../../../src/daemon/daemon-server.js';
import { pythonCall, selfSignedCertificate } from '../../helpers/xmlrpc-peers.js';

let slowAborted = false;
const methods = new Map<string, (params: XmlRpcValue[], ctx: { signal: AbortSignal }) => Promise<XmlRpcValue>>([
  ['echo', async (params) => params],
  ['fail', async () => {
    throw new OxprovError('ADMIN_NO_SUCH_USER', 'no user jdoe');
  }],
  ['slow', (_params, ctx) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve('late'), 5_000);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      slowAborted = true;
      resolve('aborted');
    });
  })],
]);

describe('callXmlRpc over http', () => {
  let server: XmlRpcServer;
  let url: string;
  beforeAll(async () => {
    server = createXmlRpcServer({ methods, bodyLimit: 64 * 1024 });
    url = `http://127.0.0.1:${(await server.listen(0)).port}/`;
  });
  afterAll(() => server.close());

  it('returns the value', async () => {
    const value = { name: 'Entwürfe', list: [1, 2.5, true, null], nested: { a: ['b'] } };
    expect(await callXmlRpc(url, 'echo', [value])).toEqual([value]);
  });
  it('throws the code the method threw', async () => {
    const err = await callXmlRpc(url, 'fail', []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OxprovError);
    expect(err).toMatchObject({ code: 'ADMIN_NO_SUCH_USER', message: 'no user jdoe' });
  });
  it('an unknown method is RPC_UNKNOWN_METHOD', async () => {
    await expect(callXmlRpc(url, 'nosuch', [])).rejects.toMatchObject({ code: 'RPC_UNKNOWN_METHOD' });
  });
  it('a body over the server limit is RPC_TOO_LARGE', async () => {
    await expect(callXmlRpc(url, 'echo', ['x'.repeat(100 * 1024)])).rejects.toMatchObject({ code: 'RPC_TOO_LARGE' });
  });
  it('a slow method is RPC_TIMEOUT (transient), and the server sees the abort', async () => {
    await expect(callXmlRpc(url, 'slow', [], { timeoutMs: 200 })).rejects.toMatchObject({ code: 'RPC_TIMEOUT', transient: true });
    await expect.poll(() => slowAborted, { timeout: 2_000 }).toBe(true);
  });
  it('an unsendable param is RPC_INVALID_VALUE, before any connection', async () => {
    await expect(callXmlRpc(url, 'echo', ['\u0000'])).rejects.toMatchObject({ code: 'RPC_INVALID_VALUE' });
  });
  it('a closed port is RPC_CONNECT (transient)', async () => {
    const s = createXmlRpcServer({ methods });
    const { port } = await s.listen(0);
    await s.close();
    await expect(callXmlRpc(`http://127.0.0.1:${port}/`, 'echo', [])).rejects.toMatchObject({ code: 'RPC_CONNECT', transient: true });
  });
  it('a wrong path is RPC_FAILED with the HTTP status', async () => {
    await expect(callXmlRpc(`${url}RPC2`, 'echo', [])).rejects.toMatchObject({ code: 'RPC_FAILED', message: /HTTP 404/ });
  });
});


describe('over TLS with a self-signed certificate', () => {
  let dir: string;
  let server: XmlRpcServer;
  let url: string;
  let cert: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-xmlrpc-tls-'));
    const files = selfSignedCertificate(dir, ['DNS:localhost']);
    cert = fs.readFileSync(files.cert, 'utf8');
    server = createXmlRpcServer({ methods, tls: { cert, key: fs.readFileSync(files.key, 'utf8') } });
    url = `https://127.0.0.1:${(await server.listen(0)).port}/`;
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('callXmlRpc with ca trusts the certificate', async () => {
    expect(await callXmlRpc(url, 'echo', ['over tls'], { ca: cert })).toEqual(['over tls']);
    await expect(callXmlRpc(url, 'fail', [], { ca: cert })).rejects.toMatchObject({ code: 'ADMIN_NO_SUCH_USER' });
  });
  it('without ca the certificate is refused: RPC_CONNECT, not transient', async () => {
    await expect(callXmlRpc(url, 'echo', [])).rejects.toMatchObject({ code: 'RPC_CONNECT', transient: false });
  });
  it("Python's xmlrpc.client works over TLS with the certificate as cafile", async () => {
    expect(await pythonCall(url, 'echo', ['py tls'], path.join(dir, 'cert.pem'))).toEqual({ result: ['py tls'] });
  });
  it('a plain-HTTP client on the TLS port does not hurt the server', async () => {
    await expect(callXmlRpc(url.replace('https', 'http'), 'echo', [], { timeoutMs: 2_000 })).rejects.toBeInstanceOf(OxprovError);
    expect(await callXmlRpc(url, 'echo', ['still'], { ca: cert })).toEqual(['still']);
  });
});

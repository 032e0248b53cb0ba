import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import type { XmlRpcLogEntry, XmlRpcValue } from '../../../src/xmlrpc/index.js';
import { createDaemonServer as createXmlRpcServer, type DaemonServer as XmlRpcServer } from '../../../src/daemon/daemon-server.js';
import { billionLaughs, faultCodeOf, pythonCall, rawRequest, streamHugeBody } from '../../helpers/xmlrpc-peers.js';

const logs: XmlRpcLogEntry[] = [];
let server: XmlRpcServer;
let url: string;

const methods = new Map<string, (params: XmlRpcValue[]) => Promise<XmlRpcValue>>([
  ['echo', async (params) => params],
  ['fail', async () => {
    throw new OxprovError('ADMIN_AUTH', 'wrong admin password');
  }],
  ['crash', async () => {
    throw new Error('secret internals at /opt/oxprov/db.ts:42');
  }],
  ['unsendable', async () => 'bell\u0007'],
]);

beforeAll(async () => {
  server = createXmlRpcServer({ methods, requestTimeoutMs: 1_000, log: (e) => logs.push(e) });
  const addr = await server.listen(0);
  url = `http://127.0.0.1:${addr.port}/`;
});
afterAll(() => server.close());

/** After every hostile request the server must still answer a good call. */
async function expectAlive() {
  expect(await pythonCall(url, 'echo', ['still here'])).toEqual({ result: ['still here'] });
}

const call = (params: string, name = 'echo') =>
  `<?xml version="1.0"?><methodCall><methodName>${name}</methodName><params>${params}</params></methodCall>`;

describe("with Python's xmlrpc.client", () => {
  it('a successful call round-trips values', async () => {
    const value = { name: 'x & <y> ]]>', n: 5, d: 2.5, ok: true, list: [1, 'two', null], nested: { a: ['b'] } };
    expect(await pythonCall(url, 'echo', [value, 'ümlaut ✓'])).toEqual({ result: [value, 'ümlaut ✓'] });
  });
  it('an OxprovError becomes its stable fault code and "<CODE>: <message>"', async () => {
    expect(await pythonCall(url, 'fail')).toEqual({ faultCode: 401, faultString: 'ADMIN_AUTH: wrong admin password' });
    await expectAlive();
  });
  it('an unknown method is fault -32601', async () => {
    const answer = await pythonCall(url, 'nosuch.method');
    expect(answer.faultCode).toBe(-32601);
    expect(answer.faultString).toMatch(/^RPC_UNKNOWN_METHOD: /);
    await expectAlive();
  });
  it('any other error is -32603 without internals', async () => {
    const answer = await pythonCall(url, 'crash');
    expect(answer).toEqual({ faultCode: -32603, faultString: 'RPC_FAILED: internal error' });
    expect(logs.at(-1)?.internalError).toContain('secret internals');
    expect(await pythonCall(url, 'unsendable')).toMatchObject({ faultCode: -32603 });
    await expectAlive();
  });
});

describe('hostile requests', () => {
  it('malformed XML is HTTP 200 with fault -32700', async () => {
    const answer = await rawRequest(url, { body: '<methodCall><methodName>echo</methodName><params>' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/xml/);
    expect(faultCodeOf(answer.body)).toBe(-32700);
    await expectAlive();
  });
  it('a DTD with entities (billion laughs) is refused with -32700', async () => {
    const bomb = billionLaughs(call);
    const answer = await rawRequest(url, { body: bomb });
    expect(faultCodeOf(answer.body)).toBe(-32700);
    await expectAlive();
  });
  it('10,000 nested arrays are refused with -32400 (RPC_TOO_LARGE)', async () => {
    const levels = 10_000;
    const deep = '<array><data><value>'.repeat(levels) + 'x' + '</value></data></array>'.repeat(levels);
    const answer = await rawRequest(url, { body: call(`<param><value>${deep}</value></param>`) });
    expect(answer.status).toBe(200);
    expect(faultCodeOf(answer.body)).toBe(-32400);
    await expectAlive();
  });
  it('wrong structure is -32600, a body that is not UTF-8 is -32700', async () => {
    expect(faultCodeOf((await rawRequest(url, { body: call('<param><value><int>x</int></value></param>') })).body)).toBe(-32600);
    const latin1 = Buffer.concat([Buffer.from(call('<param><value>')), Buffer.from([0xe9]), Buffer.from('</value></param>')]);
    expect(faultCodeOf((await rawRequest(url, { body: latin1 })).body)).toBe(-32700);
    await expectAlive();
  });
  it('a declared 50 MB body is refused with 413 before it is sent', async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': 50 * 1024 * 1024 }, agent: false });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(answer).toBe(413);
    await expectAlive();
  });
  it('a streamed 50 MB chunked body gets 413 quickly and is not read to the end', async () => {
    const total = 50 * 1024 * 1024;
    const { status, written } = await streamHugeBody(url, total);
    expect(status).toBe(413);
    // The server stopped reading: the client could only fill the socket buffers, far short of 50 MB.
    expect(written).toBeLessThan(total / 2);
    await expectAlive();
  });
  it('GET is 405, another path is 404, another content type is 415', async () => {
    const get = await rawRequest(url, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await rawRequest(url, { path: '/RPC2', body: call('') })).status).toBe(404);
    expect((await rawRequest(url, { body: '{}', headers: { 'Content-Type': 'application/json' } })).status).toBe(415);
    expect(await pythonCall(`${url}RPC2`, 'echo')).toEqual({ httpStatus: 404 });
    await expectAlive();
  });
  it('a client that stops sending mid-body is cut off by the request timeout, others are served meanwhile', async () => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    const closed = new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => {});
    });
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<methodCall>');
    await expectAlive();
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408|^$/);
    await expectAlive();
  });
  it('a client resetting the connection mid-request does not hurt', async () => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    await new Promise((r) => socket.on('connect', r));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100\r\n\r\n<meth');
    socket.resetAndDestroy();
    socket.on('error', () => {});
    await expectAlive();
  });
});

describe('logging', () => {
  it('logs method, status and fault code, never params', async () => {
    logs.length = 0;
    await pythonCall(url, 'echo', ['hunter2-password']);
    await pythonCall(url, 'fail', ['hunter2-password']);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({ methodName: 'echo', httpStatus: 200, remoteAddress: '127.0.0.1' });
    expect(logs[1]).toMatchObject({ methodName: 'fail', faultCode: 401, errorCode: 'ADMIN_AUTH' });
    expect(JSON.stringify(logs)).not.toContain('hunter2');
  });
});

describe('lifecycle', () => {
  it('close is safe before listen and twice', async () => {
    const s = createXmlRpcServer({ methods: new Map() });
    expect(s.address()).toBeNull();
    await s.close();
    await s.listen(0);
    expect(s.address()?.port).toBeGreaterThan(0);
    await Promise.all([s.close(), s.close()]);
  });
  it('a port in use is RPC_CONNECT', async () => {
    const s = createXmlRpcServer({ methods: new Map() });
    await expect(s.listen(server.address()!.port)).rejects.toMatchObject({ code: 'RPC_CONNECT' });
  });
  it('a bad bodyLimit is refused at the edge', () => {
    expect(() => createXmlRpcServer({ methods: new Map(), bodyLimit: 0 })).toThrow(/bodyLimit.*got 0/);
  });
});

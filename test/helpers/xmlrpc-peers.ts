import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';

/** Calls the server with Python's standard xmlrpc.client; prints one JSON line. */
const PY = String.raw`
import json, ssl, sys, xmlrpc.client
url, method, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ctx = ssl.create_default_context(cafile=sys.argv[4]) if len(sys.argv) > 4 else None
proxy = xmlrpc.client.ServerProxy(url, allow_none=True, context=ctx)
try:
    print(json.dumps({"result": getattr(proxy, method)(*args)}))
except xmlrpc.client.Fault as f:
    print(json.dumps({"faultCode": f.faultCode, "faultString": f.faultString}))
except xmlrpc.client.ProtocolError as e:
    print(json.dumps({"httpStatus": e.errcode}))
`;

export interface PythonAnswer {
  result?: unknown;
  faultCode?: number;
  faultString?: string;
  httpStatus?: number;
}

/** Async on purpose: a synchronous spawn would block the event loop the server under test runs on. */
export function pythonCall(url: string, method: string, args: unknown[] = [], cafile?: string): Promise<PythonAnswer> {
  const argv = ['-c', PY, url, method, JSON.stringify(args), ...(cafile === undefined ? [] : [cafile])];
  return new Promise((resolve, reject) => {
    execFile('python3', argv, { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python3 failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as PythonAnswer);
    });
  });
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request, for what no well-behaved XML-RPC client would send. */
export function rawRequest(
  url: string,
  options: { method?: string; path?: string; body?: string | Buffer; headers?: http.OutgoingHttpHeaders } = {},
): Promise<RawAnswer> {
  const target = new URL(options.path ?? '/', url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      target,
      { method: options.method ?? 'POST', headers: { 'Content-Type': 'text/xml', ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The faultCode of a fault response body, or undefined. */
export function faultCodeOf(body: string): number | undefined {
  const m = /<name>faultCode<\/name>\s*<value>\s*<int>(-?\d+)<\/int>/.exec(body);
  return m === null ? undefined : Number(m[1]);
}

/**
 * A self-signed certificate for 127.0.0.1 (and `extraNames`, e.g. `DNS:localhost`) in `dir`, made with
 * the openssl CLI, one of the local stack's packages (`npm test` installs it with the stack).
 */
export function selfSignedCertificate(dir: string, extraNames: readonly string[] = []): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', `subjectAltName=${['IP:127.0.0.1', ...extraNames].join(',')}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** A billion-laughs document around `wrap(param)`: nine levels of ten-fold entities. */
export function billionLaughs(wrap: (params: string) => string): string {
  const entities = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?><!DOCTYPE lolz [${entities.join('')}]>` + wrap('<param><value>&lol9;</value></param>');
}

/**
 * Streams a body of `total` bytes in 64 KB chunks, honouring backpressure, until
 * the server answers; resolves with the status and how much was written by then.
 */
export function streamHugeBody(url: string, total: number): Promise<{ status: number; written: number }> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  return new Promise((resolve, reject) => {
    let written = 0;
    let stopped = false;
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, agent: false });
    const pump = () => {
      while (!stopped && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!stopped) req.end();
    };
    req.on('response', (res) => {
      stopped = true;
      resolve({ status: res.statusCode ?? 0, written });
      res.resume();
      req.destroy();
    });
    req.on('error', (err) => {
      if (!stopped) reject(err);
    });
    pump();
  });
}

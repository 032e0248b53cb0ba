import { execFile } from 'node:child_process';
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

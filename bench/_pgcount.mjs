import pg from 'pg';
const orig = pg.Client.prototype.query;
const stats = new Map();
pg.Client.prototype.query = function (q, params, ...rest) {
  const text = typeof q === 'string' ? q : q?.text ?? '';
  const vals = Array.isArray(params) ? params : q?.values ?? [];
  let bytes = text.length;
  for (const v of vals) bytes += Array.isArray(v) ? v.reduce((a, x) => a + (x == null ? 4 : String(x).length + 3), 0) : v == null ? 0 : String(v).length;
  const k = text.replace(/\s+/g, ' ').slice(0, 60);
  const s = stats.get(k) ?? { n: 0, bytes: 0 }; s.n++; s.bytes += bytes; stats.set(k, s);
  return orig.call(this, q, params, ...rest);
};
process.on('exit', () => { for (const [k, s] of [...stats].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10)) process.stderr.write(`${s.n} ${(s.bytes / 1e6).toFixed(2)}MB ${k}\n`); });

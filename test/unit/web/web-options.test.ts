import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeWebOptions } from '../../../src/web/web-options.js';

describe('the web page\'s options of oxprov serve', () => {
  it('has defaults, and --no-ui turns the page off', () => {
    expect(normalizeWebOptions({})).toEqual({ uploadLimit: 64 * 1024 ** 2, dataDir: path.resolve('reports/web'), keepMs: 30 * 86_400_000, sessionIdleMs: 30 * 60_000 });
    expect(normalizeWebOptions({ 'no-ui': true })).toBeUndefined();
  });

  it('reads sizes in bytes or with K, M, G', () => {
    expect(['2048', '10K', '10k', '5M', '5MiB', '1G'].map((v) => normalizeWebOptions({ 'upload-limit': v })!.uploadLimit))
      .toEqual([2048, 10 * 1024, 10 * 1024, 5 * 1024 ** 2, 5 * 1024 ** 2, 1024 ** 3]);
  });

  it.each([
    ['upload-limit', '12'], ['upload-limit', 'lots'], ['upload-limit', '17G'], ['keep-days', '0'], ['keep-days', '1.5'], ['session-minutes', '9999'],
  ])('refuses --%s %s naming the option', (name, value) => {
    expect(() => normalizeWebOptions({ [name]: value })).toThrow(expect.objectContaining({ code: 'CFG_INVALID', field: `--${name}`, value }));
  });
});

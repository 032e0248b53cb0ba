import path from 'node:path';
import { OxprovError } from '../errors.js';

/** The page's options of `oxprov serve`, as typed. */
export interface RawWebOptions {
  /** Largest CSV or mapping file, in bytes, or with K, M or G (1024-based). */
  'upload-limit'?: string;
  /** Where uploads and the page's reports go. */
  'web-dir'?: string;
  /** Uploads and reports older than this many days are deleted. */
  'keep-days'?: string;
  /** Minutes without a request after which a login ends. */
  'session-minutes'?: string;
  /** Serve no page, XML-RPC only. */
  'no-ui'?: boolean;
}

/** The page's settings, checked once. */
export interface WebOptions {
  /** Largest upload in bytes. Default 64 MiB (a 100,000-row export is about 15 MiB). */
  readonly uploadLimit: number;
  /** Folder of `uploads/` and `runs/`, created 0700 when first needed. Default `reports/web`. */
  readonly dataDir: string;
  /** Age after which uploads and reports are deleted. Default 30 days. */
  readonly keepMs: number;
  /** Idle expiry of a login. Default 30 minutes; a login ends after 8 hours whatever the activity. */
  readonly sessionIdleMs: number;
}

/** Where the daemon serves the page. */
export const UI_PREFIX = '/ui/';

export const DEFAULT_UPLOAD_LIMIT = 64 * 1024 * 1024;

function invalid(name: string, why: string, value: string): OxprovError {
  return new OxprovError('CFG_INVALID', `--${name} ${why}, got "${value}"`, { field: `--${name}`, value });
}

function size(name: string, value: string): number {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(value.trim());
  const n = m ? Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!(n >= 1024 && n <= 16 * 1024 ** 3)) throw invalid(name, 'must be a size from 1K to 16G (bytes, or with K, M or G)', value);
  return n;
}

function count(name: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw invalid(name, `must be a whole number from ${min} to ${max}`, value);
  return n;
}

/** @returns undefined with `--no-ui`. @throws OxprovError CFG_INVALID naming the option. */
export function normalizeWebOptions(raw: RawWebOptions): WebOptions | undefined {
  if (raw['no-ui'] === true) return undefined;
  return Object.freeze({
    uploadLimit: raw['upload-limit'] === undefined ? DEFAULT_UPLOAD_LIMIT : size('upload-limit', raw['upload-limit']),
    dataDir: path.resolve(raw['web-dir'] ?? path.join('reports', 'web')),
    keepMs: (raw['keep-days'] === undefined ? 30 : count('keep-days', raw['keep-days'], 1, 3650)) * 86_400_000,
    sessionIdleMs: (raw['session-minutes'] === undefined ? 30 : count('session-minutes', raw['session-minutes'], 1, 1440)) * 60_000,
  });
}

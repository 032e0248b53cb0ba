import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { OxprovError } from '../errors.js';
import { parseMapping } from '../mapping/index.js';

/** A part of a multipart upload, as @fastify/multipart gives it. */
export interface UploadPart {
  readonly type: 'file' | 'field';
  readonly fieldname: string;
  readonly filename?: string;
  readonly file?: Readable & { truncated?: boolean };
}

/** What was saved. */
export interface SavedUpload {
  readonly name: string;
  readonly size: number;
  readonly mappingName?: string;
}

const MAPPING_LIMIT = 1024 * 1024;

/** The name a person gave the file, for the page only: no folders, no control characters. */
export function displayName(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return base || fallback;
}

const tooLarge = (limit: number) => new OxprovError('WEB_TOO_LARGE', `the file is larger than the upload limit of ${limit} bytes (oxprov serve --upload-limit)`, { field: 'file' });

/**
 * Streams the parts `csv` (required) and `mapping` (optional) of an upload to
 * `dir` as input.csv and mapping.json, each created 0600 before its first byte.
 * Nothing is held in memory but the mapping, which is checked here so that a
 * broken one is refused at once.
 * @throws OxprovError WEB_TOO_LARGE past `limit`, WEB_INVALID_REQUEST without a CSV, MAP_INVALID_MAPPING.
 */
export async function saveUpload(parts: AsyncIterable<UploadPart>, dir: string, limit: number): Promise<SavedUpload> {
  let name: string | undefined;
  let size = 0;
  let mappingName: string | undefined;
  try {
    for await (const part of parts) {
      if (part.type !== 'file' || !part.file) continue;
      const target = part.fieldname === 'csv' ? 'input.csv' : part.fieldname === 'mapping' ? 'mapping.json' : undefined;
      if (target === undefined || (target === 'input.csv' ? name !== undefined : mappingName !== undefined)) {
        part.file.resume();
        throw new OxprovError('WEB_INVALID_REQUEST', `unexpected file field "${part.fieldname}": send one csv and at most one mapping`, { field: part.fieldname });
      }
      const file = path.join(dir, target);
      let bytes = 0;
      // The mapping has a smaller limit than the CSV: stopped as it streams past it, not after.
      const max = target === 'mapping.json' ? MAPPING_LIMIT : Infinity;
      const stream = part.file;
      stream.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes > max) stream.destroy(new OxprovError('WEB_TOO_LARGE', `a mapping file is at most ${MAPPING_LIMIT} bytes`, { field: 'mapping' }));
      });
      await pipeline(part.file, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      if (part.file.truncated) throw tooLarge(limit);
      if (target === 'input.csv') {
        name = displayName(part.filename, 'upload.csv');
        size = bytes;
      } else {
        mappingName = displayName(part.filename, 'mapping.json');
        if (bytes === 0) {
          // An empty file input: no mapping.
          fs.rmSync(file);
          mappingName = undefined;
        } else {
          parseMapping(fs.readFileSync(file, 'utf8'));
        }
      }
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(limit);
    throw err;
  }
  if (name === undefined || size === 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new OxprovError('WEB_INVALID_REQUEST', 'choose a CSV file to upload (field csv), not empty', { field: 'csv' });
  }
  return { name, size, mappingName };
}

import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { saveUpload, type UploadPart } from '../../../src/web/upload.js';
import { tmpDir } from '../../helpers/import-helpers.js';

/** A stream of `chunk` repeated without end, counting what was read of it. */
function endless(chunk: Buffer): Readable & { read_: number } {
  let read = 0;
  const r = new Readable({ read() { read += chunk.length; this.push(chunk); } }) as Readable & { read_: number };
  Object.defineProperty(r, 'read_', { get: () => read });
  return r;
}

describe('saveUpload', () => {
  it('stops a mapping past its own limit (1 MiB) as it streams, whatever the upload limit, and leaves nothing', async () => {
    const dir = path.join(tmpDir('upload'), 'u');
    fs.mkdirSync(dir, { mode: 0o700 });
    const mapping = endless(Buffer.alloc(64 * 1024, 0x20));
    async function* parts(): AsyncGenerator<UploadPart> {
      yield { type: 'file', fieldname: 'csv', filename: 'a.csv', file: Readable.from([Buffer.from('username\nx\n')]) };
      yield { type: 'file', fieldname: 'mapping', filename: 'm.json', file: mapping };
    }
    await expect(saveUpload(parts(), dir, 1024 ** 3)).rejects.toMatchObject({ code: 'WEB_TOO_LARGE', field: 'mapping' });
    expect(mapping.read_).toBeLessThan(2 * 1024 * 1024);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

import fs from 'node:fs';
import { OxprovError } from '../errors.js';

/** Reads a PEM file named by an option (a certificate, a key, a CA). @throws OxprovError CFG_FILE_UNREADABLE */
export function readPem(file: string, option: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read ${option} ${file}`, { field: option, cause });
  }
}

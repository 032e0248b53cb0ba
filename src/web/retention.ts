import fs from 'node:fs';
import path from 'node:path';

/**
 * Deletes the folders under `root` (uploads and runs, one folder each) whose
 * last change is older than `maxAgeMs`, except those `keep` names (a run in
 * progress, the upload it reads). Returns the names deleted. A folder that
 * cannot be read or deleted is left for the next sweep.
 */
export function sweepOld(root: string, maxAgeMs: number, keep: (name: string) => boolean = () => false, now = Date.now()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  const deleted: string[] = [];
  for (const name of names) {
    if (keep(name)) continue;
    const dir = path.join(root, name);
    try {
      if (now - newest(dir) <= maxAgeMs) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      deleted.push(name);
    } catch {
      // Gone meanwhile, or not ours to delete: the next sweep tries again.
    }
  }
  return deleted;
}

/** The newest mtime of a folder and the files directly in it. */
function newest(dir: string): number {
  const st = fs.statSync(dir);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of fs.readdirSync(dir)) {
    try {
      t = Math.max(t, fs.statSync(path.join(dir, e)).mtimeMs);
    } catch {
      // deleted meanwhile
    }
  }
  return t;
}

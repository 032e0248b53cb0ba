import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A private stack for one bench run: its environment is set on this process, so that every child
 * and every loadConfig() uses it. It starts empty and is removed at the end (`done`): each run
 * measures the same fresh servers, and none leaves its users' mailboxes behind (a maildir is about
 * twenty inodes a user; the runs of a few weeks filled this machine's file system). Deleting the
 * mailboxes of 50,000 users from the disk took over an hour here, so as root the stack gets a file
 * system of its own: an ext4 image on the same disk, loop-mounted, unmounted and deleted at the end
 * in a second. Elsewhere (or with `OXPROV_BENCH_DIR`, a parent folder) it is a plain folder.
 */
export function useBenchStack(root: string, name: string, basePort: number, mail: string): { up: () => void; done: () => void } {
  const parent = process.env.OXPROV_BENCH_DIR ?? root;
  const dir = path.join(parent, name);
  const image = `${dir}.img`;
  Object.assign(process.env, {
    OXPROV_STACK_DIR: dir, OXPROV_STACK_LDAP_PORT: String(basePort), OXPROV_STACK_PG_PORT: String(basePort + 1),
    OXPROV_STACK_IMAP_PORT: String(basePort + 2), OXPROV_STACK_DOVEADM_PORT: String(basePort + 3), OXPROV_STACK_MAIL: mail, OXPROV_STACK_MAIL_FOLDERS: 'eager',
  });
  const oxprov = (...argv: string[]) => execFileSync(process.execPath, [path.join(root, 'bin/oxprov.js'), ...argv], { stdio: 'inherit' });
  const quiet = (cmd: string, argv: string[]) => { try { execFileSync(cmd, argv, { stdio: 'ignore' }); return true; } catch { return false; } };
  const remove = () => {
    if (fs.existsSync(dir)) oxprov('stack', 'down');
    quiet('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(image, { force: true });
  };
  return {
    up: () => {
      // What an earlier run left (one that was killed) goes first.
      remove();
      fs.mkdirSync(dir, { recursive: true });
      // Sparse: blocks are taken from the disk as the servers write; an inode per 4 KiB, as maildirs need.
      const own = process.getuid?.() === 0 && quiet('truncate', ['-s', '40G', image]) && quiet('mkfs.ext4', ['-q', '-F', '-i', '4096', '-m', '0', image]) && quiet('mount', ['-o', 'loop', image, dir]);
      if (!own) fs.rmSync(image, { force: true });
      oxprov('stack', 'up');
    },
    done: remove,
  };
}

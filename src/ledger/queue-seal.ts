import crypto from 'node:crypto';
import { OxprovError } from '../errors.js';

/**
 * The secrets of a batch handed to workers (a row's own password, a generated one)
 * travel through the queue's table sealed with a key that the starter of the run and
 * its workers share (`queue.key`, a file or the environment), never in clear:
 * AES-256-GCM under a key derived from the secret with HKDF. Unlike the run's own
 * key pair (seal.ts), a worker must open what it is sent, so the key is symmetric.
 */
export class QueueSeal {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 16) throw new OxprovError('QUEUE_KEY', 'the queue\'s key (queue.key, OXPROV_QUEUE_KEY) must be at least 16 characters', { field: 'queue.key' });
    this.key = Buffer.from(crypto.hkdfSync('sha256', secret, 'oxprov', 'oxprov queue: batch secrets', 32));
  }

  /** A fresh secret for a run whose workers it starts itself (`--workers N`): handed to them in their environment. */
  static newSecret(): string {
    return crypto.randomBytes(32).toString('base64url');
  }

  seal(text: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `q1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** @throws QUEUE_KEY when it was sealed with another key (the worker's `queue.key` is not the starter's) or altered. */
  open(sealed: string): string {
    const [v, iv, body] = sealed.split('.');
    try {
      if (v !== 'q1' || !iv || !body) throw new Error('not a sealed secret');
      const data = Buffer.from(body, 'base64url');
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new OxprovError('QUEUE_KEY', 'a secret of the batch cannot be opened: this worker\'s queue.key is not the one of the run\'s starter', { field: 'queue.key', cause });
    }
  }
}

import crypto from 'node:crypto';
import { OxprovError } from '../errors.js';

/**
 * Generated passwords sealed to a run's key pair (X25519, HKDF-SHA256, AES-256-GCM):
 * whoever writes the ledger (this process, a worker elsewhere) seals with the run's
 * public key alone; only the holder of the private key (a 0600 file beside the
 * report, the administrator's session on the page) opens them. The database never
 * holds a password in clear.
 *
 * A sealer makes one ephemeral key pair and one key agreement for all it seals;
 * each password then costs one AES-GCM encryption with a random IV. The sealed form
 * is `v1.<ephemeral public key>.<iv>.<ciphertext and tag>`, base64url.
 */

const INFO = Buffer.from('oxprov sealed password v1');

export interface RunKeyPair {
  /** SPKI, DER, base64: stored with the run. */
  readonly publicKey: string;
  /** PKCS#8, PEM: kept by whoever started the run, never in the database. */
  readonly privateKeyPem: string;
}

export function newRunKeyPair(): RunKeyPair {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('x25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function aesKey(shared: Buffer, ephemeralRaw: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', shared, ephemeralRaw, INFO, 32));
}

/** Seals with a run's public key. */
export class Sealer {
  private readonly ephemeral: string;
  private readonly key: Buffer;

  constructor(runPublicKey: string) {
    const recipient = crypto.createPublicKey({ key: Buffer.from(runPublicKey, 'base64'), format: 'der', type: 'spki' });
    const eph = crypto.generateKeyPairSync('x25519');
    const raw = rawPublic(eph.publicKey);
    this.ephemeral = raw.toString('base64url');
    this.key = aesKey(crypto.diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }), raw);
  }

  seal(secret: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${this.ephemeral}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }
}

/** Opens what a {@link Sealer} sealed to the public half of this private key. */
export class Opener {
  private readonly privateKey: crypto.KeyObject;
  private readonly keys = new Map<string, Buffer>();

  constructor(privateKeyPem: string) {
    try {
      this.privateKey = crypto.createPrivateKey(privateKeyPem);
    } catch (cause) {
      throw new OxprovError('CFG_INVALID', 'the run\'s key file does not hold a private key', { cause });
    }
  }

  /** The secret, or undefined when it was sealed to another key or altered. */
  open(sealed: string): string | undefined {
    const [v, eph, iv, body] = sealed.split('.');
    if (v !== 'v1' || !eph || !iv || !body) return undefined;
    try {
      let key = this.keys.get(eph);
      if (key === undefined) {
        const raw = Buffer.from(eph, 'base64url');
        const publicKey = crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
        key = aesKey(crypto.diffieHellman({ privateKey: this.privateKey, publicKey }), raw);
        this.keys.set(eph, key);
      }
      const data = Buffer.from(body, 'base64url');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** The DER prefix of an X25519 SubjectPublicKeyInfo: the 32 raw bytes follow it. */
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function rawPublic(key: crypto.KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' }).subarray(X25519_SPKI_PREFIX.length);
}

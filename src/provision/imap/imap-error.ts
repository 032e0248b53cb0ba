import { OxprovError } from '../../errors.js';

/** A failure of an IMAP session as the mail store's error: IMAP_AUTH, IMAP_CONNECT (unreachable) or IMAP_FAILED. */
export function imapError(err: unknown, username: string): OxprovError {
  if (err instanceof OxprovError) return err;
  const e = err as { code?: string; message?: string; authenticationFailed?: boolean; responseText?: string };
  if (e.authenticationFailed) {
    return new OxprovError('IMAP_AUTH', `IMAP login for ${username} through the master user was refused (user unknown to the IMAP server, or wrong master credentials)`, { backend: 'imap', cause: err });
  }
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND') {
    return new OxprovError('IMAP_CONNECT', `cannot reach the IMAP server (${e.code})`, { backend: 'imap', transient: true, unreachable: true, cause: err });
  }
  const lost = ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'NoConnection', 'ETIMEOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT'].includes(e.code ?? '') || /timeout|closed/i.test(e.message ?? '');
  return new OxprovError('IMAP_FAILED', `IMAP for ${username}: ${e.responseText ?? e.message ?? String(err)}`,
    { backend: 'imap', transient: lost, unreachable: lost, server: e.responseText ? { imapResponse: e.responseText } : undefined, cause: err });
}

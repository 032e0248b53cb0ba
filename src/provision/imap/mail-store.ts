import type { OxprovError } from '../../errors.js';

/**
 * The mail-store back-end: a mailbox with its standard folders. Dovecot is the
 * first implementation, Cyrus (where quota is an IMAP command) the second.
 */
export interface MailboxResult {
  /** `created` when at least one folder was missing and is now there. */
  outcome: 'created' | 'exists';
  /** Folders this call created. */
  created: string[];
}

export interface MailboxRequest {
  username: string;
  folders: readonly string[];
  /** The user's quota in MB, for a store that keeps it itself (Cyrus); 0 is no limit. Dovecot reads it from the directory. */
  quotaMB?: number;
}

export interface MailStore {
  /** Checks that the server answers and takes our credentials, before anything is written. */
  init(): Promise<void>;
  /** Makes sure the user's mailbox holds these folders (UTF-8 names), subscribed. Existing folders are a result, not an error. */
  ensureMailbox(username: string, folders: readonly string[], options?: { quotaMB?: number }): Promise<MailboxResult>;
  /**
   * Optional bulk form: many users in one round trip. Each answer is that user's
   * result or error; the call itself throws only when the whole request failed.
   */
  ensureMailboxes?(requests: readonly MailboxRequest[]): Promise<(MailboxResult | OxprovError)[]>;
  /** The folders of the user's mailbox as the user sees them (subscribed or not). */
  listFolders(username: string): Promise<string[]>;
  /** Removes every folder and message of the mailbox; `gone` when there was nothing left. */
  deleteMailbox(username: string): Promise<'deleted' | 'gone'>;
  /** Present when the store keeps the quota itself (Cyrus `SETQUOTA`): sets it, in MB (0: no limit). */
  setQuota?(username: string, megabytes: number): Promise<void>;
  close(): Promise<void>;
}

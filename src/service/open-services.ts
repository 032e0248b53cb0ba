import type { Config } from '../config/config.js';
import type { Backend } from '../model/backends.js';
import type { MailStore } from '../provision/backends.js';
import { openBackends } from '../provision/open-backends.js';

export { openBatchQueue, openRunStore } from '../provision/open-backends.js';
export type { BatchQueue, BatchStatus } from '../provision/batch-queue.js';
export type { LedgerRow, RunRow, RunStore, WorkerStats } from '../provision/run-store.js';
import { GroupwareFolderTemplates } from '../templates/groupware-folder-templates.js';
import { ImapFolderTemplates } from '../templates/imap-folder-templates.js';
import { GroupService } from './group-service.js';
import { ResourceService } from './resource-service.js';
import type { RetryOptions } from './retry.js';
import { UserService, type FolderTemplates } from './user-service.js';

/** What a door asks for when it opens the services; every field has a default. */
export interface ServiceSetup {
  /** The back-ends the run touches (default all). */
  readonly only?: readonly Backend[];
  /** Bind to the directory as this administrator (a tool call). */
  readonly bind?: { readonly dn: string; readonly password: string };
  /** uidNumbers reserved per round trip to the id pool (bulk: more than 1). */
  readonly idBlockSize?: number;
  readonly ldapConcurrency?: number;
  readonly imapConcurrency?: number;
  readonly retry?: RetryOptions;
  /** A different mail store (tests inject failures). */
  readonly mailStore?: MailStore;
}

/** The services of one door, over one set of back-ends. */
export interface Services {
  readonly users: UserService;
  readonly groups: GroupService;
  readonly resources: ResourceService;
  readonly templates: FolderTemplates;
  /** Closes the back-ends; safe twice. */
  close(): Promise<void>;
}

/** Loads the folder templates named in the config (once per door). */
export function loadTemplates(config: Readonly<Config>): FolderTemplates {
  return { imap: ImapFolderTemplates.load(config.templates.imapFolders), groupware: GroupwareFolderTemplates.load(config.templates.groupwareFolders) };
}

/** Opens the back-ends (one factory) and builds the services on them. A back-end that cannot be reached fails here. */
export async function openServices(config: Readonly<Config>, setup: ServiceSetup = {}): Promise<Services> {
  const templates = loadTemplates(config);
  const backends = await openBackends(config, { only: setup.only, bind: setup.bind, idBlockSize: setup.idBlockSize, mailStore: setup.mailStore });
  return {
    users: new UserService(backends, templates, { ldapConcurrency: setup.ldapConcurrency, imapConcurrency: setup.imapConcurrency, retry: setup.retry, defaultQuotaMB: config.defaults.quotaMB, mailServers: config.mail.servers }),
    groups: new GroupService(backends, config.ldap.usersGroup),
    resources: new ResourceService(backends),
    templates,
    close: () => backends.close(),
  };
}

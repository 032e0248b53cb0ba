import { OxprovError } from '../errors.js';
import type { UserInput } from '../model/user-spec.js';
import type { Directory, MailServerInfo } from '../provision/backends.js';
import { STYLE_ATTRIBUTE } from '../templates/dovecot-folders.js';
import type { ImapFolderTemplates } from '../templates/imap-folder-templates.js';
import { attributeOf, type Decision } from './user-rules.js';

/**
 * Which mail server each user lives on (the paper's multi-location setup). A user
 * with an entry stays where its `imapServer` says, whatever a request asks: a
 * mailbox is never moved silently (MAIL_SERVER_KEPT, a note). A new user goes to
 * the server it names (`imapserver`), else with `spread` to the server with the
 * fewest users, else to the default. Its `colocRouteAddr` follows the server when
 * not given.
 */
export class MailRouting {
  /** Users per server, read from the directory at a spread (again after a minute) and counted on from there. */
  private counts?: { at: number; value: Promise<Map<string, number>> };

  private readonly defaultServer: MailServerInfo;

  /** `servers`: every configured mail server, the default first. */
  constructor(private readonly servers: readonly MailServerInfo[], private readonly directory: Directory | undefined, private readonly templates: ImapFolderTemplates) {
    if (servers.length === 0) throw new OxprovError('CFG_MISSING', 'no mail server is configured', { field: 'mail.servers' });
    this.defaultServer = servers[0];
  }

  get list(): readonly MailServerInfo[] {
    return this.servers;
  }

  byName(name: string | undefined): MailServerInfo | undefined {
    return name === undefined ? undefined : this.servers.find((s) => s.name === name.toLowerCase());
  }

  /** The server whose `imapServer` this is; the default for none or an unknown one (users made before there were several). */
  serverOf(imapServer: string | undefined): MailServerInfo {
    return this.byImapServer(imapServer) ?? this.defaultServer;
  }

  /** The configured server whose `imapServer` this is, whatever its case. */
  private byImapServer(imapServer: string | undefined): MailServerInfo | undefined {
    const v = imapServer?.toLowerCase();
    return v === undefined ? undefined : this.servers.find((s) => s.imapServer.toLowerCase() === v);
  }

  /** The server a spec names (set by {@link route}), else the default. */
  serverFor(spec: Pick<UserInput, 'mailServer'>): MailServerInfo {
    return this.byName(spec.mailServer) ?? this.defaultServer;
  }

  /** Completes each accepted decision with its server; refuses a user routed to a server that cannot take it. */
  async route(decisions: Decision[], inputs: readonly UserInput[], spread: boolean, options: { commit?: boolean; matchedByKey?: boolean } = {}): Promise<void> {
    // A check (a dry run, a sync's plan) spreads in a copy: only what is written counts.
    const shared = spread ? await this.loadCounts() : undefined;
    const counts = shared && options.commit === false ? new Map(shared) : shared;
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i];
      if (!d.ok) continue;
      let style: string;
      try {
        style = this.templates.styleFor(d.spec.language, d.spec.imapTemplate);
      } catch (err) {
        decisions[i] = { ok: false, status: 'rejected', errors: [err instanceof OxprovError ? err : new OxprovError('MAP_INVALID_TEMPLATE', String(err))] };
        continue;
      }
      const asked = inputs[i].mailServer;
      const current = d.entry ? attributeOf(d.entry, 'imapServer') : undefined;
      let server: MailServerInfo;
      const notes = [...d.notes];
      if (current !== undefined) {
        server = this.serverOf(current);
        if (this.servers.length > 1 && this.byImapServer(current) === undefined) {
          notes.push(`imapServer ${current} names no configured mail server: the mailbox is taken to be on the default server ${server.name}`);
        }
        // A sync's plan says so itself.
        if (asked !== undefined && asked !== server.name && !options.matchedByKey) {
          notes.push(`MAIL_SERVER_KEPT: ${d.spec.username} lives on ${server.name}; the request names ${asked}: the mailbox stays on ${server.name} (move it by hand, then change imapServer)`);
        }
      } else if (asked !== undefined) {
        const named = this.byName(asked);
        if (named === undefined) {
          decisions[i] = { ok: false, status: 'rejected', errors: [new OxprovError('MAIL_UNKNOWN_SERVER', `no mail server named ${asked} is configured (configured: ${this.servers.map((s) => s.name).join(', ')})`, { field: 'imapserver', value: asked })] };
          continue;
        }
        server = named;
      } else if (counts !== undefined) {
        // Only the servers that can take the user: one that makes a single folder set itself takes only that set.
        const fits = this.servers.filter((s) => s.onDemandStyle === undefined || s.onDemandStyle.toLowerCase() === style.toLowerCase());
        server = (fits.length ? fits : [this.defaultServer]).reduce((best, s) => ((counts.get(s.name) ?? 0) < (counts.get(best.name) ?? 0) ? s : best));
      } else server = this.defaultServer;
      if (current === undefined && server.onDemandStyle !== undefined) {
        // The paper: Cyrus's own creation works only when everyone on the server has the same folders.
        if (style.toLowerCase() !== server.onDemandStyle.toLowerCase()) {
          decisions[i] = { ok: false, status: 'rejected', errors: [new OxprovError('MAIL_STYLE_MISMATCH', `${server.name} makes every mailbox's folders itself, in the style ${server.onDemandStyle}; this user's folders are ${style} (language ${d.spec.language ?? 'default'}): route the user to another server`, { field: 'imapserver', value: server.name })] };
          continue;
        }
      }
      if (current === undefined && counts !== undefined) counts.set(server.name, (counts.get(server.name) ?? 0) + 1);
      // On demand Dovecot reads the folder style from the entry: it follows the language and the chosen style.
      const attributes = server.folders === 'on-demand' && server.kind === 'dovecot' ? { ...d.spec.attributes, [STYLE_ATTRIBUTE]: [style] } : d.spec.attributes;
      const spec: UserInput = { ...d.spec, mailServer: server.name, colocrouteaddr: d.spec.colocrouteaddr ?? `${d.spec.username}@${server.routeDomain}`, attributes };
      decisions[i] = { ...d, spec, notes };
    }
  }

  private loadCounts(): Promise<Map<string, number>> {
    if (this.counts && Date.now() - this.counts.at < 60_000) return this.counts.value;
    const value = (async () => {
      const byHost = this.directory ? await this.directory.countByImapServer() : new Map<string, number>();
      const out = new Map<string, number>();
      for (const [host, n] of byHost) {
        const s = this.serverOf(host);
        out.set(s.name, (out.get(s.name) ?? 0) + n);
      }
      return out;
    })();
    this.counts = { at: Date.now(), value };
    value.catch(() => { this.counts = undefined; });
    return value;
  }
}

import { OxprovError } from '../../errors.js';
import type { ToolName } from '../../service/tools/tool-contract.js';
import { findToolOption } from '../../service/tools/tool-definitions.js';
import { checkDashes, startsWithTypographicDash } from './bad-dash.js';

/** Options of the front itself: they choose where the call goes and are never sent to the tool. */
export const RUNNER_OPTIONS = ['server', 'server-ca', 'config'] as const;
export type RunnerOption = (typeof RUNNER_OPTIONS)[number];

/** A tool's command line, parsed but not yet complete (secrets may still come from files, env or a prompt). */
export interface ParsedToolArgs {
  /** Known options under their lower-case name; adduser's extra LDAP attributes in the user's case. Strings as typed. */
  readonly params: Record<string, string>;
  /** `--server`, `--server-ca`, `--config`. */
  readonly runner: Readonly<Partial<Record<RunnerOption, string>>>;
  /** `--password-file FILE` and the like, by secret option name. */
  readonly secretFiles: Readonly<Record<string, string>>;
  /** Secret options whose value was typed on the command line (visible in `ps`). */
  readonly secretsOnCommandLine: readonly string[];
  /** `--help` or `-h` was given. */
  readonly help: boolean;
}

/**
 * Parses the arguments after the tool name, by hand so nothing is guessed:
 * `--opt=value` or `--opt value`; known option names case-insensitive; values
 * kept as typed strings (`--homePhone=012345.67890` stays "012345.67890").
 * Only the syntax is checked here: what the options mean (unknown ones, missing
 * ones, their values) is checked by the service, once, for every door.
 *
 * @throws OxprovError CFG_BAD_DASH for an argument that starts with a typographic
 *   dash or a single hyphen (the paper itself prints `-–username`);
 *   CFG_INVALID for a missing or empty value, a repeated option or a stray argument.
 *   No message ever contains a secret's value.
 */
export function parseToolArgs(tool: ToolName, argv: readonly string[]): ParsedToolArgs {
  const params: Record<string, string> = Object.create(null);
  const runner: Partial<Record<RunnerOption, string>> = {};
  const secretFiles: Record<string, string> = {};
  const onCommandLine: string[] = [];
  const seen = new Map<string, string>(); // lower-case key → the argument that set it
  let help = false;
  let lastOption: string | undefined; // the option the previous argument belonged to

  const claim = (key: string, arg: string) => {
    const previous = seen.get(key);
    if (previous !== undefined) {
      throw new OxprovError('CFG_INVALID', `${arg} is given twice (first as ${previous}); give each option once`, { field: arg });
    }
    seen.set(key, arg);
  };

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    const after = lastOption;
    lastOption = optionOf(token);
    // Only the name part of a dash-led argument is quoted: it is meant as an option.
    checkDashes(token);
    // Right after a secret option a stray argument may be (part of) the password: never quote it.
    if (after !== undefined && isSecretArg(tool, after) && !token.startsWith('--')) {
      throw new OxprovError('CFG_INVALID', `unexpected argument ${i + 1} after --${after}; options are written --name=value`);
    }
    if (token === '-h' || /^--help$/i.test(token)) {
      help = true;
      continue;
    }
    if (!token.startsWith('--') || token.length === 2) {
      throw new OxprovError('CFG_INVALID', `unexpected argument "${token}"${after ? ` after --${after}` : ''}; options are written --name=value`);
    }
    const eq = token.indexOf('=');
    const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
    let value: string;
    if (eq !== -1) value = token.slice(eq + 1);
    else {
      const next = argv[i + 1];
      // Never quote the next argument after a secret option: it may be the password itself.
      if (next !== undefined && startsWithTypographicDash(next) && !isSecretArg(tool, name.toLowerCase())) checkDashes(next);
      if (next === undefined || next.startsWith('--') || startsWithTypographicDash(next)) {
        throw new OxprovError('CFG_INVALID', `--${name} needs a value: --${name}=VALUE`, { field: `--${name}` });
      }
      value = next;
      i++;
    }
    const arg = `--${name}`;
    const lower = name.toLowerCase();
    if (value === '') throw new OxprovError('CFG_INVALID', `${arg} is empty; give it a value or leave it out`, { field: arg });

    if ((RUNNER_OPTIONS as readonly string[]).includes(lower)) {
      claim(lower, arg);
      runner[lower as RunnerOption] = value;
      continue;
    }
    const fileOf = /^(.*)-file$/.exec(lower);
    const secretOfFile = fileOf ? findToolOption(tool, fileOf[1]) : undefined;
    if (secretOfFile?.secret) {
      claim(secretOfFile.name, arg);
      secretFiles[secretOfFile.name] = value;
      continue;
    }
    const option = findToolOption(tool, name);
    claim(option?.name ?? lower, arg);
    // LDAP attribute names are case-insensitive, so --homePhone and --homephone are the same attribute.
    params[option?.name ?? name] = value;
    if (option?.secret) onCommandLine.push(option.name);
  }
  return Object.freeze({ params, runner: Object.freeze(runner), secretFiles: Object.freeze(secretFiles), secretsOnCommandLine: Object.freeze(onCommandLine), help });
}

/** The option name of an argument like `--password=x` or `--password`, else undefined. */
function optionOf(token: string): string | undefined {
  const m = /^--([^=]+)/.exec(token);
  return m ? m[1].toLowerCase() : undefined;
}

function isSecretArg(tool: ToolName, name: string): boolean {
  return findToolOption(tool, name)?.secret === true || findToolOption(tool, name.replace(/-file$/, ''))?.secret === true;
}


import { OxprovError } from '../errors.js';
import type { ToolName } from './tool-contract.js';
import { findToolOption, isMandatory, selectedBackends, toolDefinition, type ToolOption } from './tool-definitions.js';
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

// An LDAP attribute description (RFC 4512 descr, with options such as ;lang-de).
const LDAP_ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$/;

/**
 * Parses the arguments after the tool name, by hand so nothing is guessed:
 * `--opt=value` or `--opt value`; known option names case-insensitive; values
 * kept as typed strings (`--homePhone=012345.67890` stays "012345.67890").
 *
 * @throws OxprovError CFG_BAD_DASH for an argument that starts with a typographic
 *   dash or a single hyphen (the paper itself prints `-–username`);
 *   CFG_UNKNOWN_OPTION for an option the tool does not know (adduser: not a valid
 *   LDAP attribute name either); CFG_INVALID for a missing or empty value, a value
 *   outside the option's choices, a repeated option or a stray argument.
 *   No message ever contains a secret's value.
 */
export function parseToolArgs(tool: ToolName, argv: readonly string[]): ParsedToolArgs {
  const def = toolDefinition(tool);
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
    if (option !== undefined) {
      claim(option.name, arg);
      params[option.name] = checkValue(tool, option, value);
      if (option.secret) onCommandLine.push(option.name);
      continue;
    }
    if (!def.extraLdapAttributes) {
      throw new OxprovError('CFG_UNKNOWN_OPTION', `unknown option ${arg}${suggestion(tool, lower)}; run "oxprov ${tool}" for its options`, {
        field: arg,
      });
    }
    if (!LDAP_ATTRIBUTE.test(name)) {
      throw new OxprovError('CFG_UNKNOWN_OPTION', `${arg} is neither an option of ${tool} nor a valid LDAP attribute name`, {
        field: arg,
      });
    }
    // LDAP attribute names are case-insensitive, so --homePhone and --homephone are the same attribute.
    claim(lower, arg);
    params[name] = value;
  }
  return Object.freeze({ params, runner: Object.freeze(runner), secretFiles: Object.freeze(secretFiles), secretsOnCommandLine: Object.freeze(onCommandLine), help });
}

/**
 * The options a call still lacks, in the table's order. adduser's
 * `--source_only` narrows them: the paper's `--source_only=groupware` call
 * passes neither password nor mail.
 */
export function missingOptions(tool: ToolName, params: Readonly<Record<string, string>>): ToolOption[] {
  const backends = selectedBackends(params.source_only);
  return toolDefinition(tool).options.filter((o) => isMandatory(o, backends) && params[o.name] === undefined);
}

/** @throws OxprovError CFG_MISSING naming every missing option at once. */
export function assertComplete(tool: ToolName, params: Readonly<Record<string, string>>): void {
  const missing = missingOptions(tool, params);
  if (missing.length === 0) return;
  const names = missing.map((o) => `--${o.name}`);
  throw new OxprovError('CFG_MISSING', `missing mandatory option${names.length > 1 ? 's' : ''} ${names.join(', ')}`, {
    field: names.join(','),
  });
}

function checkValue(tool: ToolName, option: ToolOption, value: string): string {
  const arg = `--${option.name}`;
  if (option.choices !== undefined) {
    const items = option.list ? value.split(',').map((s) => s.trim().toLowerCase()) : [value.trim().toLowerCase()];
    const bad = items.find((item) => !option.choices!.includes(item));
    if (bad !== undefined) {
      throw new OxprovError('CFG_INVALID', `${arg} must be ${option.list ? 'a comma list of ' : ''}${option.choices.join(', ')}; got "${bad}"`, {
        field: arg,
        value: bad,
      });
    }
    return items.join(',');
  }
  if (option.pattern !== undefined && !option.pattern.regex.test(value)) {
    throw new OxprovError('CFG_INVALID', `${arg} must be ${option.pattern.text}; got "${value}"`, { field: arg, value });
  }
  if (option.list && value.split(',').some((s) => s.trim() === '')) {
    throw new OxprovError('CFG_INVALID', `${arg} has an empty item; separate the items with single commas`, { field: arg });
  }
  return value;
}

/** The option name of an argument like `--password=x` or `--password`, else undefined. */
function optionOf(token: string): string | undefined {
  const m = /^--([^=]+)/.exec(token);
  return m ? m[1].toLowerCase() : undefined;
}

function isSecretArg(tool: ToolName, name: string): boolean {
  return findToolOption(tool, name)?.secret === true || findToolOption(tool, name.replace(/-file$/, ''))?.secret === true;
}

/** ` (did you mean --username?)` for a near miss, else empty. */
function suggestion(tool: ToolName, name: string): string {
  const best = toolDefinition(tool)
    .options.map((o) => ({ o, d: editDistance(name, o.name) }))
    .filter(({ o, d }) => d <= 2 || o.name.startsWith(name) || name.startsWith(o.name))
    .sort((a, b) => a.d - b.d)[0];
  return best ? ` (did you mean --${best.o.name}?)` : '';
}

export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

import { TOOL_NAMES, type ToolName } from '../../service/tools/tool-contract.js';
import { toolDefinition, type ToolOption } from '../../service/tools/tool-definitions.js';

/**
 * What a tool prints when called without arguments (or with `--help`): its
 * options in the paper's form `--name=example`, each with its description.
 * Only the examples of the table appear, never a value the user typed.
 */
export function formatToolHelp(tool: ToolName): string {
  const def = toolDefinition(tool);
  const rows = def.options.map((o) => [`--${o.name}=${o.example}`, `${marker(o)}${o.description}`] as const);
  if (def.extraLdapAttributes) rows.push(['--anyattribute=value', 'any other LDAP attribute of the user object, e.g. --homePhone=012345.67890 (kept as typed)']);
  const secrets = def.options.filter((o) => o.secret);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [
    `oxprov ${tool}: ${def.summary}`,
    '',
    'Options:',
    ...rows.map(([left, right]) => `${left.padEnd(width)}${right}`),
    '',
    'Passwords are best not typed on the command line (other local users see it in ps). Instead:',
    ...secrets.map((o) => `  --${o.name}-file FILE, or OXPROV_${o.name.toUpperCase()}_FILE / OXPROV_${o.name.toUpperCase()} in the environment`),
    '  or leave them out on a terminal and type them at the prompt.',
    '',
    'Where the call goes:',
    '  --server=URL        an oxprov daemon (oxprov serve), http:// or https://; or OXPROV_SERVER',
    '  --server-ca=FILE    PEM certificate(s) to trust for an https daemon',
    '  --config=FILE       JSON config of the back-ends, when no --server is given (the tool then runs in process)',
  ];
  if (tool === 'adduser') {
    lines.push('', 'With --source_only only --adminuser, --adminpasswd and --username are always needed;', '--password, --surname, --mail and --colocrouteaddr are needed when ldap is written.');
  }
  return `${lines.join('\n')}\n`;
}

function marker(o: ToolOption): string {
  if (o.mandatory) return '[mandatory] ';
  if (o.mandatoryFor) return `[mandatory for ${o.mandatoryFor.join(', ')}] `;
  if (o.recommended) return '[recommended] ';
  return '';
}

/** One line per tool, for `oxprov --help` and the README. */
export function toolSummaries(): { tool: ToolName; summary: string }[] {
  return TOOL_NAMES.map((tool) => ({ tool, summary: toolDefinition(tool).summary }));
}

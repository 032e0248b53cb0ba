import type { RunToolIo } from '../../../../src/cli/tools/run-tool.js';
import type { ToolCaller, ToolName, ToolResult } from '../../../../src/service/tools/tool-contract.js';

/**
 * A command as the whitepaper prints it (`./adduser --a=b \` continued on the
 * next line) → the argument array a shell would pass after the tool name.
 * The paper's examples contain no quoting, so splitting on blanks is exact.
 */
export function paperArgs(command: string): { tool: string; args: string[] } {
  const words = command.replace(/\\\n/g, ' ').replace(/\\\s*$/g, ' ').trim().split(/\s+/);
  return { tool: words[0].replace(/^\.\//, ''), args: words.slice(1) };
}

/** The commands of chapters 3 and 5, character for character (the en dashes are the paper's). */
export const PAPER = {
  adduserMandatory: `./adduser --adminuser=mailadmin --adminpasswd=secret --username=smtest \\
--password=secret --surname=Martin \\
--alias=smtest@example1.tux,smtest@example2.tux \\
--mail=smtest@test.tux --colocrouteaddr=smtest@localhost`,
  adduserOptional: `./adduser --adminuser=mailadmin --adminpasswd=secret -\u2013username=smtest \\
--password=secret --surname=Martin --mail=smtest@test.tux \\
--colocrouteaddr=smtest@localhost --givenname=Stephan \\
--alias=Stephan.Martin@test.tux,S.Martin@test.tux \\
--timezone=Europe/Berlin --language=DE --country=DE \\
--disable=bookmarks,forum,knowledge,pinboard,pinboard_public \\
--birthDay=1984-01-01 --homePhone=012345.67890`,
  deluser: './deluser --adminuser=mailadmin --adminpasswd=secret -\u2013username=smtest',
  addgroup: `./addgroup --adminuser=mailadmin --adminpasswd=secret --groupname=testgroup
\\
--members=sm,smtest`,
  delgroup: './delgroup --adminuser=mailadmin --adminpasswd=secret --groupname=testgroup',
  addmembers2group: `./addmembers2group --adminuser=mailadmin --adminpasswd=secret \\
--groupname=testgroup --members=pm`,
  delmembersfromgroup: `./delmembersfromgroup --adminuser=mailadmin --adminpasswd=secret \\
--groupname=testgroup --members=pm`,
  changepasswd: `./changepasswd --adminuser=mailadmin --adminpasswd=secret --username=pm \\
--password=newpass`,
  setquota: `./setquota --adminuser=mailadmin --adminpasswd=secret --username=smtest \\
--quotasize=50`,
  sourceOnlyGroupware: `./adduser --adminuser=mailadmin --adminpasswd=secret --username=testsm \\
--source_only=groupware --language=DE`,
  sourceOnlySql: `./adduser --adminuser=mailadmin --adminpasswd=secret --username=testsm \\
--source_only=sql --language=DE`,
  sourceOnlyImap: `./adduser --adminuser=mailadmin --adminpasswd=secret --username=smtest \\
--password=secret --source_only=imap --language=DE`,
} as const;

/** Collects what runTool writes. */
export function fakeIo(overrides: Partial<RunToolIo> = {}): RunToolIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => { out += s; } },
    stderr: { write: (s: string) => { err += s; } },
    env: {},
    isTTY: false,
    ...overrides,
    out: () => out,
    err: () => err,
  };
}

/** A ToolCaller that records calls and answers with `answer` (or throws what it returns as an Error). */
export function fakeCaller(answer: (tool: ToolName, params: Record<string, string>) => ToolResult | Promise<ToolResult>) {
  const calls: { tool: ToolName; params: Record<string, string> }[] = [];
  let closed = 0;
  const caller: ToolCaller = {
    async call(tool, params) {
      calls.push({ tool, params: { ...params } });
      return answer(tool, params);
    },
    async close() {
      closed++;
    },
  };
  return { caller, calls, closedCount: () => closed };
}

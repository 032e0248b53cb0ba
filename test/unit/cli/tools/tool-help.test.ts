import { describe, expect, it } from 'vitest';
import { runTool } from '../../../../src/cli/tools/run-tool.js';
import { TOOL_NAMES } from '../../../../src/service/tools/tool-contract.js';
import { TOOL_DEFINITIONS, toolDefinition } from '../../../../src/service/tools/tool-definitions.js';
import { formatToolHelp } from '../../../../src/cli/tools/tool-help.js';
import { fakeCaller, fakeIo } from './tool-helpers.js';

describe('the tool table', () => {
  it('defines every tool of the contract, each with the admin credentials as mandatory options', () => {
    expect([...TOOL_DEFINITIONS.keys()].sort()).toEqual([...TOOL_NAMES].sort());
    for (const tool of TOOL_NAMES) {
      const def = toolDefinition(tool);
      expect(def.summary).not.toBe('');
      expect(def.options.slice(0, 2).map((o) => [o.name, o.mandatory])).toEqual([['adminuser', true], ['adminpasswd', true]]);
      for (const o of def.options) {
        expect(o.name).toBe(o.name.toLowerCase());
        expect(o.description).not.toBe('');
      }
      expect(def.extraLdapAttributes).toBe(tool === 'adduser');
    }
  });
  it('marks exactly the passwords as secret', () => {
    const secrets = TOOL_NAMES.flatMap((t) => toolDefinition(t).options.filter((o) => o.secret).map((o) => `${t}.${o.name}`));
    expect(secrets.filter((s) => !s.endsWith('.adminpasswd'))).toEqual(['adduser.password', 'changepasswd.password']);
  });
});

describe('help', () => {
  it('shows the options in the paper\'s form, "Options:" then --name=value lines', () => {
    const help = formatToolHelp('adduser');
    const lines = help.split('\n');
    const at = lines.indexOf('Options:');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 5).map((l) => l.split(/\s+/)[0])).toEqual([
      '--adminuser=mailadmin', '--adminpasswd=secret', '--username=john', '--password=secretpass',
    ]);
    expect(help).toMatch(/--username=john\s+\[mandatory\] the name of the new user to create/);
    expect(help).toMatch(/--alias=\S+\s+\[recommended\]/);
    expect(help).toContain('--anyattribute=value');
    expect(help).toContain('--adminpasswd-file FILE');
  });
  it.each([...TOOL_NAMES])('%s without arguments prints every option and exits 0', async (tool) => {
    const { caller, calls } = fakeCaller(() => ({ status: 'created', message: '' }));
    const io = fakeIo({ createCaller: () => caller });
    expect(await runTool(tool, [], io)).toBe(0);
    for (const o of toolDefinition(tool).options) expect(io.out()).toContain(`--${o.name}=`);
    expect(io.err()).toBe('');
    expect(calls).toEqual([]);
  });
  it('--help anywhere prints the help too, without calling anything', async () => {
    const io = fakeIo({ createCaller: () => { throw new Error('must not be called'); } });
    expect(await runTool('setquota', ['--username=x', '--help'], io)).toBe(0);
    expect(io.out()).toContain('--quotasize=50');
  });
});

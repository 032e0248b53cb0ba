import { describe, expect, it } from 'vitest';
import { OxprovError } from '../../../../src/errors.js';
import { parseToolArgs } from '../../../../src/cli/tools/parse-tool-args.js';
import { validateToolParams } from '../../../../src/service/tools/tool-params.js';
import { isToolName, type ToolName } from '../../../../src/service/tools/tool-contract.js';
import { PAPER, paperArgs } from './tool-helpers.js';

function parse(tool: ToolName, args: string[]) {
  return parseToolArgs(tool, args);
}
function parseError(tool: ToolName, args: string[]): OxprovError {
  try {
    // The command line's syntax, then the service's one check of the params (as every door gets it).
    const parsed = parseToolArgs(tool, args);
    validateToolParams(tool, parsed.params);
  } catch (err) {
    if (err instanceof OxprovError) return err;
    throw err;
  }
  throw new Error('expected an error');
}
function paper(command: string) {
  const { tool, args } = paperArgs(command);
  if (!isToolName(tool)) throw new Error(`not a tool: ${tool}`);
  return { tool, args };
}

describe('the paper\'s example commands, as printed', () => {
  it('adduser with the mandatory parameters', () => {
    const { tool, args } = paper(PAPER.adduserMandatory);
    const { params } = parse(tool, args);
    expect({ ...params }).toEqual({
      adminuser: 'mailadmin', adminpasswd: 'secret', username: 'smtest', password: 'secret', surname: 'Martin',
      alias: 'smtest@example1.tux,smtest@example2.tux', mail: 'smtest@test.tux', colocrouteaddr: 'smtest@localhost',
    });
    expect(() => validateToolParams(tool, params)).not.toThrow();
  });

  it('adduser with optional parameters fails on the paper\'s own en dash in -\u2013username, naming it', () => {
    const { tool, args } = paper(PAPER.adduserOptional);
    const err = parseError(tool, args);
    expect(err.code).toBe('CFG_BAD_DASH');
    expect(err.field).toBe('-\u2013username');
    expect(err.message).toContain('-\u2013username');
    expect(err.message).toContain('EN DASH U+2013');
    expect(err.message).toContain('--username');
  });

  it('adduser with optional parameters, dash fixed: LDAP attributes stay strings in the user\'s case', () => {
    const { tool, args } = paper(PAPER.adduserOptional.replace('-\u2013username', '--username'));
    const { params } = parse(tool, args);
    expect(params.homePhone).toBe('012345.67890');
    expect(params.birthDay).toBe('1984-01-01');
    expect(params.disable).toBe('bookmarks,forum,knowledge,pinboard,pinboard_public');
    expect(params.alias).toBe('Stephan.Martin@test.tux,S.Martin@test.tux');
    expect(params.language).toBe('DE');
    expect(() => validateToolParams(tool, params)).not.toThrow();
  });

  it('deluser fails on its en dash too', () => {
    const { tool, args } = paper(PAPER.deluser);
    expect(parseError(tool, args).code).toBe('CFG_BAD_DASH');
    expect({ ...parse(tool, paper(PAPER.deluser.replace('\u2013', '-')).args).params }).toEqual({
      adminuser: 'mailadmin', adminpasswd: 'secret', username: 'smtest',
    });
  });

  it.each([
    ['addgroup', { groupname: 'testgroup', members: 'sm,smtest' }],
    ['delgroup', { groupname: 'testgroup' }],
    ['addmembers2group', { groupname: 'testgroup', members: 'pm' }],
    ['delmembersfromgroup', { groupname: 'testgroup', members: 'pm' }],
    ['changepasswd', { username: 'pm', password: 'newpass' }],
    ['setquota', { username: 'smtest', quotasize: '50' }],
  ] as const)('%s', (name, expected) => {
    const { tool, args } = paper(PAPER[name]);
    expect(tool).toBe(name);
    const { params } = parse(tool, args);
    expect({ ...params }).toEqual({ adminuser: 'mailadmin', adminpasswd: 'secret', ...expected });
    expect(() => validateToolParams(tool, params)).not.toThrow();
  });

  it.each(['sourceOnlyGroupware', 'sourceOnlySql', 'sourceOnlyImap'] as const)('%s: --source_only narrows the mandatory options', (name) => {
    const { tool, args } = paper(PAPER[name]);
    const { params } = parse(tool, args);
    expect(() => validateToolParams(tool, params)).not.toThrow();
    expect(params.language).toBe('DE');
  });
});

describe('parseToolArgs', () => {
  it('takes --opt value as well as --opt=value, and a value may contain = and commas', () => {
    const { params } = parse('addgroup', ['--adminuser', 'mailadmin', '--groupname', 'a=b', '--members=x,y']);
    expect({ ...params }).toEqual({ adminuser: 'mailadmin', groupname: 'a=b', members: 'x,y' });
  });

  it('matches known options case-insensitively and keeps the case of extra LDAP attributes', () => {
    const { params } = parse('adduser', ['--UserName=smtest', '--SURNAME=Martin', '--homePhone=012345.67890', '--OXUserPosition=Admin']);
    expect({ ...params }).toEqual({ username: 'smtest', surname: 'Martin', homePhone: '012345.67890', OXUserPosition: 'Admin' });
  });

  it('keeps an LDAP attribute with options (;lang-de) and its commas', () => {
    const { params } = parse('adduser', ['--description;lang-de=a,b,c']);
    expect(params['description;lang-de']).toBe('a,b,c');
  });

  it.each([
    ['\u2013username=x', '\u2013username', 'EN DASH U+2013'],
    ['\u2014username=x', '\u2014username', 'EM DASH U+2014'],
    ['\u2013\u2013username', '\u2013\u2013username', 'EN DASH U+2013 + EN DASH U+2013'],
    ['-username=x', '-username', 'hyphen'],
    ['---username=x', '---username', 'hyphen + hyphen + hyphen'],
    ['\u2212\u2212username=x', '\u2212\u2212username', 'MINUS SIGN U+2212'],
  ])('refuses %s with CFG_BAD_DASH', (arg, field, words) => {
    const err = parseError('deluser', ['--adminuser=a', arg]);
    expect(err.code).toBe('CFG_BAD_DASH');
    expect(err.field).toBe(field);
    expect(err.message).toContain(words);
    expect(err.message).not.toContain('=x');
  });

  it('refuses a bad-dash option even where a value is expected', () => {
    expect(parseError('deluser', ['--adminuser', '\u2013username=smtest']).code).toBe('CFG_BAD_DASH');
  });

  it('refuses unknown options of tools other than adduser, suggesting a near miss', () => {
    const err = parseError('deluser', ['--adminuser=a', '--usrname=smtest']);
    expect(err.code).toBe('CFG_UNKNOWN_OPTION');
    expect(err.message).toContain('--usrname');
    expect(err.message).toContain('did you mean --username?');
    expect(parseError('setquota', ['--homePhone=1']).code).toBe('CFG_UNKNOWN_OPTION');
  });

  it('refuses an adduser option that is no LDAP attribute name either', () => {
    expect(parseError('adduser', ['--home_phone=1']).code).toBe('CFG_UNKNOWN_OPTION');
    expect(parseError('adduser', ['--1abc=1']).code).toBe('CFG_UNKNOWN_OPTION');
  });

  it('refuses the same option twice, in any case or form', () => {
    expect(parseError('deluser', ['--username=a', '--USERNAME', 'b']).code).toBe('CFG_INVALID');
    expect(parseError('adduser', ['--homePhone=1', '--homephone=2']).code).toBe('CFG_INVALID');
    expect(parseError('changepasswd', ['--password=a', '--password-file=/x']).code).toBe('CFG_INVALID');
  });

  it('lists every missing mandatory option at once', () => {
    const err = parseError('adduser', ['--adminuser=mailadmin', '--username=smtest']);
    expect(err.code).toBe('MAP_MISSING_FIELD');
    expect(err.message).toContain('--adminpasswd, --password, --surname, --mail');
    expect(err.message).not.toContain('--alias');
    expect(parseError('addgroup', ['--groupname=g']).message).toContain('--adminuser, --adminpasswd, --members');
  });

  it('checks choices of source_only and yes/no options, passing them on in lower case', () => {
    const base = ['--adminuser=a', '--adminpasswd=b', '--username=u'];
    expect(validateToolParams('adduser', parse('adduser', [...base, '--source_only=SQL,Groupware']).params).source_only).toBe('sql,groupware');
    expect(validateToolParams('adduser', parse('adduser', [...base, '--activated=YES', '--source_only=sql']).params).activated).toBe('yes');
    const err = parseError('adduser', ['--source_only=sql,ox']);
    expect(err.code).toBe('CFG_INVALID');
    expect(err.message).toContain('"ox"');
    expect(parseError('adduser', ['--globaladdressbook=maybe']).code).toBe('MAP_INVALID_FLAG');
  });

  it('checks quotasize is a whole number of MB', () => {
    expect(parseError('setquota', ['--quotasize=50MB']).code).toBe('MAP_INVALID_QUOTA');
    expect(parseError('setquota', ['--quotasize=-1']).code).toBe('MAP_INVALID_QUOTA');
  });

  it('refuses empty values, empty list items, missing values and stray arguments', () => {
    expect(parseError('deluser', ['--username=']).code).toBe('CFG_INVALID');
    expect(parseError('addgroup', ['--adminuser=a', '--adminpasswd=b', '--groupname=g', '--members=a,,b']).code).toBe('CFG_INVALID');
    expect(parseError('deluser', ['--username']).code).toBe('CFG_INVALID');
    expect(parseError('deluser', ['--username', '--adminuser=a']).code).toBe('CFG_INVALID');
    expect(parseError('deluser', ['smtest']).message).toContain('"smtest"');
  });

  it('never quotes what follows a password: it may be the rest of it', () => {
    for (const args of [['--adminpasswd=my', 'Secret99'], ['--adminpasswd', 'my', 'Secret99'], ['--adminpasswd', '\u2013Secret99']]) {
      const err = parseError('deluser', args);
      expect(err.message).not.toContain('Secret99');
      expect(err.value).toBeUndefined();
    }
  });

  it('separates the runner options, secret files and help from the params', () => {
    const parsed = parse('deluser', ['--server=http://h:1/', '--SERVER-CA', '/ca.pem', '--config=/c.json', '--adminpasswd-file=/pw', '--help']);
    expect({ ...parsed.params }).toEqual({});
    expect(parsed.runner).toEqual({ server: 'http://h:1/', 'server-ca': '/ca.pem', config: '/c.json' });
    expect(parsed.secretFiles).toEqual({ adminpasswd: '/pw' });
    expect(parsed.help).toBe(true);
    expect(parse('deluser', ['-h']).help).toBe(true);
  });

  it('records which secrets were typed on the command line', () => {
    expect(parse('changepasswd', ['--adminpasswd=a', '--password', 'b']).secretsOnCommandLine).toEqual(['adminpasswd', 'password']);
    expect(parse('changepasswd', ['--password-file=/x']).secretsOnCommandLine).toEqual([]);
  });

  it('gives params without a prototype, so --constructor is plain data', () => {
    const { params } = parse('adduser', ['--constructor=x']);
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(params.constructor).toBe('x');
  });
});

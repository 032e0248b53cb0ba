import { describe, expect, it } from 'vitest';
import { codeOf } from '../../helpers/error-code.js';
import { DEFAULT_LIMITS, normalizeLimits, parseMethodCall } from '../../../src/xmlrpc/index.js';

const call = (params: string) => `<methodCall><methodName>m</methodName><params>${params}</params></methodCall>`;
const param = (value: string) => `<param><value>${value}</value></param>`;
const nestedArrays = (levels: number) =>
  '<array><data><value>'.repeat(levels - 1) + '<int>1</int>' + '</value></data></array>'.repeat(levels - 1);


describe('hostile documents', () => {
  it('refuses a DTD before parsing (billion laughs)', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
      call(param('&lol2;'));
    expect(codeOf(() => parseMethodCall(bomb))).toBe('RPC_PARSE');
  });
  it('refuses an ENTITY declaration on its own and any other markup declaration', () => {
    expect(codeOf(() => parseMethodCall('<!ENTITY x "y">' + call('')))).toBe('RPC_PARSE');
    expect(codeOf(() => parseMethodCall('<!doctype methodCall>' + call('')))).toBe('RPC_PARSE');
  });
  it('accepts the word DOCTYPE inside a comment or CDATA', () => {
    expect(parseMethodCall('<!-- <!DOCTYPE x> -->' + call(param('<![CDATA[<!DOCTYPE>]]>'))).params).toEqual(['<!DOCTYPE>']);
  });
  it('refuses undefined entities and forbidden char references', () => {
    expect(codeOf(() => parseMethodCall(call(param('&lol;'))))).toBe('RPC_PARSE');
    expect(codeOf(() => parseMethodCall(call(param('&#1;'))))).toBe('RPC_PARSE');
    expect(codeOf(() => parseMethodCall(call(param('\u0001'))))).toBe('RPC_PARSE');
  });
  it.each([['unclosed tag', '<methodCall><methodName>m</methodName>'], ['garbage', 'hello'], ['mismatched', '<a></b>'], ['empty', '']])(
    'refuses %s as RPC_PARSE',
    (_label, xml) => {
      expect(codeOf(() => parseMethodCall(xml))).toBe('RPC_PARSE');
    },
  );
  it('refuses a declared non-UTF-8 encoding', () => {
    expect(codeOf(() => parseMethodCall('<?xml version="1.0" encoding="ISO-8859-1"?>' + call('')))).toBe('RPC_PARSE');
  });
});

describe('limits', () => {
  it('accepts values nested exactly maxDepth deep and refuses one more', () => {
    expect(() => parseMethodCall(call(param(nestedArrays(DEFAULT_LIMITS.maxDepth))))).not.toThrow();
    expect(codeOf(() => parseMethodCall(call(param(nestedArrays(DEFAULT_LIMITS.maxDepth + 1)))))).toBe('RPC_TOO_LARGE');
  });
  it('refuses 10,000 nested arrays without a stack overflow', () => {
    expect(codeOf(() => parseMethodCall(call(param(nestedArrays(10_000)))))).toBe('RPC_TOO_LARGE');
  });
  it('nested structs count the same as arrays', () => {
    let v = '<int>1</int>';
    for (let i = 1; i < 5; i++) v = `<struct><member><name>n</name><value>${v}</value></member></struct>`;
    expect(codeOf(() => parseMethodCall(call(param(v)), { maxDepth: 4 }))).toBe('RPC_TOO_LARGE');
    expect(() => parseMethodCall(call(param(v)), { maxDepth: 5 })).not.toThrow();
  });
  it('caps params, items and values', () => {
    expect(parseMethodCall(call(param('a').repeat(3)), { maxParams: 3 }).params).toHaveLength(3);
    expect(codeOf(() => parseMethodCall(call(param('a').repeat(4)), { maxParams: 3 }))).toBe('RPC_TOO_LARGE');
    const arr = `<array><data>${'<value>x</value>'.repeat(11)}</data></array>`;
    expect(codeOf(() => parseMethodCall(call(param(arr)), { maxItems: 10 }))).toBe('RPC_TOO_LARGE');
    const members = '<member><name>k</name><value>v</value></member>'.repeat(1);
    expect(() => parseMethodCall(call(param(`<struct>${members}</struct>`)), { maxItems: 1 })).not.toThrow();
    expect(codeOf(() => parseMethodCall(call(param(arr)), { maxValues: 5 }))).toBe('RPC_TOO_LARGE');
  });
  it('normalizeLimits names a bad option and shows the value', () => {
    expect(() => normalizeLimits({ maxDepth: 0 })).toThrow(/maxDepth.*got 0/);
    expect(normalizeLimits({ maxParams: 3 })).toEqual({ ...DEFAULT_LIMITS, maxParams: 3 });
    expect(Object.isFrozen(normalizeLimits())).toBe(true);
  });
});

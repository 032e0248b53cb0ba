import { describe, expect, it } from 'vitest';
import { codeOf } from '../../helpers/error-code.js';
import {
  parseMethodCall,
  parseMethodResponse,
  serializeFault,
  serializeMethodCall,
  serializeResponse,
  type XmlRpcValue,
} from '../../../src/xmlrpc/index.js';

const call = (values: string, name = 'm') =>
  `<?xml version="1.0"?><methodCall><methodName>${name}</methodName><params>${values}</params></methodCall>`;
const param = (value: string) => `<param><value>${value}</value></param>`;


describe('round trips', () => {
  const samples: XmlRpcValue[] = [
    'plain',
    '',
    '  spaces kept  ',
    'x & <y> ]]> "q" \'a\'',
    'tab\there\r\nCRLF',
    'Entwürfe ✓ 😀',
    0,
    -2147483648,
    2147483647,
    2.5,
    -0.125,
    4294967296,
    true,
    false,
    null,
    [],
    [1, 'two', [3, [4]]],
    { a: 1, b: { c: ['d'] }, 'with space': '', __proto__x: 'y' },
  ];
  it.each(samples.map((v) => [JSON.stringify(v) ?? String(v), v]))('call param %s', (_label, value) => {
    const parsed = parseMethodCall(serializeMethodCall('x.y', [value]));
    expect(parsed.methodName).toBe('x.y');
    expect(parsed.params).toEqual([value]);
  });

  it('response value', () => {
    const value = { list: [1, 2.5, 'x'], none: null, ok: true };
    expect(parseMethodResponse(serializeResponse(value))).toEqual(value);
  });

  it('a number that is not a 32-bit integer goes out as <double>', () => {
    expect(serializeResponse(2.5)).toContain('<double>2.5</double>');
    expect(serializeResponse(7)).toContain('<int>7</int>');
  });

  it('skips undefined struct members', () => {
    expect(parseMethodResponse(serializeResponse({ a: 1, b: undefined } as never))).toEqual({ a: 1 });
  });
});

describe('escaping', () => {
  it('escapes &, <, > and CR/TAB as references', () => {
    const xml = serializeResponse('a&b<c>d\re\tf');
    expect(xml).toContain('<string>a&amp;b&lt;c&gt;d&#13;e&#9;f</string>');
  });
  it('refuses control characters XML 1.0 cannot carry', () => {
    expect(codeOf(() => serializeResponse('bell\u0007'))).toBe('RPC_INVALID_VALUE');
    expect(codeOf(() => serializeMethodCall('m', [{ ['k\u0000']: 1 }]))).toBe('RPC_INVALID_VALUE');
    expect(codeOf(() => serializeResponse('lone \uD800'))).toBe('RPC_INVALID_VALUE');
  });
  it('refuses values XML-RPC has no type for', () => {
    expect(codeOf(() => serializeResponse(Number.NaN))).toBe('RPC_INVALID_VALUE');
    expect(codeOf(() => serializeResponse(new Date() as never))).toBe('RPC_INVALID_VALUE');
    expect(codeOf(() => serializeResponse(Buffer.from('x') as never))).toBe('RPC_INVALID_VALUE');
    expect(codeOf(() => serializeResponse(new Map() as never))).toBe('RPC_INVALID_VALUE');
    const cyclic: XmlRpcValue[] = [];
    cyclic.push(cyclic);
    expect(codeOf(() => serializeResponse(cyclic))).toBe('RPC_INVALID_VALUE');
    expect(codeOf(() => serializeMethodCall('bad name', []))).toBe('RPC_INVALID_VALUE');
  });
  it('a fault can always be serialised, even with forbidden chars', () => {
    expect(() => parseMethodResponse(serializeFault(1, 'x\u0001y'))).toThrow('x\uFFFDy');
  });
  it('decodes predefined entities, char references and CDATA', () => {
    const { params } = parseMethodCall(call(param('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;<![CDATA[<raw & ]]>')));
    expect(params).toEqual(['<>&"\'AB<raw & ']);
  });
});

describe('parsing per the spec', () => {
  it('an untyped value is a string and keeps its whitespace', () => {
    expect(parseMethodCall(call(param('  a b  ') + param('') + '<param><value/></param>')).params).toEqual(['  a b  ', '', '']);
  });
  it('whitespace around a typed value is ignored', () => {
    expect(parseMethodCall(call(param('\n  <int> 42 </int>\n'))).params).toEqual([42]);
  });
  it('reads i4, i8, boolean, double with exponent, nil', () => {
    const { params } = parseMethodCall(
      call(
        param('<i4>-7</i4>') +
          param('<i8>9007199254740991</i8>') +
          param('<boolean>0</boolean>') +
          param('<double>1.5e3</double>') +
          param('<nil/>'),
      ),
    );
    expect(params).toEqual([
      -7,
      9007199254740991,
      false,
      1500,
      null,
    ]);
  });
  it('a call without <params> has no params', () => {
    expect(parseMethodCall('<methodCall><methodName>system.listMethods</methodName></methodCall>')).toEqual({
      methodName: 'system.listMethods',
      params: [],
    });
  });
  it('a struct member named __proto__ is data, not a prototype', () => {
    const [s] = parseMethodCall(call(param('<struct><member><name>__proto__</name><value>x</value></member></struct>'))).params;
    expect(Object.getPrototypeOf(s)).toBeNull();
    expect((s as Record<string, unknown>)['__proto__']).toBe('x');
  });
  it.each([
    ['bad int', param('<int>12a</int>')],
    ['int out of i4 range', param('<int>2147483648</int>')],
    ['boolean other than 0/1', param('<boolean>yes</boolean>')],
    ['NaN double', param('<double>NaN</double>')],
    ['a date (no method takes one)', param('<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>')],
    ['binary data (no method takes any)', param('<base64>aGVsbG8=</base64>')],
    ['unknown type', param('<float>1</float>')],
    ['two type elements', param('<int>1</int><int>2</int>')],
    ['text beside a type', param('x<int>1</int>')],
    ['duplicate struct member', param('<struct><member><name>a</name><value>1</value></member><member><name>a</name><value>2</value></member></struct>')],
    ['member without value', param('<struct><member><name>a</name></member></struct>')],
    ['array without data', param('<array><value>1</value></array>')],
    ['param without value', '<param>x</param>'],
  ])('refuses %s with RPC_INVALID_REQUEST', (_label, params) => {
    expect(codeOf(() => parseMethodCall(call(params)))).toBe('RPC_INVALID_REQUEST');
  });
  it.each([
    ['a bad method name', call('', 'no spaces')],
    ['a wrong root', '<methodResponse/>'],
    ['two roots', '<methodCall><methodName>a</methodName></methodCall><methodCall/>'],
  ])('refuses %s with RPC_INVALID_REQUEST', (_label, xml) => {
    expect(codeOf(() => parseMethodCall(xml))).toBe('RPC_INVALID_REQUEST');
  });
});

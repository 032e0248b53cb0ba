import { OxprovError, type ErrorCode } from '../errors.js';
import { childrenOf, readXmlDocument, tagOf, type XmlNode } from './xml-document.js';
import { unescapeXmlText } from './xml-text.js';
import { errorFromFault, type FaultTable } from './faults.js';
import { normalizeLimits, type XmlRpcLimits } from './xmlrpc-limits.js';
import { createStruct, type XmlRpcValue } from './xmlrpc-value.js';

/** A parsed `<methodCall>`. */
export interface XmlRpcCall {
  methodName: string;
  params: XmlRpcValue[];
}

/** Method names as the spec allows them, with a length cap so a name can be echoed in a fault. */
const METHOD_NAME = /^[A-Za-z0-9_.:/]{1,128}$/;

/**
 * Parses a request body.
 *
 * @throws OxprovError RPC_PARSE (not well-formed or a DTD), RPC_INVALID_REQUEST
 *   (well-formed but not a valid call), RPC_TOO_LARGE (a limit of `limits`).
 */
export function parseMethodCall(xml: string, limits?: Partial<XmlRpcLimits>): XmlRpcCall {
  const reader = new ValueReader(normalizeLimits(limits), 'RPC_INVALID_REQUEST');
  const root = reader.root(readXmlDocument(xml, reader.limits), 'methodCall');
  const parts = reader.elements(root, 'methodCall');
  const nameNode = parts[0];
  if (nameNode === undefined || tagOf(nameNode) !== 'methodName') reader.invalid('<methodCall> must start with <methodName>');
  const methodName = reader.text(nameNode, 'methodName').trim();
  if (!METHOD_NAME.test(methodName)) reader.invalid('method name must be 1-128 chars of A-Z a-z 0-9 _ . : /');
  if (parts.length > 2 || (parts.length === 2 && tagOf(parts[1]) !== 'params')) {
    reader.invalid('<methodCall> may hold only <methodName> and <params>');
  }
  const params = parts.length === 2 ? reader.params(parts[1], reader.limits.maxParams) : [];
  return { methodName, params };
}

/**
 * Parses a response body and returns its one value.
 *
 * @throws OxprovError mapped from the fault code (the protocol's numbers and `faults`, the
 *   server's table; see faults.ts) when the response is a fault; RPC_PARSE or RPC_TOO_LARGE
 *   when it is not a valid response.
 */
export function parseMethodResponse(xml: string, limits?: Partial<XmlRpcLimits>, faults?: FaultTable): XmlRpcValue {
  const reader = new ValueReader(normalizeLimits(limits), 'RPC_PARSE');
  const root = reader.root(readXmlDocument(xml, reader.limits), 'methodResponse');
  const parts = reader.elements(root, 'methodResponse');
  if (parts.length !== 1) reader.invalid('<methodResponse> must hold one <params> or one <fault>');
  const tag = tagOf(parts[0]);
  if (tag === 'params') {
    const params = reader.params(parts[0], 1);
    if (params.length !== 1) reader.invalid('a response holds exactly one <param>');
    return params[0];
  }
  if (tag !== 'fault') reader.invalid('<methodResponse> must hold one <params> or one <fault>');
  const values = reader.elements(parts[0], 'fault');
  if (values.length !== 1 || tagOf(values[0]) !== 'value') reader.invalid('<fault> must hold one <value>');
  const fault = reader.value(values[0], 1, 'fault');
  const isStruct = fault !== null && typeof fault === 'object' && !Array.isArray(fault);
  const faultCode = isStruct ? (fault as Record<string, unknown>).faultCode : undefined;
  const faultString = isStruct ? (fault as Record<string, unknown>).faultString : undefined;
  if (typeof faultCode === 'number' && Number.isInteger(faultCode) && typeof faultString === 'string') {
    throw errorFromFault(faultCode, faultString, faults);
  }
  return reader.invalid('<fault> must be a struct of faultCode (int) and faultString (string)');
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Walks the node tree of one message. Depth and counts are checked as values
 * are met, so an over-limit message fails before it is fully converted.
 */
class ValueReader {
  private values = 0;

  constructor(
    readonly limits: XmlRpcLimits,
    /** What a well-formed but wrong message is: a bad request, or for a client a bad response. */
    private readonly invalidCode: ErrorCode,
  ) {}

  invalid(message: string, field?: string): never {
    throw new OxprovError(this.invalidCode, message, { field });
  }

  private tooLarge(message: string, field?: string): never {
    throw new OxprovError('RPC_TOO_LARGE', message, { field });
  }

  root(nodes: XmlNode[], expected: string): XmlNode {
    const elements = this.elements({ '#document': nodes }, '#document');
    if (elements.length !== 1 || tagOf(elements[0]) !== expected) this.invalid(`the document must be one <${expected}>`);
    return elements[0];
  }

  /** Element children; text between them must be whitespace. */
  elements(node: XmlNode, tag: string): XmlNode[] {
    const out: XmlNode[] = [];
    for (const child of childrenOf(node, tag)) {
      const childTag = tagOf(child);
      if (childTag === '') this.invalid(`unexpected node in <${tag}>`);
      if (childTag !== undefined) out.push(child);
      else if ('#cdata' in child || !/^\s*$/.test(String(child['#text']))) this.invalid(`unexpected text in <${tag}>`);
    }
    return out;
  }

  /** Text content of a leaf element: text (unescaped) and CDATA (literal) in document order. */
  text(node: XmlNode, tag: string, field?: string): string {
    let out = '';
    for (const child of childrenOf(node, tag)) {
      if ('#text' in child) out += unescapeXmlText(String(child['#text']));
      else if ('#cdata' in child) out += childrenOf(child, '#cdata').map((c) => String(c['#text'] ?? '')).join('');
      else this.invalid(`<${tag}> must hold text only`, field);
    }
    return out;
  }

  params(node: XmlNode, max: number): XmlRpcValue[] {
    const list = this.elements(node, 'params');
    if (list.length > max) this.tooLarge(`more than ${max} params`);
    return list.map((param, i) => {
      const field = `params[${i}]`;
      if (tagOf(param) !== 'param') this.invalid('<params> may hold only <param>', field);
      const inner = this.elements(param, 'param');
      if (inner.length !== 1 || tagOf(inner[0]) !== 'value') this.invalid('<param> must hold one <value>', field);
      return this.value(inner[0], 1, field);
    });
  }

  value(node: XmlNode, depth: number, field: string): XmlRpcValue {
    if (depth > this.limits.maxDepth) this.tooLarge(`values nested deeper than ${this.limits.maxDepth} levels`, field);
    if (++this.values > this.limits.maxValues) this.tooLarge(`more than ${this.limits.maxValues} values`, field);
    const children = childrenOf(node, 'value');
    const typed = children.filter((c) => tagOf(c) !== undefined);
    // Per the spec a <value> without a type element is a string, whitespace included.
    if (typed.length === 0) return this.text(node, 'value', field);
    const typeNode = this.elements(node, 'value')[0];
    if (typed.length > 1) this.invalid('<value> must hold one type element', field);
    const type = tagOf(typeNode) ?? '';
    switch (type) {
      case 'string':
        return this.text(typeNode, type, field);
      case 'int':
      case 'i4':
      case 'i8': {
        const raw = this.text(typeNode, type, field).trim();
        const n = /^[+-]?\d{1,20}$/.test(raw) ? Number(raw) : NaN;
        const ok = type === 'i8' ? Number.isSafeInteger(n) : Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
        if (!ok) this.invalid(`<${type}> holds ${JSON.stringify(raw.slice(0, 40))}, not an integer in range`, field);
        return n;
      }
      case 'boolean': {
        const raw = this.text(typeNode, type, field).trim();
        if (raw !== '0' && raw !== '1') this.invalid(`<boolean> must be 0 or 1, got ${JSON.stringify(raw.slice(0, 40))}`, field);
        return raw === '1';
      }
      case 'double': {
        const raw = this.text(typeNode, type, field).trim();
        const n = DOUBLE.test(raw) ? Number(raw) : NaN;
        if (!Number.isFinite(n)) this.invalid(`<double> holds ${JSON.stringify(raw.slice(0, 40))}`, field);
        return n;
      }
      case 'dateTime.iso8601':
      case 'base64':
        // No method of the wire contract takes a date or binary data.
        this.invalid(`<${type}> is not used by this service`, field);
      case 'nil':
        if (this.elements(typeNode, type).length > 0 || this.text(typeNode, type, field).trim() !== '') {
          this.invalid('<nil> must be empty', field);
        }
        return null;
      case 'array':
        return this.array(typeNode, depth, field);
      case 'struct':
        return this.struct(typeNode, depth, field);
      default:
        return this.invalid(`unknown value type <${type.slice(0, 40)}>`, field);
    }
  }

  private array(node: XmlNode, depth: number, field: string): XmlRpcValue[] {
    const data = this.elements(node, 'array');
    if (data.length !== 1 || tagOf(data[0]) !== 'data') this.invalid('<array> must hold one <data>', field);
    const items = this.elements(data[0], 'data');
    if (items.length > this.limits.maxItems) this.tooLarge(`array of more than ${this.limits.maxItems} items`, field);
    return items.map((item, i) => {
      if (tagOf(item) !== 'value') this.invalid('<data> may hold only <value>', field);
      return this.value(item, depth + 1, `${field}[${i}]`);
    });
  }

  private struct(node: XmlNode, depth: number, field: string) {
    const members = this.elements(node, 'struct');
    if (members.length > this.limits.maxItems) this.tooLarge(`struct of more than ${this.limits.maxItems} members`, field);
    const out = createStruct();
    for (const member of members) {
      if (tagOf(member) !== 'member') this.invalid('<struct> may hold only <member>', field);
      const parts = this.elements(member, 'member');
      const nameNode = parts.find((p) => tagOf(p) === 'name');
      const valueNode = parts.find((p) => tagOf(p) === 'value');
      if (parts.length !== 2 || nameNode === undefined || valueNode === undefined) {
        this.invalid('<member> must hold one <name> and one <value>', field);
      }
      const name = this.text(nameNode, 'name', field);
      // A repeated name would make "which one wins" a parser detail; refuse instead.
      if (Object.hasOwn(out, name)) this.invalid(`struct member ${JSON.stringify(name.slice(0, 40))} appears twice`, field);
      out[name] = this.value(valueNode, depth + 1, `${field}.${name.slice(0, 40)}`);
    }
    return out;
  }

}

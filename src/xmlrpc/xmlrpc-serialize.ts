import { OxprovError } from '../errors.js';
import { escapeXmlText } from './xml-text.js';
import { DEFAULT_LIMITS } from './xmlrpc-limits.js';
import { isXmlRpcStruct, type XmlRpcValue } from './xmlrpc-value.js';

const HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Serialises a call. Method names are checked like the parser checks them, so
 * we never send what we would refuse to receive.
 *
 * @throws OxprovError RPC_INVALID_VALUE for a bad name or a value XML-RPC cannot carry.
 */
export function serializeMethodCall(methodName: string, params: readonly XmlRpcValue[]): string {
  if (!/^[A-Za-z0-9_.:/]{1,128}$/.test(methodName)) {
    throw new OxprovError('RPC_INVALID_VALUE', `invalid method name ${JSON.stringify(methodName.slice(0, 40))}`);
  }
  const body = params.map((p, i) => `<param>${valueXml(p, 1, `params[${i}]`, [])}</param>`).join('');
  return `${HEADER}<methodCall><methodName>${methodName}</methodName><params>${body}</params></methodCall>\n`;
}

/**
 * Serialises a successful response.
 *
 * @throws OxprovError RPC_INVALID_VALUE for a value XML-RPC cannot carry.
 */
export function serializeResponse(value: XmlRpcValue): string {
  return `${HEADER}<methodResponse><params><param>${valueXml(value, 1, 'result', [])}</param></params></methodResponse>\n`;
}

/** Serialises a fault. Characters XML cannot carry are replaced, so a fault can always be sent. */
export function serializeFault(code: number, message: string): string {
  if (!Number.isInteger(code) || code < INT32_MIN || code > INT32_MAX) code = -32603;
  const text = escapeXmlText(message.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD'));
  return (
    `${HEADER}<methodResponse><fault><value><struct>` +
    `<member><name>faultCode</name><value><int>${code}</int></value></member>` +
    `<member><name>faultString</name><value><string>${text}</string></value></member>` +
    `</struct></value></fault></methodResponse>\n`
  );
}

function invalid(message: string, field: string): never {
  throw new OxprovError('RPC_INVALID_VALUE', `${field}: ${message}`, { field });
}

/** `ancestors` catches cycles, which would otherwise recurse until the stack overflows. */
function valueXml(value: XmlRpcValue, depth: number, field: string, ancestors: object[]): string {
  // Never send deeper than our own parser accepts.
  if (depth > DEFAULT_LIMITS.maxDepth) invalid(`nested deeper than ${DEFAULT_LIMITS.maxDepth} levels`, field);
  if (value === null) return '<value><nil/></value>';
  switch (typeof value) {
    case 'string':
      return `<value><string>${escapeXml(value, field)}</string></value>`;
    case 'boolean':
      return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
    case 'number':
      if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return `<value><int>${value}</int></value>`;
      return doubleXml(value, field);
    case 'object':
      break;
    default:
      return invalid(`${typeof value} has no XML-RPC type`, field);
  }
  if (ancestors.includes(value)) invalid('cyclic value', field);
  const path = [...ancestors, value];
  if (Array.isArray(value)) {
    const items = value.map((v, i) => valueXml(v, depth + 1, `${field}[${i}]`, path)).join('');
    return `<value><array><data>${items}</data></array></value>`;
  }
  if (!isXmlRpcStruct(value)) return invalid('only plain objects serialise as structs', field);
  let members = '';
  for (const [name, member] of Object.entries(value)) {
    // Skipped like JSON.stringify does, so optional fields of a result object need no cleaning.
    if (member === undefined) continue;
    const f = `${field}.${name}`;
    members += `<member><name>${escapeXml(name, f)}</name>${valueXml(member, depth + 1, f, path)}</member>`;
  }
  return `<value><struct>${members}</struct></value>`;
}

function escapeXml(text: string, field: string): string {
  try {
    return escapeXmlText(text);
  } catch (err) {
    return invalid(err instanceof Error ? err.message : String(err), field);
  }
}

function doubleXml(n: number, field: string): string {
  if (!Number.isFinite(n)) invalid(`${n} has no XML-RPC representation`, field);
  return `<value><double>${String(n)}</double></value>`;
}


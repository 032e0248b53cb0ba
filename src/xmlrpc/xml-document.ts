import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OxprovError } from '../errors.js';
import type { XmlRpcLimits } from './xmlrpc-limits.js';

/** A node as fast-xml-parser returns it with `preserveOrder`: `{ tag: children }`, `{ '#text': s }` or `{ '#cdata': [...] }`. */
export type XmlNode = Record<string, unknown>;

/** XML-RPC puts three elements between two nested values (`value/array/data`, `value/struct/member`). */
const ELEMENTS_PER_LEVEL = 3;
/** `methodResponse/params/param` or `methodResponse/fault` above the first value, plus slack for a typed leaf. */
const ELEMENTS_ABOVE_VALUES = 6;

// C0 controls other than TAB, LF, CR; XML 1.0 forbids them anywhere in a document.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_LITERAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * Checks an XML document and returns its nodes in document order. The checks run
 * cheapest first and all before the tree is built: a DTD is refused outright
 * (entity expansion is the classic XML bomb, and XML-RPC never needs one), then
 * the validator proves well-formedness, then the parser caps element nesting.
 *
 * @throws OxprovError RPC_PARSE (not well-formed, DTD, unsupported encoding) or RPC_TOO_LARGE (nesting).
 */
export function readXmlDocument(xml: string, limits: XmlRpcLimits): XmlNode[] {
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  refuseDeclarations(text);
  const bad = FORBIDDEN_LITERAL.exec(text);
  if (bad !== null) throw new OxprovError('RPC_PARSE', `not well-formed: control character at offset ${bad.index}`);
  const encoding = /^<\?xml[^?]*?encoding\s*=\s*["']([^"']*)["']/.exec(text)?.[1]?.toLowerCase();
  // The body was decoded as UTF-8 before we got here; any other declared charset would mean mojibake.
  if (encoding !== undefined && encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'us-ascii') {
    throw new OxprovError('RPC_PARSE', `unsupported encoding ${JSON.stringify(encoding.slice(0, 40))}; send UTF-8`);
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new OxprovError('RPC_PARSE', `not well-formed: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: true,
    // Entities are resolved by unescapeXmlText, which refuses anything but the five predefined ones.
    processEntities: false,
    htmlEntities: false,
    // Untyped values are strings whose whitespace is data.
    trimValues: false,
    parseTagValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    cdataPropName: '#cdata',
    maxNestedTags: limits.maxDepth * ELEMENTS_PER_LEVEL + ELEMENTS_ABOVE_VALUES,
  });
  try {
    return parser.parse(text) as XmlNode[];
  } catch (err) {
    if (err instanceof Error && /nested/i.test(err.message)) {
      throw new OxprovError('RPC_TOO_LARGE', `values nested deeper than ${limits.maxDepth} levels`, { cause: err });
    }
    throw new OxprovError('RPC_PARSE', 'not well-formed XML', { cause: err });
  }
}

/**
 * Refuses every markup declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, ...) by
 * walking the `<!` openings and skipping only comments and CDATA sections, whose
 * contents may legitimately spell such words.
 */
function refuseDeclarations(text: string): void {
  let at = text.indexOf('<!');
  while (at !== -1) {
    let end: number;
    if (text.startsWith('<!--', at)) end = text.indexOf('-->', at + 4);
    else if (text.startsWith('<![CDATA[', at)) end = text.indexOf(']]>', at + 9);
    else throw new OxprovError('RPC_PARSE', 'DOCTYPE and other markup declarations are not accepted');
    if (end === -1) throw new OxprovError('RPC_PARSE', 'not well-formed: unterminated comment or CDATA section');
    at = text.indexOf('<!', end + 3);
  }
}

/** The tag name of an element node, or undefined for text and CDATA nodes. */
export function tagOf(node: XmlNode): string | undefined {
  const keys = Object.keys(node);
  // An element node has exactly one own key; anything else (such as a tag named
  // `__proto__` that the parser turned into a prototype) is not a node we accept.
  if (keys.length !== 1) return '';
  const key = keys[0];
  return key === '#text' || key === '#cdata' ? undefined : key;
}

/** Children of an element node. */
export function childrenOf(node: XmlNode, tag: string): XmlNode[] {
  const children = node[tag];
  return Array.isArray(children) ? (children as XmlNode[]) : [];
}

import { OxprovError } from '../errors.js';

/*
 * XML 1.0 cannot carry most C0 control characters at all, not even as
 * character references (`&#1;` is a well-formedness error and Python's expat
 * rejects it). So the writer escapes what XML can hold and refuses the rest,
 * rather than sending something the peer will choke on or silently altering data.
 */

// Chars allowed by XML 1.0 §2.2; also rules out lone surrogates (the `u` flag matches them alone).
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * Escapes text for element content. `\r` and `\t` are written as references
 * because a literal CR would be normalised to LF by the reader; `>` is escaped
 * so `]]>` can never appear.
 *
 * @throws OxprovError RPC_INVALID_VALUE when the text holds a char XML 1.0 cannot represent.
 */
export function escapeXmlText(text: string): string {
  const bad = FORBIDDEN.exec(text);
  if (bad !== null) {
    const cp = bad[0].codePointAt(0) ?? 0;
    throw new OxprovError(
      'RPC_INVALID_VALUE',
      `string holds U+${cp.toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index}, which XML 1.0 cannot carry`,
    );
  }
  return text.replace(/[&<>\r\t]/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;', '\t': '&#9;' };

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Resolves the five predefined entities and character references. The parser
 * is told not to touch entities: its own handling is lenient (it would keep
 * `&foo;` or decode `&#1;`), and with DTDs refused there is nothing else an
 * entity may legally name.
 *
 * @throws OxprovError RPC_PARSE for an undefined entity or a reference to a char XML forbids.
 */
export function unescapeXmlText(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]*);?/g, (match, name: string) => {
    if (!match.endsWith(';')) throw new OxprovError('RPC_PARSE', 'bare & in text');
    const named = NAMED[name];
    if (named !== undefined) return named;
    let cp = NaN;
    if (/^#[0-9]{1,7}$/.test(name)) cp = Number.parseInt(name.slice(1), 10);
    else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) cp = Number.parseInt(name.slice(2), 16);
    if (Number.isNaN(cp)) throw new OxprovError('RPC_PARSE', `undefined entity &${name.slice(0, 32)};`);
    if (cp > 0x10ffff) throw new OxprovError('RPC_PARSE', `character reference &${name}; is out of range`);
    const ch = String.fromCodePoint(cp);
    if (FORBIDDEN.test(ch)) throw new OxprovError('RPC_PARSE', `character reference &${name}; names a char XML 1.0 forbids`);
    return ch;
  });
}

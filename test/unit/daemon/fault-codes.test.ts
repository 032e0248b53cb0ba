import { describe, expect, it } from 'vitest';
import { ERROR_CODES, OxprovError, type ErrorCode } from '../../../src/errors.js';
import { DAEMON_FAULT_CODES, errorFromDaemonFault as errorFromFault } from '../../../src/daemon/fault-codes.js';
import { faultStringFor, GENERIC_FAULT, parseMethodResponse, PROTOCOL_FAULTS, serializeFault, faultCodeFor as codeFor } from '../../../src/xmlrpc/index.js';

/** The protocol's numbers and the daemon's table, as the daemon answers. */
const FAULT_CODES = { ...PROTOCOL_FAULTS, ...DAEMON_FAULT_CODES };
const faultCodeFor = (code: ErrorCode) => codeFor(code, DAEMON_FAULT_CODES);

describe("the daemon's fault-code table", () => {
  it('gives every code a distinct number, none of them a protocol number', () => {
    const numbers = Object.values(FAULT_CODES);
    expect(Object.keys(DAEMON_FAULT_CODES).filter((c) => c in PROTOCOL_FAULTS)).toEqual([]);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers).not.toContain(GENERIC_FAULT);
  });
  it('has a number for every error code (a new code must be added here)', () => {
    expect(ERROR_CODES.filter((c) => FAULT_CODES[c] === undefined)).toEqual([]);
  });
  it('uses the interop-spec numbers for protocol errors', () => {
    expect(faultCodeFor('RPC_PARSE')).toBe(-32700);
    expect(faultCodeFor('RPC_INVALID_REQUEST')).toBe(-32600);
    expect(faultCodeFor('RPC_UNKNOWN_METHOD')).toBe(-32601);
    expect(faultCodeFor('RPC_INVALID_PARAMS')).toBe(-32602);
    expect(faultCodeFor('RPC_FAILED')).toBe(-32603);
    expect(faultCodeFor('ADMIN_AUTH')).toBe(401);
  });
  it.each([...ERROR_CODES])('round-trips %s through a serialised fault', (code) => {
    const err = new OxprovError(code as ErrorCode, 'went wrong: detail');
    let back: unknown;
    try {
      parseMethodResponse(serializeFault(faultCodeFor(err.code), faultStringFor(err)), undefined, DAEMON_FAULT_CODES);
    } catch (e) {
      back = e;
    }
    expect(back).toBeInstanceOf(OxprovError);
    expect((back as OxprovError).code).toBe(code);
    expect((back as OxprovError).message).toBe('went wrong: detail');
  });
  it('a foreign fault becomes RPC_FAILED and keeps its number', () => {
    const err = errorFromFault(4, 'Too many parameters.');
    expect(err.code).toBe('RPC_FAILED');
    expect(err.message).toBe('fault 4: Too many parameters.');
    expect(err.cause).toEqual({ faultCode: 4, faultString: 'Too many parameters.' });
  });
  it('a foreign fault with a spec number maps to that code', () => {
    expect(errorFromFault(-32601, 'method "x" is not supported').code).toBe('RPC_UNKNOWN_METHOD');
  });
  it('the number wins over a misleading prefix', () => {
    const err = errorFromFault(401, 'LDAP_FAILED: nope');
    expect(err.code).toBe('ADMIN_AUTH');
    expect(err.message).toBe('LDAP_FAILED: nope');
  });
  it('faultString is one line', () => {
    expect(faultStringFor(new OxprovError('ADMIN_AUTH', 'first\nsecond'))).toBe('ADMIN_AUTH: first');
  });
});

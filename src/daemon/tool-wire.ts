import { OxprovError } from '../errors.js';
import { createStruct, isXmlRpcStruct, type XmlRpcStruct, type XmlRpcValue } from '../xmlrpc/index.js';
import { TOOL_STATUSES, type ToolResult, type ToolStatus } from '../service/tools/tool-contract.js';

/**
 * How tool calls travel over XML-RPC: the method is named as the tool, its one
 * param is a struct of strings (the options), and the answer is a ToolResult
 * struct `{status, message, steps?}` with `steps` a struct of strings.
 */

/**
 * The params of a tool call as the daemon receives them, as the strings a
 * command line would give: callers pass numbers, flags and lists naturally
 * (`setquota(quotasize=50)`, `members=["a", "b"]`), so an int is its digits, a
 * boolean `yes`/`no`, an array of strings or ints a comma list.
 * @throws OxprovError RPC_INVALID_PARAMS (fault -32602) for anything else.
 */
export function toolParamsFromXmlRpc(params: readonly XmlRpcValue[]): Record<string, string> {
  if (params.length !== 1 || !isXmlRpcStruct(params[0])) {
    throw new OxprovError('RPC_INVALID_PARAMS', `expected one struct of the tool's options, got ${params.length} param(s)${params.length === 1 ? ` of type ${typeName(params[0])}` : ''}`);
  }
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(params[0])) {
    // The member is named, its value never shown: it may be a password.
    const text = asOption(value);
    if (text === undefined) throw new OxprovError('RPC_INVALID_PARAMS', `member ${name} must be a string, an int, a boolean or an array of them, got ${typeName(value)}`, { field: name });
    out[name] = text;
  }
  return out;
}

function asOption(value: XmlRpcValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) {
    const items = value.map((v) => (typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v)) ? String(v) : undefined));
    return items.every((i) => i !== undefined && !i.includes(',')) ? items.join(',') : undefined;
  }
  return undefined;
}

/** A ToolResult as an XML-RPC struct, with no undefined members. */
export function toolResultToXmlRpc(result: ToolResult): XmlRpcStruct {
  const out = createStruct();
  out.status = result.status;
  out.message = result.message;
  if (result.steps !== undefined) {
    const steps = createStruct();
    for (const [backend, state] of Object.entries(result.steps)) steps[backend] = state;
    out.steps = steps;
  }
  if (result.details !== undefined) {
    const details = createStruct();
    for (const [key, text] of Object.entries(result.details)) details[key] = text;
    out.details = details;
  }
  return out;
}

/** Checks the answer of a daemon and turns it back into a ToolResult. @throws OxprovError RPC_FAILED for anything else. */
export function toolResultFromXmlRpc(value: XmlRpcValue): ToolResult {
  const bad = (what: string) => new OxprovError('RPC_FAILED', `the server's answer is not a tool result: ${what}`);
  if (!isXmlRpcStruct(value)) throw bad(`got ${typeName(value)}`);
  const { status, message, steps, details } = value;
  if (typeof status !== 'string' || !(TOOL_STATUSES as readonly string[]).includes(status)) throw bad('no valid status');
  if (typeof message !== 'string') throw bad('no message');
  const result: ToolResult = { status: status as ToolStatus, message };
  if (steps !== undefined && steps !== null) {
    if (!isXmlRpcStruct(steps)) throw bad('steps is not a struct');
    const out: Record<string, string> = {};
    for (const [backend, state] of Object.entries(steps)) {
      if (typeof state !== 'string') throw bad(`step ${backend} is not a string`);
      out[backend] = state;
    }
    result.steps = out;
  }
  if (details !== undefined && details !== null) {
    if (!isXmlRpcStruct(details)) throw bad('details is not a struct');
    const out: Record<string, string> = {};
    for (const [key, text] of Object.entries(details)) {
      if (typeof text !== 'string') throw bad(`detail ${key} is not a string`);
      out[key] = text;
    }
    result.details = out;
  }
  return result;
}

function typeName(value: XmlRpcValue | undefined): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'array';
  if (isXmlRpcStruct(value)) return 'struct';
  return typeof value === 'object' ? 'double' : typeof value;
}

/**
 * The XML-RPC layer of the admin daemon: value model, hardened parser and
 * serializer, fault-code table, server and client. It knows nothing of what
 * the methods do.
 */
export type { XmlRpcValue, XmlRpcStruct } from './xmlrpc-value.js';
export { isXmlRpcStruct, createStruct } from './xmlrpc-value.js';
export { DEFAULT_LIMITS, normalizeLimits, type XmlRpcLimits } from './xmlrpc-limits.js';
export { parseMethodCall, parseMethodResponse, type XmlRpcCall } from './xmlrpc-parse.js';
export { serializeMethodCall, serializeResponse, serializeFault } from './xmlrpc-serialize.js';
export { FAULT_CODES, GENERIC_FAULT, faultCodeFor, faultStringFor, errorFromFault } from './fault-codes.js';
export {
  createXmlRpcServer,
  type XmlRpcServer,
  type XmlRpcServerOptions,
  type XmlRpcMethod,
  type XmlRpcContext,
  type XmlRpcLogEntry,
} from './xmlrpc-server.js';
export { callXmlRpc, type XmlRpcCallOptions } from './xmlrpc-client.js';

/**
 * The XML-RPC layer of the admin daemon: value model, hardened parser and
 * serializer, the protocol's fault codes, the route a server mounts, and the
 * client. It knows nothing of what the methods do.
 */
export type { XmlRpcValue, XmlRpcStruct } from './xmlrpc-value.js';
export { isXmlRpcStruct, createStruct } from './xmlrpc-value.js';
export { DEFAULT_LIMITS, normalizeLimits, type XmlRpcLimits } from './xmlrpc-limits.js';
export { parseMethodCall, parseMethodResponse, type XmlRpcCall } from './xmlrpc-parse.js';
export { serializeMethodCall, serializeResponse, serializeFault } from './xmlrpc-serialize.js';
export { PROTOCOL_FAULTS, GENERIC_FAULT, faultCodeFor, faultStringFor, errorFromFault, type FaultTable } from './faults.js';
export {
  xmlRpcRoutes,
  type XmlRpcRouteOptions,
  type XmlRpcMethod,
  type XmlRpcContext,
  type XmlRpcLogEntry,
  type XmlRpcFault,
} from './xmlrpc-routes.js';
export { callXmlRpc, type XmlRpcCallOptions } from './xmlrpc-client.js';

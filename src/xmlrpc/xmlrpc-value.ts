/**
 * The XML-RPC value model, mapped onto plain JavaScript values so admin methods
 * can destructure their params without a wrapper API:
 *
 * | XML-RPC              | JavaScript                                   |
 * |----------------------|----------------------------------------------|
 * | string (or untyped)  | `string`                                     |
 * | int, i4 (i8 on read) | `number` (an integer)                        |
 * | double               | `number`, or {@link XmlRpcDouble} to force it |
 * | boolean              | `boolean`                                    |
 * | dateTime.iso8601     | `Date` (read as UTC, written as UTC)         |
 * | base64               | `Uint8Array` (a `Buffer` when parsed)        |
 * | array                | `XmlRpcValue[]`                              |
 * | struct               | {@link XmlRpcStruct} (null-prototype object) |
 * | nil                  | `null`                                       |
 */
export type XmlRpcValue =
  | string
  | number
  | boolean
  | Date
  | Uint8Array
  | XmlRpcDouble
  | null
  | XmlRpcValue[]
  | XmlRpcStruct;

/**
 * A struct. Parsed structs have no prototype, so a member named `__proto__` or
 * `constructor` is just data and cannot reach `Object.prototype`.
 */
export interface XmlRpcStruct {
  [member: string]: XmlRpcValue;
}

/**
 * Forces a number onto the wire as `<double>`. Plain numbers that are 32-bit
 * integers go out as `<int>`, which is what a caller almost always means; this
 * wrapper is for the rare method whose peer insists on a double (e.g. `1.0`).
 */
export class XmlRpcDouble {
  constructor(readonly value: number) {}
}

/** True for a value that serialises as a struct (a plain or null-prototype object). */
export function isXmlRpcStruct(value: unknown): value is XmlRpcStruct {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** A struct with no prototype; the parser builds every struct with it. */
export function createStruct(): XmlRpcStruct {
  return Object.create(null) as XmlRpcStruct;
}

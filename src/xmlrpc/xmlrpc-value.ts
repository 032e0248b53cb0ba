/**
 * The XML-RPC value model, mapped onto plain JavaScript values so admin methods
 * can destructure their params without a wrapper API. Trimmed to what the
 * wire contract uses: dateTime.iso8601 and base64 are refused where they arrive.
 *
 * | XML-RPC              | JavaScript                                   |
 * |----------------------|----------------------------------------------|
 * | string (or untyped)  | `string`                                     |
 * | int, i4 (i8 on read) | `number` (an integer)                        |
 * | double               | `number` (one that is not a 32-bit integer)   |
 * | boolean              | `boolean`                                    |
 * | array                | `XmlRpcValue[]`                              |
 * | struct               | {@link XmlRpcStruct} (null-prototype object) |
 * | nil                  | `null`                                       |
 */
export type XmlRpcValue =
  | string
  | number
  | boolean
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

// A small DER reader (X.690 §8, §10) on top of the project's bounds-checked Cursor, for certificates and
// distinguished names that arrive from the wire and may be cut short or hostile. Every element is read as
// tag, definite length and contents; a length that runs past its enclosing element is an error, so no loop
// can run past its input or forever. Errors are thrown as DerError and caught at the module's public entry
// points (parseCertificate, decodeName), which never throw.

import { Cursor } from '../cursor.js';

/** A structural problem in DER input; `offset` is where, within the buffer given to the public function. */
export class DerError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export const UNIVERSAL = 0;
export const APPLICATION = 1;
export const CONTEXT = 2;
export const PRIVATE = 3;

/** Universal tag numbers (X.680 §8.4). */
export const T = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8String: 12,
  SEQUENCE: 16,
  SET: 17,
  NumericString: 18,
  PrintableString: 19,
  TeletexString: 20,
  VideotexString: 21,
  IA5String: 22,
  UTCTime: 23,
  GeneralizedTime: 24,
  GraphicString: 25,
  VisibleString: 26,
  GeneralString: 27,
  UniversalString: 28,
  BMPString: 30,
} as const;

/** One element: identifier, and its contents as a sub-cursor. `start`/`end` bound the whole TLV in `buf`. */
export interface Tlv {
  cls: number;
  constructed: boolean;
  tag: number;
  body: Cursor;
  buf: Uint8Array;
  start: number;
  end: number;
}

/** Tag numbers above this are not used by anything we decode; larger ones are refused (X.690 §8.1.2.4). */
const MAX_TAG = 0x1fffff;

/**
 * Reads one TLV from the cursor. `what` names the element for error messages. Only the definite form of
 * length is accepted (DER, X.690 §10.1); a length that needs more than 4 octets, or that runs past the end of
 * the enclosing element, is an error.
 */
export function readTlv(c: Cursor, what: string): Tlv {
  const start = c.pos;
  const id = c.u8();
  if (id === undefined) throw new DerError(`truncated: ${what} missing`, start);
  const cls = id >> 6;
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let i = 0; ; i++) {
      const b = c.u8();
      if (b === undefined) throw new DerError(`truncated: ${what} tag`, start);
      tag = tag * 128 + (b & 0x7f);
      if (tag > MAX_TAG || i > 3) throw new DerError(`${what}: tag number too large`, start);
      if ((b & 0x80) === 0) break;
    }
  }
  const l0 = c.u8();
  if (l0 === undefined) throw new DerError(`truncated: ${what} length`, start);
  let len = l0;
  if (l0 & 0x80) {
    const n = l0 & 0x7f;
    if (n === 0) throw new DerError(`${what}: indefinite length is not DER`, start);
    if (n > 4) throw new DerError(`${what}: length of ${n} octets is too large`, start);
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = c.u8();
      if (b === undefined) throw new DerError(`truncated: ${what} length`, start);
      len = len * 256 + b;
    }
  }
  if (len > c.left) throw new DerError(`truncated: ${what} needs ${len} bytes at offset ${c.pos}, ${c.left} left`, start);
  const body = c.sub(len)!;
  return { cls, constructed, tag, body, buf: c.buf, start, end: c.pos };
}

/** Whether the next element has this class and tag number (without reading it). */
export function nextIs(c: Cursor, cls: number, tag: number): boolean {
  const id = c.peek();
  if (id === undefined) return false;
  return id >> 6 === cls && (id & 0x1f) === tag && tag < 0x1f;
}

/** Reads an element and checks its class, tag and form. */
export function expect(c: Cursor, cls: number, tag: number, what: string, constructed?: boolean): Tlv {
  const t = readTlv(c, what);
  if (t.cls !== cls || t.tag !== tag) {
    throw new DerError(`${what}: expected ${tagName(cls, tag)}, found ${tagName(t.cls, t.tag)}`, t.start);
  }
  if (constructed !== undefined && t.constructed !== constructed) {
    throw new DerError(`${what}: expected ${constructed ? 'constructed' : 'primitive'} form`, t.start);
  }
  return t;
}

export const sequence = (c: Cursor, what: string): Tlv => expect(c, UNIVERSAL, T.SEQUENCE, what, true);

/** Fails when a constructed element has bytes left after its last expected field. */
export function done(c: Cursor, what: string): void {
  if (!c.empty) throw new DerError(`${what}: ${c.left} unexpected trailing bytes`, c.pos);
}

/** The whole TLV (identifier, length and contents) as bytes. */
export function tlvBytes(t: Tlv): Uint8Array {
  return t.buf.subarray(t.start, t.end);
}

/** The contents as bytes. */
export function bodyBytes(t: Tlv): Uint8Array {
  return t.body.buf.subarray(t.body.pos, t.body.end);
}

const UNIVERSAL_NAMES: Record<number, string> = {
  1: 'BOOLEAN',
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT IDENTIFIER',
  12: 'UTF8String',
  16: 'SEQUENCE',
  17: 'SET',
  19: 'PrintableString',
  22: 'IA5String',
  23: 'UTCTime',
  24: 'GeneralizedTime',
  30: 'BMPString',
};

export function tagName(cls: number, tag: number): string {
  if (cls === UNIVERSAL) return UNIVERSAL_NAMES[tag] ?? `universal tag ${tag}`;
  if (cls === CONTEXT) return `[${tag}]`;
  return `[${cls === APPLICATION ? 'APPLICATION' : 'PRIVATE'} ${tag}]`;
}

/**
 * OBJECT IDENTIFIER contents → dotted decimal (X.690 §8.19). Arcs of any size (2.25 UUID arcs are 128-bit)
 * are exact. Returns undefined when the encoding is invalid (empty, or the last octet continues).
 */
export function oidString(b: Uint8Array): string | undefined {
  if (b.length === 0 || (b[b.length - 1]! & 0x80) !== 0) return undefined;
  const arcs: string[] = [];
  let v = 0;
  let big: bigint | undefined;
  let first = true;
  for (let i = 0; i < b.length; i++) {
    const byte = b[i]!;
    if (big !== undefined) big = big * 128n + BigInt(byte & 0x7f);
    else if (v > 2 ** 45) big = BigInt(v) * 128n + BigInt(byte & 0x7f);
    else v = v * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    const val = big ?? BigInt(v);
    if (first) {
      first = false;
      if (val < 40n) arcs.push('0', String(val));
      else if (val < 80n) arcs.push('1', String(val - 40n));
      else arcs.push('2', String(val - 80n));
    } else arcs.push(String(val));
    v = 0;
    big = undefined;
  }
  return arcs.join('.');
}

/** Reads an OBJECT IDENTIFIER element as dotted decimal. */
export function readOid(c: Cursor, what: string): string {
  const t = expect(c, UNIVERSAL, T.OID, what, false);
  const s = oidString(bodyBytes(t));
  if (s === undefined) throw new DerError(`${what}: invalid OBJECT IDENTIFIER`, t.start);
  return s;
}

/** INTEGER contents (two's complement, big-endian) → magnitude bytes and sign (X.690 §8.3). */
export function integerParts(b: Uint8Array): { negative: boolean; magnitude: Uint8Array } {
  if (b.length === 0) return { negative: false, magnitude: b };
  const negative = (b[0]! & 0x80) !== 0;
  if (!negative) {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    return { negative, magnitude: b.subarray(i) };
  }
  // Two's complement negation.
  const m = new Uint8Array(b.length);
  let carry = 1;
  for (let i = b.length - 1; i >= 0; i--) {
    const x = (~b[i]! & 0xff) + carry;
    m[i] = x & 0xff;
    carry = x >> 8;
  }
  let i = 0;
  while (i < m.length - 1 && m[i] === 0) i++;
  return { negative, magnitude: m.subarray(i) };
}

/** Bit length of a non-negative big-endian magnitude. */
export function bitLength(m: Uint8Array): number {
  let i = 0;
  while (i < m.length && m[i] === 0) i++;
  if (i === m.length) return 0;
  return (m.length - i - 1) * 8 + (32 - Math.clz32(m[i]!));
}

/** A small INTEGER as a number; undefined when negative or above 2^31. */
export function smallInt(b: Uint8Array): number | undefined {
  const { negative, magnitude } = integerParts(b);
  if (negative || magnitude.length > 4) return undefined;
  let v = 0;
  for (const x of magnitude) v = v * 256 + x;
  return v <= 0x7fffffff ? v : undefined;
}

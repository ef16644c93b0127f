// Test support: a tiny DER writer, to build Names and certificate pieces byte by byte in tests.

export function len(n: number): number[] {
  if (n < 0x80) return [n];
  const b: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) b.unshift(x & 0xff);
  return [0x80 | b.length, ...b];
}

export function tlv(tag: number, body: ArrayLike<number>): Uint8Array {
  return Uint8Array.from([tag, ...len(body.length), ...Array.from(body)]);
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return Uint8Array.from(out);
}

export const seq = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, cat(...parts));
export const set = (...parts: Uint8Array[]): Uint8Array => tlv(0x31, cat(...parts));

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((x) => BigInt(x));
  const first = arcs[0]! * 40n + arcs[1]!;
  const body: number[] = [];
  for (const a of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(a & 0x7fn)];
    for (let x = a >> 7n; x > 0n; x >>= 7n) chunk.unshift(Number(x & 0x7fn) | 0x80);
    body.push(...chunk);
  }
  return tlv(0x06, body);
}

export const utf8 = (s: string): Uint8Array => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printable = (s: string): Uint8Array => tlv(0x13, Buffer.from(s, 'latin1'));
export const raw = (tag: number, ...bytes: number[]): Uint8Array => tlv(tag, bytes);

/** An AttributeTypeAndValue. */
export const ava = (type: string, value: Uint8Array): Uint8Array => seq(oid(type), value);
/** A Name from RDNs (each a list of AVAs), in encoding order. */
export const name = (...rdns: Uint8Array[][]): Uint8Array => seq(...rdns.map((r) => set(...r)));

export const CN = '2.5.4.3';
export const O = '2.5.4.10';
export const C = '2.5.4.6';
export const OU = '2.5.4.11';

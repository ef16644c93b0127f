// JSON written straight as UTF-8 bytes into a growable buffer: for any value, the bytes of
// `Buffer.from(JSON.stringify(value))`, without the intermediate string (lib/output/ndjson.ts writes each NDJSON
// line with it, and so does the parallel worker). Plain data (plain objects, arrays, strings, numbers, booleans,
// null) is written here; anything else gives the whole value back to JSON.stringify (see `JsonBytes.value`).

/**
 * Nesting depth written here; a value nested deeper goes to JSON.stringify whole (which also reports a cycle, as
 * a TypeError). Events nest 4-5 levels (a handshake's extensions, a certificate's extension list).
 */
export const JSON_BYTES_DEPTH = 32;

/** Bytes the writer's buffer starts with when none is given. */
export const JSON_BYTES_INITIAL = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * What JSON.stringify writes for each code unit below 0x80 (ECMA-262 QuoteJSONString): 0 for the unit itself,
 * else the escape's second character ('b', 't', 'n', 'f', 'r', '"', '\\') or 'u' for \u00XX (lowercase hex).
 */
const ASCII_ESCAPE = (() => {
  const t = new Uint8Array(0x80);
  for (let c = 0; c < 0x20; c++) t[c] = 0x75; // u
  t[0x08] = 0x62; // b
  t[0x09] = 0x74; // t
  t[0x0a] = 0x6e; // n
  t[0x0c] = 0x66; // f
  t[0x0d] = 0x72; // r
  t[QUOTE] = QUOTE;
  t[BACKSLASH] = BACKSLASH;
  return t;
})();

const HEX = '0123456789abcdef';

/** Writes n (0 <= n < 100000) in decimal at pos, zero-padded to `width` digits; returns the position after. */
function digits(buf: Uint8Array, pos: number, n: number, width: number): number {
  let count = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  if (count < width) count = width;
  let at = pos + count;
  for (let i = 0; i < count; i++) {
    const q = (n / 10) | 0;
    buf[--at] = 0x30 + n - 10 * q;
    n = q;
  }
  return pos + count;
}

/**
 * An append-only JSON byte writer. `value(v)` appends v's JSON text as UTF-8 and answers true, or answers false
 * and leaves `pos` where it was when v holds something this writer leaves to JSON.stringify: a value with a
 * toJSON method (Date, Buffer, an object that has its own), an object whose prototype is not Object.prototype or
 * null (a Map, a class instance, a boxed primitive, a typed array), a bigint, nesting deeper than
 * JSON_BYTES_DEPTH, or undefined/a function/a symbol at the top (JSON.stringify gives undefined for those). Member
 * order is Object.keys order, the order JSON.stringify uses.
 */
export class JsonBytes {
  buf: Buffer<ArrayBuffer>;
  pos = 0;

  constructor(size = JSON_BYTES_INITIAL) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Room for n more bytes: the buffer grows (at least doubles) and keeps what was written. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Appends v's JSON text; false (nothing written) for what JSON.stringify is left to write. */
  value(v: unknown): boolean {
    const start = this.pos;
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return false;
    if (this.any(v, 0)) return true;
    this.pos = start;
    return false;
  }

  /** Appends bytes already made (a cached JSON text). */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Appends one byte. */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /**
   * One member of an object: `prefix` is its `,"key":` (or `"key":`) bytes. Undefined, a function or a symbol is
   * left out, key and all, as JSON.stringify leaves it out; false when the value is left to JSON.stringify.
   */
  member(prefix: Uint8Array, v: unknown): boolean {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return true;
    this.ensure(prefix.length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < prefix.length; i++) buf[pos++] = prefix[i]!;
    this.pos = pos;
    return this.any(v, 1);
  }

  /** A value in an object or array; undefined, functions and symbols are the caller's to handle. */
  any(v: unknown, depth: number): boolean {
    switch (typeof v) {
      case 'string':
        this.string(v);
        return true;
      case 'number':
        this.number(v);
        return true;
      case 'boolean':
        if (v)
          this.ascii4(0x74, 0x72, 0x75, 0x65); // true
        else {
          this.ascii4(0x66, 0x61, 0x6c, 0x73); // fals
          this.buf[this.pos++] = 0x65; // e
        }
        return true;
      case 'object':
        if (v === null) {
          this.ascii4(0x6e, 0x75, 0x6c, 0x6c); // null
          return true;
        }
        if (depth >= JSON_BYTES_DEPTH) return false;
        // Parse boundary: any object, read by key or index as JSON.stringify reads it.
        if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
        if (Array.isArray(v)) return this.array(v, depth + 1);
        {
          const proto = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== null) return false;
        }
        return this.object(v as Record<string, unknown>, depth + 1);
      default:
        // bigint (JSON.stringify throws), or undefined/function/symbol where the caller did not look.
        return false;
    }
  }

  /** An object's members in Object.keys order; undefined, function and symbol members are left out. */
  object(o: Record<string, unknown>, depth: number): boolean {
    // Object.keys is JSON.stringify's list (own enumerable string keys, integer keys first); Object.values reads
    // them in the same order, faster than a lookup by key for each.
    const keys = Object.keys(o);
    const values = Object.values(o);
    if (values.length !== keys.length) return false; // a getter that added or removed keys
    this.byte(0x7b); // {
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const m = values[i];
      if (m === undefined || typeof m === 'function' || typeof m === 'symbol') continue;
      if (first) first = false;
      else this.byte(COMMA);
      this.string(k);
      this.byte(COLON);
      if (!this.memberValue(k, m, depth)) return false;
    }
    this.byte(0x7d); // }
    return true;
  }

  /** An array's elements; holes, undefined, functions and symbols are written as null. */
  array(a: readonly unknown[], depth: number): boolean {
    this.byte(0x5b); // [
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.byte(COMMA);
      if (!this.element(a[i], depth)) return false;
    }
    this.byte(0x5d); // ]
    return true;
  }

  /** An array element: undefined, a function or a symbol is written as null. */
  element(e: unknown, depth: number): boolean {
    if (e === undefined || typeof e === 'function' || typeof e === 'symbol') {
      this.ascii4(0x6e, 0x75, 0x6c, 0x6c);
      return true;
    }
    return this.any(e, depth);
  }

  /** The value of member k of an object at `depth` (1: the top); a subclass may write some members its way. */
  protected memberValue(_k: string, v: unknown, depth: number): boolean {
    return this.any(v, depth);
  }

  /** A number as JSON.stringify writes it: Number::toString for finite numbers (-0 as 0), null otherwise. */
  number(n: number): void {
    if (n >>> 0 === n) {
      this.uint(n);
      return;
    }
    if (!Number.isFinite(n)) {
      this.ascii4(0x6e, 0x75, 0x6c, 0x6c);
      return;
    }
    const s = String(n);
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** An integer in 0 … 2^32-1 as its decimal digits (no string made). */
  uint(n: number): void {
    this.ensure(10);
    if (n < 100000) {
      this.pos = digits(this.buf, this.pos, n, 0);
      return;
    }
    // Two halves of at most 5 digits each, so that the arithmetic stays in small integers.
    const hi = Math.floor(n / 100000);
    const pos = digits(this.buf, this.pos, hi, 0);
    this.pos = digits(this.buf, pos, n - hi * 100000, 5);
  }

  /** A string in quotes, escaped as ECMA-262 QuoteJSONString: ASCII copied, the rest as UTF-8 or \uXXXX. */
  string(s: string): void {
    const n = s.length;
    // The longest a code unit becomes: \uXXXX, 6 bytes (UTF-8 takes at most 3 per unit).
    this.ensure(6 * n + 2);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = QUOTE;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || ASCII_ESCAPE[c] !== 0) break;
      buf[pos++] = c;
    }
    this.pos = i < n ? this.stringRest(s, i, pos) : pos;
    this.buf[this.pos++] = QUOTE;
  }

  /** The rest of a string from unit i on, at byte pos, with escapes and UTF-8; returns the position after it. */
  private stringRest(s: string, i: number, pos: number): number {
    const buf = this.buf;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        const e = ASCII_ESCAPE[c]!;
        if (e === 0) buf[pos++] = c;
        else if (e !== 0x75) {
          buf[pos++] = BACKSLASH;
          buf[pos++] = e;
        } else pos = this.unicodeEscape(c, pos);
      } else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6);
        buf[pos++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[pos++] = 0xe0 | (c >> 12);
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
        buf[pos++] = 0x80 | (c & 0x3f);
      } else {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          // A surrogate pair: one code point, 4 bytes of UTF-8.
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[pos++] = 0xf0 | (cp >> 18);
          buf[pos++] = 0x80 | ((cp >> 12) & 0x3f);
          buf[pos++] = 0x80 | ((cp >> 6) & 0x3f);
          buf[pos++] = 0x80 | (cp & 0x3f);
          i++;
        } else pos = this.unicodeEscape(c, pos); // a lone surrogate (well-formed JSON.stringify, ES2019)
      }
    }
    return pos;
  }

  /** \uXXXX with lowercase hex digits, as JSON.stringify writes controls and lone surrogates. */
  private unicodeEscape(c: number, pos: number): number {
    const buf = this.buf;
    buf[pos++] = BACKSLASH;
    buf[pos++] = 0x75; // u
    buf[pos++] = HEX.charCodeAt(c >> 12);
    buf[pos++] = HEX.charCodeAt((c >> 8) & 15);
    buf[pos++] = HEX.charCodeAt((c >> 4) & 15);
    buf[pos++] = HEX.charCodeAt(c & 15);
    return pos;
  }

  private ascii4(a: number, b: number, c: number, d: number): void {
    this.ensure(5);
    const buf = this.buf;
    buf[this.pos++] = a;
    buf[this.pos++] = b;
    buf[this.pos++] = c;
    buf[this.pos++] = d;
  }
}

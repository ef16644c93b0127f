// The one bounds-checked reader for every binary structure (after Go's cryptobyte). A read past the end
// never throws: it returns undefined / false and marks the cursor as short, so decoders can report what they
// saw and whether the input ran out.

export class Cursor {
  /** Set once any read asked for more bytes than were left. */
  short = false;

  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  static of(buf: Uint8Array, start = 0, end = buf.length): Cursor {
    return new Cursor(buf, start, Math.min(end, buf.length));
  }

  get left(): number {
    return this.end - this.pos;
  }

  get empty(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number): boolean {
    if (n < 0 || this.end - this.pos < n) {
      this.short = true;
      return false;
    }
    return true;
  }

  u8(): number | undefined {
    if (!this.need(1)) return undefined;
    return this.buf[this.pos++]!;
  }

  u16(): number | undefined {
    if (!this.need(2)) return undefined;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u24(): number | undefined {
    if (!this.need(3)) return undefined;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  u32(): number | undefined {
    if (!this.need(4)) return undefined;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** n bytes as a view into the buffer (no copy). */
  bytes(n: number): Uint8Array | undefined {
    if (!this.need(n)) return undefined;
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): boolean {
    if (!this.need(n)) return false;
    this.pos += n;
    return true;
  }

  /** The next n bytes as a sub-cursor; this cursor moves past them. */
  sub(n: number): Cursor | undefined {
    if (!this.need(n)) return undefined;
    const c = new Cursor(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return c;
  }

  /** What is left, as a sub-cursor; this cursor ends up empty. */
  rest(): Cursor {
    const c = new Cursor(this.buf, this.pos, this.end);
    this.pos = this.end;
    return c;
  }

  u8Prefixed(): Cursor | undefined {
    const n = this.u8();
    return n === undefined ? undefined : this.sub(n);
  }

  u16Prefixed(): Cursor | undefined {
    const n = this.u16();
    return n === undefined ? undefined : this.sub(n);
  }

  u24Prefixed(): Cursor | undefined {
    const n = this.u24();
    return n === undefined ? undefined : this.sub(n);
  }

  /**
   * A QUIC variable-length integer (RFC 9000 §16): the two high bits of the first byte give its size, 1, 2, 4 or
   * 8 bytes. Values above 2^53 lose precision as numbers; no QUIC field this project reads comes near that.
   */
  varint(): number | undefined {
    const b0 = this.peek();
    if (b0 === undefined) {
      this.short = true;
      return undefined;
    }
    const n = 1 << (b0 >> 6);
    if (!this.need(n)) return undefined;
    let v = b0 & 0x3f;
    for (let i = 1; i < n; i++) v = v * 256 + this.buf[this.pos + i]!;
    this.pos += n;
    return v;
  }

  varintPrefixed(): Cursor | undefined {
    const n = this.varint();
    return n === undefined ? undefined : this.sub(n);
  }

  /** Peek at a byte ahead without moving (offset ≥ 0); undefined past the end. */
  peek(offset = 0): number | undefined {
    if (offset < 0) return undefined;
    const p = this.pos + offset;
    return p < this.end ? this.buf[p] : undefined;
  }
}

/** Lower-case hex of bytes, no separators. One flat string: a string built by `+=` per byte is a chain of one
 *  heap object per byte, and the hex fields a flow keeps (random, session_id) stay resident with it. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

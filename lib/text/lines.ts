// Line framing for text input, on bytes: finds '\n' in each chunk and hands out (buffer, start, end) ranges
// without copying, carrying only an unfinished last line across chunks. A line longer than the limit is
// skipped to its end and reported, never buffered whole. A trailing '\r' is dropped.

export interface LineSink {
  /** One complete line, without its terminator: bytes buf[start, end). */
  line(buf: Uint8Array, start: number, end: number): void;
  /** A line that was longer than the limit; it counts as a line but its bytes are gone. */
  overlong(length: number): void;
  /**
   * Optional fast path: takes as many whole lines as it wants from the start of buf[start, end), each ended by
   * '\n' inside that range and at most BULK_LINE_BYTES long, exactly as line() would have taken them, and
   * returns where the first line it did not take starts (start when it took none). The splitter offers the
   * bytes before looking for each line's end, so a sink that knows its lines' layout skips that search.
   */
  lines?(buf: Uint8Array, start: number, end: number): number;
}

/** The longest line a sink's lines() may take; it is offered lines only when the limit is at least this. */
export const BULK_LINE_BYTES = 256;

export class LineSplitter {
  private carry: Buffer;
  private carryLen = 0;
  /** Bytes of an overlong line seen so far; -1 when not inside one. */
  private skipping = -1;
  /** The last byte counted in `skipping`, so that a '\r' before the '\n' is not counted, whatever the chunks. */
  private skipLast = -1;

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {
    this.carry = Buffer.allocUnsafe(Math.min(maxLineBytes, 4096));
  }

  push(chunk: Uint8Array): void {
    const buf = chunk;
    const n = buf.length;
    const bulk = this.maxLineBytes >= BULK_LINE_BYTES && this.sink.lines !== undefined;
    let pos = 0;
    while (pos < n) {
      if (bulk && this.carryLen === 0 && this.skipping < 0) {
        pos = this.sink.lines!(buf, pos, n);
        if (pos >= n) return;
      }
      const nl = buf.indexOf(10, pos);
      if (nl < 0) {
        if (this.skipping >= 0) this.skip(buf, pos, n);
        else this.append(buf, pos, n);
        return;
      }
      if (this.skipping < 0 && this.carryLen > 0) this.append(buf, pos, nl);
      else if (this.skipping >= 0) this.skip(buf, pos, nl);
      else this.emit(buf, pos, nl);
      if (this.skipping >= 0) {
        this.overlong();
      } else if (this.carryLen > 0) {
        const len = this.carryLen;
        this.carryLen = 0;
        this.emit(this.carry, 0, len);
      }
      pos = nl + 1;
    }
  }

  /** Flushes a last line that had no terminator. */
  end(): void {
    if (this.skipping >= 0) {
      this.overlong();
    } else if (this.carryLen > 0) {
      const len = this.carryLen;
      this.carryLen = 0;
      this.emit(this.carry, 0, len);
    }
  }

  private emit(buf: Uint8Array, start: number, end: number): void {
    if (end > start && buf[end - 1] === 13) end--;
    if (end - start > this.maxLineBytes) this.sink.overlong(end - start);
    else this.sink.line(buf, start, end);
  }

  /** Counts bytes of an overlong line (never kept). */
  private skip(buf: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    this.skipping += end - start;
    this.skipLast = buf[end - 1]!;
  }

  /** Reports the overlong line that just ended; its length leaves out a '\r' before the '\n', as emit() does. */
  private overlong(): void {
    this.sink.overlong(this.skipLast === 13 ? this.skipping - 1 : this.skipping);
    this.skipping = -1;
    this.skipLast = -1;
  }

  private append(buf: Uint8Array, start: number, end: number): void {
    const add = end - start;
    const need = this.carryLen + add;
    if (need > this.maxLineBytes + 1) {
      // Line buffer is full: skip to the start of the next line.
      this.skipping = need;
      this.skipLast = add > 0 ? buf[end - 1]! : this.carry[this.carryLen - 1]!;
      this.carryLen = 0;
      return;
    }
    if (need > this.carry.length) {
      const bigger = Buffer.allocUnsafe(Math.min(Math.max(need, this.carry.length * 2), this.maxLineBytes + 1));
      this.carry.copy(bigger, 0, 0, this.carryLen);
      this.carry = bigger;
    }
    // TypedArray.set, not Buffer.copy: the public Core takes any Uint8Array chunk, not only Buffers.
    this.carry.set(buf.subarray(start, end), this.carryLen);
    this.carryLen = need;
  }
}

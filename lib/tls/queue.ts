// A growable byte queue for one direction of a flow: chunks are appended, records and messages are consumed from
// the front. Part of stage 3 (tls). Its size is bounded by the callers (one record, one handshake message). It
// holds memory only while it holds bytes: a flow waiting between records (most of a flood's half-open flows) keeps
// no buffer, and a buffer is sized to what it holds, at most twice over: the footprint is what the flow limits count.
//
// An empty queue borrows what is appended instead of copying it (most segments hold whole records, most records
// whole messages): records are framed straight from the caller's bytes, and only a partial record left at the end
// is copied, by settle(), which the caller runs before its bytes may change or be let go.

import { Cursor } from '../cursor.js';

const EMPTY = new Uint8Array(0);

export class ByteQueue {
  private buf: Uint8Array = EMPTY;
  private start = 0;
  private end = 0;
  /** `buf` is the caller's (appended to an empty queue): never written to, copied by settle() or the next append. */
  private borrowed = false;
  /** Bytes consumed or cleared since the queue was made: the stream offset of the front, for callers that track one. */
  taken = 0;

  /** Nothing is allocated until a first partial record is kept (most flows never need most queues); `initial` is
   *  the least allocation. */
  constructor(private readonly initial = 256) {}

  get length(): number {
    return this.end - this.start;
  }

  /** Appends bytes. Into an empty queue they are borrowed, not copied: call settle() before they may change. */
  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.end === this.start) {
      this.buf = bytes;
      this.start = 0;
      this.end = bytes.length;
      this.borrowed = true;
      return;
    }
    if (this.borrowed || this.end + bytes.length > this.buf.length) {
      const live = this.end - this.start;
      if (!this.borrowed && live + bytes.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const cap = Math.max(this.borrowed ? 0 : this.buf.length * 2, this.initial, live + bytes.length);
        const next = new Uint8Array(cap);
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
        this.borrowed = false;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** Copies borrowed bytes still queued into a buffer of the queue's own (sized to them, at least `initial`). */
  settle(): void {
    if (!this.borrowed) return;
    const live = this.end - this.start;
    const next = new Uint8Array(Math.max(this.initial, live));
    next.set(this.buf.subarray(this.start, this.end));
    this.buf = next;
    this.start = 0;
    this.end = live;
    this.borrowed = false;
  }

  /** The first offset from i on whose byte is in [lo, hi]; the length when there is none. */
  scan(i: number, lo: number, hi: number): number {
    const buf = this.buf;
    const end = this.end;
    let p = this.start + i;
    while (p < end) {
      const b = buf[p]!;
      if (b >= lo && b <= hi) break;
      p++;
    }
    return p - this.start;
  }

  /** The byte at offset i from the front; undefined past the end. */
  at(i: number): number | undefined {
    const p = this.start + i;
    return p < this.end ? this.buf[p] : undefined;
  }

  /** A cursor over the bytes from offset i to the end (valid until the next append, consume or settle). */
  cursor(i = 0): Cursor {
    return new Cursor(this.buf, this.start + i, this.end);
  }

  /** A view of n bytes from offset i (valid until the next append, consume or settle). */
  view(i: number, n: number): Uint8Array {
    // A plain Uint8Array over the same memory, also when the bytes are a borrowed Buffer (whose subarray() builds
    // a Buffer, at several times the cost).
    const from = Math.min(this.start + i, this.end);
    const to = Math.max(from, Math.min(this.start + i + n, this.end));
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + from, to - from);
  }

  /** Views taken before stay valid: an emptied queue lets its buffer go instead of writing over it. */
  consume(n: number): void {
    const k = Math.min(n, this.end - this.start);
    this.taken += k;
    this.start += k;
    if (this.start === this.end) this.clear();
  }

  clear(): void {
    this.taken += this.end - this.start;
    this.start = this.end = 0;
    this.buf = EMPTY;
    this.borrowed = false;
  }
}

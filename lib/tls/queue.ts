// A growable byte queue for one direction of a flow: chunks are appended, records and messages are consumed from
// the front. Part of stage 3 (tls). Its size is bounded by the callers (one record, one handshake message).

const EMPTY = new Uint8Array(0);

export class ByteQueue {
  private buf = EMPTY;
  private start = 0;
  private end = 0;
  /** Bytes consumed or cleared since the queue was made: the stream offset of the front, for callers that track one. */
  taken = 0;

  /** Nothing is allocated until the first append (most flows never need most queues). */
  constructor(private readonly initial = 4096) {}

  get length(): number {
    return this.end - this.start;
  }

  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.start === this.end) this.start = this.end = 0;
    if (this.end + bytes.length > this.buf.length) {
      const live = this.end - this.start;
      if (live + bytes.length <= this.buf.length && this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        let cap = Math.max(this.buf.length * 2, this.initial);
        while (cap < live + bytes.length) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }

  /** The byte at offset i from the front; undefined past the end. */
  at(i: number): number | undefined {
    const p = this.start + i;
    return p < this.end ? this.buf[p] : undefined;
  }

  /** A view of n bytes from offset i (valid until the next append or consume). */
  view(i: number, n: number): Uint8Array {
    return this.buf.subarray(this.start + i, Math.min(this.start + i + n, this.end));
  }

  consume(n: number): void {
    const k = Math.min(n, this.end - this.start);
    this.taken += k;
    this.start += k;
    if (this.start === this.end) this.start = this.end = 0;
  }

  clear(): void {
    this.taken += this.end - this.start;
    this.start = this.end = 0;
    if (this.buf.length > 1 << 16) this.buf = EMPTY;
  }
}

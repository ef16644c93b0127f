// The memory pool of stage 1 (text): packets' payloads copied out of the one frame buffer that hex lines are
// read into. Small payloads are carved from shared slabs; large ones get a buffer of their own.

const EMPTY = new Uint8Array(0);

/** Payloads below this size are carved from slabs; larger ones get an ArrayBuffer of their own. */
export const POOLED_PAYLOAD_BYTES = 4096;
/** Size of one slab of small payloads. */
export const PAYLOAD_SLAB_BYTES = 256 * 1024;

/**
 * Copies of frame[start, end) for packets' payloads. Small ones are carved from slabs of PAYLOAD_SLAB_BYTES that
 * are never written again once handed out (a fresh ArrayBuffer per packet costs more than the copy, and Node's
 * own 8 KiB pool makes one every few packets: bench/, createPool at 2% of a run). A slab lives as long as any
 * payload cut from it: stage 2 copies the bytes it keeps, so that is a few packets.
 */
export class Payloads {
  private slab = Buffer.alloc(0);
  private pos = 0;

  copy(frame: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    if (n <= 0) return EMPTY;
    if (n >= POOLED_PAYLOAD_BYTES) return frame.slice(start, end);
    if (this.pos + n > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(PAYLOAD_SLAB_BYTES);
      this.pos = 0;
    }
    const out = this.slab.subarray(this.pos, this.pos + n);
    this.pos = (this.pos + n + 7) & ~7;
    if (n <= 32) for (let i = 0; i < n; i++) out[i] = frame[start + i]!;
    else out.set(frame.subarray(start, end));
    return out;
  }
}

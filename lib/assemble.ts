// Reassembly of byte ranges placed by offset, for QUIC CRYPTO frames (RFC 9000 §19.6) and DTLS handshake
// fragments (RFC 6347 §4.2.3). Ground floor: imports nothing. Ranges may arrive in any order, repeat or overlap;
// the first copy of a byte wins. What is contiguous from offset 0 is delivered once, in order.

export interface Placed {
  /** Bytes that became contiguous with what was delivered before, in order (may be empty). */
  delivered: Uint8Array[];
  /** The range held nothing new (a retransmission). */
  duplicate: boolean;
  /** Bytes past the limit were refused. */
  overLimit: boolean;
}

export class OffsetAssembler {
  /** Bytes delivered so far: the next offset expected. */
  next = 0;
  /** Bytes held beyond a hole, by offset, not overlapping each other. */
  private readonly held = new Map<number, Uint8Array>();
  heldBytes = 0;

  /** `limit`: the most bytes held beyond a hole (the caller's named limit). */
  constructor(readonly limit: number) {}

  place(offset: number, bytes: Uint8Array): Placed {
    const out: Placed = { delivered: [], duplicate: false, overLimit: false };
    let start = offset;
    let b = bytes;
    if (start + b.length <= this.next) {
      out.duplicate = b.length > 0;
      return out;
    }
    if (start < this.next) {
      b = b.subarray(this.next - start);
      start = this.next;
    }
    if (start > this.next) {
      // Keep only the bytes no held range covers yet (first copy wins).
      const pieces = this.uncovered(start, b);
      if (pieces.length === 0) {
        out.duplicate = true;
        return out;
      }
      for (const [o, piece] of pieces) {
        if (this.heldBytes + piece.length > this.limit) {
          out.overLimit = true;
          continue;
        }
        this.held.set(o, piece);
        this.heldBytes += piece.length;
      }
      return out;
    }
    out.delivered.push(b);
    this.next += b.length;
    this.drain(out);
    return out;
  }

  /** A hole is open: bytes wait beyond it. */
  get waiting(): boolean {
    return this.held.size > 0;
  }

  /** Moves held ranges that now touch `next` into the output. */
  private drain(out: Placed): void {
    for (;;) {
      let moved = false;
      for (const [o, piece] of this.held) {
        if (o > this.next) continue;
        this.held.delete(o);
        this.heldBytes -= piece.length;
        if (o + piece.length > this.next) {
          out.delivered.push(piece.subarray(this.next - o));
          this.next = o + piece.length;
        }
        moved = true;
      }
      if (!moved) return;
    }
  }

  /** The parts of [start, start+b.length) that no held range covers. */
  private uncovered(start: number, b: Uint8Array): [number, Uint8Array][] {
    let parts: [number, number][] = [[start, start + b.length]];
    for (const [o, piece] of this.held) {
      const e = o + piece.length;
      const nextParts: [number, number][] = [];
      for (const [s, t] of parts) {
        if (e <= s || o >= t) nextParts.push([s, t]);
        else {
          if (s < o) nextParts.push([s, o]);
          if (e < t) nextParts.push([e, t]);
        }
      }
      parts = nextParts;
      if (parts.length === 0) break;
    }
    return parts.map(([s, t]) => [s, b.subarray(s - start, t - start)]);
  }
}

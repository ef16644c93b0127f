// 32-bit TCP sequence number arithmetic with wrap-around (RFC 9293 §3.4: "all arithmetic dealing with sequence
// numbers must be performed modulo 2**32"). Ground floor: imports nothing. Comparisons hold for two numbers less
// than 2^31 apart, which is the most a TCP window can span.

/** A sequence number plus n, wrapped into 0 … 2^32-1. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance a - b, wrapped into -2^31 … 2^31-1: how far a is after b (negative when before). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a comes before b. */
export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

/** a comes before b or is b. */
export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

/** a comes after b. */
export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** a comes after b or is b. */
export function seqGe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqDiff(a, b) >= 0 ? a : b;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return seqDiff(a, b) <= 0 ? a : b;
}

/**
 * Unwraps a 32-bit sequence number into a position on an unbounded line, next to a reference point that is
 * already unwrapped: `refPos` is the position of sequence number `refSeq`. The result is `refPos` plus the signed
 * distance, so a stream can run past 2^32 bytes and positions keep growing.
 */
export function seqUnwrap(seq: number, refSeq: number, refPos: number): number {
  return refPos + seqDiff(seq, refSeq);
}

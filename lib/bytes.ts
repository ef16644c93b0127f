// Owned copies of byte ranges. A subarray, and a Node Buffer's slice(), is a view that keeps its whole backing
// store alive (a 1 MiB read chunk, a 256 KiB text slab): whatever a stage holds past the packet it came in must be
// a copy of its own, so that the bytes the limits count are the bytes that stay resident.

/** bytes[start, end) in an ArrayBuffer of its own (Uint8Array.prototype.slice on a Buffer would return a view). */
export function own(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  const view = bytes.subarray(start, end);
  const out = new Uint8Array(view.length);
  out.set(view);
  return out;
}

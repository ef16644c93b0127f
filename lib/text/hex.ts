// Hex lines of tcpdump -x/-xx/-X/-XX, read from bytes with a lookup table: no regex, no strings, no objects
// per line. The layout (tcpdump 4.99 print-ascii.c hex_and_ascii_print_with_offset):
//   `\t0x0010:  4500 003c 8b01 4000 4006 bec1 d8b6 2df6  E..<..@.@.....-.`
// an offset `0x%04x:`, two spaces, up to 8 groups of 4 hex digits separated by one space (the last group has 2
// digits when the byte count is odd), and with -X/-XX the ASCII column after the groups, padded so that at
// least two spaces come first. Reading stops at two spaces or after 8 groups, so the ASCII column, which can
// itself look like hex, is never read as bytes.

/** Value of each byte as a hex digit, 255 for anything else. */
const HEXVAL = new Uint8Array(256).fill(255);
for (let i = 0; i < 10; i++) HEXVAL[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEXVAL[97 + i] = 10 + i;
  HEXVAL[65 + i] = 10 + i;
}

/** Value of each pair of hex digits (first digit in the high byte of the index), 0x100 for anything else. */
const HEXPAIR = new Uint16Array(65536).fill(0x100);
for (let a = 0; a < 256; a++) {
  if (HEXVAL[a] === 255) continue;
  for (let b = 0; b < 256; b++) if (HEXVAL[b] !== 255) HEXPAIR[(a << 8) | b] = (HEXVAL[a]! << 4) | HEXVAL[b]!;
}

/** tcpdump prints 16 bytes (8 groups) per line. */
export const HEX_BYTES_PER_LINE = 16;
const GROUPS_PER_LINE = 8;
/** Characters of 8 groups and the 7 spaces between them. */
export const FULL_LINE_CHARS = 39;
const SPACE = 32;
const TAB = 9;

/** Where parseHexOffset found the bytes of a line. */
export class HexCursor {
  /** Offset of the line's first byte: the printed offset plus any blank leading groups. */
  offset = 0;
  /** Index in the line where the first group starts. */
  pos = 0;
  /** Groups left blank at the start (an excerpt that leaves out the headers) count towards the 8. */
  skippedGroups = 0;
}

/**
 * Reads `0x<hex>:` and the spaces after it at buf[p]. A line whose first groups are blanked out with spaces
 * (the seed's "data minus the IP and TCP headers", `0x0030:            a024 …`) starts at a later offset:
 * each missing group is 5 columns ("hhhh "), after the usual 2 spaces. Returns false for anything else.
 */
export function parseHexOffset(buf: Uint8Array, p: number, end: number, out: HexCursor): boolean {
  let i = p + 2;
  let off = 0;
  const digitsFrom = i;
  while (i < end) {
    const v = HEXVAL[buf[i]!]!;
    if (v === 255) break;
    off = off * 16 + v;
    i++;
  }
  const digits = i - digitsFrom;
  if (digits === 0 || digits > 8 || i >= end || buf[i] !== 58 /* : */) return false;
  i++;
  let cols = 0;
  while (i < end && (buf[i] === SPACE || buf[i] === TAB)) {
    cols += buf[i] === TAB ? 2 : 1;
    i++;
  }
  let skipped = 0;
  if (cols > 2 && i < end) {
    const blank = cols - 2;
    skipped = Math.floor(blank / 5);
    off += skipped * 2 + Math.floor((blank % 5) / 2);
  }
  out.offset = off;
  out.pos = i;
  out.skippedGroups = skipped;
  return true;
}

/**
 * Reads the groups of a hex line from buf[p] into dst[at…]. Returns the number of bytes, or -1 when the text
 * is not hex groups at all (prose after an offset). `maxGroups` bounds the groups read (8 less any skipped).
 */
export function parseHexGroups(buf: Uint8Array, p: number, end: number, dst: Uint8Array, at: number, maxGroups = GROUPS_PER_LINE): number {
  // Fast path for the common full line: 8 groups at fixed columns, spaces between, then the end of the line
  // or the ASCII column's spaces. One bad digit anywhere falls through to the general reader.
  if (maxGroups === GROUPS_PER_LINE && p + FULL_LINE_CHARS <= end && buf[p + FULL_LINE_CHARS - 1] !== SPACE && (p + FULL_LINE_CHARS === end || buf[p + FULL_LINE_CHARS] === SPACE)) {
    if (parseFullGroups(viewOf(buf), p, dst, at)) return HEX_BYTES_PER_LINE;
  }
  let i = p;
  let n = 0;
  let groups = 0;
  while (groups < maxGroups && i + 1 < end) {
    const a = HEXVAL[buf[i]!]!;
    const b = HEXVAL[buf[i + 1]!]!;
    if ((a | b) === 255) break;
    const c = i + 2 < end ? HEXVAL[buf[i + 2]!]! : 255;
    const d = i + 3 < end ? HEXVAL[buf[i + 3]!]! : 255;
    if ((c | d) !== 255) {
      // A 4-digit group must end the line or be followed by a space.
      if (i + 4 < end && buf[i + 4] !== SPACE && buf[i + 4] !== TAB) break;
      dst[at + n] = (a << 4) | b;
      dst[at + n + 1] = (c << 4) | d;
      n += 2;
      i += 4;
    } else {
      // The last group may have 2 digits (an odd byte count).
      if (i + 2 < end && buf[i + 2] !== SPACE && buf[i + 2] !== TAB) break;
      dst[at + n] = (a << 4) | b;
      n += 1;
      i += 2;
      groups++;
      break;
    }
    groups++;
    if (i >= end) break;
    // One space between groups; two (or a tab) begin the ASCII column or trailing padding.
    if (buf[i] !== SPACE || i + 1 >= end || buf[i + 1] === SPACE || buf[i + 1] === TAB) break;
    i++;
  }
  if (n === 0) {
    // Nothing but blanks after the offset is an empty hex line; anything else is not a hex line.
    while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
    return i === end ? 0 : -1;
  }
  return n;
}

/** The value of the 4 hex digits at buf[p, p + 4), or -1. */
export function hex4(buf: Uint8Array, p: number): number {
  const a = HEXVAL[buf[p]!]!;
  const b = HEXVAL[buf[p + 1]!]!;
  const c = HEXVAL[buf[p + 2]!]!;
  const d = HEXVAL[buf[p + 3]!]!;
  return (a | b | c | d) > 15 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/**
 * The 8 groups of a full line at p, p + FULL_LINE_CHARS in the bytes that `dv` views: 4 hex digits each, one
 * space between them, into dst[at, at + 16). False when any character is out of place (dst is then untouched).
 * The caller checks what follows the groups. Each digit pair is one big-endian 16-bit read, which is the index
 * into HEXPAIR: half the reads of a byte at a time (bench/: stage 1 on text about 6% faster).
 */
export function parseFullGroups(dv: DataView, p: number, dst: Uint8Array, at: number): boolean {
  if ((dv.getUint8(p + 4) ^ SPACE) | (dv.getUint8(p + 9) ^ SPACE) | (dv.getUint8(p + 14) ^ SPACE) | (dv.getUint8(p + 19) ^ SPACE) | (dv.getUint8(p + 24) ^ SPACE) | (dv.getUint8(p + 29) ^ SPACE) | (dv.getUint8(p + 34) ^ SPACE)) return false;
  const b0 = HEXPAIR[dv.getUint16(p)]!;
  const b1 = HEXPAIR[dv.getUint16(p + 2)]!;
  const b2 = HEXPAIR[dv.getUint16(p + 5)]!;
  const b3 = HEXPAIR[dv.getUint16(p + 7)]!;
  const b4 = HEXPAIR[dv.getUint16(p + 10)]!;
  const b5 = HEXPAIR[dv.getUint16(p + 12)]!;
  const b6 = HEXPAIR[dv.getUint16(p + 15)]!;
  const b7 = HEXPAIR[dv.getUint16(p + 17)]!;
  const b8 = HEXPAIR[dv.getUint16(p + 20)]!;
  const b9 = HEXPAIR[dv.getUint16(p + 22)]!;
  const b10 = HEXPAIR[dv.getUint16(p + 25)]!;
  const b11 = HEXPAIR[dv.getUint16(p + 27)]!;
  const b12 = HEXPAIR[dv.getUint16(p + 30)]!;
  const b13 = HEXPAIR[dv.getUint16(p + 32)]!;
  const b14 = HEXPAIR[dv.getUint16(p + 35)]!;
  const b15 = HEXPAIR[dv.getUint16(p + 37)]!;
  if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7 | b8 | b9 | b10 | b11 | b12 | b13 | b14 | b15) > 255) return false;
  dst[at] = b0;
  dst[at + 1] = b1;
  dst[at + 2] = b2;
  dst[at + 3] = b3;
  dst[at + 4] = b4;
  dst[at + 5] = b5;
  dst[at + 6] = b6;
  dst[at + 7] = b7;
  dst[at + 8] = b8;
  dst[at + 9] = b9;
  dst[at + 10] = b10;
  dst[at + 11] = b11;
  dst[at + 12] = b12;
  dst[at + 13] = b13;
  dst[at + 14] = b14;
  dst[at + 15] = b15;
  return true;
}

/** A DataView of the bytes of a Uint8Array (same offsets). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * A line of hex groups with no offset, as tcpdump 3.x printed them (`\t\t\t 4500 0034 …`): only groups, and
 * nothing after them. Returns the byte count, or -1.
 */
export function parseBareHex(buf: Uint8Array, p: number, end: number, dst: Uint8Array, at: number, minBytes = 4): number {
  // The first line needs two full groups, so that a word such as "face" or "dead" after a summary is not taken
  // for bytes; the lines after it may be as short as tcpdump makes the last one.
  const n = parseHexGroups(buf, p, end, dst, at);
  if (n < minBytes) return -1;
  let i = p + Math.floor(n / 2) * 5 + (n % 2) * 3 - 1;
  while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
  return i >= end ? n : -1;
}

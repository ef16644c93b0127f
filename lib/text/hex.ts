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

/**
 * Value of each pair of hex digits read as one little-endian 16-bit word (the first digit in the low byte of
 * the index), 0x100 for anything else.
 */
const HEXPAIR = new Uint16Array(65536).fill(0x100);
for (let a = 0; a < 256; a++) {
  if (HEXVAL[a] === 255) continue;
  for (let b = 0; b < 256; b++) if (HEXVAL[b] !== 255) HEXPAIR[(b << 8) | a] = (HEXVAL[a]! << 4) | HEXVAL[b]!;
}

/** tcpdump prints 16 bytes (8 groups) per line. */
export const HEX_BYTES_PER_LINE = 16;
const GROUPS_PER_LINE = 8;
/** Characters of 8 groups and the 7 spaces between them. */
const FULL_LINE_CHARS = 39;
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

/** Rows whose 4 offset digits the fast path knows: offsets below 0x10000, multiples of 16. */
const ROW_OFFSETS = 0x10000;
/** The 4 offset digits of row o >> 4 as tcpdump prints them (`%04x`, lower case), as a little-endian 32-bit word. */
const OFFSET_DIGITS = new Uint32Array(ROW_OFFSETS >> 4);
for (let r = 0; r < OFFSET_DIGITS.length; r++) {
  const d = (r << 4).toString(16).padStart(4, '0');
  OFFSET_DIGITS[r] = d.charCodeAt(0) | (d.charCodeAt(1) << 8) | (d.charCodeAt(2) << 16) | (d.charCodeAt(3) << 24);
}

/** Characters from a row's `0x` to the end of its 8 groups: `0x%04x:`, two spaces, the groups. */
export const FULL_ROW_CHARS = 9 + FULL_LINE_CHARS;

/**
 * The one fast path for hex lines: a full row at offset `o` in tcpdump's own layout, `0x%04x:`, two spaces,
 * 8 groups, then the line's end (-x, -xx) or two spaces and the 16-character ASCII column (-X, -XX), read from
 * buf[p] (its `0`) into the bytes [o, o + 16) that `dst` views. `dv` views buf. The line ends at `end` or at a '\n' before it. Returns
 * where the line ends (`end`, or the index of its '\n'), or -1 for anything else (dst is then untouched).
 * Whatever it takes, parseHexOffset and parseHexGroups read the same way.
 */
export function readFullRow(buf: Uint8Array, dv: DataView, p: number, end: number, o: number, dst: DataView): number {
  const e = p + FULL_ROW_CHARS;
  if (e > end) return -1;
  // `0x` and `:  ` around the 4 offset digits (little-endian reads: the first character in the low byte).
  if (dv.getUint16(p, true) !== 0x7830 || dv.getUint32(p + 5, true) >>> 8 !== 0x20203a) return -1;
  if ((o & 15) !== 0 || o >= ROW_OFFSETS || dv.getUint32(p + 2, true) !== OFFSET_DIGITS[o >> 4]) return -1;
  let r = e;
  if (e < end && buf[e] !== 10) {
    // The ASCII column: tcpdump prints no '\n' in it, but damaged text may end a line inside it.
    r = e + 2 + HEX_BYTES_PER_LINE;
    if (r > end || dv.getUint16(e) !== 0x2020 || (r < end && buf[r] !== 10) || newlineIn16(dv, e + 2)) return -1;
  }
  return parseFullGroups(buf, dv, p + 9, dst, o) ? r : -1;
}

/** Whether the 16 bytes at dv[at] hold a '\n': per 32-bit word, a zero byte of word ^ 0x0a0a0a0a. */
function newlineIn16(dv: DataView, at: number): boolean {
  const a = dv.getUint32(at) ^ 0x0a0a0a0a;
  const b = dv.getUint32(at + 4) ^ 0x0a0a0a0a;
  const c = dv.getUint32(at + 8) ^ 0x0a0a0a0a;
  const d = dv.getUint32(at + 12) ^ 0x0a0a0a0a;
  return ((((a - 0x01010101) & ~a) | ((b - 0x01010101) & ~b) | ((c - 0x01010101) & ~c) | ((d - 0x01010101) & ~d)) & 0x80808080) !== 0;
}

/**
 * The 8 groups of a full row at buf[p, p + FULL_LINE_CHARS): 4 hex digits each, one space between them, into the
 * bytes [at, at + 16) that `dst` views. False when any character is out of place (dst is then untouched). Each
 * group is one little-endian 32-bit read, whose two halves index HEXPAIR, and the 16 bytes are written as four
 * 32-bit words (the row parse alone, timed apart: about a quarter faster than 16-bit reads and byte stores; in
 * stage 1 as a whole the difference is within the noise of a shared machine).
 */
function parseFullGroups(buf: Uint8Array, dv: DataView, p: number, dst: DataView, at: number): boolean {
  if (
    (buf[p + 4]! ^ SPACE) |
    (buf[p + 9]! ^ SPACE) |
    (buf[p + 14]! ^ SPACE) |
    (buf[p + 19]! ^ SPACE) |
    (buf[p + 24]! ^ SPACE) |
    (buf[p + 29]! ^ SPACE) |
    (buf[p + 34]! ^ SPACE)
  )
    return false;
  const w0 = dv.getUint32(p, true);
  const w1 = dv.getUint32(p + 5, true);
  const w2 = dv.getUint32(p + 10, true);
  const w3 = dv.getUint32(p + 15, true);
  const w4 = dv.getUint32(p + 20, true);
  const w5 = dv.getUint32(p + 25, true);
  const w6 = dv.getUint32(p + 30, true);
  const w7 = dv.getUint32(p + 35, true);
  const b0 = HEXPAIR[w0 & 0xffff]!;
  const b1 = HEXPAIR[w0 >>> 16]!;
  const b2 = HEXPAIR[w1 & 0xffff]!;
  const b3 = HEXPAIR[w1 >>> 16]!;
  const b4 = HEXPAIR[w2 & 0xffff]!;
  const b5 = HEXPAIR[w2 >>> 16]!;
  const b6 = HEXPAIR[w3 & 0xffff]!;
  const b7 = HEXPAIR[w3 >>> 16]!;
  const b8 = HEXPAIR[w4 & 0xffff]!;
  const b9 = HEXPAIR[w4 >>> 16]!;
  const b10 = HEXPAIR[w5 & 0xffff]!;
  const b11 = HEXPAIR[w5 >>> 16]!;
  const b12 = HEXPAIR[w6 & 0xffff]!;
  const b13 = HEXPAIR[w6 >>> 16]!;
  const b14 = HEXPAIR[w7 & 0xffff]!;
  const b15 = HEXPAIR[w7 >>> 16]!;
  if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7 | b8 | b9 | b10 | b11 | b12 | b13 | b14 | b15) > 255) return false;
  dst.setUint32(at, b0 | (b1 << 8) | (b2 << 16) | (b3 << 24), true);
  dst.setUint32(at + 4, b4 | (b5 << 8) | (b6 << 16) | (b7 << 24), true);
  dst.setUint32(at + 8, b8 | (b9 << 8) | (b10 << 16) | (b11 << 24), true);
  dst.setUint32(at + 12, b12 | (b13 << 8) | (b14 << 16) | (b15 << 24), true);
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

// Test support for the output tests: the TCP payload of each frame of a classic pcap (an oracle for --explain
// positions), and a capture whose server name and certificate names hold terminal control characters.

import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrame, isFrame } from '../../lib/net/frame.js';

/** TCP payload bytes of every frame (1-based index) of a classic pcap file; undefined for frames that are not TCP. */
export function framePayloads(file: string): (Uint8Array | undefined)[] {
  const buf = readFileSync(file);
  const le = buf.readUInt32LE(0) === 0xa1b2c3d4 || buf.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const out: (Uint8Array | undefined)[] = [undefined];
  for (let o = 24; o + 16 <= buf.length; ) {
    const incl = u32(o + 8);
    const orig = u32(o + 12);
    const start = o + 16;
    const f = decodeFrame(buf, start, start + incl, linkType, orig);
    out.push(isFrame(f) && f.proto === 6 ? buf.subarray(f.payloadStart, f.payloadEnd) : undefined);
    o = start + incl;
  }
  return out;
}

/**
 * Eleven bytes a terminal acts on: OSC "set title" ended by BEL, a newline, U+202E RIGHT-TO-LEFT OVERRIDE
 * (UTF-8), and ESC c (reset the terminal).
 */
export const HOSTILE = Buffer.from([0x1b, 0x5d, 0x30, 0x3b, 0x07, 0x0a, 0xe2, 0x80, 0xae, 0x1b, 0x63]);

/**
 * A copy of a recorded capture with every occurrence of `name` (the SNI, the certificate CN and SAN) replaced
 * by bytes of the same length, so no length field changes. Returns the path of the new pcap.
 */
export function hostileCapture(file: string, name = 'server.test'): string {
  const from = Buffer.from(name, 'latin1');
  if (from.length !== HOSTILE.length) throw new Error('replacement must keep the length');
  const buf = Buffer.from(readFileSync(file));
  let n = 0;
  for (let i = buf.indexOf(from); i >= 0; i = buf.indexOf(from, i + from.length)) {
    HOSTILE.copy(buf, i);
    n++;
  }
  if (n === 0) throw new Error(`${name} not found in ${file}`);
  const dir = mkdtempSync(join(tmpdir(), 'tlsdump-hostile-'));
  const out = join(dir, 'hostile.pcap');
  writeFileSync(out, buf);
  return out;
}

/** Characters that must never reach a terminal raw (C0 but newline, DEL, C1, bidi controls, separators, BOM). */
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/u;

// The NDJSON line of a `packet` event written straight from its Packet: the bytes of
// `JSON.stringify(packetEvent(p)) + '\n'` (lib/events.ts), without the event object, the key list and the value list
// that writing the event would take, for the commonest event (one per packet). test/output/packetbytes.test.ts
// compares the two on every packet of the fixtures and the shared captures.

import { flagLetters, type Packet } from '../events.js';
import type { JsonBytes } from './jsonbytes.js';

const key = (k: string): Uint8Array => Buffer.from(`,"${k}":`, 'latin1');
const OPEN = Buffer.from('{"type":"packet"', 'latin1');
const LINE = key('line');
const FRAME = key('frame');
const TS = key('ts');
const SRC = key('src');
const DST = key('dst');
const SPORT = key('sport');
const DPORT = key('dport');
const PROTO = key('proto');
const SEQ = key('seq');
const ACK = key('ack');
const FLAGS = key('flags');
const WIN = key('win');
const LEN = key('len');
const CAPTURED = key('captured');
const TRUNCATED = key('truncated');
const SEQ_RELATIVE = key('seq_relative');
const FRAGMENT = key('fragment');
const TRUE = Buffer.from('true', 'latin1');
/** The bytes of a line besides its three strings: every key, `true` three times, 9 numbers of at most 24
 *  characters (String(n) of a double), the flags, the braces and the line end. */
const MOST_FIXED = 512;

/** What a `packet` event shows of a packet: all but its payload bytes (their count only) and the fields it leaves out. */
export interface PacketFields extends Omit<Packet, 'payload' | 'ipVersion' | 'time' | 'epoch'> {
  payload: { length: number };
}

/** Appends the `packet` event line of p, in the order and with the fields packetEvent gives it. */
export function packetLine(w: JsonBytes, p: PacketFields): void {
  // One check for room: each string takes at most 6 bytes a code unit (\uXXXX), and its quotes.
  w.ensure(MOST_FIXED + 6 * ((p.ts?.length ?? 0) + p.src.length + p.dst.length + p.proto.length));
  put(w, OPEN);
  if (p.line !== undefined) num(w, LINE, p.line);
  if (p.frame !== undefined) num(w, FRAME, p.frame);
  if (p.ts !== undefined) str(w, TS, p.ts);
  str(w, SRC, p.src);
  str(w, DST, p.dst);
  num(w, SPORT, p.sport);
  num(w, DPORT, p.dport);
  str(w, PROTO, p.proto);
  if (p.proto === 'tcp') {
    num(w, SEQ, p.seq);
    num(w, ACK, p.ack);
    str(w, FLAGS, flagLetters(p.flags));
    num(w, WIN, p.win);
  }
  num(w, LEN, p.len);
  num(w, CAPTURED, p.payload.length);
  if (p.truncated) flag(w, TRUNCATED);
  if (p.seqRelative) flag(w, SEQ_RELATIVE);
  if (p.fragment) flag(w, FRAGMENT);
  w.buf[w.pos++] = 0x7d; // }
  w.buf[w.pos++] = 0x0a;
}

function num(w: JsonBytes, k: Uint8Array, n: number): void {
  put(w, k);
  w.number(n);
}

function str(w: JsonBytes, k: Uint8Array, v: string): void {
  put(w, k);
  w.string(v);
}

function flag(w: JsonBytes, k: Uint8Array): void {
  put(w, k);
  put(w, TRUE);
}

/** Appends bytes that packetLine made room for (a key, `true`): a loop, cheaper than a copy call for so few. */
function put(w: JsonBytes, b: Uint8Array): void {
  const buf = w.buf;
  let pos = w.pos;
  for (let i = 0; i < b.length; i++) buf[pos++] = b[i]!;
  w.pos = pos;
}

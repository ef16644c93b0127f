// Synthetic tcpdump text for hostile cases that no real capture holds: TCP connections written packet by packet as
// tcpdump 4.99 prints them with -nn -x (a summary line, then hex lines of the IP packet), so any byte stream,
// however hostile, reaches the TLS stage through the whole pipeline. Also TLS record and handshake builders for
// the claims the limits are about (a record or a message that claims far more than it carries).

import { ACK, FIN, PSH, SYN } from '../../lib/events.js';
import { ipv4, tcp } from '../net/build.js';

/** One packet as tcpdump text: its summary line and its hex lines, joined by '\n' (no final newline). */
export function packetText(
  t: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload: Uint8Array,
): string {
  const seg = tcp(sport, dport, { seq, ack, flags, win: 65535, payload });
  const ip = ipv4(src, dst, seg);
  const letters = flagText(flags);
  const range = payload.length > 0 ? `${seq}:${(seq + payload.length) >>> 0}` : `${seq}`;
  const ackPart = flags & ACK ? `, ack ${ack}` : '';
  const summary = `${clock(t)} IP ${src}.${sport} > ${dst}.${dport}: Flags [${letters}], seq ${range}${ackPart}, win 65535, length ${payload.length}`;
  return [summary, ...hexLines(ip)].join('\n');
}

/** tcpdump's flag letters (print-tcp.c). */
function flagText(flags: number): string {
  let s = '';
  if (flags & FIN) s += 'F';
  if (flags & SYN) s += 'S';
  if (flags & PSH) s += 'P';
  if (flags & ACK) s += '.';
  return s || 'none';
}

/** `HH:MM:SS.ffffff` for a time in seconds after midnight. */
function clock(t: number): string {
  const us = Math.round(t * 1e6);
  const sec = Math.floor(us / 1e6);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(Math.floor(sec / 3600) % 24)}:${p2(Math.floor(sec / 60) % 60)}:${p2(sec % 60)}.${String(us % 1e6).padStart(6, '0')}`;
}

/** tcpdump -x hex lines: `\t0x0000:  4500 0034 …`, 8 groups of 2 bytes per line, an odd last byte alone. */
export function hexLines(b: Uint8Array): string[] {
  const out: string[] = [];
  for (let off = 0; off < b.length; off += 16) {
    const groups: string[] = [];
    for (let i = off; i < Math.min(off + 16, b.length); i += 2) {
      groups.push(i + 1 < b.length ? hex2(b[i]!) + hex2(b[i + 1]!) : hex2(b[i]!));
    }
    out.push(`\t0x${off.toString(16).padStart(4, '0')}:  ${groups.join(' ')}`);
  }
  return out;
}

const hex2 = (v: number): string => v.toString(16).padStart(2, '0');

export interface ConnOptions {
  client?: string;
  server?: string;
  cport?: number;
  sport?: number;
  /** Start time, in seconds after midnight. */
  t0?: number;
  /** Largest payload per packet. */
  mss?: number;
}

/**
 * One TCP connection written as tcpdump text, packet by packet. `blocks` keeps each packet's text separately so
 * that tests can drop, reorder or interleave packets with other connections.
 */
export class TextConn {
  readonly blocks: string[] = [];
  private readonly c: string;
  private readonly s: string;
  private readonly cp: number;
  private readonly sp: number;
  private readonly mss: number;
  private t: number;
  private cseq = 1000;
  private sseq = 500000;

  constructor(o: ConnOptions = {}) {
    this.c = o.client ?? '10.0.0.1';
    this.s = o.server ?? '10.0.0.2';
    this.cp = o.cport ?? 40000;
    this.sp = o.sport ?? 443;
    this.t = o.t0 ?? 43200;
    this.mss = o.mss ?? 1448;
  }

  private tick(): number {
    this.t += 0.000137;
    return this.t;
  }

  handshake(): this {
    this.blocks.push(packetText(this.tick(), this.c, this.cp, this.s, this.sp, this.cseq, 0, SYN, new Uint8Array(0)));
    this.blocks.push(packetText(this.tick(), this.s, this.sp, this.c, this.cp, this.sseq, this.cseq + 1, SYN | ACK, new Uint8Array(0)));
    this.cseq++;
    this.sseq++;
    this.blocks.push(packetText(this.tick(), this.c, this.cp, this.s, this.sp, this.cseq, this.sseq, ACK, new Uint8Array(0)));
    return this;
  }

  /** Sends bytes from the client (`c2s`) or the server in segments of at most mss bytes. */
  send(dir: 'c2s' | 's2c', bytes: Uint8Array): this {
    for (let off = 0; off < bytes.length || (off === 0 && bytes.length === 0); off += this.mss) {
      const part = bytes.subarray(off, Math.min(off + this.mss, bytes.length));
      if (dir === 'c2s') {
        this.blocks.push(packetText(this.tick(), this.c, this.cp, this.s, this.sp, this.cseq, this.sseq, PSH | ACK, part));
        this.cseq = (this.cseq + part.length) >>> 0;
      } else {
        this.blocks.push(packetText(this.tick(), this.s, this.sp, this.c, this.cp, this.sseq, this.cseq, PSH | ACK, part));
        this.sseq = (this.sseq + part.length) >>> 0;
      }
      if (bytes.length === 0) break;
    }
    return this;
  }

  fin(): this {
    this.blocks.push(packetText(this.tick(), this.c, this.cp, this.s, this.sp, this.cseq, this.sseq, FIN | ACK, new Uint8Array(0)));
    this.cseq++;
    this.blocks.push(packetText(this.tick(), this.s, this.sp, this.c, this.cp, this.sseq, this.cseq, FIN | ACK, new Uint8Array(0)));
    this.sseq++;
    this.blocks.push(packetText(this.tick(), this.c, this.cp, this.s, this.sp, this.cseq, this.sseq, ACK, new Uint8Array(0)));
    return this;
  }

  text(): string {
    return this.blocks.join('\n') + '\n';
  }
}

// ---- TLS bytes ----

export function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

/** TLS records (RFC 8446 §5.1) carrying `body`, split at 2^14 bytes as a sender must. */
export function records(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let off = 0; off < body.length || off === 0; off += 1 << 14) {
    const frag = body.subarray(off, Math.min(off + (1 << 14), body.length));
    parts.push(cat([type, ...u16(version), ...u16(frag.length)], frag));
    if (body.length === 0) break;
  }
  return cat(...parts);
}

/** A handshake message header (RFC 8446 §4) with any claimed length, then `body`. */
export function message(type: number, body: Uint8Array, claimed = body.length): Uint8Array {
  return cat([type, ...u24(claimed)], body);
}

/** A ClientHello (RFC 8446 §4.1.2) with the given extensions (each already `type, length, body`). */
export function clientHelloBody(exts: Uint8Array[]): Uint8Array {
  const extBlock = cat(...exts);
  return cat(u16(0x0303), new Uint8Array(32).fill(7), [0], u16(4), u16(0x1301), u16(0xc02f), [1, 0], u16(extBlock.length), extBlock);
}

export function extension(id: number, body: Uint8Array | number[]): Uint8Array {
  return cat(u16(id), u16(body.length), body);
}

/** server_name (RFC 6066 §3) holding one host_name of any bytes. */
export function sniExt(name: Uint8Array): Uint8Array {
  const entry = cat([0], u16(name.length), name);
  return extension(0, cat(u16(entry.length), entry));
}

/** application_layer_protocol_negotiation (RFC 7301 §3.1) with the given protocol names (any bytes). */
export function alpnExt(names: Uint8Array[]): Uint8Array {
  const list = cat(...names.map((n) => cat([n.length], n)));
  return extension(16, cat(u16(list.length), list));
}

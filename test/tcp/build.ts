// Builds synthetic Packets for stage 2 (tcp) unit tests: a client and a server, absolute sequence numbers
// counted from chosen ISNs, and a line number per packet.

import { ACK, FIN, PSH, RST, SYN, type Packet } from '../../lib/events.js';

export { ACK, FIN, PSH, RST, SYN };

export interface Ends {
  c: [string, number];
  s: [string, number];
}

export const V4: Ends = { c: ['10.0.0.1', 40000], s: ['10.0.0.2', 443] };
export const V6: Ends = { c: ['2001:db8::1', 40000], s: ['2001:db8::2', 443] };

/** Bytes 0, 1, 2 … of a stream, so any misplacement shows. */
export function stream(n: number, salt = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + salt + (i >> 8)) & 0xff;
  return b;
}

/** A ClientHello's first bytes: handshake record, TLS 1.0 record version, client_hello. */
export function clientHello(n = 100): Uint8Array {
  const b = stream(n, 3);
  b.set([0x16, 0x03, 0x01, 0x00, n - 5, 0x01]);
  return b;
}

export interface Opts {
  /** Wire payload length when it differs from the captured bytes (truncated / summary-only). */
  len?: number;
  win?: number;
  time?: number;
  seqRelative?: boolean;
}

/** One TCP connection's packet factory: seq/ack given relative to the ISNs (rel 0 = the SYN). */
export class Conn {
  constructor(
    readonly isnC = 1000,
    readonly isnS = 5000,
    readonly ends: Ends = V4,
    /** Share one counter between connections that appear in the same capture. */
    readonly lines: { n: number } = { n: 0 },
  ) {}

  pkt(from: 'c' | 's', rel: number, relAck: number, flags: number, payload: Uint8Array = new Uint8Array(0), o: Opts = {}): Packet {
    const [src, sport] = from === 'c' ? this.ends.c : this.ends.s;
    const [dst, dport] = from === 'c' ? this.ends.s : this.ends.c;
    const isn = from === 'c' ? this.isnC : this.isnS;
    const pisn = from === 'c' ? this.isnS : this.isnC;
    const len = o.len ?? payload.length;
    const p: Packet = {
      line: ++this.lines.n,
      ipVersion: src.includes(':') ? 6 : 4,
      src,
      dst,
      sport,
      dport,
      proto: 'tcp',
      seq: o.seqRelative ? rel : (isn + rel) >>> 0,
      ack: flags & ACK ? (o.seqRelative ? relAck : (pisn + relAck) >>> 0) : 0,
      flags,
      win: o.win ?? 65535,
      len,
      payload,
      truncated: payload.length < len,
    };
    if (o.time !== undefined) p.time = o.time;
    if (o.seqRelative) p.seqRelative = true;
    return p;
  }

  syn(): Packet {
    return this.pkt('c', 0, 0, SYN);
  }
  synAck(): Packet {
    return this.pkt('s', 0, 1, SYN | ACK);
  }
  /** The three-way handshake. */
  open(): Packet[] {
    return [this.syn(), this.synAck(), this.pkt('c', 1, 1, ACK)];
  }
}

// TCP (RFC 9293 §3.1) and UDP (RFC 768) headers, decoded from bytes: ports, absolute sequence and
// acknowledgement numbers, flags, window, options. Pure functions over a Cursor.

import { Cursor } from '../cursor.js';

export interface Tcp {
  sport: number;
  dport: number;
  /** Absolute sequence and acknowledgement numbers, as on the wire. */
  seq: number;
  ack: number;
  /** Data offset in bytes (20 … 60). */
  headerLen: number;
  /** The 8 classic flag bits (FIN 0x01 … CWR 0x80); the AE bit (RFC 3540/9293 reserved bit) is in `ae`. */
  flags: number;
  ae?: boolean;
  win: number;
  urg: number;
  /** The option bytes, when they were captured (decode them with tcpOptions). */
  options?: Uint8Array;
  /** The header's options run past the captured bytes. */
  optionsTruncated?: boolean;
}

/**
 * RFC 9293 §3.1. Needs the 20-byte fixed header; the cursor ends after the options (or at the end of the
 * captured bytes when the options were cut off).
 */
export function decodeTcp(c: Cursor): Tcp | undefined {
  const sport = c.u16();
  const dport = c.u16();
  const seq = c.u32();
  const ack = c.u32();
  const offFlags = c.u16();
  const win = c.u16();
  c.skip(2); // checksum
  const urg = c.u16();
  if (
    sport === undefined ||
    dport === undefined ||
    seq === undefined ||
    ack === undefined ||
    offFlags === undefined ||
    win === undefined ||
    urg === undefined
  ) {
    return undefined;
  }
  const headerLen = (offFlags >> 12) * 4;
  if (headerLen < 20) return undefined;
  const tcp: Tcp = { sport, dport, seq, ack, headerLen, flags: offFlags & 0xff, win, urg };
  if (offFlags & 0x100) tcp.ae = true;
  if (headerLen > 20) {
    const want = headerLen - 20;
    if (c.left >= want) tcp.options = c.bytes(want)!;
    else {
      tcp.optionsTruncated = true;
      c.skip(c.left);
    }
  }
  return tcp;
}

export interface Udp {
  sport: number;
  dport: number;
  /** The UDP length field: header plus payload (RFC 768). */
  length: number;
}

export function decodeUdp(c: Cursor): Udp | undefined {
  const sport = c.u16();
  const dport = c.u16();
  const length = c.u16();
  if (sport === undefined || dport === undefined || length === undefined || !c.skip(2)) return undefined;
  return { sport, dport, length };
}

/** TCP option kinds (IANA "TCP Option Kind Numbers"). */
export const TCPOPT = { EOL: 0, NOP: 1, MSS: 2, WSCALE: 3, SACK_PERMITTED: 4, SACK: 5, TIMESTAMPS: 8 } as const;

export type TcpOption =
  | { kind: 2; mss: number }
  | { kind: 3; wscale: number }
  | { kind: 4 }
  | { kind: 5; blocks: [number, number][] }
  | { kind: 8; tsval: number; tsecr: number }
  | { kind: number; data: Uint8Array; malformed?: boolean };

/**
 * The options of a TCP header (RFC 9293 §3.2), NOP and EOL left out. A length that runs past the end ends the
 * list with a `malformed` entry; a known option with the wrong length is kept raw and marked `malformed`.
 */
export function tcpOptions(bytes: Uint8Array): TcpOption[] {
  const out: TcpOption[] = [];
  const c = Cursor.of(bytes);
  while (!c.empty) {
    const kind = c.u8()!;
    if (kind === TCPOPT.EOL) break;
    if (kind === TCPOPT.NOP) continue;
    const len = c.u8();
    if (len === undefined || len < 2 || c.left < len - 2) {
      const rest = c.rest();
      out.push({ kind, data: rest.bytes(rest.left)!, malformed: true });
      break;
    }
    const body = c.sub(len - 2)!;
    if (kind === TCPOPT.MSS && len === 4) out.push({ kind, mss: body.u16()! });
    else if (kind === TCPOPT.WSCALE && len === 3) out.push({ kind, wscale: body.u8()! });
    else if (kind === TCPOPT.SACK_PERMITTED && len === 2) out.push({ kind });
    else if (kind === TCPOPT.SACK && (len - 2) % 8 === 0) {
      const blocks: [number, number][] = [];
      while (!body.empty) blocks.push([body.u32()!, body.u32()!]);
      out.push({ kind, blocks });
    } else if (kind === TCPOPT.TIMESTAMPS && len === 10) out.push({ kind, tsval: body.u32()!, tsecr: body.u32()! });
    else {
      const known =
        kind === TCPOPT.MSS || kind === TCPOPT.WSCALE || kind === TCPOPT.SACK_PERMITTED || kind === TCPOPT.SACK || kind === TCPOPT.TIMESTAMPS;
      out.push(known ? { kind, data: body.bytes(body.left)!, malformed: true } : { kind, data: body.bytes(body.left)! });
    }
  }
  return out;
}

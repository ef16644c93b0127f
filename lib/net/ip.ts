// IPv4 (RFC 791) and IPv6 (RFC 8200) headers, decoded from bytes up to the transport header: addresses,
// lengths, fragments and IPv6 extension headers. Pure functions over a Cursor. A header that runs past the
// captured bytes returns undefined with `cursor.short` set; a header that cannot be right returns undefined
// with `cursor.short` unset.

import { Cursor } from '../cursor.js';
import { ipv4Text, ipv6Text } from './addr.js';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** IPv6 extension headers followed before giving up (RFC 8200 §4.1 recommends at most one of each). */
export const MAX_IPV6_EXT_HEADERS = 16;

export interface Ip {
  version: 4 | 6;
  src: string;
  dst: string;
  /** The transport protocol after any extension headers (6 TCP, 17 UDP, …). */
  proto: number;
  /** Bytes from the start of the IP header to the transport header. */
  headerLen: number;
  /**
   * Length of the whole IP packet on the wire, from its header (IPv4 total length, IPv6 40 + payload length,
   * or the jumbo payload length). 0 when the header does not say (IPv4 total length 0 from TSO, IPv6 jumbo
   * without the option): the captured bytes are then the packet.
   */
  totalLen: number;
  ttl: number;
  /** IPv4 identification, or the IPv6 fragment header's identification. */
  id: number;
  /** Fragment offset in bytes, and whether more fragments follow (RFC 791 §3.1, RFC 8200 §4.5). */
  fragOffset: number;
  moreFragments: boolean;
  /** IPv4 Don't Fragment bit. */
  dontFragment?: boolean;
  /** IPv4 options, raw (RFC 791 §3.1), when the header has them. */
  options?: Uint8Array;
  /** IPv6 extension header types passed through, in order. */
  extHeaders?: number[];
}

/** IPv4 or IPv6, told by the version nibble. */
export function decodeIp(c: Cursor): Ip | undefined {
  const b = c.peek();
  if (b === undefined) {
    c.short = true;
    return undefined;
  }
  const v = b >> 4;
  if (v === 4) return decodeIpv4(c);
  if (v === 6) return decodeIpv6(c);
  return undefined;
}

/** RFC 791 §3.1. The cursor ends at the transport header. */
export function decodeIpv4(c: Cursor): Ip | undefined {
  const start = c.pos;
  const vihl = c.u8();
  if (vihl === undefined || vihl >> 4 !== 4) return undefined;
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) return undefined;
  c.skip(1); // type of service
  const totalLen = c.u16();
  const id = c.u16();
  const frag = c.u16();
  const ttl = c.u8();
  const proto = c.u8();
  c.skip(2); // header checksum: not checked, offloading NICs leave it wrong in captures
  if (totalLen === undefined || id === undefined || frag === undefined || ttl === undefined || proto === undefined) return undefined;
  if (totalLen !== 0 && totalLen < ihl) return undefined;
  const buf = c.buf;
  if (!c.skip(8)) return undefined;
  const src = ipv4Text(buf, start + 12);
  const dst = ipv4Text(buf, start + 16);
  let options: Uint8Array | undefined;
  if (ihl > 20) {
    options = c.bytes(ihl - 20);
    if (!options) return undefined;
  }
  const ip: Ip = {
    version: 4,
    src,
    dst,
    proto,
    headerLen: ihl,
    totalLen,
    ttl,
    id,
    fragOffset: (frag & 0x1fff) * 8,
    moreFragments: (frag & 0x2000) !== 0,
  };
  if (frag & 0x4000) ip.dontFragment = true;
  if (options) ip.options = options;
  return ip;
}

const EXT_HOP_BY_HOP = 0;
const EXT_ROUTING = 43;
const EXT_FRAGMENT = 44;
const EXT_AH = 51;
const EXT_DEST_OPTS = 60;
const EXT_MOBILITY = 135;
const EXT_HIP = 139;
const EXT_SHIM6 = 140;
/** The Jumbo Payload option of the hop-by-hop header (RFC 2675). */
const OPT_JUMBO = 0xc2;

/** RFC 8200 §3 and §4: the fixed header, then extension headers up to the transport header. */
export function decodeIpv6(c: Cursor): Ip | undefined {
  const start = c.pos;
  const first = c.u32();
  const payloadLen = c.u16();
  let next = c.u8();
  const hopLimit = c.u8();
  if (first === undefined || payloadLen === undefined || next === undefined || hopLimit === undefined) return undefined;
  if (first >>> 28 !== 6) return undefined;
  const buf = c.buf;
  if (!c.skip(32)) return undefined;
  const src = ipv6Text(buf, start + 8);
  const dst = ipv6Text(buf, start + 24);
  let totalLen = payloadLen === 0 ? 0 : 40 + payloadLen;
  let fragOffset = 0;
  let moreFragments = false;
  let id = 0;
  let ext: number[] | undefined;
  for (let n = 0; n < MAX_IPV6_EXT_HEADERS; n++) {
    if (
      next === EXT_HOP_BY_HOP ||
      next === EXT_ROUTING ||
      next === EXT_DEST_OPTS ||
      next === EXT_MOBILITY ||
      next === EXT_HIP ||
      next === EXT_SHIM6
    ) {
      // Generic format (RFC 8200 §4.2): next header, length in 8-octet units not counting the first 8.
      const h = c.u8();
      const len = c.u8();
      if (h === undefined || len === undefined) return undefined;
      const body = c.sub(len * 8 + 6);
      if (!body) return undefined;
      if (next === EXT_HOP_BY_HOP && payloadLen === 0) totalLen = jumboLength(body) ?? 0;
      (ext ??= []).push(next);
      next = h;
      continue;
    }
    if (next === EXT_FRAGMENT) {
      // RFC 8200 §4.5: next header, reserved, offset (13 bits, 8-octet units) + M flag, identification.
      const h = c.u8();
      c.skip(1);
      const off = c.u16();
      const ident = c.u32();
      if (h === undefined || off === undefined || ident === undefined) return undefined;
      fragOffset = (off >> 3) * 8;
      moreFragments = (off & 1) !== 0;
      id = ident;
      (ext ??= []).push(next);
      next = h;
      continue;
    }
    if (next === EXT_AH) {
      // RFC 4302 §2.2: payload length in 4-octet units, minus 2.
      const h = c.u8();
      const len = c.u8();
      if (h === undefined || len === undefined || !c.skip((len + 2) * 4 - 2)) return undefined;
      (ext ??= []).push(next);
      next = h;
      continue;
    }
    break;
  }
  const ip: Ip = {
    version: 6,
    src,
    dst,
    proto: next,
    headerLen: c.pos - start,
    totalLen,
    ttl: hopLimit,
    id,
    fragOffset,
    moreFragments,
  };
  if (ext) ip.extHeaders = ext;
  return ip;
}

/** The Jumbo Payload length (RFC 2675 §2) in a hop-by-hop options body, plus the 40-byte header. */
function jumboLength(opts: Cursor): number | undefined {
  while (!opts.empty) {
    const type = opts.u8();
    if (type === 0) continue; // Pad1
    const len = opts.u8();
    if (type === undefined || len === undefined) return undefined;
    if (type === OPT_JUMBO && len === 4) {
      const v = opts.u32();
      return v === undefined ? undefined : 40 + v;
    }
    if (!opts.skip(len)) return undefined;
  }
  return undefined;
}

// One captured frame → link, IP and TCP/UDP headers and the payload's place in the buffer, for the text reader
// (hex dumps) and a pcap reader alike. Lengths come from the headers, so bytes after the IP packet (Ethernet
// padding, FCS) are never payload, and a capture shorter than the IP length is `truncated`.

import { Cursor } from '../cursor.js';
import { decodeIp, IPPROTO_TCP, IPPROTO_UDP, type Ip } from './ip.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, linkTypeName, type Link } from './link.js';
import { decodeTcp, decodeUdp, type Tcp, type Udp } from './tcp.js';

/** How the captured bytes compare with the lengths in the headers. */
export type FrameFit =
  /** The captured frame ends where the IP packet ends. */
  | 'exact'
  /** A few bytes follow the IP packet: Ethernet padding up to the 60-byte minimum, or an FCS. */
  | 'padded'
  /** Fewer bytes than the IP length (snap length, or a dump cut short). */
  | 'truncated'
  /** Many more bytes than the IP packet: the link type is probably wrong (tcpdump still reads the packet). */
  | 'overlong';

export interface Frame {
  link: Link;
  ip: Ip;
  /** Offset of the IP header in the buffer. */
  ipStart: number;
  /** 6 TCP, 17 UDP, or another IP protocol (then no ports). */
  proto: number;
  tcp?: Tcp;
  udp?: Udp;
  /** The transport payload: where it starts, where the captured part ends, and its length on the wire. */
  payloadStart: number;
  payloadEnd: number;
  len: number;
  /** Fewer bytes captured than the IP packet had on the wire. */
  truncated: boolean;
  /** An IP fragment with the transport header (offset 0, more to come): the payload is partial. */
  fragment: boolean;
  fit: FrameFit;
  /** The packet came out of a tunnel (GTP-U): `ip` is the inner header, `outer` the one around it. */
  tunnel?: 'gtp-u';
  outer?: Ip;
}

export type FrameErrorCode =
  /** The bytes end inside a header. */
  | 'short'
  /** A header that cannot be right (bad version, lengths that contradict each other). */
  | 'malformed'
  /** The link layer carries something other than IP (ARP, LLDP, …). */
  | 'not_ip'
  /** A later IP fragment: no transport header to read. */
  | 'fragment'
  /** An unknown link type. */
  | 'link';

export interface FrameError {
  error: FrameErrorCode;
  message: string;
  link?: Link;
  ip?: Ip;
}

/** Most bytes after an IP packet still taken for padding or FCS rather than a wrong link type. */
const PAD_SLACK = 4;
/** Ethernet's minimum frame without FCS (IEEE 802.3): shorter packets are padded up to it. */
const ETHER_MIN_FRAME = 60;

/** EtherTypes of common non-IP frames (ARP, RARP, LLDP, PPPoE discovery, EAPOL, slow protocols, PTP, loopback). */
const KNOWN_NON_IP = new Set([0x0806, 0x8035, 0x88cc, 0x8863, 0x888e, 0x8809, 0x88f7, 0x9000]);

/**
 * Decodes buf[start, end) captured on `linkType` down to the transport payload. `wireLen` is the frame's
 * length on the wire when known (a pcap record's original length): like a PPPoE length, it bounds the IP
 * packet when its own length field claims more, as tshark bounds it by the reported length.
 */
export function decodeFrame(buf: Uint8Array, start: number, end: number, linkType: number, wireLen = Infinity): Frame | FrameError {
  const c = Cursor.of(buf, start, end);
  const link = decodeLink(c, linkType);
  if (!link) {
    return c.short
      ? { error: 'short', message: `${end - start} bytes end inside the ${linkTypeName(linkType)} header` }
      : { error: 'link', message: `link type ${linkTypeName(linkType)} is not decoded` };
  }
  if (link.etherType !== ETHERTYPE_IPV4 && link.etherType !== ETHERTYPE_IPV6) {
    return { error: 'not_ip', message: `not IP (type 0x${link.etherType.toString(16).padStart(4, '0')})`, link };
  }
  const bound = Math.min(wireLen - link.headerLen, link.payloadLen ?? Infinity);
  return ipLayer(buf, start, c.pos, end, link, bound, 0);
}

/** GTP-U (3GPP TS 29.281) on its UDP port carries user IP packets: decoded through, as tshark does. */
export const GTP_U_PORT = 2152;
/** Tunnels followed inside each other before giving up. */
const MAX_TUNNEL_DEPTH = 2;

function ipLayer(buf: Uint8Array, start: number, ipStart: number, end: number, link: Link, bound: number, depth: number): Frame | FrameError {
  const c = Cursor.of(buf, ipStart, end);
  const ip = decodeIp(c);
  if (!ip) {
    return c.short
      ? { error: 'short', message: `${end - ipStart} bytes end inside the IP header`, link }
      : { error: 'malformed', message: 'malformed IP header', link };
  }
  if (depth === 0 && (ip.version === 4) !== (link.etherType === ETHERTYPE_IPV4)) {
    return {
      error: 'malformed',
      message: `IPv${ip.version} header where the link layer says IPv${link.etherType === ETHERTYPE_IPV4 ? 4 : 6}`,
      link,
      ip,
    };
  }
  const captured = end - ipStart;
  const wire = Math.min(ip.totalLen === 0 ? captured : ip.totalLen, bound);
  if (wire < ip.headerLen) return { error: 'malformed', message: `IP length ${wire} is shorter than its headers (${ip.headerLen})`, link, ip };
  let fit: FrameFit;
  if (captured === wire) fit = 'exact';
  else if (captured < wire) fit = 'truncated';
  else
    fit =
      captured - wire <= PAD_SLACK ||
      (ipStart - start + wire < ETHER_MIN_FRAME && end - start <= ETHER_MIN_FRAME + PAD_SLACK) ||
      wire < ip.totalLen ||
      (captured - wire <= ZERO_PAD_MAX && allZero(buf, ipStart + wire, end))
        ? 'padded'
        : 'overlong';
  const ipEnd = ipStart + Math.min(wire, captured);
  const fragment = ip.moreFragments || ip.fragOffset > 0;
  if (ip.fragOffset > 0) return { error: 'fragment', message: `IP fragment at offset ${ip.fragOffset}: no transport header`, link, ip };
  const t = Cursor.of(buf, ipStart + ip.headerLen, ipEnd);
  const frame: Frame = {
    link,
    ip,
    ipStart,
    proto: ip.proto,
    payloadStart: ipStart + ip.headerLen,
    payloadEnd: ipEnd,
    len: wire - ip.headerLen,
    truncated: captured < wire,
    fragment,
    fit,
  };
  if (ip.proto === IPPROTO_TCP) {
    const tcp = decodeTcp(t);
    if (!tcp) {
      return t.short
        ? { error: 'short', message: `${ipEnd - (ipStart + ip.headerLen)} bytes end inside the TCP header`, link, ip }
        : { error: 'malformed', message: 'TCP data offset below 5', link, ip };
    }
    const len = wire - ip.headerLen - tcp.headerLen;
    if (len < 0 && !fragment)
      return { error: 'malformed', message: `TCP header (${tcp.headerLen} bytes) longer than the IP payload (${wire - ip.headerLen})`, link, ip };
    frame.tcp = tcp;
    frame.payloadStart = Math.min(ipStart + ip.headerLen + tcp.headerLen, ipEnd);
    frame.len = Math.max(len, 0);
  } else if (ip.proto === IPPROTO_UDP) {
    const udp = decodeUdp(t);
    if (!udp) return { error: 'short', message: 'the bytes end inside the UDP header', link, ip };
    frame.udp = udp;
    frame.payloadStart = Math.min(ipStart + ip.headerLen + 8, ipEnd);
    frame.len = Math.max(wire - ip.headerLen - 8, 0);
    if ((udp.dport === GTP_U_PORT || udp.sport === GTP_U_PORT) && depth < MAX_TUNNEL_DEPTH && !fragment) {
      const inner = gtpU(buf, frame.payloadStart, ipEnd);
      if (inner >= 0) {
        const r = ipLayer(buf, start, inner, ipEnd, link, ipStart + wire - inner, depth + 1);
        if (isFrame(r)) {
          r.outer = ip;
          r.tunnel = 'gtp-u';
          return r;
        }
      }
    }
  }
  return frame;
}

/**
 * Where the user packet of a GTPv1-U G-PDU starts (3GPP TS 29.281 §5.1: flags, type 0xFF, length, TEID, then
 * sequence number, N-PDU number and extension headers when E, S or PN is set), or -1 when it is not one.
 */
function gtpU(buf: Uint8Array, at: number, end: number): number {
  const c = Cursor.of(buf, at, end);
  const flags = c.u8();
  const type = c.u8();
  if (flags === undefined || type !== 0xff || flags >> 5 !== 1 || (flags & 0x10) === 0 || !c.skip(6)) return -1;
  if (flags & 0x07) {
    if (!c.skip(3)) return -1;
    let next = c.u8();
    for (let n = 0; next !== undefined && next !== 0 && n < 8; n++) {
      const len = c.u8();
      if (!len || !c.skip(len * 4 - 2)) return -1;
      next = c.u8();
    }
    if (next !== 0) return -1;
  }
  const v = c.peek();
  return v !== undefined && (v >> 4 === 4 || v >> 4 === 6) ? c.pos : -1;
}

export function isFrame(r: Frame | FrameError): r is Frame {
  return (r as FrameError).error === undefined;
}

/**
 * Most zero bytes after an IP packet taken for padding on any link (a cooked capture keeps the padding of the
 * Ethernet frame it saw, behind its own longer header): at most a minimum frame's worth.
 */
const ZERO_PAD_MAX = ETHER_MIN_FRAME;

/** Only zero bytes in buf[from, to): padding after the IP packet. */
function allZero(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * How well bytes fit a link type, for telling link types apart when nothing says which: 4 an IP packet that
 * ends where the bytes end (or with padding), 3 one cut short, 1 a frame of another network protocol,
 * 0 nothing that fits (an IP packet followed by many other bytes included: the caller may still take it).
 */
export function frameScore(r: Frame | FrameError): number {
  if (isFrame(r)) return r.fit === 'exact' || r.fit === 'padded' ? 4 : r.fit === 'truncated' ? 3 : 0;
  if (r.error === 'fragment') return r.ip && r.ip.totalLen !== 0 ? 3 : 2;
  if (r.error === 'not_ip') return r.link && KNOWN_NON_IP.has(r.link.etherType) ? 1 : 0;
  return 0;
}

export { ETHERTYPE_IPV4, ETHERTYPE_IPV6 };

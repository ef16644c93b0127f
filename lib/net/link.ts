// Link layers in front of IP, decoded from bytes: Ethernet (802.1Q/802.1ad VLAN tags, QinQ, LLC/SNAP, PPPoE
// session, MPLS), Linux cooked SLL and SLL2, BSD null/loopback, PPP, raw IP. Pure functions over a Cursor, shared by
// the text reader (-xx/-XX hex) and a pcap reader. Link types are the LINKTYPE_ numbers of pcap files
// (https://www.tcpdump.org/linktypes.html).

import { Cursor } from '../cursor.js';

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  PPP_ETHER: 51,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type LinkTypeName = keyof typeof LINKTYPE;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const ETHERTYPE_QINQ_OLD2 = 0x9200;
const ETHERTYPE_PPPOE_SESSION = 0x8864;
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_MPLS_MC = 0x8848;

/** PPP protocol numbers carried in PPPoE sessions (RFC 1661, RFC 5072). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/** Most VLAN tags (and MPLS labels) followed before giving up: a bound against crafted input. */
export const MAX_LINK_TAGS = 8;

/** AF_ values of BSD null/loopback headers: AF_INET everywhere; AF_INET6 differs by OS. */
const AF_INET = 2;
const AF_INET6 = new Set([10, 24, 28, 30]);

export interface Link {
  linkType: number;
  /** Length of the link-layer header(s): the network layer starts here. */
  headerLen: number;
  /** What follows: an EtherType (0x0800 IPv4, 0x86dd IPv6, …); IP types are resolved for every link type. */
  etherType: number;
  /** 802.1Q/802.1ad VLAN ids, outermost first, when tagged. */
  vlans?: number[];
  /** Carried in a PPPoE session (RFC 2516). */
  pppoe?: boolean;
  /** Bytes of the network layer that the link header announces (the PPPoE length less the PPP protocol field). */
  payloadLen?: number;
}

/** Decodes the link-layer header at the cursor; the cursor ends at the network layer. Undefined when short. */
export function decodeLink(c: Cursor, linkType: number): Link | undefined {
  const start = c.pos;
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      if (!c.skip(12)) return undefined;
      const link = etherChain(c, linkType, start);
      return link;
    }
    case LINKTYPE.LINUX_SLL: {
      // pkttype(2) hatype(2) halen(2) addr(8) protocol(2): https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
      if (!c.skip(14)) return undefined;
      return etherChain(c, linkType, start);
    }
    case LINKTYPE.LINUX_SLL2: {
      // protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
      const proto = c.u16();
      if (proto === undefined || !c.skip(18)) return undefined;
      return afterEtherType(c, linkType, start, proto);
    }
    case LINKTYPE.PPP: {
      // RFC 1662 §3.1 HDLC-like framing: Address 0xff and Control 0x03 unless compressed away (RFC 1661 §6.6),
      // then the Protocol field, one byte when compressed (odd values, RFC 1661 §6.5) or two.
      if (c.peek(0) === 0xff && c.peek(1) === 0x03) c.skip(2);
      const b0 = c.peek();
      const proto = b0 === undefined ? undefined : b0 & 1 ? c.u8() : c.u16();
      if (proto === undefined) return undefined;
      const etherType = proto === PPP_IPV4 ? ETHERTYPE_IPV4 : proto === PPP_IPV6 ? ETHERTYPE_IPV6 : 0;
      return { linkType, headerLen: c.pos - start, etherType };
    }
    case LINKTYPE.PPP_ETHER: {
      // A PPPoE session header first (RFC 2516 §4), as tcpdump -x prints PPPoE packets.
      return afterEtherType(c, linkType, start, ETHERTYPE_PPPOE_SESSION);
    }
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      // 4-byte address family: host byte order for NULL, network byte order for LOOP; read both ways.
      const b = c.bytes(4);
      if (!b) return undefined;
      const be = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
      const le = ((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0;
      const af = be < 256 ? be : le;
      const etherType = af === AF_INET ? ETHERTYPE_IPV4 : AF_INET6.has(af) ? ETHERTYPE_IPV6 : 0;
      return { linkType, headerLen: 4, etherType };
    }
    case LINKTYPE.RAW:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6: {
      const v = c.peek();
      if (v === undefined) return undefined;
      return { linkType, headerLen: 0, etherType: ipEtherType(v) };
    }
    default:
      return undefined;
  }
}

function ipEtherType(firstByte: number): number {
  const v = firstByte >> 4;
  return v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : 0;
}

/** Reads an EtherType (or 802.3 length + LLC/SNAP) at the cursor and follows tags to the network layer. */
function etherChain(c: Cursor, linkType: number, start: number): Link | undefined {
  let type = c.u16();
  if (type === undefined) return undefined;
  if (type <= 1500) {
    // IEEE 802.3 length field: an LLC header follows; only SNAP (AA AA 03, OUI 0) carries an EtherType.
    const llc = c.bytes(3);
    if (!llc) return undefined;
    if (llc[0] !== 0xaa || llc[1] !== 0xaa || llc[2] !== 0x03) return { linkType, headerLen: c.pos - start, etherType: 0 };
    if (!c.skip(3)) return undefined;
    type = c.u16();
    if (type === undefined) return undefined;
  }
  return afterEtherType(c, linkType, start, type);
}

function afterEtherType(c: Cursor, linkType: number, start: number, type: number): Link | undefined {
  let vlans: number[] | undefined;
  let pppoe = false;
  let payloadLen: number | undefined;
  for (let tags = 0; tags <= MAX_LINK_TAGS; tags++) {
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD || type === ETHERTYPE_QINQ_OLD2) {
      // 802.1Q tag: TCI (PCP 3 bits, DEI 1 bit, VID 12 bits), then the inner EtherType.
      const tci = c.u16();
      const inner = c.u16();
      if (tci === undefined || inner === undefined) return undefined;
      (vlans ??= []).push(tci & 0x0fff);
      type = inner;
      continue;
    }
    if (type === ETHERTYPE_PPPOE_SESSION) {
      // RFC 2516 §4: ver/type(1) code(1) session_id(2) length(2), then the PPP protocol field (2).
      if (!c.skip(4)) return undefined;
      const len = c.u16();
      const ppp = c.u16();
      if (len === undefined || ppp === undefined) return undefined;
      pppoe = true;
      payloadLen = Math.max(0, len - 2);
      type = ppp === PPP_IPV4 ? ETHERTYPE_IPV4 : ppp === PPP_IPV6 ? ETHERTYPE_IPV6 : 0;
      break;
    }
    if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MC) {
      // RFC 3032: 4-byte label stack entries until the bottom-of-stack bit; then IP, told by its version.
      let bottom = false;
      for (let n = 0; n < MAX_LINK_TAGS && !bottom; n++) {
        const e = c.u32();
        if (e === undefined) return undefined;
        bottom = (e & 0x100) !== 0;
      }
      if (!bottom) return { linkType, headerLen: c.pos - start, etherType: 0 };
      const v = c.peek();
      if (v === undefined) return undefined;
      type = ipEtherType(v);
      break;
    }
    break;
  }
  const link: Link = { linkType, headerLen: c.pos - start, etherType: type };
  if (vlans) link.vlans = vlans;
  if (pppoe) link.pppoe = true;
  if (payloadLen !== undefined) link.payloadLen = payloadLen;
  return link;
}

/** Whether a link type's frames may carry bytes after the IP packet (Ethernet padding to 60 bytes, FCS). */
export function linkMayPad(linkType: number): boolean {
  return linkType === LINKTYPE.ETHERNET || linkType === LINKTYPE.LINUX_SLL || linkType === LINKTYPE.LINUX_SLL2;
}

export function linkTypeName(linkType: number): string {
  for (const [name, v] of Object.entries(LINKTYPE)) if (v === linkType) return name;
  return `LINKTYPE ${linkType}`;
}

// Link-type choice for tcpdump text, which does not say what the hex starts with: the type of the last packets
// (sticky), a hint from the summary's -e prefix, else the candidate the bytes fit best. Also reads, from a
// frame's first bytes, the frame length its link and IP headers announce.

import { Cursor } from '../cursor.js';
import { decodeFrame, frameScore, isFrame, type Frame, type FrameError } from '../net/frame.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINKTYPE } from '../net/link.js';

/** An Ethernet header without VLAN tags: two addresses and the EtherType. */
const ETHER_HEADER_BYTES = 14;

/** Link types tried, in this order, when nothing says which one the hex starts with. */
const LINK_CANDIDATES = [LINKTYPE.RAW, LINKTYPE.ETHERNET, LINKTYPE.LINUX_SLL, LINKTYPE.LINUX_SLL2, LINKTYPE.NULL, LINKTYPE.PPP_ETHER];

export class LinkChoice {
  /** The link type of the last packets, tried first; -1 until one decoded well. */
  sticky = -1;

  /**
   * Decodes frame[0, n) with the link type that fits: the last packets' type when it fits perfectly, the -e
   * `hint` (-1 for none) when it fits well, else the best of the candidates. A type that fits well becomes sticky.
   * `hint` is called only when the sticky type does not fit perfectly.
   */
  decode(frame: Uint8Array, n: number, hint: () => number): Frame | FrameError {
    let best: Frame | FrameError | undefined;
    let bestScore = -1;
    if (this.sticky >= 0) {
      best = decodeFrame(frame, 0, n, this.sticky);
      bestScore = frameScore(best);
      if (bestScore === 4) return best;
    }
    const h = hint();
    if (h >= 0 && h !== this.sticky) {
      const r = decodeFrame(frame, 0, n, h);
      const s = frameScore(r);
      if (s > bestScore) {
        best = r;
        bestScore = s;
        if (s >= 3) {
          this.sticky = h;
          return r;
        }
      }
    }
    if (bestScore === 3) return best!;
    let bestType = -1;
    for (const lt of LINK_CANDIDATES) {
      if (lt === this.sticky || lt === h) continue;
      const r = decodeFrame(frame, 0, n, lt);
      const s = frameScore(r);
      // At the same score an IP packet wins over an error: an IP packet followed by other bytes (overlong, score 0)
      // is how tcpdump reads it, ignoring the bytes past the IP length.
      if (s > bestScore || (s === bestScore && isFrame(r) && !isFrame(best!))) {
        best = r;
        bestScore = s;
        bestType = lt;
      }
    }
    if (bestType >= 0 && (bestScore >= 3 || isFrame(best!))) this.sticky = bestType;
    return best!;
  }

  /**
   * Frame length that the link and IP headers in frame[0, n) announce, read with the sticky link type: -1 need
   * more bytes, 0 cannot tell (no sticky type yet, not IP, or an IP length of 0).
   */
  expectedLength(frame: Uint8Array, n: number): number {
    if (this.sticky < 0) return 0;
    let ip: number;
    let etherType: number;
    const plain = this.sticky === LINKTYPE.ETHERNET && n >= ETHER_HEADER_BYTES ? (frame[12]! << 8) | frame[13]! : 0;
    if (plain === ETHERTYPE_IPV4 || plain === ETHERTYPE_IPV6) {
      // The common case without a Cursor: an untagged Ethernet header (what decodeLink reads for it too).
      ip = ETHER_HEADER_BYTES;
      etherType = plain;
    } else {
      const c = Cursor.of(frame, 0, n);
      const link = decodeLink(c, this.sticky);
      if (!link) return c.short ? -1 : 0;
      ip = c.pos;
      etherType = link.etherType;
    }
    if (etherType === ETHERTYPE_IPV4) {
      if (ip + 4 > n) return -1;
      if (frame[ip]! >> 4 !== 4) return 0;
      const total = (frame[ip + 2]! << 8) | frame[ip + 3]!;
      return total === 0 ? 0 : ip + total;
    }
    if (etherType === ETHERTYPE_IPV6) {
      if (ip + 6 > n) return -1;
      if (frame[ip]! >> 4 !== 6) return 0;
      const payload = (frame[ip + 4]! << 8) | frame[ip + 5]!;
      return payload === 0 ? 0 : ip + 40 + payload;
    }
    return 0;
  }
}

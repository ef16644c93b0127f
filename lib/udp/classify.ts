// Tells, from its first bytes, whether a UDP datagram carries QUIC or DTLS. Ports are not read: QUIC and DTLS run
// on any port, and WebRTC multiplexes STUN, DTLS and SRTP on one (RFC 7983 §7 demultiplexes by the first byte).

import type { UdpProtocol } from '../events.js';
import { QUIC_V1, QUIC_V2 } from '../registry/quic.js';

/** RFC 6347 §4.1 / RFC 9147 §4: DTLS 1.0, 1.2 and 1.3 record versions (1.3 puts 1.2's in its plaintext records). */
function dtlsVersion(hi: number, lo: number): boolean {
  return hi === 0xfe && (lo === 0xff || lo === 0xfd || lo === 0xfc);
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

/** A version a QUIC long header may carry and still be QUIC: v1, v2, drafts (0xff0000xx), reserved
 *  0x?a?a?a?a greasing (RFC 9000 §15), or 0 (Version Negotiation, §17.2.1). */
export function plausibleQuicVersion(v: number): boolean {
  return v === QUIC_V1 || v === QUIC_V2 || v === 0 || v >>> 8 === 0xff0000 || (v & 0x0f0f0f0f) === 0x0a0a0a0a;
}

/**
 * The protocol of one datagram, given what the conversation was found to carry so far (`known`).
 * - DTLS (RFC 6347 §4.1): content type 20–26 (26: the DTLS 1.3 ACK) and version 0xfeff/0xfefd/0xfefc, the first of RFC 7983's 20–63
 *   range; in a DTLS conversation, also a DTLS 1.3 unified header (0b001xxxxx, RFC 9147 §4).
 * - QUIC (RFC 9000 §17.2): a long header (form and fixed bits set; RTP's version 2 sets the form bit only) whose
 *   version is plausible and whose DCID length fits; Version Negotiation (version 0) whatever its fixed bit; in a
 *   QUIC conversation, also short headers (0b01xxxxxx).
 */
export function classify(b: Uint8Array, known: UdpProtocol | undefined): UdpProtocol | undefined {
  if (b.length === 0) return undefined;
  const b0 = b[0]!;
  if (known === 'dtls' && b0 >= 0x20 && b0 <= 0x3f) return 'dtls';
  if (b0 >= 20 && b0 <= 26) {
    if (b.length >= 13 && dtlsVersion(b[1]!, b[2]!)) return 'dtls';
    return undefined;
  }
  if (b0 & 0x80) {
    if (b.length < 7) return undefined;
    const v = u32(b, 1);
    if (v === 0) return 'quic';
    if ((b0 & 0x40) === 0) return undefined;
    if (b[5]! > 20 && (v === QUIC_V1 || v === QUIC_V2)) return undefined;
    if (plausibleQuicVersion(v)) return 'quic';
    // An unknown version in a conversation already seen as QUIC, or a client's padded first datagram
    // (RFC 9000 §14.1: at least 1200 bytes): QUIC that this project cannot read, reported downstream.
    if (known === 'quic' || b.length >= 1200) return 'quic';
    return undefined;
  }
  if (known === 'quic' && b0 & 0x40) return 'quic';
  return undefined;
}

/** Whether the sender of this datagram is the client: a DTLS ClientHello or a QUIC long header that is not a
 *  Retry or Version Negotiation; undefined when the bytes do not say. */
export function sentByClient(b: Uint8Array, protocol: UdpProtocol): boolean | undefined {
  if (protocol === 'dtls') {
    if (b[0] !== 22 || b.length < 14) return undefined;
    const t = b[13];
    return t === 1 ? true : t === 2 || t === 3 ? false : undefined;
  }
  if (b.length < 7 || !(b[0]! & 0x80)) return undefined;
  return u32(b, 1) === 0 ? false : undefined;
}

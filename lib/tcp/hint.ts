// The role hint the TLS pipeline gives the TCP stage: which end of a connection sent a payload, told from its
// first bytes (a ClientHello, or the start of the server's flight), for flows whose SYN was not captured. The TCP
// stage takes it as an input (Reassembler's `hint`), so it knows no TLS itself beyond this default.

import type { RoleHint } from './flow.js';

/**
 * The start of a ClientHello: a TLS handshake record (0x16 0x03 …) whose first message is client_hello (1), or
 * an SSLv2 two-byte record header (high bit set) with CLIENT-HELLO (1) and a version 0.2 or 3.x (RFC 6101 E.1).
 */
export function looksLikeClientHello(b: Uint8Array): boolean {
  if (b.length >= 3 && b[0] === 0x16 && b[1] === 0x03 && b[2]! <= 0x04) return b.length < 6 || b[5] === 0x01;
  if (b.length >= 5 && (b[0]! & 0x80) !== 0 && b[2] === 0x01) return b[3] === 0x03 || (b[3] === 0x00 && b[4] === 0x02);
  return false;
}

/**
 * The start of the server's flight: a TLS handshake record whose first message only a server sends, ServerHello
 * (2), NewSessionTicket (4, RFC 5077 §3.3), ServerKeyExchange (12), CertificateRequest (13) or ServerHelloDone (14)
 * (RFC 5246 §7.4), with a handshake
 * length that fits the record (an encrypted Finished starts with random bytes); or an SSLv2 SERVER-HELLO (4).
 */
export function looksLikeServerFlight(b: Uint8Array): boolean {
  if (b.length >= 6 && b[0] === 0x16 && b[1] === 0x03 && b[2]! <= 0x04) {
    const t = b[5]!;
    if (t !== 2 && t !== 4 && t !== 12 && t !== 13 && t !== 14) return false;
    if (b.length < 9) return true;
    const recLen = (b[3]! << 8) | b[4]!;
    const hsLen = (b[6]! << 16) | (b[7]! << 8) | b[8]!;
    return hsLen + 4 <= recLen || (recLen >= 1 << 14 && hsLen < 1 << 16);
  }
  // draft-hickman §2.6: SERVER-HELLO is msg 4, then session-id-hit, certificate type, version 0.2.
  if (b.length >= 7 && (b[0]! & 0x80) !== 0 && b[2] === 0x04) return b[5] === 0x00 && b[6] === 0x02;
  return false;
}

/** The TLS role hint: the sender of a ClientHello is the client, the sender of the server's flight the server. */
export const tlsRoleHint: RoleHint = (payload) => (looksLikeClientHello(payload) ? 'client' : looksLikeServerFlight(payload) ? 'server' : undefined);

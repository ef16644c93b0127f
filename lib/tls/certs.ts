// Certificates and distinguished names for stage 3, through lib/x509 (ground floor): each DER becomes the
// contract's certificate description (or {error, sha256} when it does not parse), each CA name an RFC 4514 string.

import { parseCertificate, parseDistinguishedName, sha256Hex } from '../x509/index.js';

/**
 * Descriptions of recently seen certificates, by the SHA-256 of their DER: a capture shows the same server
 * chain in connection after connection, and decoding one certificate costs tens of microseconds (bench/, a
 * capture of short connections). At most CERT_CACHE_ENTRIES are kept; the oldest goes first.
 */
export const CERT_CACHE_ENTRIES = 512;
const cache = new Map<string, Record<string, unknown>>();

/**
 * One certificate as the contract lists it; a DER that does not parse keeps `sha256` and `error`. Each call
 * returns a new object, but the arrays and objects inside it may be shared with the description of the same
 * certificate in an earlier event: treat them as read-only.
 */
export function describeCertificate(der: Uint8Array): Record<string, unknown> {
  const key = sha256Hex(der);
  let d = cache.get(key);
  if (d === undefined) {
    d = { ...parseCertificate(der) };
    if (cache.size >= CERT_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, d);
  }
  return { ...d };
}

/** A DistinguishedName (RFC 5280 Name, DER) as an RFC 4514 string (`#<hex DER>` when it cannot be read). */
export function describeName(der: Uint8Array): string {
  return parseDistinguishedName(der);
}

// Certificates and distinguished names for stage 3, through lib/x509 (ground floor): each DER becomes the
// contract's certificate description (or {error, sha256} when it does not parse), each CA name an RFC 4514 string.

import { parseCertificate, parseDistinguishedName } from '../x509/index.js';

/**
 * Descriptions of recently seen certificates, by their DER (its bytes as a latin1 string: an exact key, and no
 * hash to compute on a hit): a capture shows the same server chain in connection after connection, and decoding
 * one certificate costs tens of microseconds (bench/, a capture of short connections). At most CERT_CACHE_ENTRIES
 * are kept, the oldest going first, and only certificates of at most CERT_CACHE_MAX_DER bytes (a few KB each).
 */
export const CERT_CACHE_ENTRIES = 512;
export const CERT_CACHE_MAX_DER = 8 * 1024;
const cache = new Map<string, Record<string, unknown>>();

/**
 * One certificate as the contract lists it; a DER that does not parse keeps `sha256` and `error`. Each call
 * returns a new object, but the arrays and objects inside it may be shared with the description of the same
 * certificate in an earlier event: treat them as read-only.
 */
export function describeCertificate(der: Uint8Array): Record<string, unknown> {
  if (der.length > CERT_CACHE_MAX_DER) return { ...parseCertificate(der) };
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
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

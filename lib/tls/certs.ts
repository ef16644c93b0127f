// Certificates and distinguished names for stage 3, through lib/x509 (ground floor): each DER becomes the
// contract's certificate description (or {error, sha256} when it does not parse), each CA name an RFC 4514 string.

import { parseCertificate, parseDistinguishedName } from '../x509/index.js';

/**
 * Descriptions of recently seen certificates, by their DER: a capture shows the same server chain in connection after
 * connection, and decoding one certificate costs tens of microseconds (bench/, a capture of short connections). At
 * most CERT_CACHE_ENTRIES are kept, the oldest going first, and only certificates of at most CERT_CACHE_MAX_DER bytes
 * (a few KB each).
 */
export const CERT_CACHE_ENTRIES = 512;
export const CERT_CACHE_MAX_DER = 8 * 1024;

/**
 * RFC 4514 strings of recently seen DistinguishedNames, by their DER: a server that asks for client certificates
 * lists the same CA names in every CertificateRequest. At most NAME_CACHE_ENTRIES are kept, the oldest going first,
 * and only names of at most NAME_CACHE_MAX_DER bytes.
 */
export const NAME_CACHE_ENTRIES = 1024;
export const NAME_CACHE_MAX_DER = 1024;

/**
 * `decode` remembered for recent DERs, keyed by the bytes as a latin1 string (an exact key, and no hash to compute
 * on a hit). A DER is immutable input, so an entry never goes stale; the limits bound the memory.
 */
function derCache<T>(entries: number, maxDer: number, decode: (der: Uint8Array) => T): (der: Uint8Array) => T {
  const cache = new Map<string, T>();
  return (der) => {
    if (der.length > maxDer) return decode(der);
    const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('latin1');
    let v = cache.get(key);
    if (v === undefined) {
      v = decode(der);
      if (cache.size >= entries) cache.delete(cache.keys().next().value!);
      cache.set(key, v);
    }
    return v;
  };
}

const certificate = derCache(CERT_CACHE_ENTRIES, CERT_CACHE_MAX_DER, (der): Record<string, unknown> => ({ ...parseCertificate(der) }));

/**
 * One certificate as the contract lists it; a DER that does not parse keeps `sha256` and `error`. Each call
 * returns a new object, but the arrays and objects inside it may be shared with the description of the same
 * certificate in an earlier event: treat them as read-only.
 */
export function describeCertificate(der: Uint8Array): Record<string, unknown> {
  return { ...certificate(der) };
}

/** A DistinguishedName (RFC 5280 Name, DER) as an RFC 4514 string (`#<hex DER>` when it cannot be read). */
export const describeName: (der: Uint8Array) => string = derCache(NAME_CACHE_ENTRIES, NAME_CACHE_MAX_DER, parseDistinguishedName);

// Certificates and distinguished names for stage 3, through lib/x509 (ground floor): each DER becomes the
// contract's certificate description (or {error, sha256} when it does not parse), each CA name an RFC 4514 string.

import { own } from '../bytes.js';
import { Recent } from '../recent.js';
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

/** How many bytes at the end of a DER (a signature, for a certificate) its cache key is computed from. */
const KEY_TAIL_BYTES = 32;

/** A number from a DER's length and last bytes: cheap, and different for different certificates unless forged. */
function tailKey(der: Uint8Array): number {
  let h = der.length;
  for (let i = Math.max(0, der.length - KEY_TAIL_BYTES); i < der.length; i++) h = Math.imul(h ^ der[i]!, 0x01000193);
  return h >>> 0;
}

/**
 * `decode` remembered for recent DERs. An entry is found by tailKey() and taken only when its bytes equal the DER
 * (a copy is kept), so it is exact without building and hashing a string of the whole DER; a DER whose key is taken
 * by other bytes is decoded and not kept. A DER is immutable input, so an entry never goes stale; the limits bound
 * the memory.
 */
function derCache<T>(entries: number, maxDer: number, decode: (der: Uint8Array) => T): (der: Uint8Array) => T {
  const cache = new Recent<number, { der: Uint8Array; value: T }>(entries);
  return (der) => {
    if (der.length > maxDer) return decode(der);
    const key = tailKey(der);
    const hit = cache.get(key);
    if (hit !== undefined) return Buffer.compare(hit.der, der) === 0 ? hit.value : decode(der);
    return cache.set(key, { der: own(der), value: decode(der) }).value;
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

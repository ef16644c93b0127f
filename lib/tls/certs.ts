// Certificates and distinguished names for stage 3, through lib/x509 (ground floor): each DER becomes the
// contract's certificate description (or {error, sha256} when it does not parse), each CA name an RFC 4514 string.

import { parseCertificate, parseDistinguishedName } from '../x509/index.js';

/** One certificate as the contract lists it; a DER that does not parse keeps `sha256` and `error`. */
export function describeCertificate(der: Uint8Array): Record<string, unknown> {
  return { ...parseCertificate(der) };
}

/** A DistinguishedName (RFC 5280 Name, DER) as an RFC 4514 string (`#<hex DER>` when it cannot be read). */
export function describeName(der: Uint8Array): string {
  return parseDistinguishedName(der);
}

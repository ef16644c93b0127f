// Certificates and distinguished names for stage 3, through lib/x509 (a ground-floor module written alongside).
// INTEGRATION POINT: lib/x509 is loaded when it exists; until then each certificate carries only its sha256 and
// an `error` saying the decoder is absent, and CA names are given as hex DER. Replace the dynamic import with a
// static one once lib/x509/index.ts has landed.

import { createHash } from 'node:crypto';
import { hex } from '../cursor.js';

/** What lib/x509 is expected to export (its signatures as announced; checked at load). */
export interface X509Api {
  parseCertificate(der: Uint8Array): Record<string, unknown>;
  parseDistinguishedName(der: Uint8Array): string;
}

let api: X509Api | undefined;
try {
  const path = '../x509/index.js';
  const mod = (await import(path)) as Partial<X509Api>;
  if (typeof mod.parseCertificate === 'function' && typeof mod.parseDistinguishedName === 'function') api = mod as X509Api;
} catch {
  api = undefined;
}

export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** One certificate as the contract lists it; a DER that does not parse keeps `sha256` and `error`. */
export function describeCertificate(der: Uint8Array): Record<string, unknown> {
  if (!api) return { sha256: sha256Hex(der), error: 'certificate decoder (lib/x509) not available', der_bytes: der.length };
  try {
    const c = api.parseCertificate(der);
    return typeof c.sha256 === 'string' ? c : { ...c, sha256: sha256Hex(der) };
  } catch (e) {
    return { sha256: sha256Hex(der), error: `certificate did not parse: ${(e as Error).message}` };
  }
}

/** A DistinguishedName (RFC 5280 Name, DER) as an RFC 4514 string; hex DER prefixed `#` when it cannot be read. */
export function describeName(der: Uint8Array): string {
  if (api) {
    try {
      return api.parseDistinguishedName(der);
    } catch {
      // fall through to the hex form
    }
  }
  return '#' + hex(der);
}

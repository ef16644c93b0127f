// Names for the numbers of the TLS registries (ground floor: imports only the generated tables beside it).
// Decoders keep numbers; these lookups add names at output. Unknown values get `unknown_0x…`, GREASE values
// (RFC 8701) get `GREASE`, so a name is always a string and the number always travels beside it.

import { ALERT_DESCRIPTIONS, ALERT_LEVELS } from './alerts.js';
import { CERTIFICATE_COMPRESSION_ALGORITHMS } from './certificate-compression.js';
import { CERTIFICATE_STATUS_TYPES } from './certificate-status-types.js';
import { CIPHER_SUITES } from './cipher-suites.js';
import { CLIENT_CERTIFICATE_TYPES } from './client-certificate-types.js';
import { COMPRESSION_METHODS } from './compression-methods.js';
import { CONTENT_TYPES } from './content-types.js';
import { EC_POINT_FORMATS } from './ec-point-formats.js';
import { EXTENSIONS } from './extensions.js';
import { GROUPS } from './groups.js';
import { HANDSHAKE_TYPES } from './handshake-types.js';
import { PSK_KEY_EXCHANGE_MODES } from './psk-key-exchange-modes.js';
import { SIGNATURE_SCHEMES, TLS12_HASH_ALGORITHMS, TLS12_SIGNATURE_ALGORITHMS } from './signature-schemes.js';
import { SSLV2_CIPHER_SPECS } from './sslv2-cipher-specs.js';
import { SSLV2_MESSAGE_TYPES } from './sslv2-message-types.js';
import { VERSIONS } from './versions.js';
import { isGrease, isGreaseByte, withoutGrease } from './grease.js';

/** RFC 8701 §2 GREASE: one rule for the whole project (./grease.ts); lib/fingerprint reads it from here too. */
export { isGrease, isGreaseByte, withoutGrease };

export {
  ALERT_DESCRIPTIONS,
  ALERT_LEVELS,
  CERTIFICATE_COMPRESSION_ALGORITHMS,
  CERTIFICATE_STATUS_TYPES,
  CIPHER_SUITES,
  CLIENT_CERTIFICATE_TYPES,
  COMPRESSION_METHODS,
  CONTENT_TYPES,
  EC_POINT_FORMATS,
  EXTENSIONS,
  GROUPS,
  HANDSHAKE_TYPES,
  PSK_KEY_EXCHANGE_MODES,
  SIGNATURE_SCHEMES,
  SSLV2_CIPHER_SPECS,
  SSLV2_MESSAGE_TYPES,
  TLS12_HASH_ALGORITHMS,
  TLS12_SIGNATURE_ALGORITHMS,
  VERSIONS,
};

function hexName(v: number, width: number): string {
  return 'unknown_0x' + v.toString(16).padStart(width, '0');
}

function lookup(table: ReadonlyMap<number, string>, v: number, width: number, grease = true): string {
  if (grease && isGrease(v)) return 'GREASE';
  return table.get(v) ?? hexName(v, width);
}

/**
 * A cipher suite, or an SSL 2.0 cipher kind when the value has three bytes (RFC 5246 §E.2: an SSLv2-format
 * ClientHello carries TLS suites as 0x00XXYY, which name the same suite).
 */
export function cipherName(id: number): string {
  if (id > 0xffff) return SSLV2_CIPHER_SPECS.get(id) ?? hexName(id, 6);
  return lookup(CIPHER_SUITES, id, 4);
}

/** MAC sizes of the hash named at the end of a suite (RFC 2104 HMAC output: MD5 16, SHA-1 20, SHA-256 32, SHA-384 48). */
const MAC_BYTES: Record<string, number> = { MD5: 16, SHA: 20, SHA256: 32, SHA384: 48 };

/**
 * For a TLS ≤ 1.2 cipher suite without encryption (`…_WITH_NULL_<hash>`), the MAC length that follows each
 * record's plaintext once the suite is in use (RFC 5246 §6.2.3.1); undefined for any other suite (TLS_NULL_WITH_NULL_NULL
 * is the initial state, never a negotiated suite).
 */
export function nullCipherMacLength(id: number): number | undefined {
  const m = /_WITH_NULL_(MD5|SHA|SHA256|SHA384)$/.exec(CIPHER_SUITES.get(id) ?? '');
  return m ? MAC_BYTES[m[1]!] : undefined;
}

export function extensionName(id: number): string {
  return lookup(EXTENSIONS, id, 4);
}

export function groupName(id: number): string {
  return lookup(GROUPS, id, 4);
}

/** A SignatureScheme, else a TLS 1.2 (hash, signature) pair named `<signature>_<hash>` (RFC 5246 §7.4.1.4.1). */
export function signatureSchemeName(id: number): string {
  if (isGrease(id)) return 'GREASE';
  const known = SIGNATURE_SCHEMES.get(id);
  if (known) return known;
  const hash = TLS12_HASH_ALGORITHMS.get(id >> 8);
  const sig = TLS12_SIGNATURE_ALGORITHMS.get(id & 0xff);
  return hash && sig ? `${sig}_${hash}` : hexName(id, 4);
}

/** A TLS 1.3 version id: 0x0304, a draft (0x7fXX), Facebook's drafts (0xfbXX), or DTLS 1.3 (0xfefc). Verdicts and
 *  labels read ids, never display names, so that "TLS 1.3 (draft 23)" counts as TLS 1.3. */
export function isTls13Id(v: number | undefined): boolean {
  return v === 0x0304 || v === 0xfefc || (v !== undefined && (v >> 8 === 0x7f || v >> 8 === 0xfb));
}

/** SSL 2.0's version id (draft-hickman: the CLIENT-HELLO's version 0x0002). */
export const SSL2_VERSION = 0x0002;

/** Versions deprecated by RFC 8996 (TLS 1.0, 1.1) and RFC 6176 / RFC 7568 (SSL 2.0, 3.0). */
const WEAK_VERSION_IDS: ReadonlySet<number> = new Set([SSL2_VERSION, 0x0300, 0x0301, 0x0302]);

export function isWeakVersionId(v: number | undefined): boolean {
  return v !== undefined && WEAK_VERSION_IDS.has(v);
}

/** Cipher suites whose names show a NULL, EXPORT, anonymous, RC4, DES/3DES or MD5-based construction. */
const WEAK_CIPHER = /_NULL_|_EXPORT|_anon_|_RC4_|_DES_|_3DES_|DES_192|DES_64|_MD5$|WITH_NULL|_WITH_DES|RC2/;

/** A weak cipher suite (or SSL 2.0 cipher kind), told by the construction its registry name shows. */
export function isWeakCipherId(id: number | undefined): boolean {
  return id !== undefined && WEAK_CIPHER.test(cipherName(id));
}

export function versionName(v: number): string {
  // RFC 9147 §5.3: DTLS 1.3 is {254, 252}; the generated table (tshark 4.0.17) predates it.
  if (v === 0xfefc) return 'DTLS 1.3';
  return lookup(VERSIONS, v, 4);
}

export function contentTypeName(v: number): string {
  return lookup(CONTENT_TYPES, v, 2, false);
}

export function handshakeTypeName(v: number): string {
  return lookup(HANDSHAKE_TYPES, v, 2, false);
}

export function sslv2MessageName(v: number): string {
  return lookup(SSLV2_MESSAGE_TYPES, v, 2, false);
}

export function alertDescriptionName(v: number): string {
  return lookup(ALERT_DESCRIPTIONS, v, 2, false);
}

export function alertLevelName(v: number): string {
  return lookup(ALERT_LEVELS, v, 2, false);
}

export function ecPointFormatName(v: number): string {
  return lookup(EC_POINT_FORMATS, v, 2, false);
}

export function clientCertificateTypeName(v: number): string {
  return lookup(CLIENT_CERTIFICATE_TYPES, v, 2, false);
}

export function pskModeName(v: number): string {
  if (isGreaseByte(v)) return 'GREASE';
  return lookup(PSK_KEY_EXCHANGE_MODES, v, 2, false);
}

export function compressionMethodName(v: number): string {
  return lookup(COMPRESSION_METHODS, v, 2, false);
}

export function certificateCompressionName(v: number): string {
  return lookup(CERTIFICATE_COMPRESSION_ALGORITHMS, v, 4);
}

export function certificateStatusTypeName(v: number): string {
  return lookup(CERTIFICATE_STATUS_TYPES, v, 2, false);
}

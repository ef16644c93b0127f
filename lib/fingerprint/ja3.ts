// JA3 (client) and JA3S (server) fingerprints, as salesforce/ja3's README defines them: decimal fields joined by
// ',' and list values by '-', GREASE removed, MD5 in lower-case hex. Pure: the TLS stage passes plain numbers.
// Choices where tools differ are written down in docs/fingerprints.md.

import { createHash } from 'node:crypto';
import { Recent } from '../recent.js';
import { isGrease } from './grease.js';

export interface Ja3 {
  /** `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`. */
  ja3: string;
  /** MD5 of `ja3`, lower-case hex. */
  ja3_hash: string;
}

export interface Ja3s {
  /** `SSLVersion,Cipher,Extensions`. */
  ja3s: string;
  /** MD5 of `ja3s`, lower-case hex. */
  ja3s_hash: string;
}

/**
 * Hashes of recent fingerprint strings: clients of one kind send the same hello in connection after connection,
 * and a hash object costs microseconds. At most FINGERPRINT_CACHE_ENTRIES are kept; the oldest goes first.
 */
export const FINGERPRINT_CACHE_ENTRIES = 1024;
const md5Cache = new Recent<string, string>(FINGERPRINT_CACHE_ENTRIES);

function md5(s: string): string {
  return md5Cache.get(s) ?? md5Cache.set(s, createHash('md5').update(s, 'latin1').digest('hex'));
}

/** Values in order, GREASE left out, joined by '-'. */
function dashList(values: readonly number[]): string {
  let s = '';
  for (const v of values) {
    if (isGrease(v)) continue;
    s += s === '' ? String(v) : '-' + String(v);
  }
  return s;
}

/**
 * JA3 of a ClientHello.
 * - `version`: ClientHello.client_version (legacy_version), not the record version and not supported_versions.
 * - `ciphers`, `extensions`: wire order. `groups`: the supported_groups (10) list. `pointFormats`: the
 *   ec_point_formats (11) list. An absent extension is an empty list, which leaves its field empty.
 * GREASE (RFC 8701) is removed from every list.
 * An SSLv2-format ClientHello has no JA3 here (tshark computes none either); see docs/fingerprints.md.
 */
export function ja3(
  version: number,
  ciphers: readonly number[],
  extensions: readonly number[],
  groups: readonly number[],
  pointFormats: readonly number[],
): Ja3 {
  const s = `${version},${dashList(ciphers)},${dashList(extensions)},${dashList(groups)},${dashList(pointFormats)}`;
  return { ja3: s, ja3_hash: md5(s) };
}

/**
 * JA3S of a ServerHello: `version` is ServerHello.server_version (legacy_version, 0x0303 = 771 even in
 * TLS 1.3), `cipher` the chosen suite, `extensions` in wire order. GREASE is removed from the extensions
 * (a ServerHello may not carry GREASE, RFC 8701 §3, so this changes nothing on conforming servers).
 */
export function ja3s(version: number, cipher: number, extensions: readonly number[]): Ja3s {
  const s = `${version},${cipher},${dashList(extensions)}`;
  return { ja3s: s, ja3s_hash: md5(s) };
}

// JA4 (TLS client fingerprint, BSD-3-Clause), as FoxIO's technical_details/JA4.md defines it:
// `{proto}{ver}{sni}{nc}{ne}{alpn}_{hash12(sorted ciphers)}_{hash12(sorted extensions _ sigalgs)}`, plus the
// raw (`_r`) and original-order (`_o`, `_ro`) forms. Pure: the TLS stage passes plain numbers.
// JA4S and JA4X are under the FoxIO License and are deliberately not implemented.
// Where the spec and its implementations disagree we follow the spec; docs/fingerprints.md lists each case.

import { createHash } from 'node:crypto';
import { Recent } from '../recent.js';
import { isGrease, withoutGrease } from './grease.js';

export interface Ja4Input {
  /** 't' TLS over TCP (default), 'q' QUIC, 'd' DTLS. */
  proto?: 't' | 'q' | 'd';
  /** ClientHello.legacy_version (client_version); 0x0002 for an SSL 2.0 CLIENT-HELLO. */
  version: number;
  /** The supported_versions (43) list, or undefined when the extension is absent. */
  supportedVersions?: readonly number[];
  /** server_name (0) present. Default: whether `extensions` contains 0. */
  sni?: boolean;
  /** Cipher suites in wire order (GREASE is removed here). */
  ciphers: readonly number[];
  /** Extension types in wire order (GREASE is removed here). */
  extensions: readonly number[];
  /** The first protocol name of the ALPN (16) list, as bytes; undefined when there is no ALPN. */
  alpn?: Uint8Array;
  /** The signature_algorithms (13) list in wire order, and only that extension's (not _cert, not others). */
  sigAlgs?: readonly number[];
}

export interface Ja4All {
  /** Sorted and hashed: the JA4 fingerprint. */
  ja4: string;
  /** Sorted, not hashed. */
  ja4_r: string;
  /** Original order (SNI and ALPN kept in the extension list), hashed. */
  ja4_o: string;
  /** Original order, not hashed. */
  ja4_ro: string;
}

/** JA4.md "TLS and DTLS Version"; anything else is "00" (TLS 1.3 drafts 0x7fXX included). */
const VERSION: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'],
  [0x0303, '12'],
  [0x0302, '11'],
  [0x0301, '10'],
  [0x0300, 's3'],
  [0x0002, 's2'],
  [0xfeff, 'd1'],
  [0xfefd, 'd2'],
  [0xfefc, 'd3'],
]);

/** Recent hash12 results (the same hellos recur); at most HASH12_CACHE_ENTRIES, the oldest goes first. */
const HASH12_CACHE_ENTRIES = 1024;
const hash12Cache = new Recent<string, string>(HASH12_CACHE_ENTRIES);

/** The 12-character truncated SHA-256; an empty list is "000000000000" (JA4.md, not SHA-256 of ""). */
function hash12(s: string): string {
  if (s === '') return '000000000000';
  return hash12Cache.get(s) ?? hash12Cache.set(s, createHash('sha256').update(s, 'latin1').digest('hex').slice(0, 12));
}

/** Two lower-case hex digits of each byte value. */
const HEX2 = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Four lower-case hex digits (more for a value wider than 16 bits, never from the wire). */
function hex4(v: number): string {
  return v >= 0 && v <= 0xffff && Number.isInteger(v) ? HEX2[v >> 8]! + HEX2[v & 0xff]! : v.toString(16).padStart(4, '0');
}

function isAlnum(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/**
 * The two ALPN characters: first and last byte of the first ALPN value when both are ASCII alphanumeric;
 * otherwise the first hex digit of the first byte and the last hex digit of the last byte (JA4.md, rule added
 * 2024-08-30). "00" when there is no ALPN value or it is empty. A 1-byte value is used as first and last.
 */
export function ja4Alpn(alpn: Uint8Array | undefined): string {
  if (alpn === undefined || alpn.length === 0) return '00';
  const first = alpn[0]!;
  const last = alpn[alpn.length - 1]!;
  if (isAlnum(first) && isAlnum(last)) return String.fromCharCode(first, last);
  return hex2(first)[0]! + hex2(last)[1]!;
}

/**
 * The version letters. With supported_versions, its newest non-GREASE value; without it (or when it holds
 * only GREASE), the legacy version. For TLS "newest" is the numerically highest (so a TLS 1.3 draft such as
 * 0x7f1c wins and maps to "00"); DTLS versions count down (0xfefc DTLS 1.3 is newer than 0xfefd DTLS 1.2),
 * so for proto 'd' the DTLS value closest to 0xfe00 wins.
 */
export function ja4Version(proto: 't' | 'q' | 'd', version: number, supportedVersions?: readonly number[]): string {
  let v = version;
  if (supportedVersions !== undefined) {
    let best: number | undefined;
    let bestRank = -1;
    for (const sv of supportedVersions) {
      if (isGrease(sv)) continue;
      const rank = proto === 'd' && sv >> 8 === 0xfe ? 0x10000 + (0xff - (sv & 0xff)) : sv;
      if (rank > bestRank) {
        bestRank = rank;
        best = sv;
      }
    }
    if (best !== undefined) v = best;
  }
  return VERSION.get(v) ?? '00';
}

function count2(n: number): string {
  return String(Math.min(n, 99)).padStart(2, '0');
}

/** The parts every JA4 form shares: section a, and the lists without GREASE (JA4.md). */
interface Ja4Parts {
  a: string;
  ciphers: number[];
  exts: number[];
  sigList: string;
}

function parts(input: Ja4Input): Ja4Parts {
  const proto = input.proto ?? 't';
  const ciphers = withoutGrease(input.ciphers);
  const exts = withoutGrease(input.extensions);
  const sni = input.sni ?? exts.includes(0x0000);
  const a =
    proto +
    ja4Version(proto, input.version, input.supportedVersions) +
    (sni ? 'd' : 'i') +
    count2(ciphers.length) +
    count2(exts.length) +
    ja4Alpn(input.alpn);
  return {
    a,
    ciphers,
    exts,
    sigList: withoutGrease(input.sigAlgs ?? [])
      .map(hex4)
      .join(','),
  };
}

/** The extension list of section c: `exts` joined, then `_` and the signature algorithms when both are there. */
function withSigs(extList: string, sigList: string): string {
  return extList !== '' && sigList !== '' ? `${extList}_${sigList}` : extList;
}

/**
 * The values as 4-digit hex, sorted as strings (JA4.md) and joined by ','. For 16-bit values the numeric order is
 * the order of their 4-digit hex, so they are sorted as numbers; a wider value (never from the wire) sorts as text.
 */
function sortedHex(values: readonly number[]): string {
  if (values.every((v) => v >= 0 && v <= 0xffff && Number.isInteger(v)))
    return values
      .slice()
      .sort((x, y) => x - y)
      .map(hex4)
      .join(',');
  return values.map(hex4).sort().join(',');
}

/** Sorted ciphers, and sorted extensions without SNI (0x0000) and ALPN (0x0010), as sections b and c list them. */
function sorted(p: Ja4Parts): { ciphers: string; exts: string } {
  return {
    ciphers: sortedHex(p.ciphers),
    exts: withSigs(sortedHex(p.exts.filter((e) => e !== 0x0000 && e !== 0x0010)), p.sigList),
  };
}

/** All four JA4 forms of one ClientHello. */
export function ja4All(input: Ja4Input): Ja4All {
  const p = parts(input);
  const s = sorted(p);
  const cipherOrig = p.ciphers.map(hex4).join(',');
  const extOrig = withSigs(p.exts.map(hex4).join(','), p.sigList);
  return {
    ja4: `${p.a}_${hash12(s.ciphers)}_${hash12(s.exts)}`,
    ja4_r: `${p.a}_${s.ciphers}_${s.exts}`,
    ja4_o: `${p.a}_${hash12(cipherOrig)}_${hash12(extOrig)}`,
    ja4_ro: `${p.a}_${cipherOrig}_${extOrig}`,
  };
}

/** The JA4 fingerprint of one ClientHello: ja4All(input).ja4, without the other three forms' work. */
export function ja4(input: Ja4Input): string {
  const p = parts(input);
  const s = sorted(p);
  return `${p.a}_${hash12(s.ciphers)}_${hash12(s.exts)}`;
}

/**
 * SSLv2 CLIENT-HELLO cipher specs (3 bytes each) as JA4 cipher values: a spec whose first byte is 0 is an
 * SSLv3/TLS suite and keeps its 16-bit value; a pure SSLv2 spec (first byte non-zero, e.g. 0x010080
 * SSL2_RC4_128_WITH_MD5) has no 16-bit form and is left out. See docs/fingerprints.md.
 */
export function sslv2SpecsAsSuites(specs: readonly number[]): number[] {
  const out: number[] = [];
  for (const s of specs) if (s >= 0 && s <= 0xffff) out.push(s);
  return out;
}

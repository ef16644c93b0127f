// X.509 v1–v3 certificates (RFC 5280 §4.1) → plain JSON-ready objects for `certificate` events and the
// chain checks of the session verdict. Reads DER with our own bounds-checked reader: input comes from the
// wire, may be cut short or hostile, and must never throw or loop. A certificate whose structure is broken
// becomes `{error, sha256}`; a broken extension only adds a warning.

import { createHash } from 'node:crypto';
import { Cursor, hex } from '../cursor.js';
import {
  CONTEXT,
  DerError,
  T,
  UNIVERSAL,
  bitLength,
  bodyBytes,
  done,
  expect,
  integerParts,
  nextIs,
  oidString,
  readOid,
  readTlv,
  sequence,
  smallInt,
  tlvBytes,
  type Tlv,
} from './der.js';
import { formatName, namesMatch, readName, type Rdns } from './name.js';
import { CURVES, EXTENSIONS, EXT_KEY_USAGES, FIXED_KEY_BITS, KEY_TYPES, KEY_USAGE_BITS, SIGNATURE_ALGORITHMS } from './oids.js';
import { latin1 } from './strings.js';
import { parseTime } from './time.js';
import { ipv4Text, ipv6Text } from '../net/addr.js';

/** One subjectAltName entry (RFC 5280 §4.2.1.6), typed. */
export interface SanEntry {
  type: 'dns' | 'ip' | 'email' | 'uri' | 'dirname' | 'rid' | 'other' | 'x400' | 'edi';
  value: string;
}

export interface CertExtension {
  oid: string;
  name?: string;
  critical: boolean;
}

export interface Certificate {
  /** RFC 4514 strings (docs/fingerprints.md, "Distinguished names"). */
  subject: string;
  issuer: string;
  /** The serial number's magnitude, lower-case hex, two digits per byte; '-' first when negative. */
  serial: string;
  /** ISO 8601 UTC (`2008-05-02T17:02:55Z`), or null when the time field is not a valid time. */
  not_before: string | null;
  not_after: string | null;
  /** subjectAltName dNSName and iPAddress values in certificate order (IPv6 in RFC 5952 form). */
  san: string[];
  /** 'rsa' | 'ec' | 'ed25519' | 'ed448' | 'x25519' | 'x448' | 'dsa' | 'dh', else the algorithm's dotted OID. */
  key_type: string;
  /** RSA modulus / DSA, DH prime size, EC field size; null when it cannot be read. */
  key_bits: number | null;
  /** EC only: the named curve (TLS group name, e.g. secp256r1), its OID when unknown, or 'explicit'. */
  curve?: string;
  /** OpenSSL's name of the signature algorithm (sha256WithRSAEncryption, ecdsa-with-SHA256 …), else the OID. */
  sig_alg: string;
  /** SHA-256 of the DER as given, lower-case hex, no colons. */
  sha256: string;
  /** Subject and issuer are the same name and, when both are present, AKI equals SKI. */
  self_signed: boolean;
  /** 1, 2 or 3. */
  version: number;
  /** The subject's commonName values (for hostname checks when there is no DNS SAN). */
  subject_cn: string[];
  /** subjectKeyIdentifier / authorityKeyIdentifier keyIdentifier, lower-case hex. */
  ski?: string;
  aki?: string;
  /** basicConstraints cA (false when the extension is absent). */
  is_ca: boolean;
  path_len?: number;
  /** keyUsage bit names, when the extension is present. */
  key_usage?: string[];
  /** extKeyUsage names (OpenSSL short names) or dotted OIDs, when the extension is present. */
  ext_key_usage?: string[];
  /** Every subjectAltName entry, typed, when the extension is present. */
  san_typed?: SanEntry[];
  /** Every extension in certificate order. */
  extensions: CertExtension[];
  /** Departures from DER or RFC 5280 that did not stop decoding. */
  warnings?: string[];
}

/** A certificate that could not be decoded; it keeps its place in the chain. */
export interface CertificateError {
  error: string;
  sha256: string;
}

/** Limits on what one certificate may make us keep. */
export const CERT_LIMITS = { sanEntries: 1000, extensions: 256 } as const;

export function isCertificate(c: Certificate | CertificateError): c is Certificate {
  return !('error' in c);
}

export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Decodes one DER certificate. Never throws; a structural problem gives `{error, sha256}`. */
export function parseCertificate(der: Uint8Array): Certificate | CertificateError {
  const sha256 = sha256Hex(der);
  try {
    return decode(der, sha256);
  } catch (e) {
    if (e instanceof DerError) return { error: e.message, sha256 };
    return { error: `internal error: ${e instanceof Error ? e.message : String(e)}`, sha256 };
  }
}

function algorithmIdentifier(c: Cursor, what: string): { oid: string; params?: Tlv } {
  const seq = sequence(c, what);
  const oid = readOid(seq.body, `${what} algorithm`);
  const params = seq.body.empty ? undefined : readTlv(seq.body, `${what} parameters`);
  done(seq.body, what);
  return params ? { oid, params } : { oid };
}

function readTime(c: Cursor, what: string, warnings: string[]): string | null {
  const t = readTlv(c, what);
  if (t.cls !== UNIVERSAL || (t.tag !== T.UTCTime && t.tag !== T.GeneralizedTime)) {
    throw new DerError(`${what}: expected UTCTime or GeneralizedTime`, t.start);
  }
  const text = latin1(bodyBytes(t));
  const iso = parseTime(t.tag, text);
  if (iso === undefined) {
    warnings.push(`${what}: invalid time ${JSON.stringify(text)}`);
    return null;
  }
  if (t.tag === T.UTCTime ? !/^\d{12}Z$/.test(text) : !/^\d{14}Z$/.test(text)) warnings.push(`${what}: not in DER form: ${text}`);
  return iso;
}

function serialHex(b: Uint8Array): string {
  const { negative, magnitude } = integerParts(b);
  return (negative ? '-' : '') + (magnitude.length ? hex(magnitude) : '00');
}

function decode(der: Uint8Array, sha256: string): Certificate {
  const warnings: string[] = [];
  const top = Cursor.of(der);
  const cert = sequence(top, 'Certificate');
  if (!top.empty) warnings.push(`${top.left} bytes after the certificate`);
  const c = cert.body;

  // TBSCertificate (RFC 5280 §4.1.2)
  const tbs = sequence(c, 'tbsCertificate').body;
  let version = 1;
  if (nextIs(tbs, CONTEXT, 0)) {
    const v = expect(tbs, CONTEXT, 0, 'version', true);
    const n = expect(v.body, UNIVERSAL, T.INTEGER, 'version', false);
    done(v.body, 'version');
    const num = smallInt(bodyBytes(n));
    if (num === undefined || num > 2) warnings.push(`unknown version ${hex(bodyBytes(n))}`);
    version = (num ?? 0) + 1;
  }
  const serialT = expect(tbs, UNIVERSAL, T.INTEGER, 'serialNumber', false);
  const serial = serialHex(bodyBytes(serialT));
  const innerSig = algorithmIdentifier(tbs, 'signature');
  const issuerRdns = readName(tbs, 'issuer');
  const validity = sequence(tbs, 'validity').body;
  const not_before = readTime(validity, 'notBefore', warnings);
  const not_after = readTime(validity, 'notAfter', warnings);
  done(validity, 'validity');
  const subjectRdns = readName(tbs, 'subject');
  const spki = sequence(tbs, 'subjectPublicKeyInfo').body;
  const keyAlg = algorithmIdentifier(spki, 'subjectPublicKeyInfo');
  const keyBits = expect(spki, UNIVERSAL, T.BIT_STRING, 'subjectPublicKey', false);
  done(spki, 'subjectPublicKeyInfo');
  if (nextIs(tbs, CONTEXT, 1)) readTlv(tbs, 'issuerUniqueID');
  if (nextIs(tbs, CONTEXT, 2)) readTlv(tbs, 'subjectUniqueID');
  let extsBody: Cursor | undefined;
  if (nextIs(tbs, CONTEXT, 3)) {
    const e = expect(tbs, CONTEXT, 3, 'extensions', true);
    extsBody = sequence(e.body, 'extensions').body;
    done(e.body, 'extensions');
  }
  if (!tbs.empty) warnings.push(`tbsCertificate: ${tbs.left} bytes after the last field`);

  const outerSig = algorithmIdentifier(c, 'signatureAlgorithm');
  expect(c, UNIVERSAL, T.BIT_STRING, 'signatureValue', false);
  done(c, 'Certificate');
  if (outerSig.oid !== innerSig.oid) warnings.push(`signatureAlgorithm ${outerSig.oid} differs from tbsCertificate.signature ${innerSig.oid}`);

  const out: Certificate = {
    subject: formatName(subjectRdns),
    issuer: formatName(issuerRdns),
    serial,
    not_before,
    not_after,
    san: [],
    key_type: KEY_TYPES.get(keyAlg.oid) ?? keyAlg.oid,
    key_bits: null,
    sig_alg: SIGNATURE_ALGORITHMS.get(outerSig.oid) ?? outerSig.oid,
    sha256,
    self_signed: false,
    version,
    subject_cn: commonNames(subjectRdns),
    is_ca: false,
    extensions: [],
  };
  publicKey(out, keyAlg, bodyBytes(keyBits), warnings);
  if (extsBody) extensions(out, extsBody, warnings);
  out.self_signed = namesMatch(out.subject, out.issuer) && (out.aki === undefined || out.ski === undefined || out.aki === out.ski);
  if (warnings.length) out.warnings = warnings;
  return ordered(out);
}

/** The same object with its fields in one documented order (contract fields first), absent ones left out. */
function ordered(c: Certificate): Certificate {
  const keys: (keyof Certificate)[] = [
    'subject',
    'issuer',
    'serial',
    'not_before',
    'not_after',
    'san',
    'key_type',
    'key_bits',
    'curve',
    'sig_alg',
    'sha256',
    'self_signed',
    'version',
    'subject_cn',
    'ski',
    'aki',
    'is_ca',
    'path_len',
    'key_usage',
    'ext_key_usage',
    'san_typed',
    'extensions',
    'warnings',
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (c[k] !== undefined) out[k] = c[k];
  return out as unknown as Certificate;
}

function commonNames(rdns: Rdns): string[] {
  const out: string[] = [];
  for (const rdn of rdns) for (const a of rdn) if (a.oid === '2.5.4.3' && a.text !== undefined) out.push(a.text);
  return out;
}

/** BIT STRING contents without the unused-bits octet; undefined when malformed. */
function bitStringBytes(b: Uint8Array): Uint8Array | undefined {
  if (b.length === 0 || b[0]! > 7 || (b.length === 1 && b[0] !== 0)) return undefined;
  return b.subarray(1);
}

/** Bit size of the first INTEGER in a SEQUENCE (RSA modulus, DSA/DH prime). */
function firstIntegerBits(b: Uint8Array, what: string): number {
  const c = Cursor.of(b);
  const seq = sequence(c, what);
  const n = expect(seq.body, UNIVERSAL, T.INTEGER, what, false);
  return bitLength(integerParts(bodyBytes(n)).magnitude);
}

function publicKey(out: Certificate, alg: { oid: string; params?: Tlv }, bits: Uint8Array, warnings: string[]): void {
  const key = bitStringBytes(bits);
  try {
    switch (out.key_type) {
      case 'rsa':
        if (key) out.key_bits = firstIntegerBits(key, 'RSAPublicKey');
        break;
      case 'ec': {
        const p = alg.params;
        if (p && p.cls === UNIVERSAL && p.tag === T.OID) {
          const oid = oidString(bodyBytes(p)) ?? 'invalid';
          const known = CURVES.get(oid);
          out.curve = known?.name ?? oid;
          if (known) out.key_bits = known.bits;
        } else if (p && p.cls === UNIVERSAL && p.tag === T.SEQUENCE) out.curve = 'explicit';
        // Without a known curve, the size of an uncompressed point 04||X||Y.
        if (out.key_bits === null && key && key.length > 1 && key[0] === 4) out.key_bits = ((key.length - 1) / 2) * 8;
        break;
      }
      case 'dsa':
      case 'dh':
        if (alg.params && alg.params.cls === UNIVERSAL && alg.params.tag === T.SEQUENCE) {
          out.key_bits = firstIntegerBits(tlvBytes(alg.params), `${out.key_type} parameters`);
        }
        break;
      default:
        out.key_bits = FIXED_KEY_BITS.get(out.key_type) ?? null;
    }
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    warnings.push(`public key: ${e.message}`);
  }
  if (!key) warnings.push('subjectPublicKey: malformed BIT STRING');
}

function extensions(out: Certificate, c: Cursor, warnings: string[]): void {
  const seen = new Set<string>();
  while (!c.empty) {
    if (out.extensions.length >= CERT_LIMITS.extensions) {
      warnings.push(`more than ${CERT_LIMITS.extensions} extensions; the rest are not read`);
      return;
    }
    const ext = sequence(c, 'Extension').body;
    const oid = readOid(ext, 'extnID');
    let critical = false;
    if (nextIs(ext, UNIVERSAL, T.BOOLEAN)) {
      const b = bodyBytes(expect(ext, UNIVERSAL, T.BOOLEAN, 'critical', false));
      critical = b.length === 1 && b[0] !== 0;
    }
    const value = bodyBytes(expect(ext, UNIVERSAL, T.OCTET_STRING, 'extnValue', false));
    done(ext, 'Extension');
    const name = EXTENSIONS.get(oid);
    out.extensions.push(name ? { oid, name, critical } : { oid, critical });
    if (seen.has(oid)) {
      warnings.push(`duplicate extension ${name ?? oid}`);
      continue;
    }
    seen.add(oid);
    try {
      decodeExtension(out, oid, value, warnings);
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      warnings.push(`${name ?? oid}: ${e.message}`);
    }
  }
}

function decodeExtension(out: Certificate, oid: string, value: Uint8Array, warnings: string[]): void {
  const c = Cursor.of(value);
  switch (oid) {
    case '2.5.29.14': {
      out.ski = hex(bodyBytes(expect(c, UNIVERSAL, T.OCTET_STRING, 'subjectKeyIdentifier', false)));
      break;
    }
    case '2.5.29.35': {
      const seq = sequence(c, 'authorityKeyIdentifier').body;
      while (!seq.empty) {
        const t = readTlv(seq, 'authorityKeyIdentifier field');
        if (t.cls === CONTEXT && t.tag === 0) out.aki = hex(bodyBytes(t));
      }
      break;
    }
    case '2.5.29.19': {
      const seq = sequence(c, 'basicConstraints').body;
      if (nextIs(seq, UNIVERSAL, T.BOOLEAN)) {
        const b = bodyBytes(expect(seq, UNIVERSAL, T.BOOLEAN, 'cA', false));
        out.is_ca = b.length === 1 && b[0] !== 0;
      }
      if (nextIs(seq, UNIVERSAL, T.INTEGER)) {
        const n = smallInt(bodyBytes(expect(seq, UNIVERSAL, T.INTEGER, 'pathLenConstraint', false)));
        if (n !== undefined) out.path_len = n;
        else warnings.push('basicConstraints: pathLenConstraint out of range');
      }
      done(seq, 'basicConstraints');
      break;
    }
    case '2.5.29.15': {
      const bits = bitStringBytes(bodyBytes(expect(c, UNIVERSAL, T.BIT_STRING, 'keyUsage', false)));
      if (!bits) throw new DerError('malformed BIT STRING', 0);
      const names: string[] = [];
      for (let i = 0; i < bits.length * 8; i++) {
        if (bits[i >> 3]! & (0x80 >> (i & 7))) names.push(KEY_USAGE_BITS[i] ?? `bit${i}`);
      }
      out.key_usage = names;
      break;
    }
    case '2.5.29.37': {
      const seq = sequence(c, 'extKeyUsage').body;
      const names: string[] = [];
      while (!seq.empty) {
        const o = readOid(seq, 'KeyPurposeId');
        names.push(EXT_KEY_USAGES.get(o) ?? o);
      }
      out.ext_key_usage = names;
      break;
    }
    case '2.5.29.17': {
      out.san_typed = generalNames(sequence(c, 'subjectAltName').body, warnings);
      for (const e of out.san_typed) if (e.type === 'dns' || e.type === 'ip') out.san.push(e.value);
      break;
    }
    default:
      return;
  }
  done(c, EXTENSIONS.get(oid) ?? oid);
}

/** GeneralNames (RFC 5280 §4.2.1.6) → typed entries. */
function generalNames(c: Cursor, warnings: string[]): SanEntry[] {
  const out: SanEntry[] = [];
  while (!c.empty) {
    const t = readTlv(c, 'GeneralName');
    if (out.length >= CERT_LIMITS.sanEntries) {
      warnings.push(`subjectAltName: more than ${CERT_LIMITS.sanEntries} entries; the rest are left out`);
      break;
    }
    if (t.cls !== CONTEXT) throw new DerError(`GeneralName: unexpected ${t.cls === UNIVERSAL ? 'universal' : 'non-context'} tag`, t.start);
    const b = bodyBytes(t);
    switch (t.tag) {
      case 0: {
        const oid = t.constructed ? readOid(t.body, 'otherName type-id') : 'invalid';
        out.push({ type: 'other', value: `${oid}:#${hex(t.body.bytes(t.body.left)!)}` });
        break;
      }
      case 1:
        out.push({ type: 'email', value: latin1(b) });
        break;
      case 2:
        out.push({ type: 'dns', value: latin1(b) });
        break;
      case 3:
        out.push({ type: 'x400', value: '#' + hex(b) });
        break;
      case 4: {
        out.push({ type: 'dirname', value: formatName(readName(t.body, 'directoryName')) });
        break;
      }
      case 5:
        out.push({ type: 'edi', value: '#' + hex(b) });
        break;
      case 6:
        out.push({ type: 'uri', value: latin1(b) });
        break;
      case 7:
        out.push({ type: 'ip', value: ipString(b) });
        break;
      case 8:
        out.push({ type: 'rid', value: oidString(b) ?? '#' + hex(b) });
        break;
      default:
        warnings.push(`subjectAltName: unknown GeneralName [${t.tag}]`);
    }
  }
  return out;
}

/** An iPAddress (4 or 16 octets) as text: dotted quad, or IPv6 in RFC 5952 form (lib/net's); other lengths as #hex. */
export function ipString(b: Uint8Array): string {
  if (b.length === 4) return ipv4Text(b, 0);
  if (b.length === 16) return ipv6Text(b, 0);
  return '#' + hex(b);
}

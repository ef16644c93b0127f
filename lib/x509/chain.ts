// Primitives for chain checks without a trust store (the capture holds no roots): does one certificate name another
// as its issuer (issuer → subject, AKI → SKI), how consecutive certificates of a sent chain link up, and, when the
// DER is at hand, whether the issuer's key verifies the signature (node:crypto does the arithmetic only; the DER
// walking is ours).

import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { Cursor } from '../cursor.js';
import { CONTEXT, DerError, T, UNIVERSAL, bodyBytes, expect, nextIs, readOid, readTlv, sequence, tlvBytes } from './der.js';
import { isCertificate, type Certificate, type CertificateError } from './certificate.js';
import { namesMatch } from './name.js';

export interface IssuerMatch {
  /** child.issuer and parent.subject are the same name (nameKey comparison). */
  name_match: boolean;
  /** child.aki equals parent.ski; null when either is absent. */
  key_id_match: boolean | null;
}

/** Whether `parent` is named as the issuer of `child`. */
export function issuedBy(child: Certificate, parent: Certificate): IssuerMatch {
  return {
    name_match: namesMatch(child.issuer, parent.subject),
    key_id_match: child.aki === undefined || parent.ski === undefined ? null : child.aki === parent.ski,
  };
}

/** `issuedBy` as one verdict: the names match and the key identifiers do not contradict it. */
export function linksTo(child: Certificate, parent: Certificate): boolean {
  const m = issuedBy(child, parent);
  return m.name_match && m.key_id_match !== false;
}

export interface ChainLink extends IssuerMatch {
  /** Index of the certificate and of the next one in the list. */
  from: number;
  to: number;
  /** Either certificate could not be decoded: nothing is known about this link. */
  undecoded?: true;
}

/** How each certificate of a sent list links to the next one (RFC 8446 §4.4.2: each certifies the one before). */
export function chainLinks(certs: readonly (Certificate | CertificateError)[]): ChainLink[] {
  const out: ChainLink[] = [];
  for (let i = 0; i + 1 < certs.length; i++) {
    const a = certs[i]!;
    const b = certs[i + 1]!;
    if (!isCertificate(a) || !isCertificate(b)) out.push({ from: i, to: i + 1, name_match: false, key_id_match: null, undecoded: true });
    else out.push({ from: i, to: i + 1, ...issuedBy(a, b) });
  }
  return out;
}

/** Index of the first certificate in `certs` that `linksTo` accepts as the issuer of `child`, else -1. */
export function findIssuer(child: Certificate, certs: readonly (Certificate | CertificateError)[]): number {
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i]!;
    if (c !== child && isCertificate(c) && linksTo(child, c)) return i;
  }
  return -1;
}

// ---- signature verification ----

interface SignedParts {
  tbs: Uint8Array;
  sigOid: string;
  signature: Uint8Array;
  spki: Uint8Array;
}

function signedParts(der: Uint8Array): SignedParts {
  const top = sequence(Cursor.of(der), 'Certificate').body;
  const tbsT = sequence(top, 'tbsCertificate');
  const alg = sequence(top, 'signatureAlgorithm');
  const sigOid = readOid(alg.body, 'signatureAlgorithm');
  const sigBits = bodyBytes(expect(top, UNIVERSAL, T.BIT_STRING, 'signatureValue', false));
  if (sigBits.length === 0 || sigBits[0] !== 0) throw new DerError('signatureValue: unused bits', 0);
  const t = tbsT.body;
  if (nextIs(t, CONTEXT, 0)) readTlv(t, 'version');
  for (const what of ['serialNumber', 'signature', 'issuer', 'validity', 'subject']) readTlv(t, what);
  const spki = sequence(t, 'subjectPublicKeyInfo');
  return { tbs: tlvBytes(tbsT), sigOid, signature: sigBits.subarray(1), spki: tlvBytes(spki) };
}

/** Hash for node:crypto.verify per signature algorithm; null = the algorithm hashes itself (EdDSA). */
const VERIFY_HASH: ReadonlyMap<string, string | null> = new Map([
  ['1.2.840.113549.1.1.4', 'md5'],
  ['1.2.840.113549.1.1.5', 'sha1'],
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
  ['1.2.840.113549.1.1.14', 'sha224'],
  ['1.2.840.10045.4.1', 'sha1'],
  ['1.2.840.10045.4.3.1', 'sha224'],
  ['1.2.840.10045.4.3.2', 'sha256'],
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
  ['1.2.840.10040.4.3', 'sha1'],
  ['2.16.840.1.101.3.4.3.1', 'sha224'],
  ['2.16.840.1.101.3.4.3.2', 'sha256'],
  ['1.3.101.112', null],
  ['1.3.101.113', null],
]);

/**
 * Whether `issuerDer`'s public key verifies `childDer`'s signature: true, false (including a key of another
 * type than the signature algorithm's), or undefined when it cannot be checked (undecodable DER, an algorithm
 * not listed such as RSASSA-PSS, a key node:crypto refuses, or a legacy digest this OpenSSL build no longer
 * offers). Never throws.
 */
export function signatureVerifies(childDer: Uint8Array, issuerDer: Uint8Array): boolean | undefined {
  let child: SignedParts;
  let issuer: SignedParts;
  try {
    child = signedParts(childDer);
    issuer = signedParts(issuerDer);
  } catch {
    return undefined;
  }
  const hash = VERIFY_HASH.get(child.sigOid);
  if (hash === undefined) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(issuer.spki), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
  try {
    return verify(hash, child.tbs, key, child.signature);
  } catch {
    // Wrong key type for the algorithm, a malformed signature, or an unsupported digest.
    return undefined;
  }
}

// Key derivation: TLS 1.3's HKDF-Expand-Label and traffic key schedule (RFC 8446 §7.1–7.3, RFC 5869) and the
// TLS 1.0–1.2 PRF with its key block (RFC 5246 §5 and §6.3, RFC 2246 §5). Pure functions over Node's crypto.

import { createHash, createHmac } from 'node:crypto';
import { hashLen, type Hash, type SuiteParams } from './suites.js';

/** RFC 5869 §2.3: HKDF-Expand(PRK, info, L). */
export function hkdfExpand(hash: Hash, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let t: Buffer = Buffer.alloc(0);
  let have = 0;
  for (let i = 1; have < length; i++) {
    t = createHmac(hash, prk).update(t).update(info).update(Buffer.of(i)).digest();
    out.push(t);
    have += t.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RFC 5869 §2.2: HKDF-Extract(salt, IKM). */
export function hkdfExtract(hash: Hash, salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac(hash, salt).update(ikm).digest();
}

/**
 * RFC 8446 §7.1: HKDF-Expand-Label(Secret, Label, Context, Length) with
 * struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } HkdfLabel.
 */
export function hkdfExpandLabel(hash: Hash, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.concat([Buffer.of(length >> 8, length & 0xff, full.length), full, Buffer.of(context.length), context]);
  return hkdfExpand(hash, secret, info, length);
}

/** RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length). */
export function deriveSecret(hash: Hash, secret: Uint8Array, label: string, messages: Uint8Array): Buffer {
  return hkdfExpandLabel(hash, secret, label, createHash(hash).update(messages).digest(), hashLen(hash));
}

export interface TrafficKeys {
  key: Buffer;
  iv: Buffer;
}

/** RFC 8446 §7.3: [sender]_write_key and _iv from a traffic secret. */
export function trafficKeys(suite: SuiteParams, secret: Uint8Array): TrafficKeys {
  return {
    key: hkdfExpandLabel(suite.prf, secret, 'key', new Uint8Array(0), suite.keyLen),
    iv: hkdfExpandLabel(suite.prf, secret, 'iv', new Uint8Array(0), suite.ivLen),
  };
}

/** RFC 8446 §7.2: application_traffic_secret_N+1 after a KeyUpdate. */
export function nextTrafficSecret(suite: SuiteParams, secret: Uint8Array): Buffer {
  return hkdfExpandLabel(suite.prf, secret, 'traffic upd', new Uint8Array(0), hashLen(suite.prf));
}

/** RFC 5246 §5: P_hash(secret, seed). */
function pHash(hash: Hash, secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let a: Buffer = Buffer.from(seed);
  let have = 0;
  while (have < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(seed).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/**
 * The PRF: TLS 1.2 uses P_<suite hash> (RFC 5246 §5); TLS 1.0/1.1 XOR P_MD5 over the first half of the secret
 * with P_SHA1 over the second (RFC 2246 §5, RFC 4346 §5).
 */
export function prf(version: number, hash: Hash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const ls = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  if (version >= 0x0303) return pHash(hash, secret, ls, length);
  const half = Math.ceil(secret.length / 2);
  const md5 = pHash('md5' as Hash, secret.subarray(0, half), ls, length);
  const sha = pHash('sha1', secret.subarray(secret.length - half), ls, length);
  for (let i = 0; i < length; i++) md5[i]! ^= sha[i]!;
  return md5;
}

export interface KeyBlock {
  clientMac: Buffer;
  serverMac: Buffer;
  clientKey: Buffer;
  serverKey: Buffer;
  clientIv: Buffer;
  serverIv: Buffer;
}

/**
 * RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random), cut into MAC
 * keys, write keys and IVs. TLS 1.1+ CBC suites use an explicit per-record IV, but the key block still reserves
 * none for them; TLS 1.0 CBC takes its first IV from the block.
 */
export function keyBlock(version: number, suite: SuiteParams, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock {
  const ivLen = suite.mode === 'cbc' ? (version <= 0x0301 ? 16 : 0) : suite.ivLen;
  const macLen = suite.macLen;
  const total = 2 * (macLen + suite.keyLen + ivLen);
  const b = prf(version, suite.prf, master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), total);
  let p = 0;
  const take = (n: number): Buffer => b.subarray(p, (p += n));
  return {
    clientMac: take(macLen),
    serverMac: take(macLen),
    clientKey: take(suite.keyLen),
    serverKey: take(suite.keyLen),
    clientIv: take(ivLen),
    serverIv: take(ivLen),
  };
}

// Record protection, the opening side: one RecordCipher per direction and key, taking a protected record's
// body and its sequence number and giving back the plaintext and its real content type, or undefined when the
// record does not authenticate. TLS 1.3 AEAD (RFC 8446 §5.2–5.3); TLS 1.2 AEAD (RFC 5246 §6.2.3.3, RFC 5288,
// RFC 6655, RFC 7905); CBC with HMAC, MAC-then-encrypt (RFC 5246 §6.2.3.2, RFC 2246 §6.2.3.2) or
// encrypt-then-MAC (RFC 7366). Authentication failure is a value, never an exception.

import { createDecipheriv, createHmac, timingSafeEqual, type CipherCCMTypes, type CipherGCMTypes } from 'node:crypto';
import type { SuiteParams } from './suites.js';

export interface Opened {
  /** The real content type: TLS 1.3's inner type, else the record's own. */
  content: number;
  data: Buffer;
}

export interface RecordCipher {
  /** Opens one record (`content`/`version` from its header, `body` its fragment) at sequence number `seq`. */
  open(content: number, version: number, body: Uint8Array, seq: bigint): Opened | undefined;
  /** Takes the state a record leaves, opened or not (TLS 1.0 CBC chains its IV from the record's last block). */
  commit?(body: Uint8Array): void;
}

function seqBytes(seq: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(seq);
  return b;
}

/** RFC 8446 §5.3 / RFC 7905 §2: the per-record nonce is the IV XOR the sequence number, left-padded. */
function xorNonce(iv: Buffer, seq: bigint): Buffer {
  const n = Buffer.from(iv);
  const s = seqBytes(seq);
  for (let i = 0; i < 8; i++) n[n.length - 8 + i]! ^= s[i]!;
  return n;
}

/** An AEAD open; undefined when the tag does not verify. */
function aeadOpen(suite: SuiteParams, key: Buffer, nonce: Buffer, aad: Buffer, ct: Uint8Array, tag: Uint8Array): Buffer | undefined {
  try {
    if (suite.mode === 'ccm') {
      const d = createDecipheriv(suite.cipher as CipherCCMTypes, key, nonce, { authTagLength: suite.tagLen });
      d.setAuthTag(tag);
      d.setAAD(aad, { plaintextLength: ct.length });
      const out = d.update(ct);
      d.final();
      return out;
    }
    const d = createDecipheriv(suite.cipher as CipherGCMTypes, key, nonce, { authTagLength: suite.tagLen });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    return undefined;
  }
}

/** RFC 8446 §5.2: TLSInnerPlaintext = content || ContentType type || zeros; AAD = the record header. */
export function tls13Cipher(suite: SuiteParams, key: Buffer, iv: Buffer): RecordCipher {
  return {
    open(content, version, body, seq) {
      if (body.length < suite.tagLen + 1) return undefined;
      const aad = Buffer.of(content, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff);
      const ct = body.subarray(0, body.length - suite.tagLen);
      const pt = aeadOpen(suite, key, xorNonce(iv, seq), aad, ct, body.subarray(body.length - suite.tagLen));
      if (!pt) return undefined;
      let end = pt.length;
      while (end > 0 && pt[end - 1] === 0) end--;
      // All zeros: no content type (an unexpected_message for the receiver, §5.4); nothing to show.
      if (end === 0) return undefined;
      return { content: pt[end - 1]!, data: pt.subarray(0, end - 1) };
    },
  };
}

/** RFC 5246 §6.2.3.3: additional_data = seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length. */
function tls12Aad(seq: bigint, content: number, version: number, length: number): Buffer {
  return Buffer.concat([seqBytes(seq), Buffer.of(content, version >> 8, version & 0xff, length >> 8, length & 0xff)]);
}

/**
 * TLS 1.2 AEAD. GCM and CCM (RFC 5288 §3, RFC 6655 §3): nonce = 4-byte salt from the key block + 8 explicit
 * bytes sent before the ciphertext. ChaCha20-Poly1305 (RFC 7905 §2): nonce = IV XOR sequence number, nothing explicit.
 */
export function tls12AeadCipher(suite: SuiteParams, key: Buffer, iv: Buffer): RecordCipher {
  const explicit = suite.mode === 'chacha' ? 0 : 8;
  return {
    open(content, version, body, seq) {
      const ctLen = body.length - explicit - suite.tagLen;
      if (ctLen < 0) return undefined;
      const nonce = explicit ? Buffer.concat([iv, body.subarray(0, explicit)]) : xorNonce(iv, seq);
      const ct = body.subarray(explicit, explicit + ctLen);
      const pt = aeadOpen(suite, key, nonce, tls12Aad(seq, content, version, ctLen), ct, body.subarray(explicit + ctLen));
      return pt ? { content, data: pt } : undefined;
    },
  };
}

function cbcDecrypt(cipher: string, key: Buffer, iv: Uint8Array, ct: Uint8Array): Buffer | undefined {
  if (ct.length === 0 || ct.length % 16 !== 0) return undefined;
  try {
    const d = createDecipheriv(cipher, key, iv);
    d.setAutoPadding(false);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    return undefined;
  }
}

/** RFC 5246 §6.2.3.2: padding_length bytes, each holding padding_length, then padding_length itself. */
function unpad(pt: Buffer): number | undefined {
  if (pt.length === 0) return undefined;
  const p = pt[pt.length - 1]!;
  if (p + 1 > pt.length) return undefined;
  for (let i = pt.length - 1 - p; i < pt.length; i++) if (pt[i] !== p) return undefined;
  return pt.length - 1 - p;
}

function macOk(suite: SuiteParams, macKey: Buffer, seq: bigint, content: number, version: number, data: Uint8Array, mac: Uint8Array): boolean {
  const want = createHmac(suite.mac!, macKey)
    .update(tls12Aad(seq, content, version, data.length))
    .update(data)
    .digest();
  return want.length === mac.length && timingSafeEqual(want, mac);
}

/**
 * AES-CBC with HMAC. TLS 1.1+ sends an explicit IV as the first block (RFC 4346 §6.2.3.2); TLS 1.0 chains the
 * last ciphertext block of the previous record (RFC 2246 §6.2.3.2), starting from the key block's IV.
 * MAC-then-encrypt by default; encrypt-then-MAC when both hellos carried encrypt_then_mac (RFC 7366 §3).
 */
export function cbcCipher(suite: SuiteParams, version: number, key: Buffer, macKey: Buffer, iv: Buffer, etm: boolean): RecordCipher {
  const explicitIv = version >= 0x0302;
  let chained: Uint8Array = iv;
  const macLen = suite.macLen;
  return {
    open(content, ver, body, seq) {
      let enc = body;
      if (etm) {
        if (body.length < macLen) return undefined;
        enc = body.subarray(0, body.length - macLen);
        if (!macOk(suite, macKey, seq, content, ver, enc, body.subarray(body.length - macLen))) return undefined;
      }
      const ivBytes = explicitIv ? enc.subarray(0, 16) : chained;
      const ct = explicitIv ? enc.subarray(16) : enc;
      const pt = cbcDecrypt(suite.cipher, key, ivBytes, ct);
      if (!pt) return undefined;
      const end = unpad(pt);
      if (end === undefined) return undefined;
      if (etm) return { content, data: pt.subarray(0, end) };
      if (end < macLen) return undefined;
      const data = pt.subarray(0, end - macLen);
      if (!macOk(suite, macKey, seq, content, ver, data, pt.subarray(end - macLen, end))) return undefined;
      return { content, data };
    },
    commit(body) {
      if (!explicitIv) {
        const enc = etm ? body.subarray(0, body.length - macLen) : body;
        if (enc.length >= 16) chained = Buffer.from(enc.subarray(enc.length - 16));
      }
    },
  };
}

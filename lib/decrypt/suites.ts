// What record protection a cipher suite uses, read from its IANA name: the bulk cipher and its mode, the key,
// IV and MAC sizes, and the PRF/HKDF hash. Only the constructions Node's crypto provides are described.

import { cipherName } from '../registry/index.js';

export type Mode = 'gcm' | 'ccm' | 'chacha' | 'cbc';
export type Hash = 'sha1' | 'sha256' | 'sha384';

export interface SuiteParams {
  id: number;
  name: string;
  mode: Mode;
  /** Node's cipher name (aes-128-gcm, chacha20-poly1305, aes-256-cbc, …). */
  cipher: string;
  keyLen: number;
  /** TLS 1.3 and ChaCha20: the per-record nonce base (12); GCM/CCM in TLS 1.2: the implicit salt (4); CBC: the block (16). */
  ivLen: number;
  /** AEAD tag bytes (16; 8 for CCM_8); 0 for CBC. */
  tagLen: number;
  /** HMAC hash of CBC suites (RFC 5246 §6.2.3.1), and its output size. */
  mac?: Hash;
  macLen: number;
  /** The TLS 1.2 PRF hash (RFC 5246 §5) or the TLS 1.3 HKDF hash (RFC 8446 §7.1). */
  prf: Hash;
  tls13: boolean;
}

const HASH_LEN: Record<Hash, number> = { sha1: 20, sha256: 32, sha384: 48 };

export function hashLen(h: Hash): number {
  return HASH_LEN[h];
}

/** RFC 8446 §B.4: the TLS 1.3 suites. */
const TLS13: Record<number, Omit<SuiteParams, 'id' | 'name' | 'tls13' | 'macLen'>> = {
  0x1301: { mode: 'gcm', cipher: 'aes-128-gcm', keyLen: 16, ivLen: 12, tagLen: 16, prf: 'sha256' },
  0x1302: { mode: 'gcm', cipher: 'aes-256-gcm', keyLen: 32, ivLen: 12, tagLen: 16, prf: 'sha384' },
  0x1303: { mode: 'chacha', cipher: 'chacha20-poly1305', keyLen: 32, ivLen: 12, tagLen: 16, prf: 'sha256' },
  0x1304: { mode: 'ccm', cipher: 'aes-128-ccm', keyLen: 16, ivLen: 12, tagLen: 16, prf: 'sha256' },
  0x1305: { mode: 'ccm', cipher: 'aes-128-ccm', keyLen: 16, ivLen: 12, tagLen: 8, prf: 'sha256' },
};

/**
 * The protection of a suite, or undefined when it cannot be decrypted here (RC4, 3DES, Camellia, ARIA, NULL, …).
 * TLS ≤ 1.2 names read `TLS_<kx>_WITH_<cipher>_<mac or PRF hash>`: AES-GCM (RFC 5288/5289), AES-CCM (RFC 6655,
 * RFC 7251), ChaCha20-Poly1305 (RFC 7905), AES-CBC with HMAC (RFC 5246 §6.2.3.2, RFC 5289).
 */
export function suiteParams(id: number): SuiteParams | undefined {
  const name = cipherName(id);
  const t13 = TLS13[id];
  if (t13) return { id, name, tls13: true, macLen: 0, ...t13 };
  const m = /_WITH_(AES_128|AES_256|CHACHA20_POLY1305)(?:_(GCM|CCM_8|CCM|CBC))?(?:_(SHA|SHA256|SHA384))?$/.exec(name);
  if (!m) return undefined;
  const [, bulk, mode, h] = m;
  const prf: Hash = h === 'SHA384' ? 'sha384' : 'sha256';
  if (bulk === 'CHACHA20_POLY1305') {
    if (mode || h !== 'SHA256') return undefined;
    return { id, name, tls13: false, mode: 'chacha', cipher: 'chacha20-poly1305', keyLen: 32, ivLen: 12, tagLen: 16, macLen: 0, prf };
  }
  const keyLen = bulk === 'AES_128' ? 16 : 32;
  const bits = keyLen * 8;
  if (mode === 'GCM') return { id, name, tls13: false, mode: 'gcm', cipher: `aes-${bits}-gcm`, keyLen, ivLen: 4, tagLen: 16, macLen: 0, prf };
  if (mode === 'CCM' || mode === 'CCM_8') {
    if (h) return undefined;
    return {
      id,
      name,
      tls13: false,
      mode: 'ccm',
      cipher: `aes-${bits}-ccm`,
      keyLen,
      ivLen: 4,
      tagLen: mode === 'CCM' ? 16 : 8,
      macLen: 0,
      prf: 'sha256',
    };
  }
  if (mode === 'CBC' && h) {
    const mac: Hash = h === 'SHA' ? 'sha1' : h === 'SHA256' ? 'sha256' : 'sha384';
    return { id, name, tls13: false, mode: 'cbc', cipher: `aes-${bits}-cbc`, keyLen, ivLen: 16, tagLen: 0, mac, macLen: HASH_LEN[mac], prf };
  }
  return undefined;
}

// QUIC Initial packet protection with Node's crypto: the Initial secrets any observer can derive from the
// client's Destination Connection ID (RFC 9001 §5.2, RFC 9369 §3.3), header protection with AES-ECB (RFC 9001
// §5.4.3) and AES-128-GCM payload protection (RFC 9001 §5.3). Pure functions over bytes; nothing here throws on
// input: a failed authentication returns undefined.

import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { QUIC_V1, QUIC_V2 } from '../registry/quic.js';

/** RFC 9001 §5.2 initial_salt (v1) and RFC 9369 §3.3.1 (v2). */
const SALTS: ReadonlyMap<number, Buffer> = new Map([
  [QUIC_V1, Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex')],
  [QUIC_V2, Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex')],
]);

/** RFC 9369 §3.3.2: v2 renames the labels of the packet protection keys. */
const LABELS: ReadonlyMap<number, { key: string; iv: string; hp: string }> = new Map([
  [QUIC_V1, { key: 'quic key', iv: 'quic iv', hp: 'quic hp' }],
  [QUIC_V2, { key: 'quicv2 key', iv: 'quicv2 iv', hp: 'quicv2 hp' }],
]);

/** The AEAD tag length of AEAD_AES_128_GCM (RFC 5116 §5.1). */
export const TAG_BYTES = 16;
/** RFC 9001 §5.4.2: the header protection sample is 16 bytes, taken 4 bytes after the packet number's start. */
export const SAMPLE_BYTES = 16;

export interface PacketKeys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

export interface InitialKeys {
  client: PacketKeys;
  server: PacketKeys;
  /** Both secrets, for tests against the RFC appendices. */
  clientSecret: Buffer;
  serverSecret: Buffer;
}

/** Whether Initial packets of this version can be decrypted here. */
export function knownVersion(version: number): boolean {
  return SALTS.has(version);
}

/** RFC 5869 §2.2 HKDF-Extract with SHA-256. */
function extract(salt: Buffer, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}

/** RFC 8446 §7.1 HKDF-Expand-Label(Secret, Label, "", Length) with SHA-256: info is uint16 length, the
 *  u8-prefixed "tls13 " + label and an empty u8-prefixed context; RFC 5869 §2.3 expand. */
export function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  const out: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1, n = 0; n < length; i++) {
    prev = createHmac('sha256', secret)
      .update(prev)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    out.push(prev);
    n += prev.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

function packetKeys(secret: Buffer, version: number): PacketKeys {
  const l = LABELS.get(version)!;
  return { key: expandLabel(secret, l.key, 16), iv: expandLabel(secret, l.iv, 12), hp: expandLabel(secret, l.hp, 16) };
}

/** RFC 9001 §5.2: initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id); the client and server
 *  secrets are HKDF-Expand-Label(initial_secret, "client in" / "server in", "", 32). Undefined for versions
 *  without a known salt. */
export function initialKeys(version: number, dcid: Uint8Array): InitialKeys | undefined {
  const salt = SALTS.get(version);
  if (!salt) return undefined;
  const initial = extract(salt, dcid);
  const clientSecret = expandLabel(initial, 'client in', 32);
  const serverSecret = expandLabel(initial, 'server in', 32);
  return { client: packetKeys(clientSecret, version), server: packetKeys(serverSecret, version), clientSecret, serverSecret };
}

/** RFC 9001 §5.4.3: mask = AES-ECB(hp_key, sample); the first 5 bytes are used. */
export function headerMask(hp: Buffer, sample: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-ecb', hp, null);
  c.setAutoPadding(false);
  return c.update(sample);
}

/** RFC 9001 §5.3: the nonce is the IV XORed with the packet number, left-padded to the IV's length. */
function nonce(iv: Buffer, pn: number): Buffer {
  const n = Buffer.from(iv);
  let v = pn;
  for (let i = n.length - 1; i >= 0 && v > 0; i--) {
    n[i] = n[i]! ^ (v % 256);
    v = Math.floor(v / 256);
  }
  return n;
}

/** AEAD_AES_128_GCM open (RFC 9001 §5.3): `sealed` is ciphertext plus its 16-byte tag, `aad` the unprotected
 *  header. Undefined when the tag does not verify (wrong keys, damage) or the input is shorter than a tag. */
export function openPayload(keys: PacketKeys, pn: number, aad: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  try {
    const d = createDecipheriv('aes-128-gcm', keys.key, nonce(keys.iv, pn));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
  } catch {
    return undefined;
  }
}

/** AEAD_AES_128_GCM seal: the inverse of openPayload, for tests that build protected packets. */
export function sealPayload(keys: PacketKeys, pn: number, aad: Uint8Array, plain: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-gcm', keys.key, nonce(keys.iv, pn));
  c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

/** RFC 9000 §A.3: the full packet number from its truncated form, given the largest one seen (-1 for none). */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const half = win / 2;
  const candidate = expected - (expected % win) + (truncated % win);
  if (candidate <= expected - half && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + half && candidate >= win) return candidate - win;
  return candidate;
}

// SSL 2.0 (stage 3): the record header and the plaintext messages of draft-hickman-netscape-ssl-00, including the
// SSLv2-format ClientHello that SSL 3.0/TLS clients send for compatibility (RFC 5246 §E.2, RFC 6101 §E.1).

import { Cursor, hex } from '../cursor.js';
import type { Fields } from './handshake.js';

export interface Sslv2Header {
  /** 2 or 3 header bytes. */
  headerLength: 2 | 3;
  /** Record body bytes (including padding). */
  length: number;
  padding: number;
}

/**
 * draft-hickman §1.2: with the top bit set the header is 2 bytes and the length 15 bits; otherwise 3 bytes, a
 * 14-bit length (the second bit is is-escape) and a padding count. Undefined until enough bytes are there.
 */
export function sslv2Header(b0: number, b1: number | undefined, b2: number | undefined): Sslv2Header | undefined {
  if (b1 === undefined) return undefined;
  if (b0 & 0x80) return { headerLength: 2, length: ((b0 & 0x7f) << 8) | b1, padding: 0 };
  if (b2 === undefined) return undefined;
  return { headerLength: 3, length: ((b0 & 0x3f) << 8) | b1, padding: b2 };
}

/**
 * True when the bytes open an SSLv2-format CLIENT-HELLO: 2-byte header, msg_type 1 and a version of SSL 2.0
 * (0x0002) or 3.x (RFC 5246 §E.2: "the version ... 3,x"), with lengths that add up to the record.
 */
export function looksLikeSslv2ClientHello(b: (i: number) => number | undefined): boolean {
  const b0 = b(0);
  const b1 = b(1);
  if (b0 === undefined || b1 === undefined || !(b0 & 0x80) || b(2) !== 1) return false;
  const major = b(3);
  const minor = b(4);
  if (major === undefined || minor === undefined) return false;
  if (!((major === 0 && minor === 2) || (major === 3 && minor <= 4))) return false;
  const len = ((b0 & 0x7f) << 8) | b1;
  const specs = ((b(5) ?? 0) << 8) | (b(6) ?? 0);
  const sid = ((b(7) ?? 0) << 8) | (b(8) ?? 0);
  const challenge = ((b(9) ?? 0) << 8) | (b(10) ?? 0);
  return specs % 3 === 0 && 9 + specs + sid + challenge === len && challenge >= 16 && challenge <= 32;
}

/** True when the bytes open an SSL 2.0 SERVER-HELLO (msg_type 4) or ERROR (msg_type 0) with a 2-byte header. */
export function looksLikeSslv2ServerReply(b: (i: number) => number | undefined): boolean {
  const b0 = b(0);
  if (b0 === undefined || !(b0 & 0x80)) return false;
  const type = b(2);
  if (type === 0) return (((b0 & 0x7f) << 8) | (b(1) ?? 0)) === 3;
  if (type !== 4) return false;
  const major = b(5);
  const minor = b(6);
  return major === 0 && minor === 2;
}

// draft-hickman §2.6 / RFC 5246 §E.2: char MSG-CLIENT-HELLO; char CLIENT-VERSION-MSB, -LSB;
//   char CIPHER-SPECS-LENGTH-MSB/LSB; char SESSION-ID-LENGTH-MSB/LSB; char CHALLENGE-LENGTH-MSB/LSB;
//   char CIPHER-SPECS-DATA[]; char SESSION-ID-DATA[]; char CHALLENGE-DATA[]
// (the msg_type byte has been read). Cipher specs are 3-byte numbers; 0x00XXYY is the TLS suite 0xXXYY.
export function sslv2ClientHello(c: Cursor): Fields {
  const f: Fields = { sslv2: true };
  f.version_id = c.u16();
  const specsLen = c.u16();
  const sidLen = c.u16();
  const chLen = c.u16();
  if (specsLen === undefined || sidLen === undefined || chLen === undefined) return f;
  const specs = c.sub(specsLen);
  if (specs) {
    const ids: number[] = [];
    while (specs.left >= 3) ids.push(specs.u24()!);
    if (!specs.empty) c.short = true;
    f.cipher_ids = ids;
  }
  const sid = c.bytes(sidLen);
  if (sid) f.session_id = hex(sid);
  const challenge = c.bytes(chLen);
  if (challenge) f.challenge = hex(challenge);
  f.compression_ids = [];
  return f;
}

// draft-hickman §2.6: char MSG-SERVER-HELLO; char SESSION-ID-HIT; char CERTIFICATE-TYPE;
//   char SERVER-VERSION-MSB/LSB; char CERTIFICATE-LENGTH-MSB/LSB; char CIPHER-SPECS-LENGTH-MSB/LSB;
//   char CONNECTION-ID-LENGTH-MSB/LSB; char CERTIFICATE-DATA[]; char CIPHER-SPECS-DATA[]; char CONNECTION-ID-DATA[]
export function sslv2ServerHello(c: Cursor): Fields {
  const f: Fields = { sslv2: true };
  f.session_id_hit = c.u8();
  f.certificate_type = c.u8();
  f.version_id = c.u16();
  const certLen = c.u16();
  const specsLen = c.u16();
  const connLen = c.u16();
  if (certLen === undefined || specsLen === undefined || connLen === undefined) return f;
  const cert = c.bytes(certLen);
  f.cert_ders = cert && certLen > 0 ? [cert] : [];
  const specs = c.sub(specsLen);
  if (specs) {
    const ids: number[] = [];
    while (specs.left >= 3) ids.push(specs.u24()!);
    f.cipher_ids = ids;
  }
  const conn = c.bytes(connLen);
  if (conn) f.connection_id = hex(conn);
  return f;
}

// draft-hickman §2.6: char MSG-CLIENT-MASTER-KEY; char CIPHER-KIND[3]; char CLEAR-KEY-LENGTH-MSB/LSB;
//   char ENCRYPTED-KEY-LENGTH-MSB/LSB; char KEY-ARG-LENGTH-MSB/LSB; char CLEAR-KEY-DATA[];
//   char ENCRYPTED-KEY-DATA[]; char KEY-ARG-DATA[]
export function sslv2ClientMasterKey(c: Cursor): Fields {
  const f: Fields = { sslv2: true };
  f.cipher_id = c.u24();
  const clear = c.u16();
  const enc = c.u16();
  const arg = c.u16();
  if (clear === undefined || enc === undefined || arg === undefined) return f;
  f.clear_key_bytes = clear;
  f.encrypted_key_bytes = enc;
  f.key_arg_bytes = arg;
  c.skip(clear) && c.skip(enc) && c.skip(arg);
  return f;
}

// draft-hickman §2.7: char MSG-ERROR; char ERROR-CODE-MSB/LSB
export function sslv2Error(c: Cursor): Fields {
  return { sslv2: true, error_code: c.u16() };
}

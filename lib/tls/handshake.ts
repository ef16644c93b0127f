// Handshake messages (stage 3): one decoder per HandshakeType, each reading its RFC struct top to bottom from a
// cursor over the message body (after the 4-byte header). Decoders return numbers and raw DER; ./render.ts adds
// names and decodes certificates. A cursor that ran short means the message was cut (truncated or malformed, as
// the caller knows); decoders never throw.

import { createHash } from 'node:crypto';
import { Cursor, hex } from '../cursor.js';
import { cipherName } from '../registry/index.js';
import { decodeExtensions, type ExtContext, type Extension } from './extensions.js';

/** What a decoder needs to know about the connection so far. */
export interface HsContext {
  /** The version the ServerHello negotiated (after supported_versions); undefined before it. */
  version?: number;
  /** The cipher suite the ServerHello chose. */
  cipher?: number;
  /** Most certificates decoded from one list (opts.maxCertsPerChain). */
  maxCerts: number;
  /** The message was cut short (a gap, the end of the capture): set by decodeMessage. */
  cut?: boolean;
}

export type Fields = Record<string, unknown>;

export type MessageDecoder = (c: Cursor, ctx: HsContext) => Fields;

/** RFC 8446 §4.1.3: a ServerHello whose Random is SHA-256("HelloRetryRequest") is a HelloRetryRequest. */
export const HRR_RANDOM = hex(createHash('sha256').update('HelloRetryRequest').digest());

const TLS13 = 0x0304;

/** TLS 1.3 (or one of its drafts, 0x7fXX / Facebook's 0xfbXX) is in use. */
export function isTls13(version: number | undefined): boolean {
  return version === TLS13 || (version !== undefined && (version >> 8 === 0x7f || version >> 8 === 0xfb));
}

function bytesHex(c: Cursor | undefined): string | undefined {
  return c ? hex(c.buf.subarray(c.pos, c.end)) : undefined;
}

/**
 * The extensions block of a hello. In a message cut short (`cut`) the block runs to the cut: the extensions
 * complete before it are decoded as usual and the one the cut went through is kept as {id, length, truncated}
 * (so a ClientHello cut in its padding or key share still has its SNI, ALPN and supported_versions).
 */
function extensionsBlock(c: Cursor, f: Fields, ctx: ExtContext, required = false, cut = false): void {
  // RFC 5246 §7.4.1.2: the extensions block is optional in TLS ≤ 1.2 ("if any data follows").
  if (c.empty && !required) return;
  const n = c.u16();
  if (n === undefined) return;
  const block = cut && n > c.left ? c.rest() : c.sub(n);
  if (!block) return;
  const { extensions, short } = decodeExtensions(block, ctx, cut);
  f.extensions = extensions;
  if (short) c.short = true;
}

/** The extensions of a decoded message; an empty list when it has none. */
export function extensionsOf(f: Fields): Extension[] {
  // Parse boundary: `extensions` is only ever written by extensionsBlock() above, from decodeExtensions().
  return Array.isArray(f.extensions) ? (f.extensions as Extension[]) : [];
}

function ext(f: Fields, id: number): Extension | undefined {
  return extensionsOf(f).find((e) => e.id === id);
}

// RFC 8446 §4.1.2 (RFC 5246 §7.4.1.2):
//   struct { ProtocolVersion legacy_version; Random random; opaque legacy_session_id<0..32>;
//            CipherSuite cipher_suites<2..2^16-2>; opaque legacy_compression_methods<1..2^8-1>;
//            Extension extensions<8..2^16-1>; } ClientHello;
// A read that runs short ends the decoding: the fields after it would be read from the wrong bytes.
export const clientHello: MessageDecoder = (c, hs) => {
  const f: Fields = {};
  f.version_id = c.u16();
  f.random = bytesHex(c.sub(32));
  if (c.short) return f;
  f.session_id = bytesHex(c.u8Prefixed());
  if (c.short) return f;
  const suites = c.u16Prefixed();
  if (!suites) return f;
  const ids: number[] = [];
  while (suites.left >= 2) ids.push(suites.u16()!);
  if (!suites.empty) c.short = true;
  f.cipher_ids = ids;
  const comp = c.u8Prefixed();
  if (comp) {
    const ids: number[] = [];
    while (!comp.empty) ids.push(comp.u8()!);
    f.compression_ids = ids;
  }
  if (comp) extensionsBlock(c, f, 'client_hello', false, hs.cut);
  return f;
};

// RFC 8446 §4.1.3 (RFC 5246 §7.4.1.3):
//   struct { ProtocolVersion legacy_version; Random random; opaque legacy_session_id_echo<0..32>;
//            CipherSuite cipher_suite; uint8 legacy_compression_method; Extension extensions<6..2^16-1>; } ServerHello;
// RFC 5246 §7.4.1.2: Random begins with uint32 gmt_unix_time.
// TLS 1.3 drafts before -22 (version 0x7f00 + draft) had no session id or compression method:
//   struct { ProtocolVersion version; Random random; CipherSuite cipher_suite; Extension extensions<0..2^16-1>; }
export const serverHello: MessageDecoder = (c, hs) => {
  const f: Fields = {};
  const v = c.u16();
  f.legacy_version_id = v;
  if (v !== undefined && v >> 8 === 0x7f && (v & 0xff) < 22) {
    const random = c.sub(32);
    f.random = bytesHex(random);
    f.hello_retry_request = false;
    f.cipher_id = c.u16();
    if (f.cipher_id !== undefined) extensionsBlock(c, f, 'server_hello', false, hs.cut);
    f.version_id = v;
    return f;
  }
  const random = c.sub(32);
  if (random) {
    f.random = bytesHex(random);
    f.gmt_unix_time = random.u32();
  }
  const hrr = f.random === HRR_RANDOM;
  f.hello_retry_request = hrr;
  if (c.short) return f;
  f.session_id = bytesHex(c.u8Prefixed());
  if (c.short) return f;
  f.cipher_id = c.u16();
  f.compression_id = c.u8();
  if (f.compression_id !== undefined) extensionsBlock(c, f, hrr ? 'hello_retry_request' : 'server_hello', false, hs.cut);
  const sv = ext(f, 43)?.selected_version_id;
  f.version_id = typeof sv === 'number' ? sv : f.legacy_version_id;
  return f;
};

// RFC 8446 §4.4.2: struct { opaque certificate_request_context<0..2^8-1>; CertificateEntry certificate_list<0..2^24-1>; }
//   struct { opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>; } CertificateEntry;
// RFC 5246 §7.4.2: struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;  opaque ASN.1Cert<1..2^24-1>;
// Certificates complete before a cut are kept; beyond ctx.maxCerts they are counted, not decoded.
export const certificate: MessageDecoder = (c, ctx) => {
  const f: Fields = {};
  const tls13 = isTls13(ctx.version);
  if (tls13) f.request_context = bytesHex(c.u8Prefixed());
  const ders: Uint8Array[] = [];
  const entryExtensions: Extension[][] = [];
  let omitted = 0;
  const listLen = c.u24();
  if (listLen === undefined) {
    f.cert_ders = ders;
    return f;
  }
  const list = c.sub(Math.min(listLen, c.left));
  if (list && list.left < listLen) c.short = true;
  while (list && !list.empty) {
    const der = list.u24Prefixed();
    if (!der) {
      c.short = true;
      break;
    }
    if (ders.length < ctx.maxCerts) ders.push(der.buf.subarray(der.pos, der.end));
    else omitted++;
    if (tls13) {
      const block = list.u16Prefixed();
      if (!block) {
        c.short = true;
        break;
      }
      // Only the entries of the certificates decoded: past ctx.maxCerts an entry is counted, not decoded, so that
      // thousands of tiny entries cannot make thousands of extension lists.
      if (omitted === 0) entryExtensions.push(decodeExtensions(block, 'certificate').extensions);
    }
  }
  f.cert_ders = ders;
  if (omitted) f.certs_omitted = omitted;
  if (tls13 && entryExtensions.some((e) => e.length)) f.cert_extensions = entryExtensions;
  return f;
};

/** The key exchange a TLS ≤ 1.2 cipher suite uses, read from its IANA name (RFC 5246 §7.4.3, RFC 8422, RFC 4279). */
export function keyExchange(cipher: number | undefined): string | undefined {
  if (cipher === undefined) return undefined;
  const n = cipherName(cipher);
  if (n.startsWith('unknown') || n === 'GREASE') return undefined;
  if (/^TLS_(AES|CHACHA20|SM4|AEGIS)_/.test(n)) return 'tls13';
  if (n.includes('_ECDHE_PSK_')) return 'ecdhe_psk';
  if (n.includes('_DHE_PSK_')) return 'dhe_psk';
  if (n.includes('_RSA_PSK_')) return 'rsa_psk';
  if (n.includes('_PSK_')) return 'psk';
  if (n.includes('_SRP_')) return 'srp';
  if (n.includes('_ECDHE_')) return 'ecdhe';
  if (n.includes('_ECDH_anon_')) return 'ecdh_anon';
  if (n.includes('_ECDH_')) return 'ecdh';
  if (n.includes('_DHE_') || n.includes('_EDH_')) return 'dhe';
  if (n.includes('_DH_anon_')) return 'dh_anon';
  if (n.includes('_DH_')) return 'dh';
  if (n.includes('_RSA_EXPORT')) return 'rsa_export';
  if (n.includes('_RSA_')) return 'rsa';
  return undefined;
}

/** RFC 5246 §7.4.1.4.1 / §4.7: digitally-signed: TLS 1.2 adds SignatureAndHashAlgorithm before opaque signature<0..2^16-1>. */
function signature(c: Cursor, f: Fields, ctx: HsContext): void {
  if (ctx.version === 0x0303 || (ctx.version === undefined && c.left >= 4 && c.peek(0)! <= 0x08 && ((c.peek(2)! << 8) | c.peek(3)!) === c.left - 4)) {
    f.sig_alg_id = c.u16();
  }
  f.signature_bytes = c.u16Prefixed()?.left;
}

// RFC 5246 §7.4.3 ServerKeyExchange (DHE: ServerDHParams dh_p<1..2^16-1>, dh_g, dh_Ys; RSA export:
// ServerRSAParams rsa_modulus, rsa_exponent), RFC 8422 §5.4 (ECParameters curve_params {ECCurveType curve_type;
// NamedCurve namedcurve;} ECPoint public <1..2^8-1>), RFC 4279 §2 / RFC 5489 §2 (psk_identity_hint<0..2^16-1>
// first), each followed by a signature unless anonymous or PSK. Which struct applies follows the chosen suite.
export const serverKeyExchange: MessageDecoder = (c, ctx) => {
  const f: Fields = {};
  let kx = keyExchange(ctx.cipher);
  if (kx === undefined) kx = c.peek(0) === 3 ? 'ecdhe' : undefined;
  if (kx) f.kx = kx;
  if (kx === 'psk' || kx === 'dhe_psk' || kx === 'ecdhe_psk' || kx === 'rsa_psk') f.psk_identity_hint_length = c.u16Prefixed()?.left;
  if (kx === 'ecdhe' || kx === 'ecdh_anon' || kx === 'ecdhe_psk') {
    const curveType = c.u8();
    f.curve_type = curveType;
    if (curveType === 3) f.named_group_id = c.u16();
    else {
      f.explicit_curve_bytes = c.rest().left; // RFC 8422 §5.4: explicit curves are deprecated; not decoded
      return f;
    }
    f.public_key_bytes = c.u8Prefixed()?.left;
  } else if (kx === 'dhe' || kx === 'dh_anon' || kx === 'dhe_psk') {
    const p = c.u16Prefixed();
    if (p) {
      let bits = p.left * 8;
      const first = p.peek(0);
      if (first !== undefined) bits -= Math.clz32(first) - 24;
      f.dh_p_bits = bits;
    }
    f.dh_g_bytes = c.u16Prefixed()?.left;
    f.public_key_bytes = c.u16Prefixed()?.left;
  } else if (kx === 'rsa_export' || kx === 'rsa') {
    f.rsa_modulus_bytes = c.u16Prefixed()?.left;
    f.rsa_exponent_bytes = c.u16Prefixed()?.left;
  } else if (kx === 'srp') {
    f.srp_n_bytes = c.u16Prefixed()?.left;
    f.srp_g_bytes = c.u16Prefixed()?.left;
    f.srp_s_bytes = c.u8Prefixed()?.left;
    f.srp_b_bytes = c.u16Prefixed()?.left;
  } else if (kx !== 'psk') {
    f.params_bytes = c.rest().left; // a suite whose ServerKeyExchange this decoder does not know
    return f;
  }
  const anonymous = ['dh_anon', 'ecdh_anon', 'psk', 'dhe_psk', 'ecdhe_psk', 'rsa_psk'].includes(kx ?? '');
  if (!anonymous) signature(c, f, ctx);
  return f;
};

// RFC 5246 §7.4.4: struct { ClientCertificateType certificate_types<1..2^8-1>;
//   SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;  (TLS 1.2 only)
//   DistinguishedName certificate_authorities<0..2^16-1>; } CertificateRequest;
// RFC 4346 §7.4.4 (TLS 1.0/1.1, SSL 3.0): the same without supported_signature_algorithms.
// RFC 8446 §4.3.2: struct { opaque certificate_request_context<0..2^8-1>; Extension extensions<2..2^16-1>; }
export const certificateRequest: MessageDecoder = (c, ctx) => {
  const f: Fields = {};
  if (isTls13(ctx.version)) {
    f.request_context = bytesHex(c.u8Prefixed());
    extensionsBlock(c, f, 'certificate_request', true);
    const sig = ext(f, 13)?.sig_alg_ids;
    if (sig) f.sig_alg_ids = sig;
    const cas = ext(f, 47)?.ca_names_der;
    f.ca_names_der = cas ?? [];
    f.cert_type_ids = [];
    return f;
  }
  const types = c.u8Prefixed();
  const typeIds: number[] = [];
  while (types && !types.empty) typeIds.push(types.u8()!);
  f.cert_type_ids = typeIds;
  // TLS 1.2 has the signature list; when the version is not known (no ServerHello seen), its presence is told by
  // the two length fields adding up to the message.
  let tls12 = ctx.version === 0x0303;
  if (ctx.version === undefined && c.left >= 4) {
    const a = (c.peek(0)! << 8) | c.peek(1)!;
    tls12 = a % 2 === 0 && c.left >= 2 + a + 2 && ((c.peek(2 + a)! << 8) | c.peek(3 + a)!) === c.left - 4 - a;
  }
  if (tls12) {
    const algs = c.u16Prefixed();
    const ids: number[] = [];
    while (algs && algs.left >= 2) ids.push(algs.u16()!);
    f.sig_alg_ids = ids;
  }
  // In a message cut short the CA list runs to the cut: the names complete before it are kept.
  const n = c.u16();
  const cas = n === undefined ? undefined : ctx.cut && n > c.left ? c.rest() : c.sub(n);
  const names: Uint8Array[] = [];
  while (cas && !cas.empty) {
    const dn = cas.u16Prefixed();
    if (!dn) {
      c.short = true;
      break;
    }
    names.push(dn.buf.subarray(dn.pos, dn.end));
  }
  f.ca_names_der = names;
  return f;
};

// RFC 5246 §7.4.5: struct { } ServerHelloDone;  RFC 5246 §7.4.1.1: struct { } HelloRequest;
// RFC 8446 §4.5: struct {} EndOfEarlyData;
export const emptyMessage: MessageDecoder = () => ({});

// RFC 5246 §7.4.7: struct { select (KeyExchangeAlgorithm) { case rsa: EncryptedPreMasterSecret;
//   case dhe_dss/dhe_rsa/dh_anon: ClientDiffieHellmanPublic; } exchange_keys; } ClientKeyExchange;
//   EncryptedPreMasterSecret: public-key-encrypted PreMasterSecret (opaque <0..2^16-1>; SSL 3.0 has no length);
// RFC 8422 §5.7: ClientECDiffieHellmanPublic: ECPoint ecdh_Yc <1..2^8-1>;  RFC 4279 §2: psk_identity<0..2^16-1> first.
export const clientKeyExchange: MessageDecoder = (c, ctx) => {
  const f: Fields = {};
  const kx = keyExchange(ctx.cipher);
  if (kx) f.kx = kx;
  if (kx === 'psk' || kx === 'dhe_psk' || kx === 'ecdhe_psk' || kx === 'rsa_psk') f.psk_identity_length = c.u16Prefixed()?.left;
  if (kx === 'ecdhe' || kx === 'ecdh' || kx === 'ecdh_anon' || kx === 'ecdhe_psk') f.public_key_bytes = c.u8Prefixed()?.left;
  else if (kx === 'dhe' || kx === 'dh_anon' || kx === 'dh' || kx === 'dhe_psk') f.public_key_bytes = c.u16Prefixed()?.left;
  else if (kx === 'rsa' || kx === 'rsa_export' || kx === 'rsa_psk') {
    if (ctx.version === 0x0300) f.encrypted_pre_master_bytes = c.rest().left;
    else f.encrypted_pre_master_bytes = c.u16Prefixed()?.left;
  } else if (kx === 'srp') f.srp_a_bytes = c.u16Prefixed()?.left;
  else if (kx !== 'psk') f.exchange_keys_bytes = c.rest().left;
  return f;
};

// RFC 5246 §7.4.8: struct { digitally-signed struct { opaque handshake_messages[handshake_messages_length]; } }
// RFC 8446 §4.4.3: struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; } CertificateVerify;
export const certificateVerify: MessageDecoder = (c, ctx) => {
  const f: Fields = {};
  if (isTls13(ctx.version)) {
    f.sig_alg_id = c.u16();
    f.signature_bytes = c.u16Prefixed()?.left;
  } else if (ctx.version === 0x0300) {
    f.signature_bytes = c.rest().left; // SSL 3.0: the bare MD5+SHA signature, no length
  } else signature(c, f, ctx);
  return f;
};

// RFC 5246 §7.4.9: struct { opaque verify_data[verify_data_length]; } Finished;
export const finished: MessageDecoder = (c) => ({ verify_data_bytes: c.rest().left });

// RFC 8446 §4.6.1: struct { uint32 ticket_lifetime; uint32 ticket_age_add; opaque ticket_nonce<0..255>;
//   opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>; } NewSessionTicket;
// RFC 5077 §3.3: struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;
export const newSessionTicket: MessageDecoder = (c, ctx) => {
  const f: Fields = {};
  f.lifetime = c.u32();
  if (isTls13(ctx.version)) {
    f.age_add = c.u32();
    f.nonce_length = c.u8Prefixed()?.left;
    f.ticket_length = c.u16Prefixed()?.left;
    extensionsBlock(c, f, 'new_session_ticket', true);
  } else {
    f.ticket_length = c.u16Prefixed()?.left;
  }
  return f;
};

// RFC 8446 §4.3.1: struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;
export const encryptedExtensions: MessageDecoder = (c) => {
  const f: Fields = {};
  const block = c.u16Prefixed();
  if (block) {
    const { extensions, short } = decodeExtensions(block, 'encrypted_extensions');
    f.extensions = extensions;
    if (short) c.short = true;
  }
  return f;
};

// RFC 6066 §8: struct { CertificateStatusType status_type; select (status_type) { case ocsp: OCSPResponse; } }
//   opaque OCSPResponse<1..2^24-1>;   RFC 6961 §2.2: ocsp_multi: OCSPResponse ocsp_response_list<1..2^24-1>;
export const certificateStatus: MessageDecoder = (c) => {
  const f: Fields = {};
  f.status_type_id = c.u8();
  f.response_length = c.u24Prefixed()?.left;
  return f;
};

// RFC 8446 §4.6.3: struct { KeyUpdateRequest request_update; } KeyUpdate;  update_not_requested(0), update_requested(1)
export const keyUpdate: MessageDecoder = (c) => ({ request_update: c.u8() });

// RFC 6347 §4.2.1: struct { ProtocolVersion server_version; opaque cookie<0..2^8-1>; } HelloVerifyRequest;
export const helloVerifyRequest: MessageDecoder = (c) => {
  const f: Fields = {};
  f.server_version_id = c.u16();
  f.cookie_length = c.u8Prefixed()?.left;
  return f;
};

// RFC 8879 §4: struct { CertificateCompressionAlgorithm algorithm; uint24 uncompressed_length;
//   opaque compressed_certificate_message<1..2^24-1>; } CompressedCertificate;
export const compressedCertificate: MessageDecoder = (c) => {
  const f: Fields = {};
  f.algorithm_id = c.u16();
  f.uncompressed_length = c.u24();
  f.compressed_length = c.u24Prefixed()?.left;
  return f;
};

/** HandshakeType → decoder (RFC 8446 §4, RFC 5246 §7.4); types not here are reported with their length only. */
export const MESSAGE_DECODERS: ReadonlyMap<number, MessageDecoder> = new Map<number, MessageDecoder>([
  [0, emptyMessage],
  [1, clientHello],
  [2, serverHello],
  [3, helloVerifyRequest],
  [4, newSessionTicket],
  [5, emptyMessage],
  [8, encryptedExtensions],
  [11, certificate],
  [12, serverKeyExchange],
  [13, certificateRequest],
  [14, emptyMessage],
  [15, certificateVerify],
  [16, clientKeyExchange],
  [20, finished],
  [22, certificateStatus],
  [24, keyUpdate],
  [25, compressedCertificate],
]);

/** RFC 6347 §1.1 / RFC 9147 §1: DTLS 1.0, 1.2 and 1.3 carry the messages of TLS 1.1, 1.2 and 1.3. */
const DTLS_AS_TLS: ReadonlyMap<number, number> = new Map([
  [0xfeff, 0x0302],
  [0xfefd, 0x0303],
  [0xfefc, 0x0304],
]);

/**
 * Decodes one message body. `complete` is true only when every declared byte was present and the struct read
 * them exactly; a cut body gives what was readable and complete false.
 */
export function decodeMessage(
  type: number,
  body: Uint8Array,
  declared: number,
  ctx: HsContext,
  holes?: readonly number[],
): { fields: Fields; complete: boolean; malformed: boolean } {
  if (holes && holes.length > 0) return decodeWithHoles(type, body, declared, ctx, holes);
  const decode = MESSAGE_DECODERS.get(type);
  const asTls = ctx.version === undefined ? undefined : DTLS_AS_TLS.get(ctx.version);
  if (asTls !== undefined) ctx = { ...ctx, version: asTls };
  const c = Cursor.of(body);
  const cut = body.length < declared;
  const fields = decode ? decode(c, cut ? { ...ctx, cut } : ctx) : {};
  const fits = decode ? !c.short && c.empty : true;
  return { fields, complete: !cut && fits, malformed: !cut && !fits };
}

/** A certificate or CA name whose DER has bytes in a hole: its size is known, its content is not. */
export interface Unreadable {
  unreadable: true;
  length: number;
  missing_bytes: number;
}

/**
 * A body with holes of known size (flat body-relative [start, end) pairs, in order: rows left out of an excerpt).
 * DER items (certificates, CA names) are cut by their own lengths, so a hole inside one spoils that item only: it
 * becomes Unreadable. The first hole that is not inside an item (a length, a version, the random) spoils what
 * follows it: items before it are kept and the message is marked cut there; with no item before it, the body is
 * decoded up to that hole, as a message cut there. Nothing is read from a hole.
 */
function decodeWithHoles(
  type: number,
  body: Uint8Array,
  declared: number,
  ctx: HsContext,
  holes: readonly number[],
): { fields: Fields; complete: boolean; malformed: boolean } {
  const whole = type === 11 || type === 13 ? decodeMessage(type, body, declared, ctx) : undefined;
  const f = whole?.fields ?? {};
  const itemKeys = ['cert_ders', 'ca_names_der'] as const;
  const spans: [number, number][] = [];
  for (const k of itemKeys) {
    // Parse boundary: the Certificate and CertificateRequest decoders write these keys as lists of DER views.
    for (const der of (f[k] as Uint8Array[] | undefined) ?? [])
      spans.push([der.byteOffset - body.byteOffset, der.byteOffset - body.byteOffset + der.length]);
  }
  // Items are laid end to end in order, so an item that starts before the first stray hole was cut by real lengths.
  let bad = Infinity;
  for (let i = 0; i < holes.length; i += 2) {
    if (!spans.some(([a, b]) => holes[i]! >= a && holes[i + 1]! <= b && a < bad)) {
      bad = holes[i]!;
      break;
    }
  }
  const firstItem = spans.length > 0 ? Math.min(...spans.map(([a]) => a)) : Infinity;
  if (!whole || bad <= firstItem) {
    const cut = decodeMessage(type, body.subarray(0, holes[0]!), declared, ctx);
    return { fields: cut.fields, complete: false, malformed: false };
  }
  for (const k of itemKeys) {
    // Parse boundary, as above: a list of DER views (the decoder's, before holes are marked).
    const ders = f[k] as Uint8Array[] | undefined;
    if (!ders) continue;
    const kept: (Uint8Array | Unreadable)[] = [];
    for (const der of ders) {
      const a = der.byteOffset - body.byteOffset;
      if (a + der.length > bad) break;
      let missing = 0;
      for (let i = 0; i < holes.length; i += 2) missing += Math.max(0, Math.min(holes[i + 1]!, a + der.length) - Math.max(holes[i]!, a));
      kept.push(missing > 0 ? { unreadable: true, length: der.length, missing_bytes: missing } : der);
    }
    f[k] = kept;
  }
  return { fields: f, complete: bad === Infinity && whole.complete, malformed: bad === Infinity && whole.malformed };
}

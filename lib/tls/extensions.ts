// TLS extensions (stage 3): one decoder per extension type, each reading its RFC struct from the extension's own
// sub-cursor. Values stay numbers; names are added by ./render.ts. An unknown type keeps {id, length}; a GREASE
// type (RFC 8701) is kept and marked. A body that does not match its struct is kept with `malformed: true`.

import { own } from '../bytes.js';
import { Cursor, hex } from '../cursor.js';
import { Recent } from '../recent.js';
import { isGrease } from '../registry/index.js';
import { share } from '../shared.js';
import { CONNECTION_ID_TRANSPORT_PARAMETERS, INTEGER_TRANSPORT_PARAMETERS, quicTransportParameterName } from '../registry/quic.js';

/** Where an extension block sits: the handshake message it belongs to (RFC 8446 §4.2 table). */
export type ExtContext =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate_request'
  | 'new_session_ticket'
  | 'certificate';

export interface Extension {
  id: number;
  length: number;
  grease?: true;
  malformed?: true;
  /** The decoded value, as numbers and strings (see each decoder). */
  [field: string]: unknown;
}

/** Strict UTF-8 (RFC 3629): overlongs, surrogates and anything above U+10FFFF are errors; a BOM is kept as text. */
const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Names from the wire (SNI host names, ALPN and ALPS protocol names) as JSON-safe strings, by the rule lib/x509
 * follows for names (docs/fingerprints.md; docs/events.md, "Strings from the wire"): valid UTF-8 is the text
 * itself; bytes that are not valid UTF-8 become `#` and their lower-case hex, and so does text that begins with
 * `#`, so that the form is never ambiguous. No byte is replaced by U+FFFD, no lone surrogate can appear, and
 * wireBytes() gives back the exact bytes.
 */
export function wireText(b: Uint8Array): string {
  let s: string | undefined;
  try {
    s = text.decode(b);
  } catch {
    s = undefined;
  }
  return s === undefined || s.startsWith('#') ? '#' + hex(b) : s;
}

/** The bytes a wireText() string stands for. */
export function wireBytes(s: string): Uint8Array {
  if (/^#(?:[0-9a-f]{2})*$/.test(s)) return Uint8Array.from(Buffer.from(s.slice(1), 'hex'));
  return new TextEncoder().encode(s);
}

function u16List(c: Cursor | undefined): number[] | undefined {
  if (!c) return undefined;
  const out: number[] = [];
  while (c.left >= 2) out.push(c.u16()!);
  if (!c.empty) c.short = true;
  return out;
}

function u8List(c: Cursor | undefined): number[] | undefined {
  if (!c) return undefined;
  const out: number[] = [];
  while (!c.empty) out.push(c.u8()!);
  return out;
}

/** A list of u8-prefixed strings (ALPN ProtocolNameList, RFC 7301 §3.1; ALPS). */
function protocolNames(c: Cursor | undefined): string[] | undefined {
  if (!c) return undefined;
  const out: string[] = [];
  while (!c.empty) {
    const name = c.u8Prefixed();
    if (!name) break;
    out.push(str(name));
  }
  return out;
}

function str(c: Cursor): string {
  return wireText(c.buf.subarray(c.pos, c.end));
}

type Decoder = (c: Cursor, ctx: ExtContext) => Record<string, unknown> | undefined;

// RFC 6066 §3: struct { NameType name_type; select (name_type) { case host_name: HostName; } name; } ServerName;
//              struct { ServerName server_name_list<1..2^16-1> } ServerNameList;  (empty in ServerHello/EE)
const serverName: Decoder = (c) => {
  if (c.empty) return {};
  const list = c.u16Prefixed();
  if (!list) return undefined;
  const names: string[] = [];
  const otherTypes: number[] = [];
  while (!list.empty) {
    const type = list.u8();
    const name = list.u16Prefixed();
    if (type === undefined || !name) return { server_names: names, short: true };
    if (type === 0) names.push(str(name));
    else otherTypes.push(type);
  }
  return otherTypes.length ? { server_names: names, name_types: otherTypes } : { server_names: names };
};

// RFC 6066 §4: enum { 2^9(1), 2^10(2), 2^11(3), 2^12(4), (255) } MaxFragmentLength;
const maxFragmentLength: Decoder = (c) => ({ max_fragment_length_code: c.u8() });

// RFC 6066 §8: struct { CertificateStatusType status_type; select (status_type) { case ocsp: OCSPStatusRequest; } }
//   OCSPStatusRequest: ResponderID responder_id_list<0..2^16-1>; Extensions request_extensions;
// Empty in ServerHello; in a TLS 1.3 CertificateEntry it is a CertificateStatus (RFC 8446 §4.4.2.1).
const statusRequest: Decoder = (c, ctx) => {
  if (c.empty) return {};
  const statusType = c.u8();
  if (ctx === 'certificate') {
    const response = c.u24Prefixed();
    return { status_type_id: statusType, ocsp_response_length: response?.left };
  }
  if (statusType !== 1) return { status_type_id: statusType, request_length: c.rest().left };
  const responders = c.u16Prefixed();
  const exts = c.u16Prefixed();
  return { status_type_id: statusType, responder_id_list_length: responders?.left, request_extensions_length: exts?.left };
};

// RFC 8422 §5.1.1 / RFC 7919 §2 / RFC 8446 §4.2.7: NamedGroup named_group_list<2..2^16-1>;
const supportedGroups: Decoder = (c) => ({ group_ids: u16List(c.u16Prefixed()) });

// RFC 8422 §5.1.2: ECPointFormat ec_point_format_list<1..2^8-1>;
const ecPointFormats: Decoder = (c) => ({ format_ids: u8List(c.u8Prefixed()) });

// RFC 8446 §4.2.3 (and RFC 5246 §7.4.1.4.1): SignatureScheme supported_signature_algorithms<2..2^16-2>;
const signatureAlgorithms: Decoder = (c) => ({ sig_alg_ids: u16List(c.u16Prefixed()) });

// RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>;  (exactly one name in ServerHello/EE)
const alpn: Decoder = (c) => ({ protocols: protocolNames(c.u16Prefixed()) });

// RFC 6962 §3.3.1: empty in ClientHello; SignedCertificateTimestampList in ServerHello/CertificateEntry.
const sct: Decoder = (c) => (c.empty ? {} : { sct_list_length: c.u16Prefixed()?.left });

// RFC 7685 §3: opaque zeros; its length is the padding.
const padding: Decoder = (c) => {
  let zeros = true;
  while (!c.empty) if (c.u8() !== 0) zeros = false;
  return zeros ? {} : { nonzero: true };
};

// Empty extensions: encrypt_then_mac (RFC 7366 §2), extended_master_secret (RFC 7627 §5.1),
// post_handshake_auth (RFC 8446 §4.2.6). A non-empty body is malformed.
const empty: Decoder = (c) => (c.empty ? {} : undefined);

// RFC 8879 §3: CertificateCompressionAlgorithm algorithms<2..2^8-2>;
const compressCertificate: Decoder = (c) => ({ algorithm_ids: u16List(c.u8Prefixed()) });

// RFC 8449 §4: uint16 RecordSizeLimit;
const recordSizeLimit: Decoder = (c) => ({ limit: c.u16() });

// RFC 5077 §3.2: opaque ticket (the whole extension body; empty asks for a new ticket).
const sessionTicket: Decoder = (c) => ({ ticket_length: c.rest().left });

// RFC 8446 §4.2.11: ClientHello: PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>;
//   struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
// ServerHello: uint16 selected_identity;
const preSharedKey: Decoder = (c, ctx) => {
  if (ctx === 'server_hello') return { selected_identity: c.u16() };
  const ids = c.u16Prefixed();
  if (!ids) return undefined;
  const identityLengths: number[] = [];
  while (!ids.empty) {
    const id = ids.u16Prefixed();
    if (!id || ids.u32() === undefined) return { identities: identityLengths.length, identity_lengths: identityLengths, short: true };
    identityLengths.push(id.left);
  }
  const bindersC = c.u16Prefixed();
  let binders = 0;
  if (bindersC) {
    while (!bindersC.empty) {
      if (!bindersC.u8Prefixed()) break;
      binders++;
    }
  }
  return { identities: identityLengths.length, identity_lengths: identityLengths, binders };
};

// RFC 8446 §4.2.10: empty in ClientHello/EE; NewSessionTicket: uint32 max_early_data_size;
const earlyData: Decoder = (c, ctx) => (ctx === 'new_session_ticket' ? { max_early_data_size: c.u32() } : c.empty ? {} : undefined);

// RFC 8446 §4.2.1: ClientHello: ProtocolVersion versions<2..254>; ServerHello/HRR: ProtocolVersion selected_version;
const supportedVersions: Decoder = (c, ctx) => {
  if (ctx === 'server_hello' || ctx === 'hello_retry_request') return { selected_version_id: c.u16() };
  const list = c.u8Prefixed();
  return { version_ids: u16List(list) };
};

// RFC 8446 §4.2.2: opaque cookie<1..2^16-1>;
const cookie: Decoder = (c) => ({ cookie_length: c.u16Prefixed()?.left });

// RFC 8446 §4.2.9: PskKeyExchangeMode ke_modes<1..255>;
const pskModes: Decoder = (c) => ({ mode_ids: u8List(c.u8Prefixed()) });

// RFC 8446 §4.2.4: DistinguishedName authorities<3..2^16-1>; opaque DistinguishedName<1..2^16-1>;
// The DER of each name is kept for ./render.ts, which turns it into an RFC 4514 string.
const certificateAuthorities: Decoder = (c) => {
  const list = c.u16Prefixed();
  if (!list) return undefined;
  const names: Uint8Array[] = [];
  while (!list.empty) {
    const dn = list.u16Prefixed();
    if (!dn) return { ca_names_der: names, short: true };
    names.push(dn.buf.subarray(dn.pos, dn.end));
  }
  return { ca_names_der: names };
};

// RFC 8446 §4.2.8: ClientHello: KeyShareEntry client_shares<0..2^16-1>; ServerHello: KeyShareEntry server_share;
// HelloRetryRequest: NamedGroup selected_group;   struct { NamedGroup group; opaque key_exchange<1..2^16-1>; }
const keyShare: Decoder = (c, ctx) => {
  if (ctx === 'hello_retry_request') return { selected_group_id: c.u16() };
  if (ctx === 'server_hello') {
    const group = c.u16();
    const key = c.u16Prefixed();
    return { group_id: group, key_bytes: key?.left };
  }
  const list = c.u16Prefixed();
  if (!list) return undefined;
  const shares: { group_id: number; key_bytes: number }[] = [];
  while (!list.empty) {
    const group = list.u16();
    const key = list.u16Prefixed();
    if (group === undefined || !key) return { shares, short: true };
    shares.push({ group_id: group, key_bytes: key.left });
  }
  return { shares };
};

// RFC 5746 §3.2: opaque renegotiated_connection<0..255>;
const renegotiationInfo: Decoder = (c) => ({ renegotiated_connection_length: c.u8Prefixed()?.left });

// draft-vvv-tls-alps §3: ApplicationSettingsSupport: ProtocolName supported_protocols<2..2^16-1>;
const applicationSettings: Decoder = (c, ctx) =>
  ctx === 'client_hello' ? { protocols: protocolNames(c.u16Prefixed()) } : { settings_length: c.rest().left };

// draft-ietf-tls-esni §5: ClientHello: enum { outer(0), inner(1) } ECHClientHelloType; outer carries
// HpkeSymmetricCipherSuite cipher_suite (kdf_id u16, aead_id u16); uint8 config_id; opaque enc<0..2^16-1>;
// opaque payload<1..2^16-1>. EncryptedExtensions: ECHConfigList retry_configs; HRR: opaque confirmation[8].
const encryptedClientHello: Decoder = (c, ctx) => {
  if (ctx === 'encrypted_extensions') return { retry_configs_length: c.u16Prefixed()?.left };
  if (ctx === 'hello_retry_request') return { confirmation_length: c.rest().left };
  const type = c.u8();
  if (type === 1) return { ech_type: 'inner' };
  if (type !== 0) return { ech_type_id: type, rest_length: c.rest().left };
  const kdf = c.u16();
  const aead = c.u16();
  const configId = c.u8();
  const enc = c.u16Prefixed();
  const payload = c.u16Prefixed();
  return { ech_type: 'outer', kdf_id: kdf, aead_id: aead, config_id: configId, enc_length: enc?.left, payload_length: payload?.left };
};

// RFC 9001 §8.2 quic_transport_parameters, RFC 9000 §18: a sequence of
//   Transport Parameter { Transport Parameter ID (i), Transport Parameter Length (i), Transport Parameter Value (..) }
// Integer parameters show their value, connection IDs their hex, the others their length.
const quicTransportParameters: Decoder = (c) => {
  const parameters: Record<string, unknown>[] = [];
  while (!c.empty) {
    const id = c.varint();
    const value = c.varintPrefixed();
    if (id === undefined || !value) return { parameters, short: true };
    const p: Record<string, unknown> = { id, name: quicTransportParameterName(id), length: value.left };
    if (INTEGER_TRANSPORT_PARAMETERS.has(id)) {
      const v = value.varint();
      if (v !== undefined && value.empty) p.value = v;
    } else if (CONNECTION_ID_TRANSPORT_PARAMETERS.has(id)) p.value = hex(value.buf.subarray(value.pos, value.end));
    parameters.push(p);
  }
  return { parameters };
};

const DECODERS: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [0, serverName],
  [1, maxFragmentLength],
  [5, statusRequest],
  [10, supportedGroups],
  [11, ecPointFormats],
  [13, signatureAlgorithms],
  [16, alpn],
  [18, sct],
  [21, padding],
  [22, empty],
  [23, empty],
  [27, compressCertificate],
  [28, recordSizeLimit],
  [35, sessionTicket],
  [41, preSharedKey],
  [42, earlyData],
  [43, supportedVersions],
  [44, cookie],
  [45, pskModes],
  [47, certificateAuthorities],
  [49, empty],
  [50, signatureAlgorithms],
  [51, keyShare],
  [57, quicTransportParameters],
  [17513, applicationSettings],
  [0xfe0d, encryptedClientHello],
  [0xff01, renegotiationInfo],
]);

/**
 * Extensions decoded recently, by their message, type and bytes: a client of one kind sends the same server name,
 * groups, signature algorithms and versions in connection after connection, and a server the same answers. A hit
 * gives the same Extension object again, marked shared (lib/shared.ts: read-only), so that its names and its JSON
 * text are made once too (./render.ts, lib/output/eventbytes.ts). At most EXTENSION_CACHE_ENTRIES are kept, the
 * oldest going first, and only bodies of at most EXTENSION_CACHE_MAX_BYTES.
 */
export const EXTENSION_CACHE_ENTRIES = 256;
export const EXTENSION_CACHE_MAX_BYTES = 512;

/** Types whose bytes are new in every connection (a key share, a PSK identity, a cookie, an encrypted hello): never
 *  found again, so not kept. A session ticket is kept only when empty (a client asking for one). */
const FRESH_EXTENSIONS: ReadonlySet<number> = new Set([41, 44, 51, 0xfe0d]);

interface KnownExtension {
  ctx: ExtContext;
  raw: Uint8Array;
  ext: Extension;
}

const recentExtensions = new Recent<number, KnownExtension>(EXTENSION_CACHE_ENTRIES);

/** A number from an extension's message, type and bytes (FNV-1a): equal for equal extensions. */
function extensionKey(ctx: ExtContext, id: number, b: Uint8Array, start: number, end: number): number {
  let h = Math.imul(0x811c9dc5 ^ id, 0x01000193) ^ ctx.length ^ (ctx.charCodeAt(0) << 8);
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

/** One extension with a decoder, from its body (a cursor over its bytes). */
function decodeOne(id: number, body: Cursor, ctx: ExtContext): Extension {
  const ext: Extension = { id, length: body.left };
  const decode = DECODERS.get(id);
  if (decode) {
    const value = decode(body, ctx);
    if (value === undefined || body.short || !body.empty || value.short === true) ext.malformed = true;
    if (value) {
      // for…in, not Object.keys(): no array of keys per extension (decoders return plain literals).
      for (const k in value) if (k !== 'short' && value[k] !== undefined) ext[k] = value[k];
    }
  }
  return ext;
}

/** decodeOne, through recentExtensions for the types whose bytes recur. */
function knownOrDecoded(id: number, body: Cursor, ctx: ExtContext): Extension {
  const start = body.pos;
  const end = body.end;
  if (end - start > EXTENSION_CACHE_MAX_BYTES || FRESH_EXTENSIONS.has(id) || (id === 35 && end > start)) return decodeOne(id, body, ctx);
  const key = extensionKey(ctx, id, body.buf, start, end);
  const hit = recentExtensions.get(key);
  if (hit !== undefined) {
    // Another extension with the same key is decoded and not kept.
    return hit.ctx === ctx && hit.ext.id === id && sameBytes(hit.raw, body.buf, start, end) ? hit.ext : decodeOne(id, body, ctx);
  }
  const raw = own(body.buf, start, end);
  return recentExtensions.set(key, { ctx, raw, ext: share(decodeOne(id, body, ctx)) }).ext;
}

/**
 * RFC 8446 §4.2 / RFC 5246 §7.4.1.4: Extension extensions<0..2^16-1>; struct { ExtensionType extension_type;
 * opaque extension_data<0..2^16-1>; } Extension;  The cursor holds the block's content (after its length).
 * Returns the extensions decoded before the block ran out; `short` when the last one was cut. When the message
 * itself was cut short (`cut`), an extension whose header is complete but whose body is not is kept as
 * {id, length, truncated: true}, its body not decoded.
 */
export function decodeExtensions(c: Cursor, ctx: ExtContext, cut = false): { extensions: Extension[]; short: boolean } {
  const extensions: Extension[] = [];
  while (!c.empty) {
    const id = c.u16();
    const length = c.u16();
    const body = length === undefined ? undefined : c.sub(length);
    if (id === undefined || length === undefined || !body) {
      if (cut && id !== undefined && length !== undefined) {
        const partial: Extension = { id, length, truncated: true };
        if (isGrease(id)) partial.grease = true;
        extensions.push(partial);
      }
      return { extensions, short: true };
    }
    extensions.push(isGrease(id) ? { id, length: body.left, grease: true } : knownOrDecoded(id, body, ctx));
  }
  return { extensions, short: false };
}

// The fields of each TLS handshake message and extension as the TLS stage writes them onto `tls.handshake` events
// (lib/tls/handshake.ts, extensions.ts, sslv2.ts decode; lib/tls/render.ts names), typed once for every reader.
// Types only: the contract in code form of docs/events.md, "tls.handshake". Numbers (`…_id`) are the data; the name
// beside each is added where the event is written. Every field may be absent: a message cut by a gap keeps what was
// decoded before the cut.

import type { Certificate, CertificateError } from './x509/index.js';

/** Handshake message types (RFC 8446 §4, RFC 5246 §7.4): the `msg_id` of a TLS `tls.handshake` event. */
export const HS = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_status: 22,
  key_update: 24,
} as const;

/** SSL 2.0 message types (draft-hickman §2.6): the `msg_id` of a `tls.handshake` event with `sslv2: true`. */
export const SSLV2 = {
  error: 0,
  client_hello: 1,
  client_master_key: 2,
  client_finished: 3,
  server_hello: 4,
  server_verify: 5,
  server_finished: 6,
} as const;

/** TLS content types (RFC 8446 §5.1): a `tls.record`'s `content_id`; 128 marks an SSLv2-format record. */
export const CONTENT = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
  sslv2: 128,
} as const;

/** Alert levels and the descriptions (RFC 8446 §6) that verdicts read: a `tls.alert`'s `level_id`, `description_id`. */
export const ALERT = {
  fatal: 2,
  close_notify: 0,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  unknown_ca: 48,
  access_denied: 49,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
} as const;

/** Extension types (IANA TLS ExtensionType registry) that the readers of events look for. */
export const EXT = {
  server_name: 0,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  alpn: 16,
  padding: 21,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  key_share: 51,
  quic_transport_parameters: 57,
  encrypted_client_hello: 0xfe0d,
  renegotiation_info: 0xff01,
} as const;

// --- extensions -----------------------------------------------------------------------------------------------

/** Every extension in an `extensions` list: `{id, name, length}` plus the decoded value of its type. */
export interface ExtensionCommon {
  id: number;
  name?: string;
  /** Body bytes. */
  length: number;
  grease?: true;
  malformed?: true;
  /** Cut by a gap or the end of input: the header was read, the body not decoded. */
  truncated?: true;
}

/** RFC 6066 §3 server_name. */
export interface ServerNameExtension extends ExtensionCommon {
  server_names?: string[];
  /** Name types other than host_name (0). */
  name_types?: number[];
}

/** RFC 6066 §8 status_request (and a TLS 1.3 CertificateEntry's CertificateStatus). */
export interface StatusRequestExtension extends ExtensionCommon {
  status_type_id?: number;
  status_type?: string;
  ocsp_response_length?: number;
  request_length?: number;
  responder_id_list_length?: number;
  request_extensions_length?: number;
}

/** RFC 8422 §5.1.1 supported_groups. */
export interface SupportedGroupsExtension extends ExtensionCommon {
  group_ids?: number[];
  groups?: string[];
}

/** RFC 8422 §5.1.2 ec_point_formats. */
export interface EcPointFormatsExtension extends ExtensionCommon {
  format_ids?: number[];
  formats?: string[];
}

/** RFC 8446 §4.2.3 signature_algorithms. */
export interface SignatureAlgorithmsExtension extends ExtensionCommon {
  sig_alg_ids?: number[];
  sig_algs?: string[];
}

/** RFC 7301 §3.1 application_layer_protocol_negotiation, and ALPS's protocol list. */
export interface AlpnExtension extends ExtensionCommon {
  protocols?: string[];
}

/** RFC 8446 §4.2.11 pre_shared_key: the ClientHello's identities, or the ServerHello's selected one. */
export interface PreSharedKeyExtension extends ExtensionCommon {
  selected_identity?: number;
  identities?: number;
  identity_lengths?: number[];
  binders?: number;
}

/** RFC 8446 §4.2.1 supported_versions: the ClientHello's list, or the ServerHello's selection. */
export interface SupportedVersionsExtension extends ExtensionCommon {
  version_ids?: number[];
  versions?: string[];
  selected_version_id?: number;
  selected_version?: string;
}

/** RFC 8446 §4.2.8 key_share. */
export interface KeyShareExtension extends ExtensionCommon {
  shares?: { group_id?: number; group?: string; key_bytes?: number }[];
  group_id?: number;
  group?: string;
  key_bytes?: number;
  selected_group_id?: number;
  selected_group?: string;
}

/** RFC 9000 §18 quic_transport_parameters. */
export interface QuicTransportParametersExtension extends ExtensionCommon {
  parameters?: { id: number; name: string; length: number; value?: number | string }[];
}

/** An extension by its type; the others carry ExtensionCommon and their own fields (docs/events.md). */
export interface Extensions {
  [EXT.server_name]: ServerNameExtension;
  [EXT.status_request]: StatusRequestExtension;
  [EXT.supported_groups]: SupportedGroupsExtension;
  [EXT.ec_point_formats]: EcPointFormatsExtension;
  [EXT.signature_algorithms]: SignatureAlgorithmsExtension;
  [EXT.alpn]: AlpnExtension;
  [EXT.pre_shared_key]: PreSharedKeyExtension;
  [EXT.supported_versions]: SupportedVersionsExtension;
  [EXT.key_share]: KeyShareExtension;
  [EXT.quic_transport_parameters]: QuicTransportParametersExtension;
}

/** One extension of a list, of any type: its common fields typed, the value's fields read by their type. */
export type Extension = ExtensionCommon &
  Partial<
    Omit<
      ServerNameExtension &
        StatusRequestExtension &
        SupportedGroupsExtension &
        EcPointFormatsExtension &
        SignatureAlgorithmsExtension &
        AlpnExtension &
        PreSharedKeyExtension &
        SupportedVersionsExtension &
        KeyShareExtension &
        QuicTransportParametersExtension,
      keyof ExtensionCommon
    >
  >;

/** The extension of type `id` in a list, if there is one. */
export function findExtension<K extends keyof Extensions>(list: readonly Extension[] | undefined, id: K): Extensions[K] | undefined {
  return list?.find((e): e is Extensions[K] => e.id === id);
}

// --- handshake messages ---------------------------------------------------------------------------------------

/** A certificate of a `certs` list: decoded by lib/x509, or `{error, sha256}` when it does not parse. */
export type CertificateEntry = Certificate | CertificateError;

/** RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2 ClientHello (and an SSLv2-format CLIENT-HELLO with `sslv2: true`). */
export interface ClientHello {
  version_id?: number;
  version?: string;
  random?: string;
  session_id?: string;
  cipher_ids?: number[];
  ciphers?: string[];
  compression_ids?: number[];
  compressions?: string[];
  extensions?: Extension[];
  extension_ids?: number[];
  /** The first host name of server_name; null when the hello has none. */
  sni?: string | null;
  alpn?: string[];
  supported_versions?: string[];
  supported_version_ids?: number[];
  key_share_groups?: string[];
  psk_identities?: number;
  psk_modes?: string[];
  grease?: boolean;
  session_ticket_length?: number;
  early_data?: boolean;
  /** encrypted_client_hello's type (`outer`, `inner`), or true when it has none. */
  ech?: string | true;
  ja3?: string;
  ja3_hash?: string;
  ja4?: string;
  challenge?: string;
}

/** RFC 8446 §4.1.3 / RFC 5246 §7.4.1.3 ServerHello (a HelloRetryRequest has `hello_retry_request: true`). */
export interface ServerHello {
  /** Negotiated: supported_versions' selection when present, else legacy_version. */
  version_id?: number;
  version?: string;
  legacy_version_id?: number;
  legacy_version?: string;
  random?: string;
  gmt_unix_time?: number;
  session_id?: string;
  session_id_match?: boolean;
  cipher_id?: number;
  cipher?: string;
  compression_id?: number;
  compression?: string;
  extensions?: Extension[];
  hello_retry_request?: boolean;
  key_share_group?: string;
  psk_selected_identity?: number;
  alpn?: string[];
  ja3s?: string;
  ja3s_hash?: string;
  /** SSL 2.0 SERVER-HELLO: the server's certificate travels in it. */
  certs?: CertificateEntry[];
  connection_id?: string;
  session_id_hit?: boolean;
}

/** RFC 8446 §4.4.2 / RFC 5246 §7.4.2 Certificate. */
export interface CertificateMessage {
  certs?: CertificateEntry[];
  certs_omitted?: number;
  request_context?: string;
  cert_extensions?: Extension[][];
}

/** RFC 8446 §4.3.2 / RFC 5246 §7.4.4 CertificateRequest. */
export interface CertificateRequest {
  /** Absent in TLS 1.3, which has no certificate_types. */
  cert_type_ids?: number[];
  cert_types?: string[];
  sig_alg_ids?: number[];
  sig_algs?: string[];
  ca_names?: string[];
  /** CA names whose bytes are missing from an excerpt. */
  ca_names_unreadable?: number;
  request_context?: string;
  extensions?: Extension[];
}

/** RFC 5246 §7.4.3 ServerKeyExchange. */
export interface ServerKeyExchange {
  kx?: string;
  curve_type?: number;
  named_group_id?: number;
  named_group?: string;
  public_key_bytes?: number;
  dh_p_bits?: number;
  dh_g_bytes?: number;
  sig_alg_id?: number;
  sig_alg?: string;
  signature_bytes?: number;
}

/** RFC 5246 §7.4.7 ClientKeyExchange. */
export interface ClientKeyExchange {
  kx?: string;
  public_key_bytes?: number;
  encrypted_pre_master_bytes?: number;
}

/** RFC 8446 §4.4.3 / RFC 5246 §7.4.8 CertificateVerify. */
export interface CertificateVerify {
  sig_alg_id?: number;
  sig_alg?: string;
  signature_bytes?: number;
}

/** RFC 8446 §4.6.1 / RFC 5077 §3.3 NewSessionTicket. */
export interface NewSessionTicket {
  lifetime?: number;
  age_add?: number;
  nonce_length?: number;
  ticket_length?: number;
  extensions?: Extension[];
}

/** RFC 8446 §4.3.1 EncryptedExtensions. */
export interface EncryptedExtensions {
  extensions?: Extension[];
}

/** RFC 6347 §4.2.1 HelloVerifyRequest. */
export interface HelloVerifyRequest {
  server_version_id?: number;
  server_version?: string;
  cookie_length?: number;
}

/** RFC 8446 §4.6.3 KeyUpdate. */
export interface KeyUpdate {
  /** update_not_requested(0), update_requested(1). */
  request_update?: number;
}

/** Fields of a message by its TLS type (`msg_id`); the others carry `length` and what their decoder shows. */
export interface HandshakeMessages {
  [HS.client_hello]: ClientHello;
  [HS.server_hello]: ServerHello;
  [HS.hello_verify_request]: HelloVerifyRequest;
  [HS.new_session_ticket]: NewSessionTicket;
  [HS.encrypted_extensions]: EncryptedExtensions;
  [HS.certificate]: CertificateMessage;
  [HS.server_key_exchange]: ServerKeyExchange;
  [HS.certificate_request]: CertificateRequest;
  [HS.certificate_verify]: CertificateVerify;
  [HS.client_key_exchange]: ClientKeyExchange;
  [HS.key_update]: KeyUpdate;
}

/** SSL 2.0 messages (`sslv2: true`) by their own numbering; a CLIENT-HELLO and SERVER-HELLO read like TLS hellos. */
export interface Sslv2Messages {
  [SSLV2.client_hello]: ClientHello;
  [SSLV2.server_hello]: ServerHello;
  [SSLV2.client_master_key]: { cipher_id?: number; cipher?: string; clear_key_bytes?: number; encrypted_key_bytes?: number; key_arg_bytes?: number };
}

// Named code points that the TLS stage branches on: record content types, handshake message types and extension
// types (IANA TLS registries; RFC 8446 §4, §4.2, §5.1; RFC 5246 §6.2.1). Names for output live in lib/registry.

/** ContentType (RFC 8446 §5.1). */
export const CONTENT = { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23, heartbeat: 24 } as const;

/** HandshakeType (RFC 8446 §4; RFC 5246 §7.4). */
export const MSG = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  certificate: 11,
  certificate_request: 13,
} as const;

/** ExtensionType (RFC 8446 §4.2 and the registries it cites). */
export const EXT = {
  server_name: 0, // RFC 6066 §3
  supported_groups: 10, // RFC 8422 §5.1.1
  ec_point_formats: 11, // RFC 8422 §5.1.2
  signature_algorithms: 13, // RFC 8446 §4.2.3
  alpn: 16, // RFC 7301
  encrypt_then_mac: 22, // RFC 7366
  session_ticket: 35, // RFC 5077
  pre_shared_key: 41, // RFC 8446 §4.2.11
  early_data: 42, // RFC 8446 §4.2.10
  supported_versions: 43, // RFC 8446 §4.2.1
  psk_key_exchange_modes: 45, // RFC 8446 §4.2.9
  key_share: 51, // RFC 8446 §4.2.8
  encrypted_client_hello: 0xfe0d, // draft-ietf-tls-esni
} as const;

/** SSL 2.0 message types (draft-hickman §2.6), the first byte of each SSL 2.0 record. */
export const SSLV2_MSG = { error: 0, client_hello: 1, client_master_key: 2, server_hello: 4 } as const;

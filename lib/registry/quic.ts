// QUIC registries (RFC 9000 §22, RFC 9369): versions, frame types, transport parameters and transport error
// codes, as numbers with names added at output. Typed from the RFC tables (IANA "QUIC" registry group).

/** RFC 9000 (v1) and RFC 9369 (v2). */
export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;

/** A QUIC version's name: v1, v2, an IETF draft (0xff0000NN), a reserved greasing version, or its hex. */
export function quicVersionName(v: number): string {
  if (v === QUIC_V1) return 'QUIC v1';
  if (v === QUIC_V2) return 'QUIC v2';
  if (v === 0) return 'version negotiation';
  if (v >>> 8 === 0xff0000) return `QUIC draft-${v & 0xff}`;
  if ((v & 0x0f0f0f0f) === 0x0a0a0a0a) return 'reserved (greasing)';
  return `unknown_0x${v.toString(16).padStart(8, '0')}`;
}

/** RFC 9000 §12.4 Table 3 frame types (those an Initial or Handshake packet may carry, and the rest by name). */
const FRAME_TYPES: ReadonlyMap<number, string> = new Map([
  [0x00, 'padding'],
  [0x01, 'ping'],
  [0x02, 'ack'],
  [0x03, 'ack_ecn'],
  [0x04, 'reset_stream'],
  [0x05, 'stop_sending'],
  [0x06, 'crypto'],
  [0x07, 'new_token'],
  [0x10, 'max_data'],
  [0x11, 'max_stream_data'],
  [0x12, 'max_streams_bidi'],
  [0x13, 'max_streams_uni'],
  [0x14, 'data_blocked'],
  [0x15, 'stream_data_blocked'],
  [0x16, 'streams_blocked_bidi'],
  [0x17, 'streams_blocked_uni'],
  [0x18, 'new_connection_id'],
  [0x19, 'retire_connection_id'],
  [0x1a, 'path_challenge'],
  [0x1b, 'path_response'],
  [0x1c, 'connection_close'],
  [0x1d, 'connection_close_app'],
  [0x1e, 'handshake_done'],
]);

export function quicFrameName(t: number): string {
  if (t >= 0x08 && t <= 0x0f) return 'stream';
  return FRAME_TYPES.get(t) ?? `unknown_0x${t.toString(16)}`;
}

/** RFC 9000 §18.2 Table 6, RFC 9368 §3 (version_information), RFC 9221 §3 (max_datagram_frame_size), RFC 9287 §3
 *  (grease_quic_bit). */
const TRANSPORT_PARAMETERS: ReadonlyMap<number, string> = new Map([
  [0x00, 'original_destination_connection_id'],
  [0x01, 'max_idle_timeout'],
  [0x02, 'stateless_reset_token'],
  [0x03, 'max_udp_payload_size'],
  [0x04, 'initial_max_data'],
  [0x05, 'initial_max_stream_data_bidi_local'],
  [0x06, 'initial_max_stream_data_bidi_remote'],
  [0x07, 'initial_max_stream_data_uni'],
  [0x08, 'initial_max_streams_bidi'],
  [0x09, 'initial_max_streams_uni'],
  [0x0a, 'ack_delay_exponent'],
  [0x0b, 'max_ack_delay'],
  [0x0c, 'disable_active_migration'],
  [0x0d, 'preferred_address'],
  [0x0e, 'active_connection_id_limit'],
  [0x0f, 'initial_source_connection_id'],
  [0x10, 'retry_source_connection_id'],
  [0x11, 'version_information'],
  [0x20, 'max_datagram_frame_size'],
  [0x2ab2, 'grease_quic_bit'],
]);

/** Transport parameters whose value is one variable-length integer (RFC 9000 §18.2). */
export const INTEGER_TRANSPORT_PARAMETERS: ReadonlySet<number> = new Set([0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0e, 0x20]);
/** Transport parameters that hold a connection ID, shown as hex. */
export const CONNECTION_ID_TRANSPORT_PARAMETERS: ReadonlySet<number> = new Set([0x00, 0x0f, 0x10]);

/** RFC 9000 §18.1: ids 31 * N + 27 are reserved to exercise unknown-parameter handling. */
export function quicTransportParameterName(id: number): string {
  if (id >= 27 && (id - 27) % 31 === 0) return 'GREASE';
  return TRANSPORT_PARAMETERS.get(id) ?? `unknown_0x${id.toString(16)}`;
}

/** RFC 9000 §20.1 transport error codes; 0x0100–0x01ff carry a TLS alert (CRYPTO_ERROR, RFC 9001 §4.8). */
const TRANSPORT_ERRORS: ReadonlyMap<number, string> = new Map([
  [0x00, 'NO_ERROR'],
  [0x01, 'INTERNAL_ERROR'],
  [0x02, 'CONNECTION_REFUSED'],
  [0x03, 'FLOW_CONTROL_ERROR'],
  [0x04, 'STREAM_LIMIT_ERROR'],
  [0x05, 'STREAM_STATE_ERROR'],
  [0x06, 'FINAL_SIZE_ERROR'],
  [0x07, 'FRAME_ENCODING_ERROR'],
  [0x08, 'TRANSPORT_PARAMETER_ERROR'],
  [0x09, 'CONNECTION_ID_LIMIT_ERROR'],
  [0x0a, 'PROTOCOL_VIOLATION'],
  [0x0b, 'INVALID_TOKEN'],
  [0x0c, 'APPLICATION_ERROR'],
  [0x0d, 'CRYPTO_BUFFER_EXCEEDED'],
  [0x0e, 'KEY_UPDATE_ERROR'],
  [0x0f, 'AEAD_LIMIT_REACHED'],
  [0x10, 'NO_VIABLE_PATH'],
  [0x11, 'VERSION_NEGOTIATION_ERROR'],
]);

export function quicTransportErrorName(code: number): string {
  if (code >= 0x100 && code <= 0x1ff) return 'CRYPTO_ERROR';
  return TRANSPORT_ERRORS.get(code) ?? `unknown_0x${code.toString(16)}`;
}

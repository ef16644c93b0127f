// Data of RFC 9001 Appendix A (the same frames serve RFC 9369 Appendix A): the client's DCID, its CRYPTO frame
// holding a ClientHello for example.com, and the server's ACK and CRYPTO (ServerHello) frames.

export const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export const DCID = h('8394c8f03e515708');

// RFC 9001 §A.2: the client's CRYPTO frame (a ClientHello for example.com), padded to 1162 bytes.
export const CLIENT_CRYPTO = h(`060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868
  04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578
  616d706c652e636f6dff01000100000a00080006001d00170018001000070005
  04616c706e000500050100000000003300260024001d00209370b2c9caa47fba
  baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400
  0d0010000e0403050306030203080408050806002d00020101001c0002400100
  3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000
  75300901100f088394c8f03e51570806048000ffff`);
export const CLIENT_PAYLOAD = Buffer.concat([CLIENT_CRYPTO, Buffer.alloc(1162 - CLIENT_CRYPTO.length)]);
// RFC 9001 §A.3 / RFC 9369 §A.3: the server's ACK and CRYPTO (ServerHello) frames.
export const SERVER_PAYLOAD = h(`02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739
  88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94
  0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00020304`);

/** The ClientHello message (handshake header and body): the CRYPTO frame less its type, offset (0) and length. */
export const CLIENT_HELLO = CLIENT_CRYPTO.subarray(4);
/** The ServerHello: the server's payload less its ACK frame (5 bytes) and CRYPTO header (4 bytes). */
export const SERVER_HELLO = SERVER_PAYLOAD.subarray(9);

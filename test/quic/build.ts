// Builds protected QUIC Initial packets (RFC 9000 §17.2.2, RFC 9001 §5) and other long headers for tests.

import { headerMask, initialKeys, sealPayload } from '../../lib/quic/index.js';
import { QUIC_V1, QUIC_V2 } from '../../lib/registry/quic.js';

/** A QUIC variable-length integer (RFC 9000 §16), in the shortest form up to 4 bytes. */
export function varint(v: number): Buffer {
  if (v < 64) return Buffer.from([v]);
  if (v < 16384) return Buffer.from([0x40 | (v >> 8), v & 0xff]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((0x80000000 | v) >>> 0);
  return b;
}

/** A CRYPTO frame (RFC 9000 §19.6). */
export function cryptoFrame(offset: number, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x06]), varint(offset), varint(data.length), data]);
}

export interface InitialSpec {
  version?: number;
  /** The client's original DCID: the keys derive from it. */
  keyDcid: Buffer;
  dcid: Buffer;
  scid: Buffer;
  pn: number;
  frames: Buffer;
  from: 'client' | 'server';
  token?: Buffer;
  /** Pad the payload with PADDING frames to this many bytes. */
  padTo?: number;
}

/** A protected Initial packet with a 2-byte packet number. */
export function initial(s: InitialSpec): Buffer {
  const version = s.version ?? QUIC_V1;
  const type = version === QUIC_V2 ? 1 : 0;
  const keys = initialKeys(version, s.keyDcid)![s.from];
  const payload = s.padTo && s.frames.length < s.padTo ? Buffer.concat([s.frames, Buffer.alloc(s.padTo - s.frames.length)]) : s.frames;
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version);
  const token = s.token ?? Buffer.alloc(0);
  const head = Buffer.concat([
    Buffer.from([0xc0 | (type << 4) | 0x01]),
    v,
    Buffer.from([s.dcid.length]),
    s.dcid,
    Buffer.from([s.scid.length]),
    s.scid,
    varint(token.length),
    token,
    varint(payload.length + 2 + 16),
  ]);
  const pnOffset = head.length;
  const header = Buffer.concat([head, Buffer.from([s.pn >> 8, s.pn & 0xff])]);
  const sealed = sealPayload(keys, s.pn, header, payload);
  const mask = headerMask(keys.hp, sealed.subarray(2, 18));
  const out = Buffer.concat([header, sealed]);
  out[0] = out[0]! ^ (mask[0]! & 0x0f);
  out[pnOffset] = out[pnOffset]! ^ mask[1]!;
  out[pnOffset + 1] = out[pnOffset + 1]! ^ mask[2]!;
  return out;
}

/** A long header of another type with an opaque body (Handshake: type 2 in v1), as it appears on the wire. */
export function opaqueLong(type: number, dcid: Buffer, scid: Buffer, bodyLength: number): Buffer {
  return Buffer.concat([
    Buffer.from([0xc0 | (type << 4) | 0x01, 0, 0, 0, 1, dcid.length]),
    dcid,
    Buffer.from([scid.length]),
    scid,
    varint(bodyLength),
    Buffer.alloc(bodyLength, 0x5a),
  ]);
}

/** RFC 9000 §17.2.1 Version Negotiation. */
export function versionNegotiation(dcid: Buffer, scid: Buffer, versions: number[]): Buffer {
  const vs = Buffer.alloc(versions.length * 4);
  versions.forEach((x, i) => vs.writeUInt32BE(x >>> 0, i * 4));
  return Buffer.concat([Buffer.from([0x80, 0, 0, 0, 0, dcid.length]), dcid, Buffer.from([scid.length]), scid, vs]);
}

/** RFC 9000 §17.2.5 Retry (v1): token and a 16-byte integrity tag (not checked by tlsdump). */
export function retry(dcid: Buffer, scid: Buffer, token: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xf0, 0, 0, 0, 1, dcid.length]), dcid, Buffer.from([scid.length]), scid, token, Buffer.alloc(16, 0xee)]);
}

// Stage 3 for QUIC (RFC 9000, RFC 9001, RFC 9369 v2): datagrams → quic.packet events and the CRYPTO stream of
// the Initial packets for the TLS stage. Splits coalesced packets (RFC 9000 §12.2), reads long headers
// (§17.2), derives the Initial keys from the client's Destination Connection ID, removes header protection and
// opens the Initials of both sides (RFC 9001 §5), and reassembles CRYPTO frames by offset across packets and
// datagrams (a post-quantum ClientHello spans several Initials). Handshake, 0-RTT and 1-RTT packets stay opaque.
// Damage and what cannot be read become anomalies; nothing here throws on input.

import { OffsetAssembler } from '../assemble.js';
import { Cursor, hex } from '../cursor.js';
import { anomaly, origin, type Datagram, type Dir, type Emit, type Event, type Origin, type Sink, type TlsFeed } from '../events.js';
import { QUIC_V2, quicFrameName, quicTransportErrorName, quicVersionName } from '../registry/quic.js';
import { decodePacketNumber, headerMask, initialKeys, knownVersion, openPayload, SAMPLE_BYTES, type InitialKeys } from './crypto.js';

export { initialKeys, headerMask, openPayload, sealPayload, decodePacketNumber, expandLabel } from './crypto.js';

/** CRYPTO bytes held beyond a hole per direction (RFC 9000 §7.5 asks endpoints to buffer at least 4096; a
 *  post-quantum ClientHello with its padding Initials stays far below this). Past it, bytes are dropped. */
export const MAX_CRYPTO_HELD_BYTES = 64 * 1024;
/** Packets of one datagram read at most (coalescing, RFC 9000 §12.2, puts a handful in one datagram). */
export const MAX_COALESCED_PACKETS = 16;

/** 'unknown': a long header of a version whose packets cannot be read. */
export type PacketType = 'initial' | '0rtt' | 'handshake' | 'retry' | 'version_negotiation' | '1rtt' | 'unknown';

/** RFC 9000 §17.2 Table 5 (v1) and RFC 9369 §3.2 (v2) long header packet types. */
const LONG_TYPES_V1: readonly PacketType[] = ['initial', '0rtt', 'handshake', 'retry'];
const LONG_TYPES_V2: readonly PacketType[] = ['retry', 'initial', '0rtt', 'handshake'];

interface DirState {
  crypto: OffsetAssembler;
  /** Largest Initial packet number opened, for packet number recovery (RFC 9000 §A.3). */
  largestPn: number;
  undecryptable: number;
  /** The line/frame of the packet that last added CRYPTO bytes beyond a hole, for the incomplete report. */
  heldAt?: Origin;
  limitReported: boolean;
}

/** What a QUIC connection showed, for its tls.session (`quic`). */
export interface QuicFacts {
  version_id?: number;
  version?: string;
  /** The Destination Connection ID of the client's first Initial: the one its keys derive from. */
  initial_dcid?: string;
  client_scid?: string;
  server_scid?: string;
  retry: boolean;
  /** Versions a Version Negotiation packet offered. */
  vn_versions?: string[];
  /** Packets seen by type and direction. */
  packets: { c2s: Partial<Record<PacketType, number>>; s2c: Partial<Record<PacketType, number>> };
  undecryptable: number;
  connection_close?: { dir: Dir; error_code: number; error: string; frame_type?: number; reason?: string; tls_alert?: number };
}

interface ConnState {
  flow: number;
  c2s: DirState;
  s2c: DirState;
  /** Initial keys by the DCID they derive from (the client's first, and the one after a Retry). */
  keys?: { dcid: string; version: number; keys: InitialKeys };
  facts: QuicFacts;
  unknownVersionReported: boolean;
  /** The Source Connection ID of the server's Retry: the client's next Initials carry it as DCID. */
  retryScid?: string;
}

function newDir(): DirState {
  return { crypto: new OffsetAssembler(MAX_CRYPTO_HELD_BYTES), largestPn: -1, undecryptable: 0, limitReported: false };
}

export class QuicDecoder {
  private readonly conns = new Map<number, ConnState>();
  /** Where CRYPTO bytes of the datagram being read wait (see push). */
  private pendingFeeds: TlsFeed[] | undefined;

  constructor(
    readonly feed: Sink<TlsFeed>,
    readonly emit: Emit,
  ) {}

  open(flow: number): void {
    this.conns.set(flow, {
      flow,
      c2s: newDir(),
      s2c: newDir(),
      facts: { retry: false, packets: { c2s: {}, s2c: {} }, undecryptable: 0 },
      unknownVersionReported: false,
    });
  }

  /** The connection has ended: reports CRYPTO bytes that never became contiguous, returns its facts. */
  close(flow: number, at: Origin): QuicFacts | undefined {
    const c = this.conns.get(flow);
    if (!c) return undefined;
    this.conns.delete(flow);
    for (const dir of ['c2s', 's2c'] as const) {
      const d = c[dir];
      if (d.crypto.waiting) {
        const msg = `${d.crypto.heldBytes} CRYPTO bytes of the ${dir === 'c2s' ? 'client' : 'server'} Initials wait beyond a hole at offset ${d.crypto.next} that never filled (a lost Initial)`;
        this.emit(anomaly('quic.crypto_incomplete', msg, d.heldAt ?? at, { flow, dir, offset: d.crypto.next, held: d.crypto.heldBytes }));
      }
    }
    return c.facts;
  }

  push(dg: Datagram): void {
    let c = this.conns.get(dg.flow);
    if (!c) {
      this.open(dg.flow);
      c = this.conns.get(dg.flow)!;
    }
    const b = dg.payload;
    let off = 0;
    const events: Event[] = [];
    // CRYPTO bytes go to the TLS stage after the packets that carried them are reported.
    const feeds: TlsFeed[] = [];
    this.pendingFeeds = feeds;
    for (let i = 0; i < MAX_COALESCED_PACKETS && off < b.length; i++) {
      const b0 = b[off]!;
      // RFC 9000 §12.2: bytes after the last packet (padding, junk) whose fixed bit is clear are no packet.
      if (i > 0 && !(b0 & 0x40)) break;
      const r = b0 & 0x80 ? this.longPacket(c, dg, b, off, events) : this.shortPacket(c, dg, b, off, events);
      if (r <= off) break;
      off = r;
    }
    if (events.length > 1) events.forEach((ev, i) => ((ev.coalesced = i), (ev.datagram_packets = events.length)));
    for (const ev of events) this.emit(ev);
    this.pendingFeeds = undefined;
    for (const f of feeds) this.feed(f);
  }

  private base(c: ConnState, dg: Datagram, type: PacketType): Event {
    const counts = c.facts.packets[dg.dir];
    counts[type] = (counts[type] ?? 0) + 1;
    return { type: 'quic.packet', ...origin(dg), flow: dg.flow, dir: dg.dir, packet_type: type };
  }

  /** RFC 9000 §17.3.1: a short header runs to the end of the datagram; its DCID length is not on the wire. */
  private shortPacket(c: ConnState, dg: Datagram, b: Uint8Array, off: number, events: Event[]): number {
    const ev = this.base(c, dg, '1rtt');
    ev.length = b.length - off;
    events.push(ev);
    return b.length;
  }

  /** One long-header packet at `off`; returns where the next coalesced packet starts. */
  private longPacket(c: ConnState, dg: Datagram, b: Uint8Array, off: number, events: Event[]): number {
    const cur = Cursor.of(b, off);
    const b0 = cur.u8()!;
    const version = cur.u32();
    const dcid = cur.u8Prefixed();
    const scid = cur.u8Prefixed();
    if (version === undefined || !dcid || !scid) {
      this.emit(
        anomaly('quic.malformed', `a QUIC long header cut short at byte ${off} of a ${b.length}-byte datagram`, dg, { flow: dg.flow, dir: dg.dir }),
      );
      return b.length;
    }
    const dcidBytes = dcid.bytes(dcid.left)!;
    const dcidHex = hex(dcidBytes);
    const scidHex = hex(scid.bytes(scid.left)!);
    if (version === 0) {
      // RFC 9000 §17.2.1: Version Negotiation lists the server's versions; it is never coalesced.
      const ev = this.base(c, dg, 'version_negotiation');
      const versions: number[] = [];
      while (cur.left >= 4) versions.push(cur.u32()!);
      Object.assign(ev, { dcid: dcidHex, scid: scidHex, version_ids: versions, versions: versions.map(quicVersionName) });
      c.facts.vn_versions = versions.map(quicVersionName);
      events.push(ev);
      return b.length;
    }
    const versionName = quicVersionName(version);
    if (!knownVersion(version)) {
      const ev = this.base(c, dg, 'unknown');
      Object.assign(ev, { version_id: version, version: versionName, dcid: dcidHex, scid: scidHex, length: b.length - off });
      events.push(ev);
      if (!c.unknownVersionReported) {
        c.unknownVersionReported = true;
        this.emit(
          anomaly(
            'quic.unknown_version',
            `QUIC version 0x${version.toString(16).padStart(8, '0')} (${versionName}): its packets are not decoded`,
            dg,
            { flow: dg.flow, dir: dg.dir, version_id: version },
          ),
        );
      }
      return b.length;
    }
    const type = (version === QUIC_V2 ? LONG_TYPES_V2 : LONG_TYPES_V1)[(b0 >> 4) & 0x03]!;
    const ev = this.base(c, dg, type);
    Object.assign(ev, { version_id: version, version: versionName, dcid: dcidHex, scid: scidHex });
    c.facts.version_id ??= version;
    c.facts.version ??= versionName;
    if (dg.dir === 'c2s') c.facts.client_scid ??= scidHex;
    else c.facts.server_scid ??= scidHex;
    events.push(ev);
    if (type === 'retry') {
      // RFC 9000 §17.2.5: Retry Token, then a 16-byte Retry Integrity Tag; it runs to the datagram's end.
      c.facts.retry = true;
      c.retryScid = scidHex;
      ev.retry_token_length = Math.max(0, cur.left - 16);
      return b.length;
    }
    let tokenLength: number | undefined;
    if (type === 'initial') {
      const token = cur.varintPrefixed();
      if (!token) return this.cut(dg, ev, b, off);
      tokenLength = token.left;
      ev.token_length = tokenLength;
    }
    const length = cur.varint();
    if (length === undefined) return this.cut(dg, ev, b, off);
    const pnOffset = cur.pos;
    const end = pnOffset + length;
    ev.length = length;
    if (end > b.length) {
      ev.truncated = true;
      if (!dg.truncated)
        this.emit(
          anomaly('quic.malformed', `a QUIC ${type} packet says ${length} bytes follow its header, the datagram holds ${b.length - pnOffset}`, dg, {
            flow: dg.flow,
            dir: dg.dir,
          }),
        );
    }
    if (type === 'initial' && end <= b.length) this.initial(c, dg, b, off, pnOffset, end, dcidBytes, version, ev);
    return Math.min(end, b.length);
  }

  private cut(dg: Datagram, ev: Event, b: Uint8Array, off: number): number {
    ev.truncated = true;
    if (!dg.truncated)
      this.emit(
        anomaly('quic.malformed', `a QUIC ${String(ev.packet_type)} header cut short at byte ${off} of a ${b.length}-byte datagram`, dg, {
          flow: dg.flow,
          dir: dg.dir,
        }),
      );
    return b.length;
  }

  /** RFC 9001 §5.4 and §5.3: removes header protection and opens an Initial packet, then reads its frames. */
  private initial(
    c: ConnState,
    dg: Datagram,
    b: Uint8Array,
    off: number,
    pnOffset: number,
    end: number,
    dcid: Uint8Array,
    version: number,
    ev: Event,
  ): void {
    const d = c[dg.dir];
    // RFC 9001 §5.2: both sides' Initial keys derive from the Destination Connection ID of the client's first
    // Initial; a Retry gives a new one (RFC 9000 §17.2.5.2), which the client's next Initial carries. Later client
    // Initials carry the server's chosen ID (RFC 9000 §7.2) and keep the keys. When the keys in hand do not open a
    // client Initial, the keys of its own DCID are tried (a new connection on the same addresses, or a capture
    // that missed the first Initial).
    let why: string | undefined;
    if (dg.dir === 'c2s') {
      const id = hex(dcid);
      if (!c.keys || c.keys.version !== version || (c.facts.retry && c.retryScid === id)) this.derive(c, version, dcid, id);
      c.facts.initial_dcid ??= id;
      why = this.unprotect(c, dg, b, off, pnOffset, end, version, ev);
      if (why && c.keys!.dcid !== id) {
        const old = c.keys;
        this.derive(c, version, dcid, id);
        if (this.unprotect(c, dg, b, off, pnOffset, end, version, ev) === undefined) why = undefined;
        else c.keys = old;
      }
    } else why = this.unprotect(c, dg, b, off, pnOffset, end, version, ev);
    if (why) {
      d.undecryptable++;
      c.facts.undecryptable++;
      ev.opened = false;
      if (d.undecryptable === 1) {
        this.emit(
          anomaly(
            'quic.undecryptable',
            `an Initial packet of the ${dg.dir === 'c2s' ? 'client' : 'server'} could not be opened: ${why}; later ones of this side are counted in the session`,
            dg,
            { flow: dg.flow, dir: dg.dir },
          ),
        );
      }
    }
  }

  private derive(c: ConnState, version: number, dcid: Uint8Array, id: string): void {
    c.keys = { dcid: id, version, keys: initialKeys(version, dcid)! };
  }

  /** Opens one Initial; returns why it could not be opened, or undefined after reading its frames. */
  private unprotect(
    c: ConnState,
    dg: Datagram,
    b: Uint8Array,
    off: number,
    pnOffset: number,
    end: number,
    version: number,
    ev: Event,
  ): string | undefined {
    if (!c.keys) return 'no Initial of the client was seen, so its Destination Connection ID (which the keys derive from) is unknown';
    if (c.keys.version !== version) return `the client's Initial used another version`;
    const keys = dg.dir === 'c2s' ? c.keys.keys.client : c.keys.keys.server;
    if (pnOffset + 4 + SAMPLE_BYTES > end) return 'the packet is too short to hold a header protection sample';
    const mask = headerMask(keys.hp, b.subarray(pnOffset + 4, pnOffset + 4 + SAMPLE_BYTES));
    const first = b[off]! ^ (mask[0]! & 0x0f);
    const pnLen = (first & 0x03) + 1;
    const header = Buffer.from(b.subarray(off, pnOffset + pnLen));
    header[0] = first;
    let truncatedPn = 0;
    for (let i = 0; i < pnLen; i++) {
      const v = b[pnOffset + i]! ^ mask[1 + i]!;
      header[pnOffset - off + i] = v;
      truncatedPn = truncatedPn * 256 + v;
    }
    const d = c[dg.dir];
    const pn = decodePacketNumber(d.largestPn, truncatedPn, pnLen * 8);
    const plain = openPayload(keys, pn, header, b.subarray(pnOffset + pnLen, end));
    if (!plain) return `the AEAD tag did not verify with the keys of DCID ${c.keys.dcid}`;
    if (pn > d.largestPn) d.largestPn = pn;
    ev.packet_number = pn;
    ev.opened = true;
    this.frames(c, dg, plain, ev);
    return undefined;
  }

  /** RFC 9000 §19: the frames an Initial may carry (§12.4 Table 3: PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE). */
  private frames(c: ConnState, dg: Datagram, plain: Uint8Array, ev: Event): void {
    const cur = Cursor.of(plain);
    const seen: string[] = [];
    while (!cur.empty) {
      const type = cur.varint()!;
      const name = quicFrameName(type);
      if (!seen.includes(name)) seen.push(name);
      if (type === 0x00 || type === 0x01) continue;
      if (type === 0x02 || type === 0x03) {
        // ACK: Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, ranges (Gap, Length), [ECN counts].
        cur.varint();
        cur.varint();
        const ranges = cur.varint() ?? 0;
        cur.varint();
        for (let i = 0; i < ranges && !cur.short; i++) cur.varint(), cur.varint();
        if (type === 0x03) cur.varint(), cur.varint(), cur.varint();
      } else if (type === 0x06) {
        const offset = cur.varint();
        const data = cur.varintPrefixed();
        if (offset === undefined || !data) break;
        this.crypto(c, dg, offset, data.bytes(data.left)!);
      } else if (type === 0x1c || type === 0x1d) {
        const code = cur.varint();
        const frameType = type === 0x1c ? cur.varint() : undefined;
        const reason = cur.varintPrefixed();
        if (code === undefined || !reason) break;
        const cc: NonNullable<QuicFacts['connection_close']> = { dir: dg.dir, error_code: code, error: quicTransportErrorName(code) };
        if (frameType !== undefined) cc.frame_type = frameType;
        if (reason.left > 0) cc.reason = Buffer.from(reason.bytes(reason.left)!).toString('latin1');
        if (code >= 0x100 && code <= 0x1ff) cc.tls_alert = code - 0x100;
        c.facts.connection_close ??= cc;
        ev.connection_close = cc;
      } else {
        this.emit(
          anomaly(
            'quic.malformed',
            `frame type 0x${type.toString(16)} (${name}) is not allowed in an Initial packet (RFC 9000 §12.4); the rest of the packet is not read`,
            dg,
            { flow: dg.flow, dir: dg.dir },
          ),
        );
        break;
      }
      if (cur.short) break;
    }
    if (cur.short) this.emit(anomaly('quic.malformed', `the frames of an Initial packet end inside a frame`, dg, { flow: dg.flow, dir: dg.dir }));
    ev.frames = seen;
  }

  private crypto(c: ConnState, dg: Datagram, offset: number, data: Uint8Array): void {
    const d = c[dg.dir];
    const r = d.crypto.place(offset, data);
    if (r.overLimit && !d.limitReported) {
      d.limitReported = true;
      this.emit(
        anomaly('quic.crypto_limit', `more than ${MAX_CRYPTO_HELD_BYTES} CRYPTO bytes wait beyond a hole; the excess is dropped`, dg, {
          flow: dg.flow,
          dir: dg.dir,
        }),
      );
    }
    if (d.crypto.waiting) d.heldAt = origin(dg);
    for (const bytes of r.delivered) {
      const f: TlsFeed = { ...origin(dg), flow: dg.flow, dir: dg.dir, content: 22, bytes };
      if (this.pendingFeeds) this.pendingFeeds.push(f);
      else this.feed(f);
    }
  }
}

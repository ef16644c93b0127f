// Stage 3 for DTLS (RFC 6347 for 1.0/1.2, RFC 9147 for 1.3): datagrams → tls.record events with epoch and
// sequence number, and reassembled handshake messages in TLS form for the TLS stage, which decodes them as it
// decodes TLS. Handshake fragments are placed by message_seq and fragment_offset (RFC 6347 §4.2.3); retransmitted
// flights give duplicates that are counted and passed over; messages that never complete are reported.
// Nothing here throws on input.

import { OffsetAssembler } from '../assemble.js';
import { Cursor, hex } from '../cursor.js';
import { anomaly, origin, type Datagram, type Dir, type Emit, type Event, type Origin, type Sink, type TlsFeed } from '../events.js';
import type { Options } from '../options.js';
import * as R from '../registry/index.js';

/** Handshake messages held per direction while an earlier one is incomplete (a flight is a handful). */
export const MAX_PENDING_MESSAGES = 32;
/** RFC 6347 §4.2.2: msg_type, length, message_seq, fragment_offset, fragment_length. */
const FRAGMENT_HEADER = 12;

const CCS = 20;
const ALERT = 21;
const HANDSHAKE = 22;

interface Pending {
  type: number;
  length: number;
  asm: OffsetAssembler;
  parts: Uint8Array[];
  fragments: number;
  at: Origin;
}

interface DirState {
  /** The message_seq to deliver next; undefined until the first fragment of this direction. */
  nextSeq?: number;
  pending: Map<number, Pending>;
  retransmitted: number;
  limitReported: boolean;
}

interface ConnState {
  c2s: DirState;
  s2c: DirState;
  /** DTLS 1.3: a direction sent a record under the application keys (epoch 3, RFC 9147 §6.1). */
  appEpoch: { c2s: boolean; s2c: boolean };
}

function newDir(): DirState {
  return { pending: new Map(), retransmitted: 0, limitReported: false };
}

export class DtlsDecoder {
  private readonly conns = new Map<number, ConnState>();

  constructor(
    readonly opts: Readonly<Options>,
    readonly feed: Sink<TlsFeed>,
    readonly emit: Emit,
  ) {}

  push(dg: Datagram): void {
    let c = this.conns.get(dg.flow);
    if (!c) this.conns.set(dg.flow, (c = { c2s: newDir(), s2c: newDir(), appEpoch: { c2s: false, s2c: false } }));
    const cur = Cursor.of(dg.payload);
    while (!cur.empty) {
      const b0 = cur.peek()!;
      if (b0 >= 0x20 && b0 <= 0x3f) {
        this.unified(dg, cur, c);
        continue;
      }
      // RFC 6347 §4.1: the 13-byte DTLSPlaintext header: type, version, epoch, sequence_number (48 bits), length.
      const start = cur.pos;
      const type = cur.u8()!;
      const version = cur.u16();
      const epoch = cur.u16();
      const seqHi = cur.u16();
      const seqLo = cur.u32();
      const length = cur.u16();
      if (length === undefined || version === undefined || epoch === undefined || seqHi === undefined || seqLo === undefined) {
        if (!dg.truncated)
          this.emit(
            anomaly('dtls.malformed', `a DTLS record header cut short at byte ${start} of a ${dg.payload.length}-byte datagram`, dg, {
              flow: dg.flow,
              dir: dg.dir,
            }),
          );
        return;
      }
      if (type < CCS || type > 26 || version >> 8 !== 0xfe) {
        this.emit(
          anomaly(
            'dtls.malformed',
            `bytes at ${start} of a ${dg.payload.length}-byte datagram are not a DTLS record header; the rest is passed over`,
            dg,
            { flow: dg.flow, dir: dg.dir },
          ),
        );
        return;
      }
      const body = cur.bytes(Math.min(length, cur.left))!;
      const ev = this.recordEvent(dg, type, version, length, epoch > 0);
      ev.epoch = epoch;
      ev.sequence_number = seqHi * 2 ** 32 + seqLo;
      if (body.length < length) {
        ev.truncated = true;
        ev.captured = body.length;
        if (!dg.truncated)
          this.emit(
            anomaly('dtls.malformed', `a DTLS record says ${length} bytes, the datagram holds ${body.length}`, dg, { flow: dg.flow, dir: dg.dir }),
          );
      }
      const d = c[dg.dir];
      // The record goes out before the messages it completes, as a TLS record does before its messages.
      const complete: TlsFeed[] = [];
      if (type === HANDSHAKE && epoch === 0 && this.fragments(dg, d, body, complete)) ev.retransmission = true;
      this.emit(ev);
      for (const m of complete) this.feed(m);
      if (epoch === 0 && (type === CCS || type === ALERT) && body.length === length)
        this.feed({ ...origin(dg), flow: dg.flow, dir: dg.dir, content: type, bytes: body });
      else if (type === ALERT) this.emit({ type: 'tls.alert', ...origin(dg), flow: dg.flow, dir: dg.dir, encrypted: true, length, protocol: 'dtls' });
    }
  }

  /** The connection has ended: delivers complete messages held behind one that never completed, reports that one. */
  close(flow: number, at: Origin): void {
    const c = this.conns.get(flow);
    if (!c) return;
    this.conns.delete(flow);
    for (const dir of ['c2s', 's2c'] as const) {
      const d = c[dir];
      for (const seq of [...d.pending.keys()].sort((a, b) => a - b)) {
        const p = d.pending.get(seq)!;
        if (p.asm.next === p.length) {
          this.feed(this.message(flow, dir, seq, p));
          continue;
        }
        const have = p.parts.reduce((n, x) => n + x.length, 0) + p.asm.heldBytes;
        const msg = `${R.handshakeTypeName(p.type)} (message_seq ${seq}) of ${p.length} bytes never completed: ${have} bytes in ${p.fragments} fragments arrived`;
        this.emit(anomaly('dtls.fragment_incomplete', msg, p.at, { flow, dir, message_seq: seq, msg_id: p.type, length: p.length, received: have }));
      }
      if (d.retransmitted > 0)
        this.emit(
          anomaly(
            'dtls.retransmission',
            `${d.retransmitted} handshake fragments of the ${dir === 'c2s' ? 'client' : 'server'} were retransmissions`,
            at,
            { flow, dir, count: d.retransmitted },
          ),
        );
    }
  }

  private recordEvent(dg: Datagram, type: number, version: number, length: number, encrypted: boolean): Event {
    return {
      type: 'tls.record',
      ...origin(dg),
      flow: dg.flow,
      dir: dg.dir,
      content_id: type,
      content: R.contentTypeName(type),
      version_id: version,
      version: R.versionName(version),
      length,
      encrypted,
      protocol: 'dtls',
    };
  }

  /** RFC 9147 §4: the DTLS 1.3 unified header 0b001CSLEE (Connection ID, 16-bit sequence, length present, epoch
   *  bits), then the encrypted record. A Connection ID's length was negotiated and is not on the wire, so with
   *  C set the record runs to the end of the datagram unparsed. */
  private unified(dg: Datagram, cur: Cursor, c: ConnState): void {
    const flags = cur.u8()!;
    const ev: Event = {
      type: 'tls.record',
      ...origin(dg),
      flow: dg.flow,
      dir: dg.dir,
      content_id: 23,
      content: R.contentTypeName(23),
      unified_header: true,
      encrypted: true,
      epoch_bits: flags & 0x03,
      protocol: 'dtls',
    };
    // RFC 9147 §6.1: epoch 2 carries the handshake after the ServerHello, epoch 3 the first application keys;
    // the header keeps the epoch's low two bits. Epoch-2 records before any epoch-3 record of their direction are
    // the server's encrypted flight or the client's Finished flight, as the TLS stage labels TLS 1.3 records.
    if ((flags & 0x03) === 3) c.appEpoch[dg.dir] = true;
    else if ((flags & 0x03) === 2 && !c.appEpoch[dg.dir]) ev.flight = dg.dir === 's2c' ? 'server_handshake' : 'client_finished';
    if (flags & 0x10) {
      ev.connection_id = true;
      ev.length = cur.rest().left;
    } else {
      const seq = flags & 0x08 ? cur.u16() : cur.u8();
      const length = flags & 0x04 ? cur.u16() : cur.left;
      if (seq !== undefined) ev.sequence_number_bits = seq;
      ev.length = length ?? 0;
      cur.skip(Math.min(length ?? 0, cur.left));
    }
    this.emit(ev);
  }

  /** Places the handshake fragments of one plaintext record, adds the messages now complete to `complete`;
   *  returns true when all of the fragments were duplicates. */
  private fragments(dg: Datagram, d: DirState, body: Uint8Array, complete: TlsFeed[]): boolean {
    const cur = Cursor.of(body);
    let dupAll = true;
    let any = false;
    while (cur.left >= FRAGMENT_HEADER) {
      const type = cur.u8()!;
      const length = cur.u24()!;
      const seq = cur.u16()!;
      const offset = cur.u24()!;
      const fragLength = cur.u24()!;
      const frag = cur.bytes(Math.min(fragLength, cur.left))!;
      any = true;
      if (offset + frag.length > length) {
        this.emit(
          anomaly(
            'dtls.malformed',
            `a ${R.handshakeTypeName(type)} fragment at ${offset}+${frag.length} runs past its message length ${length}`,
            dg,
            { flow: dg.flow, dir: dg.dir },
          ),
        );
        continue;
      }
      d.nextSeq ??= seq;
      if (seq < d.nextSeq) {
        d.retransmitted++;
        continue;
      }
      let p = d.pending.get(seq);
      if (!p) {
        if (length > this.opts.maxHandshakeBytes || d.pending.size >= MAX_PENDING_MESSAGES) {
          if (!d.limitReported) {
            d.limitReported = true;
            const why =
              length > this.opts.maxHandshakeBytes
                ? `a ${R.handshakeTypeName(type)} of ${length} bytes is over --max-handshake-bytes (${this.opts.maxHandshakeBytes})`
                : `more than ${MAX_PENDING_MESSAGES} handshake messages wait behind an incomplete one`;
            this.emit(anomaly('dtls.limit', `${why}; not reassembled`, dg, { flow: dg.flow, dir: dg.dir }));
          }
          continue;
        }
        p = { type, length, asm: new OffsetAssembler(length), parts: [], fragments: 0, at: origin(dg) };
        d.pending.set(seq, p);
      }
      p.fragments++;
      const r = p.asm.place(offset, frag);
      if (r.duplicate) d.retransmitted++;
      else dupAll = false;
      p.parts.push(...r.delivered);
      p.at = origin(dg);
    }
    // Deliver every message that is now complete, in message_seq order.
    for (;;) {
      const p = d.nextSeq === undefined ? undefined : d.pending.get(d.nextSeq);
      if (!p || p.asm.next < p.length) break;
      complete.push(this.message(dg.flow, dg.dir, d.nextSeq!, p, dg));
      d.pending.delete(d.nextSeq!);
      d.nextSeq!++;
    }
    return any && dupAll;
  }

  /** One complete message to the TLS stage in TLS form (RFC 5246 §7.4 header: type, uint24 length), with the
   *  ClientHello's cookie (RFC 6347 §4.2.1), which TLS does not have, taken out and reported as fields. */
  private message(flow: number, dir: Dir, seq: number, p: Pending, at?: Origin): TlsFeed {
    let body = Buffer.concat(p.parts);
    const fields: Record<string, unknown> = { message_seq: seq, protocol: 'dtls' };
    if (p.fragments > 1) fields.fragments = p.fragments;
    if (p.type === 1) {
      const c = Cursor.of(body);
      c.skip(34);
      c.u8Prefixed();
      const cookieStart = c.pos;
      const cookie = c.u8Prefixed();
      if (cookie) {
        fields.cookie_length = cookie.left;
        if (cookie.left > 0) fields.cookie = hex(cookie.bytes(cookie.left)!);
        body = Buffer.concat([body.subarray(0, cookieStart), body.subarray(c.pos)]);
      }
      fields.length = p.length;
    }
    const header = Buffer.from([p.type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
    return { ...origin(at ?? p.at), flow, dir, content: HANDSHAKE, bytes: Buffer.concat([header, body]), fields };
  }
}

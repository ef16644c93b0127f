// The batch format between the main thread and a worker (lib/parallel): flow data items in one byte buffer
// (their payload inline, no object per item), the rarer items (flow open and close, events, key log text) as
// objects beside it for the structured clone. One batch is posted with its buffer transferred, not copied
// (bench/README.md, "Both cores": transfer measured against copying and against shared memory).

import type { Dir, FlowData, FlowItem, Event, Packet } from '../events.js';
import type { PacketFields } from '../output/packetbytes.js';

/** Op tags in the byte buffer. DATA is a flow data item; OBJ takes the next object of the batch. */
const DATA = 1;
const OBJ = 2;
const PACKET = 3;

/** Presence bits of a data item's optional fields. */
const AFTER_GAP = 1;
const LINE = 2;
const FRAME = 4;
const TS = 8;
const TIME = 16;
const EPOCH = 32;
const HOLE = 64;
const S2C = 128;

/** Presence bits of a packet (what its `packet` event shows). */
const P_UDP = 1;
const P_TRUNCATED = 2;
const P_SEQ_RELATIVE = 4;
const P_FRAGMENT = 8;
const P_LINE = 16;
const P_FRAME = 32;
const P_TS = 64;

/**
 * Strings (addresses, timestamps) in a batch: a u16 below REF is the length of new UTF-8 bytes that follow (below
 * LONG; LONG is followed by a u32 length), and the string takes the next number of the batch's table; REF + i is
 * the table's string i again. An address is written once per batch and a packet's timestamp once for its `packet`
 * event and its data item: lib/net's address strings are the same objects from packet to packet (its cache), and
 * a packet's items share its `ts`, so each is found by identity or a Map with the hash the string keeps.
 */
const REF = 0x8000;
const LONG = REF - 1;

/** What a batch carries besides data items. An `item` and an `event` each give one output slot; `secrets` none. */
export type BatchObject = { item: FlowItem } | { event: Event } | { secrets: string; source: string };

export interface Batch {
  bytes: ArrayBuffer;
  length: number;
  objects: BatchObject[];
}

/** Bytes a batch is sent at (or at the end of each input chunk, whichever first). */
export const BATCH_BYTES = 256 * 1024;
/** Objects (flow opens and closes, events) a batch is sent at. */
export const BATCH_OBJECTS = 1024;

/** Builds one batch; `take()` hands it over and starts the next. */
export class BatchWriter {
  private buf = Buffer.allocUnsafe(BATCH_BYTES + 1024);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  private pos = 0;
  private objects: BatchObject[] = [];
  /** This batch's string table: addresses by their number, and the last timestamp written with its number. */
  private strings = new Map<string, number>();
  private count = 0;
  private lastTs: string | undefined;
  private lastTsAt = 0;

  get bytes(): number {
    return this.pos;
  }

  get empty(): boolean {
    return this.pos === 0;
  }

  /** The batch is big enough to send: BATCH_BYTES, or BATCH_OBJECTS objects (the end of the input closes every
   *  live flow at once: one batch of them all would come back as one answer holding all their events). */
  get full(): boolean {
    return this.pos >= BATCH_BYTES || this.objects.length >= BATCH_OBJECTS;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  data(item: FlowData): void {
    const ts = item.ts;
    const n = item.bytes.length;
    this.room(64 + (ts === undefined ? 0 : 3 * ts.length) + n);
    const v = this.view;
    let p = this.pos;
    let bits = item.afterGap ? AFTER_GAP : 0;
    if (item.dir === 's2c') bits |= S2C;
    if (item.line !== undefined) bits |= LINE;
    if (item.frame !== undefined) bits |= FRAME;
    if (ts !== undefined) bits |= TS;
    if (item.time !== undefined) bits |= TIME;
    if (item.epoch !== undefined) bits |= EPOCH;
    if (item.hole !== undefined) bits |= HOLE;
    v.setUint8(p, DATA);
    v.setUint8(p + 1, bits);
    v.setUint32(p + 2, item.flow, true);
    p += 6;
    if (item.line !== undefined) v.setFloat64(p, item.line, true), (p += 8);
    if (item.frame !== undefined) v.setFloat64(p, item.frame, true), (p += 8);
    if (item.time !== undefined) v.setFloat64(p, item.time, true), (p += 8);
    if (item.epoch !== undefined) v.setFloat64(p, item.epoch, true), (p += 8);
    if (item.hole !== undefined) v.setFloat64(p, item.hole, true), (p += 8);
    if (ts !== undefined) p = this.ts(p, ts);
    v.setUint32(p, n, true);
    p += 4;
    this.buf.set(item.bytes, p);
    this.pos = p + n;
  }

  /** A packet, for its `packet` event (one output slot). */
  packet(p: Packet): void {
    this.room(96 + 3 * (p.src.length + p.dst.length + (p.ts === undefined ? 0 : p.ts.length)));
    const v = this.view;
    let pos = this.pos;
    let bits = p.proto === 'udp' ? P_UDP : 0;
    if (p.truncated) bits |= P_TRUNCATED;
    if (p.seqRelative) bits |= P_SEQ_RELATIVE;
    if (p.fragment) bits |= P_FRAGMENT;
    if (p.line !== undefined) bits |= P_LINE;
    if (p.frame !== undefined) bits |= P_FRAME;
    if (p.ts !== undefined) bits |= P_TS;
    v.setUint8(pos, PACKET);
    v.setUint8(pos + 1, bits);
    v.setUint16(pos + 2, p.sport, true);
    v.setUint16(pos + 4, p.dport, true);
    v.setFloat64(pos + 6, p.seq, true);
    v.setFloat64(pos + 14, p.ack, true);
    v.setFloat64(pos + 22, p.len, true);
    v.setFloat64(pos + 30, p.payload.length, true);
    v.setUint8(pos + 38, p.flags);
    v.setFloat64(pos + 39, p.win, true);
    pos += 47;
    if (p.line !== undefined) v.setFloat64(pos, p.line, true), (pos += 8);
    if (p.frame !== undefined) v.setFloat64(pos, p.frame, true), (pos += 8);
    pos = this.address(pos, p.src);
    pos = this.address(pos, p.dst);
    if (p.ts !== undefined) pos = this.ts(pos, p.ts);
    this.pos = pos;
  }

  /** A new string: it takes the table's next number. */
  private str(pos: number, s: string): number {
    this.count++;
    // Short strings (all but a pathological timestamp) have a u16 length; room() counted 3 bytes per code unit.
    if (3 * s.length < LONG) {
      const k = this.buf.write(s, pos + 2, 'utf8');
      this.view.setUint16(pos, k, true);
      return pos + 2 + k;
    }
    const k = this.buf.write(s, pos + 6, 'utf8');
    this.view.setUint16(pos, LONG, true);
    this.view.setUint32(pos + 2, k, true);
    return pos + 6 + k;
  }

  private ref(pos: number, i: number): number {
    this.view.setUint16(pos, REF + i, true);
    return pos + 2;
  }

  private address(pos: number, s: string): number {
    const i = this.strings.get(s);
    if (i !== undefined) return this.ref(pos, i);
    if (this.count < REF) this.strings.set(s, this.count);
    return this.str(pos, s);
  }

  private ts(pos: number, s: string): number {
    if (s === this.lastTs) return this.ref(pos, this.lastTsAt);
    if (this.count < REF) {
      this.lastTs = s;
      this.lastTsAt = this.count;
    }
    return this.str(pos, s);
  }

  object(o: BatchObject): void {
    this.room(1);
    this.buf[this.pos++] = OBJ;
    this.objects.push(o);
  }

  /** The batch so far, its buffer to be transferred (a fresh one is taken for the next). */
  take(): Batch {
    const bytes =
      this.buf.buffer.byteLength === this.buf.length && this.buf.byteOffset === 0
        ? this.buf.buffer
        : this.buf.buffer.slice(this.buf.byteOffset, this.buf.byteOffset + this.pos);
    const b: Batch = { bytes, length: this.pos, objects: this.objects };
    this.buf = Buffer.allocUnsafe(BATCH_BYTES + 1024);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.pos = 0;
    this.objects = [];
    this.strings = new Map();
    this.count = 0;
    this.lastTs = undefined;
    return b;
  }
}

/** Reads a batch back, op by op, in order. */
export function readBatch(b: Batch, on: { data(item: FlowData): void; packet(p: PacketFields): void; object(o: BatchObject): void }): void {
  const bytes = new Uint8Array(b.bytes, 0, b.length);
  const v = new DataView(b.bytes, 0, b.length);
  const latin = Buffer.from(b.bytes, 0, b.length);
  const table: string[] = [];
  let p = 0;
  let o = 0;
  /** The string at p (see REF); p moves past it. */
  const str = (): string => {
    let k = v.getUint16(p, true);
    p += 2;
    if (k >= REF) return table[k - REF]!;
    if (k === LONG) {
      k = v.getUint32(p, true);
      p += 4;
    }
    const s = latin.toString('utf8', p, p + k);
    p += k;
    table.push(s);
    return s;
  };
  while (p < b.length) {
    const tag = bytes[p]!;
    if (tag === OBJ) {
      p++;
      on.object(b.objects[o++]!);
      continue;
    }
    if (tag === PACKET) {
      const bits = bytes[p + 1]!;
      const pk = {
        line: undefined as number | undefined,
        frame: undefined as number | undefined,
        ts: undefined as string | undefined,
        src: '',
        dst: '',
        sport: v.getUint16(p + 2, true),
        dport: v.getUint16(p + 4, true),
        proto: bits & P_UDP ? 'udp' : 'tcp',
        seq: v.getFloat64(p + 6, true),
        ack: v.getFloat64(p + 14, true),
        len: v.getFloat64(p + 22, true),
        payload: { length: v.getFloat64(p + 30, true) },
        flags: bytes[p + 38]!,
        win: v.getFloat64(p + 39, true),
        truncated: (bits & P_TRUNCATED) !== 0,
        seqRelative: (bits & P_SEQ_RELATIVE) !== 0,
        fragment: (bits & P_FRAGMENT) !== 0,
      } satisfies PacketFields;
      p += 47;
      if (bits & P_LINE) (pk.line = v.getFloat64(p, true)), (p += 8);
      if (bits & P_FRAME) (pk.frame = v.getFloat64(p, true)), (p += 8);
      pk.src = str();
      pk.dst = str();
      if (bits & P_TS) pk.ts = str();
      on.packet(pk);
      continue;
    }
    if (tag !== DATA) throw new Error(`parallel batch: unknown op ${tag} at byte ${p}`);
    const bits = bytes[p + 1]!;
    const flow = v.getUint32(p + 2, true);
    p += 6;
    // The fields in the order lib/tcp writes them ({ kind, ...origin, flow, dir, bytes, afterGap }).
    const item = { kind: 'data' } as FlowData;
    let hole: number | undefined;
    if (bits & LINE) (item.line = v.getFloat64(p, true)), (p += 8);
    if (bits & FRAME) (item.frame = v.getFloat64(p, true)), (p += 8);
    const time = bits & TIME ? v.getFloat64(p, true) : undefined;
    if (bits & TIME) p += 8;
    const epoch = bits & EPOCH ? v.getFloat64(p, true) : undefined;
    if (bits & EPOCH) p += 8;
    if (bits & HOLE) (hole = v.getFloat64(p, true)), (p += 8);
    if (bits & TS) item.ts = str();
    if (time !== undefined) item.time = time;
    if (epoch !== undefined) item.epoch = epoch;
    const n = v.getUint32(p, true);
    p += 4;
    item.flow = flow;
    item.dir = (bits & S2C ? 's2c' : 'c2s') as Dir;
    // A view of the batch: the TLS stage copies what it keeps (its queues, lib/bytes own()); copying each item out
    // here measured no lower peak RSS on bench/flood.ts's 25k half-open flows.
    item.bytes = bytes.subarray(p, p + n);
    item.afterGap = (bits & AFTER_GAP) !== 0;
    if (hole !== undefined) item.hole = hole;
    p += n;
    on.data(item);
  }
}

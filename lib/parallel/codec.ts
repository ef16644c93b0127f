// The batch format between the main thread and a worker (lib/parallel): flow data items in one byte buffer
// (their payload inline, no object per item), the rarer items (flow open and close, events, key log text) as
// objects beside it for the structured clone. One batch is posted with its buffer transferred, not copied
// (bench/README.md, "Both cores": transfer measured against copying and against shared memory).

import type { Dir, FlowData, FlowItem, Event } from '../events.js';

/** Op tags in the byte buffer. DATA is a flow data item; OBJ takes the next object of the batch. */
const DATA = 1;
const OBJ = 2;

/** Presence bits of a data item's optional fields. */
const AFTER_GAP = 1;
const LINE = 2;
const FRAME = 4;
const TS = 8;
const TIME = 16;
const EPOCH = 32;
const HOLE = 64;
const S2C = 128;

/** What a batch carries besides data items. An `item` and an `event` each give one output slot; `secrets` none. */
export type BatchObject = { item: FlowItem } | { event: Event } | { secrets: string; source: string };

export interface Batch {
  bytes: ArrayBuffer;
  length: number;
  objects: BatchObject[];
  /** Ops that give an output slot (items and events), in order. */
  slots: number;
}

/** Bytes a batch is sent at (or at the end of each input chunk, whichever first). */
export const BATCH_BYTES = 256 * 1024;

/** Builds one batch; `take()` hands it over and starts the next. */
export class BatchWriter {
  private buf = Buffer.allocUnsafe(BATCH_BYTES + 1024);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  private pos = 0;
  private objects: BatchObject[] = [];
  slots = 0;

  get bytes(): number {
    return this.pos;
  }

  get empty(): boolean {
    return this.pos === 0;
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
    this.room(64 + (ts === undefined ? 0 : ts.length) + n);
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
    if (item.line !== undefined) (v.setFloat64(p, item.line, true), (p += 8));
    if (item.frame !== undefined) (v.setFloat64(p, item.frame, true), (p += 8));
    if (item.time !== undefined) (v.setFloat64(p, item.time, true), (p += 8));
    if (item.epoch !== undefined) (v.setFloat64(p, item.epoch, true), (p += 8));
    if (item.hole !== undefined) (v.setFloat64(p, item.hole, true), (p += 8));
    if (ts !== undefined) {
      // Times are ASCII (lib/text, lib/pcap write them); a longer one than 65535 bytes does not occur.
      const k = this.buf.write(ts, p + 2, 'utf8');
      v.setUint16(p, k, true);
      p += 2 + k;
    }
    v.setUint32(p, n, true);
    p += 4;
    this.buf.set(item.bytes, p);
    this.pos = p + n;
    this.slots++;
  }

  object(o: BatchObject): void {
    this.room(1);
    this.buf[this.pos++] = OBJ;
    this.objects.push(o);
    if (!('secrets' in o)) this.slots++;
  }

  /** The batch so far, its buffer to be transferred (a fresh one is taken for the next). */
  take(): Batch {
    const bytes = this.buf.buffer.byteLength === this.buf.length && this.buf.byteOffset === 0 ? this.buf.buffer : this.buf.buffer.slice(this.buf.byteOffset, this.buf.byteOffset + this.pos);
    const b: Batch = { bytes, length: this.pos, objects: this.objects, slots: this.slots };
    this.buf = Buffer.allocUnsafe(BATCH_BYTES + 1024);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.pos = 0;
    this.objects = [];
    this.slots = 0;
    return b;
  }
}

/** Reads a batch back, op by op, in order. */
export function readBatch(b: Batch, on: { data(item: FlowData): void; object(o: BatchObject): void }): void {
  const bytes = new Uint8Array(b.bytes, 0, b.length);
  const v = new DataView(b.bytes, 0, b.length);
  const latin = Buffer.from(b.bytes, 0, b.length);
  let p = 0;
  let o = 0;
  while (p < b.length) {
    const tag = bytes[p]!;
    if (tag === OBJ) {
      p++;
      on.object(b.objects[o++]!);
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
    if (bits & TS) {
      const k = v.getUint16(p, true);
      item.ts = latin.toString('utf8', p + 2, p + 2 + k);
      p += 2 + k;
    }
    if (time !== undefined) item.time = time;
    if (epoch !== undefined) item.epoch = epoch;
    const n = v.getUint32(p, true);
    p += 4;
    item.flow = flow;
    item.dir = (bits & S2C ? 's2c' : 'c2s') as Dir;
    item.bytes = bytes.subarray(p, p + n);
    item.afterGap = (bits & AFTER_GAP) !== 0;
    if (hole !== undefined) item.hole = hole;
    p += n;
    on.data(item);
  }
}

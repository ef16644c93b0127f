// A worker thread of lib/parallel: the flows the main thread gives it (lib/parallel/stage.ts, the same code as the
// main thread's), serialised here to NDJSON bytes. Each batch gives one answer: the bytes and, per output slot of
// the batch (a flow item or event), where its lines end, so that the main thread can put every slot in its place.

import { parentPort } from 'node:worker_threads';
import type { Event, FlowData } from '../events.js';
import { KeyStore } from '../keylog/index.js';
import { EventBytes } from '../output/eventbytes.js';
import type { Options } from '../options.js';
import { packetLine, type PacketFields } from '../output/packetbytes.js';
import { readBatch, type Batch, type BatchObject } from './codec.js';
import { FlowStage } from './stage.js';

export interface WorkerInput {
  options: Readonly<Options>;
}

/** Messages to a worker: the start of an input (its options), a batch, or the end of the input (one more slot:
 *  what the stages flush at the end). A worker of a pool (WorkerPool) takes one input after another. */
export type ToWorker = { begin: WorkerInput } | { batch: Batch } | { end: true };
/** Messages from a worker: a batch's output, or an error that ends the run. */
export interface Answer {
  out: ArrayBuffer;
  length: number;
  ends: Uint32Array;
  /** Milliseconds spent on the batch (lib/parallel balances the threads' busy time). */
  busy: number;
  end?: true;
}
export type FromWorker = Answer | { error: string };

/** The output buffer's size; it grows for a bigger answer and shrinks back after it. */
const OUTPUT_BYTES = 1 << 20;

class Output {
  /** The lines of this answer, as lib/output/ndjson.ts writes them. */
  private readonly lines = new EventBytes(OUTPUT_BYTES);
  private ends: number[] = [];

  line(ev: Event): void {
    this.lines.line(ev);
  }

  packet(p: PacketFields): void {
    packetLine(this.lines, p);
  }

  slot(): void {
    this.ends.push(this.lines.pos);
  }

  /** The output so far, for one answer: its bytes copied into an ArrayBuffer of their own, which is transferred. */
  take(busy: number, end?: true): Answer {
    const w = this.lines;
    const out = w.buf.buffer.slice(w.buf.byteOffset, w.buf.byteOffset + w.pos);
    const msg: Answer = { out, length: w.pos, ends: Uint32Array.from(this.ends), busy, ...(end ? { end } : {}) };
    w.pos = 0;
    this.ends = [];
    // A big answer (the end of a flood's input) does not keep its buffer's size for the rest of the run.
    if (w.buf.length > OUTPUT_BYTES) w.buf = Buffer.allocUnsafe(OUTPUT_BYTES);
    return msg;
  }
}

function run(): void {
  const port = parentPort;
  if (!port) throw new Error('lib/parallel/worker.js runs as a worker thread');
  let keys: KeyStore;
  let stage: FlowStage;
  const output = new Output();
  const onBatch = {
    data(item: FlowData) {
      stage.item(item);
      output.slot();
    },
    packet(p: PacketFields) {
      output.packet(p);
      output.slot();
    },
    object(o: BatchObject) {
      if ('secrets' in o) return keys.addText(o.secrets, o.source);
      if ('item' in o) stage.item(o.item);
      else stage.event(o.event);
      output.slot();
    },
  };
  port.on('message', (msg: ToWorker) => {
    try {
      if ('begin' in msg) {
        const { options } = msg.begin;
        keys = new KeyStore(options.keylog);
        stage = new FlowStage(options, (ev) => output.line(ev), keys);
        return;
      }
      const t0 = performance.now();
      if ('batch' in msg) readBatch(msg.batch, onBatch);
      else {
        stage.end();
        output.slot();
      }
      const answer = output.take(performance.now() - t0, 'end' in msg ? true : undefined);
      port.postMessage(answer, [answer.out]);
    } catch (err) {
      port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
    }
  });
}

run();

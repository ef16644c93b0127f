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
  /** The buffer the lines were written into, transferred: they are its bytes [0, length). */
  out: ArrayBuffer;
  length: number;
  ends: Uint32Array;
  /** Milliseconds spent on the batch (lib/parallel balances the threads' busy time). */
  busy: number;
  end?: true;
}
export type FromWorker = Answer | { error: string };

/**
 * The output buffer each answer starts with; it grows for a bigger answer. An answer to a full batch of a handshake
 * capture averages 290 KB (449 answers, 130 MB on hs7.pcap). 1 MiB measured the same speed, but a capture of
 * handshakes followed by a flood (the worker ended early) peaked 7 MB higher: 219-220 against 213 MB, two runs each
 * (the ended worker's allocator keeps what it held).
 */
const OUTPUT_BYTES = 384 * 1024;
/** Slots an answer's list of line ends starts with room for; it doubles when more come. */
const OUTPUT_SLOTS = 4096;

class Output {
  /** The lines of this answer, as lib/output/ndjson.ts writes them, into a buffer of its own. */
  private readonly lines = new EventBytes(0);
  private ends = new Uint32Array(OUTPUT_SLOTS);
  private slots = 0;

  constructor() {
    this.lines.buf = Buffer.allocUnsafeSlow(OUTPUT_BYTES);
  }

  line(ev: Event): void {
    this.lines.line(ev);
  }

  packet(p: PacketFields): void {
    packetLine(this.lines, p);
  }

  slot(): void {
    if (this.slots === this.ends.length) {
      const more = new Uint32Array(2 * this.ends.length);
      more.set(this.ends);
      this.ends = more;
    }
    this.ends[this.slots++] = this.lines.pos;
  }

  /**
   * The output so far, for one answer. Its buffer goes with it (transferred, not copied: an answer is a few
   * hundred KB; the copy and Uint32Array.from of the line ends took 3.5% of the worker's profile on hs7.pcap) and
   * the next answer is written into a new one. Allocated whole (allocUnsafeSlow), so that its ArrayBuffer holds nothing else.
   */
  take(busy: number, end?: true): Answer {
    const w = this.lines;
    const msg: Answer = { out: w.buf.buffer, length: w.pos, ends: this.ends.slice(0, this.slots), busy, ...(end ? { end } : {}) };
    w.buf = Buffer.allocUnsafeSlow(OUTPUT_BYTES);
    w.pos = 0;
    this.slots = 0;
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

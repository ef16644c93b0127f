// --jobs N: the decoder on N threads, this one and N-1 workers, NDJSON bytes out. The main thread keeps stage 1
// (text or pcap → packets), the TCP stage (lib/tcp: which flow, which id, when it ends, the limits, all global as
// with one thread), UDP and hex excerpts, and writes the `packet` events; each TCP flow's items go, by a hash of
// its address pair, to one worker, which runs the TLS and sessions stages on it and serialises its events
// (worker.ts). A share of the `packet` events moves between them so that the main thread is as busy as each worker
// (MAX_SHARE): the main thread writes them, or gives some away; once workers run it decodes no flow of its own,
// except under a flood, which ends them. Every output comes from one op in the main thread's sequence, and the
// main thread writes each op's bytes in that sequence: the output is the same bytes whatever N is and whichever
// thread decoded a flow. Workers start only once the input has shown START_ITEMS flow items (BIG_START_ITEMS for a
// big file): a small input never pays for starting them, and its flows stay in the main thread to their end.

import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { Event, FlowItem, Packet } from '../events.js';
import type { KeyStore } from '../keylog/index.js';
import { resolveOptions, type Options, type OptionsInput } from '../options.js';
import { EventBytes } from '../output/eventbytes.js';
import { NDJSON_BATCH_BYTES } from '../output/ndjson.js';
import { packetLine } from '../output/packetbytes.js';
import { createDecoder, type FlowDispatch } from '../pipeline.js';
import { endsHash } from '../tcp/index.js';
import type { Core } from '../stream.js';
import { BATCH_BYTES, BatchWriter, type BatchObject } from './codec.js';
import type { FromWorker, ToWorker } from './worker.js';

/**
 * Flow items the main thread handles itself before it starts the workers (about as many packets with payload).
 * 1500, was 4000: hs5.pcap and hs6.pcap (258k packets, `--jobs 2`, alternated, a quiet machine) took 5% and 3.5%
 * less wall time and 3-5% less CPU; the first 8,000 packets of hs6 took 30 ms more (0.67 against 0.64 s), 20,000
 * the same.
 */
export const START_ITEMS = 1500;
/**
 * TCP flows opened before the workers start. Each connection is decoded whole by one thread, so a few long
 * transfers gain nothing from more threads and pay for the hand-over (measured: six 40 MB downloads, -XX text,
 * 3.57 s with one thread against 4.07 s with two); many connections are where two threads pay.
 */
export const START_FLOWS = 64;
/**
 * Flow items per flow opened, at most, for the workers to start: they start while the connections are short on
 * average, and a capture of long transfers stays in one thread until its connections become short. Measured on
 * bench bulk.pcap (248 connections of about 400 KB, 243 items per flow when the 64th opened; --events all): one
 * thread 1.3 s CPU, 2.1-2.4 s wall; with a worker 1.7-2.0 s CPU, 3.2-4.1 s wall (the worker's own heap, its
 * garbage collections and compiled code cost more than the TLS work it takes). bench hs.pcap has 11 per flow.
 */
export const START_ITEMS_PER_FLOW = 64;
/**
 * An input of at least this many bytes, when its size is known (ParallelTuning.inputBytes: the command line gives a
 * file's), starts the workers on less evidence: BIG_START_ITEMS flow items and BIG_START_FLOWS flows instead of
 * START_ITEMS and START_FLOWS. The evidence that an input is big enough to pay for a worker is its size then; the
 * other conditions (START_ITEMS_PER_FLOW, START_ENDED_SHARE) still keep long transfers and floods in one thread. The
 * main thread decodes fewer flows before the start, so V8 compiles less of the TLS code in its isolate as well
 * (MAX_SHARE). Measured (`--events all`, alternated runs, bench/README.md "Compiled twice"): hs7.pcap 2.11-2.13 →
 * 2.02 s median over two rounds of 6, hs7.txt 2.84 → 2.60 s over 4; the first 20,000 packets of hs7 (9 MB) 0.80 →
 * 0.74 s, the first 5,000 (2.3 MB) the same; the first 2,000 (0.9 MB) took 0.29 s in one thread and 0.42 s with a
 * worker started at 150 items: below this size the old thresholds stay.
 */
export const BIG_INPUT_BYTES = 16 * 1024 * 1024;
export const BIG_START_ITEMS = 150;
export const BIG_START_FLOWS = 8;
/**
 * Flows ended by FIN or RST, as a share of the flows opened, at least, for the workers to start: they start once
 * connections are seen to end, not only to open. A flow that stays open keeps its state in a worker's heap as well
 * as its TCP state in this thread's, and each worker's heap and allocator cost memory beyond the limits: under a
 * flood of half-open connections (bench/flood.ts, nothing ends, lib/tcp evicts) a worker measured 50-60 MB more
 * peak RSS and more time than one thread (bench/README.md, "Memory under a flood"). The handshake recordings
 * (bench/RESULTS.md: hs3, hs4, hs5) had 88-97% of their flows ended by their 4,000th packet.
 */
export const START_ENDED_SHARE = 0.5;
/** Output pieces of at least this many bytes that no one writes again are pushed on their own, not copied. */
const BIG_PIECE = 64 * 1024;
/** The chunk that smaller pieces are copied into. */
const OUT_CHUNK_BYTES = 128 * 1024;
/** This thread's line buffer: it rolls over into a new one at NDJSON_BATCH_BYTES. */
const MINE_BYTES = NDJSON_BATCH_BYTES + 16 * 1024;
/**
 * Batches a worker may have in hand before the main thread stops reading, counted in bytes (MAX_IN_FLIGHT full
 * batches; each object of a batch weighs OBJECT_WEIGHT): bounds the memory of a fast input. In bytes, not batches,
 * so that the small batches of a worker that the main thread gives little (its share near 1, as while a new worker
 * warms up) do not stop the reading.
 */
export const MAX_IN_FLIGHT = 4;
const MAX_IN_FLIGHT_BYTES = MAX_IN_FLIGHT * BATCH_BYTES;
/** What one object of a batch (a flow's open or close, an event) counts for in MAX_IN_FLIGHT_BYTES. */
const OBJECT_WEIGHT = 256;
/**
 * Input bytes decoded in one step while workers run: the batches of a step go out at its end, and the main thread
 * waits there while a worker has MAX_IN_FLIGHT, so smaller steps keep less in flight. Reads stay 1 MiB (bin/cli.ts):
 * on bench hs.pcap with --jobs 2, 256 KiB steps (then reads) measured 160-171 MB peak RSS against 178-203 MB with
 * 1 MiB; 256 KiB reads cost a run in which no worker starts 15-25% more CPU (bulk -XX text, 1.07 GB: 4.8-5.4 s
 * against 4.1-4.4 s).
 */
export const STEP_BYTES = 256 * 1024;
/**
 * How much of the per-flow work the main thread keeps, as one number from -1 to 1 (it also runs stage 1 and TCP,
 * which no one else can): from 0 to 1, it writes every `packet` event and decodes that share of the new flows
 * itself; from -1 to 0, it gives the workers every flow and that share of the `packet` events too. `packet` events
 * are the main thread's first because writing one costs about what sending its packet to a worker would. The
 * share starts at KEEP_SHARE_START and, after each step, moves by up to SHARE_GAIN toward equal busy time (time
 * spent decoding, not waiting) of the main thread and the average worker, but not above MAX_SHARE. (A fixed
 * threshold on a worker's backlog could not balance: the in-flight cap stopped the main thread, idle, before its
 * worker was that far behind; bench/README.md, "Both cores".)
 */
export const KEEP_SHARE_START = 0;
/**
 * The share the balance moves up to: 0, so that once workers run the main thread decodes no new flow itself (a
 * flood, which ends them, sets the share to 1; ParallelTuning.keepShare may fix it anywhere). A flow decoded in
 * this thread costs more than its own work: the TLS, sessions and serialising code gets hot in this thread's V8
 * isolate as well as in the worker's, and V8 compiles all of it a second time (TurboFan, on its helper threads,
 * which share the two cores with the decoding: about 0.9 s of compiling per isolate on a 258k-packet capture).
 * hs7.pcap (258k packets of short connections; bench/README.md, "Compiled twice"), 8 runs alternated with the share
 * as it was (start 0.5, up to 1): median wall 2.27 → 2.19 s, CPU 4.02 → 3.75 s; hs7.txt, 3 runs: 2.68 → 2.60 s,
 * CPU 4.78 → 4.69 s. The main thread then waits part of the time on a pcap (its worker is the busier): that costs
 * less than the compiles.
 */
export const MAX_SHARE = 0;
export const SHARE_GAIN = 0.1;
/** Busy milliseconds of the main thread between two changes of the share. */
const SHARE_WINDOW_MS = 20;

/** The worker of an address pair, the same both ways round: a connection's packets and flow items go to one. The
 *  hash is lib/tcp's for its table of flows (each end mixed on its own, then added). */
export function pairWorker(src: string, sport: number, dst: string, dport: number, workers: number): number {
  return endsHash({ src, sport, dst, dport }) % workers;
}

/** `ip:port` or `[ip]:port` (lib/tcp's endpoint names) as address and port. */
function endpoint(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  const addr = s.startsWith('[') ? s.slice(1, i - 1) : s.slice(0, i);
  return [addr, Number(s.slice(i + 1))];
}

interface Answer {
  buf: Buffer;
  ends: Uint32Array;
  /** Slots already written. */
  next: number;
}

/** The worker script. */
const WORKER_URL = new URL('./worker.js', import.meta.url);
/** A worker's young generation, in MB: each worker is its own V8 heap, and V8's default lets each grow a young
 *  generation of up to 48 MB. 16 measured 299 → 249 MB peak RSS on bench hs.pcap with --jobs 2, no more CPU;
 *  8, with one worker, 214-217 → 199-211 MB. */
export const WORKER_YOUNG_MB = 8;
/**
 * A worker's old generation at most, in MB. V8 lets a heap's old generation grow by a factor of its live size
 * before the next full collection, and chooses that factor by the heap's maximum: 4 for the default maximum (4 GB
 * on this machine), about 1.8 for 1.5 GB. The worker's live data is a few MB to tens of MB (its flows' TLS and
 * session state), so its garbage was kept up to 35 MB between full collections; with 1.5 GB (CPU the same within
 * the noise) bench hs.pcap --jobs 2 measured 199-214 → 182-201 MB peak RSS. A worker that needs more stops the run with
 * an error (a worker's heap is its own; the main thread keeps V8's default).
 */
export const WORKER_OLD_MB = 1536;
const WORKER_OPTIONS = { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB, maxOldGenerationSizeMb: WORKER_OLD_MB } };

/**
 * Worker threads kept for one input after another (tests, a library decoding many inputs): each decoder takes
 * them with `take` and gives them back at its end. `close()` ends them. Without a pool, a decoder starts its own
 * workers and ends them with its input.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];

  take(n: number): Worker[] {
    // A worker that ended while idle (threadId -1) would never answer.
    for (let i = this.idle.length - 1; i >= 0; i--) if (this.idle[i]!.threadId < 0) this.idle.splice(i, 1);
    while (this.idle.length < n) this.idle.push(new Worker(WORKER_URL, WORKER_OPTIONS));
    return this.idle.splice(0, n);
  }

  give(workers: Worker[]): void {
    this.idle.push(...workers);
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}

export interface ParallelTuning {
  /** Flow items before the workers start (START_ITEMS); 0 starts them with the first flow. */
  startItems?: number;
  /** Flows opened before the workers start (START_FLOWS); 0: no such condition. */
  startFlows?: number;
  /** The input's size in bytes, when known (a file): a big one starts the workers sooner (BIG_INPUT_BYTES). */
  inputBytes?: number;
  /** Flow items per flow opened, at most, for the workers to start (START_ITEMS_PER_FLOW). */
  startItemsPerFlow?: number;
  /** Flows ended by FIN or RST per flow opened, at least, for the workers to start (START_ENDED_SHARE). */
  startEndedShare?: number;
  /** A fixed share for the main thread (see KEEP_SHARE_START, MAX_SHARE): -1, the workers take every flow and
   *  packet; 0.5, the main thread writes every packet and decodes half the flows. By default the share follows the
   *  busy time, up to MAX_SHARE. */
  keepShare?: number;
  /** Counts, once the workers started, the flows given to them and those the main thread kept (tests). */
  flows?: { given: number; kept: number };
  /** Workers to borrow instead of starting new ones. */
  pool?: WorkerPool;
  /** Called with the workers once they start (tests: a worker that fails). */
  onStart?: (workers: readonly Worker[]) => void;
}

/**
 * bytes in (tcpdump text, pcap, pcapng), NDJSON bytes out: the events of `createDecoder` as `ndjson()` writes
 * them, with `options.jobs` threads: this one and jobs - 1 workers. With jobs 1 everything runs in this thread.
 */
export function decodeNdjson(
  given: Readonly<Options> | OptionsInput = {},
  keys?: KeyStore,
  stats?: { flows: number },
  tuning: ParallelTuning = {},
): Transform {
  const options = resolveOptions(given);
  const jobs = options.jobs;
  const nWorkers = jobs - 1;
  const big = (tuning.inputBytes ?? 0) >= BIG_INPUT_BYTES;
  const startItems = tuning.startItems ?? (big ? BIG_START_ITEMS : START_ITEMS);
  const startFlows = tuning.startFlows ?? (big ? BIG_START_FLOWS : START_FLOWS);
  const startItemsPerFlow = tuning.startItemsPerFlow ?? START_ITEMS_PER_FLOW;
  const startEndedShare = tuning.startEndedShare ?? START_ENDED_SHARE;
  let opened = 0;
  let finished = 0;
  // This thread's own lines (flows it decodes, UDP, anomalies) are written into `mine` and roll over into `full`
  // chunks of about NDJSON_BATCH_BYTES, which are not written again; the sequence marks where each run of them
  // ends, as a position in all the bytes this thread has written, so that no run is copied out when a worker's
  // slot comes next (there is such a switch at nearly every packet when both threads decode flows).
  const mine = new EventBytes(MINE_BYTES);
  /** Position of mine.buf[0], of full[0][0], what the sequence holds, what is written out. */
  let mineAt = 0;
  let fullAt = 0;
  let queued = 0;
  let read = 0;
  const full: Buffer[] = [];
  const out = (ev: Event): void => {
    mine.line(ev);
    roll();
  };
  /** A full buffer of this thread's lines becomes a chunk of `full`. */
  const roll = (): void => {
    if (mine.pos < NDJSON_BATCH_BYTES) return;
    if (full.length === 0) fullAt = mineAt;
    full.push(mine.buf.subarray(0, mine.pos));
    mineAt += mine.pos;
    mine.buf = Buffer.allocUnsafe(MINE_BYTES);
    mine.pos = 0;
  };
  // ---- the order of the output: runs of slots, each the end of a run of this thread's bytes (kind -1) or a count
  // of one worker's slots
  const kinds: number[] = [];
  const vals: number[] = [];
  let head = 0;
  const answers: Answer[][] = [];
  const queueText = (): void => {
    const end = mineAt + mine.pos;
    if (end === queued) return;
    queued = end;
    const last = kinds.length - 1;
    if (last >= head && kinds[last] === -1) vals[last] = end;
    else {
      kinds.push(-1);
      vals.push(end);
    }
  };
  const slot = (w: number): void => {
    queueText();
    const last = kinds.length - 1;
    if (last >= head && kinds[last] === w) vals[last]!++;
    else {
      kinds.push(w);
      vals.push(1);
    }
  };
  // ---- the bytes out: pieces that no one writes again (a worker's answer, a full chunk of this thread's) go as
  // they are when big, the rest are copied into one chunk
  let chunk = Buffer.allocUnsafe(0);
  let at = 0;
  const flushOut = (): void => {
    if (at === 0) return;
    t.push(chunk.subarray(0, at));
    chunk = chunk.subarray(at);
    at = 0;
  };
  const put = (b: Buffer, from: number, to: number, kept: boolean): void => {
    const n = to - from;
    if (kept && n >= BIG_PIECE) {
      flushOut();
      t.push(b.subarray(from, to));
      return;
    }
    if (at + n > chunk.length) {
      flushOut();
      chunk = Buffer.allocUnsafe(Math.max(OUT_CHUNK_BYTES, n));
    }
    at += b.copy(chunk, at, from, to);
    if (at >= BIG_PIECE) flushOut();
  };
  /** Writes this thread's bytes up to `end`. */
  const putMine = (end: number): void => {
    while (read < end && full.length > 0) {
      const c = full[0]!;
      const to = Math.min(end, fullAt + c.length);
      put(c, read - fullAt, to - fullAt, true);
      read = to;
      if (to === fullAt + c.length) {
        full.shift();
        fullAt = to;
      }
    }
    if (read >= end) return;
    if (!workers && end === mineAt + mine.pos) {
      // No worker (yet): this thread's bytes go out as they are and its buffer is replaced, as lib/output/ndjson.ts
      // does, rather than copied into `chunk` (peak RSS under a flood measured the same either way).
      flushOut();
      t.push(mine.buf.subarray(read - mineAt, mine.pos));
      mineAt = end;
      mine.buf = Buffer.allocUnsafe(MINE_BYTES);
      mine.pos = 0;
    } else put(mine.buf, read - mineAt, end - mineAt, false);
    read = end;
  };
  /** Writes out what is ready, in order. */
  const drain = (): void => {
    queueText();
    while (head < kinds.length) {
      const k = kinds[head]!;
      if (k < 0) {
        putMine(vals[head]!);
        head++;
        continue;
      }
      let count = vals[head]!;
      const q = answers[k]!;
      while (count > 0 && q.length > 0) {
        const a = q[0]!;
        const m = Math.min(count, a.ends.length - a.next);
        const from = a.next === 0 ? 0 : a.ends[a.next - 1]!;
        put(a.buf, from, a.ends[a.next + m - 1]!, true);
        a.next += m;
        count -= m;
        if (a.next === a.ends.length) q.shift();
      }
      vals[head] = count;
      if (count > 0) break;
      head++;
    }
    if (head > 4096 && head * 2 > kinds.length) {
      kinds.splice(0, head);
      vals.splice(0, head);
      head = 0;
    }
    flushOut();
    // All of this thread's bytes are out: its buffer starts again.
    if (read === mineAt + mine.pos) {
      mineAt = read;
      mine.pos = 0;
    }
  };
  // ---- the workers
  let workers: Worker[] | undefined;
  const writers: BatchWriter[] = [];
  /** Per worker: the weight of the batches sent and not answered, and each one's, oldest first. */
  const inFlight: number[] = [];
  const weights: number[][] = [];
  // ---- the share kept by this thread, and the busy time it follows
  let share = tuning.keepShare ?? KEEP_SHARE_START;
  /** lib/tcp has evicted a live flow for its limits (maxFlows, maxMemoryBytes): see dispatch.item. */
  let flood = false;
  /** Flows and packets are kept by error diffusion: each adds its share, and one is kept per whole unit. */
  let flowCredit = 0;
  let packetCredit = 0;
  let mainBusy = 0;
  let workersBusy = 0;
  let lastMain = 0;
  let lastWorkers = 0;
  const keep = (credit: number): boolean => credit >= 1;
  /** Moves the share toward equal busy time, once the main thread has been busy SHARE_WINDOW_MS more. */
  const rebalance = (): void => {
    if (flood || tuning.keepShare !== undefined || mainBusy - lastMain < SHARE_WINDOW_MS) return;
    const m = mainBusy - lastMain;
    const w = (workersBusy - lastWorkers) / nWorkers;
    lastMain = mainBusy;
    lastWorkers = workersBusy;
    share = Math.min(MAX_SHARE, Math.max(-1, share + (SHARE_GAIN * (w - m)) / (w + m)));
  };
  // ---- a flood (see dispatch.item): each worker is ended once it holds no flow, and its heap goes with it
  /** Per worker: the flows it holds, whether its end was sent early, and whether it has answered its end (all
   *  have: the run can finish). */
  const held: number[] = [];
  const retired: boolean[] = [];
  const over: boolean[] = [];
  const retire = (w: number): void => {
    if (retired[w]) return;
    retired[w] = true;
    send(w);
    slot(w);
    workers![w]!.postMessage({ end: true } satisfies ToWorker);
  };
  let failed = false;
  const owner = new Map<number, number>();
  const secrets: BatchObject[] = [];
  let items = 0;
  let waiting: (() => void) | undefined;
  let finishing: (() => void) | undefined;
  const fail = (err: Error): void => {
    if (failed) return;
    failed = true;
    stopWorkers(false);
    t.destroy(err);
  };
  const listeners: [Worker, (msg: FromWorker) => void, (err: Error) => void, (code: number) => void][] = [];
  let stopped = false;
  /** The workers end, or go back to the pool when they finished this input (`clean`), without its listeners. */
  const stopWorkers = (clean: boolean): void => {
    if (!workers || stopped) return;
    stopped = true;
    for (const [w, m, e, x] of listeners.splice(0)) w.off('message', m).off('error', e).off('exit', x);
    if (tuning.pool && clean) tuning.pool.give(workers);
    else for (const w of workers) void w.terminate();
  };
  const start = (): void => {
    workers = tuning.pool ? tuning.pool.take(nWorkers) : Array.from({ length: nWorkers }, () => new Worker(WORKER_URL, WORKER_OPTIONS));
    for (let i = 0; i < nWorkers; i++) {
      const w = workers[i]!;
      const index = i;
      const onMessage = (msg: FromWorker): void => {
        if ('error' in msg) return fail(new Error(`worker ${index + 1} of ${nWorkers} failed: ${msg.error}`));
        const t0 = performance.now();
        workersBusy += msg.busy;
        answers[index]!.push({ buf: Buffer.from(msg.out, 0, msg.length), ends: msg.ends, next: 0 });
        if (msg.end) {
          over[index] = true;
          // Ended early by a flood: its memory goes now (a pool's worker waits to be given back, clean).
          if (!finishing && !tuning.pool) void w.terminate();
        } else inFlight[index]! -= weights[index]!.shift()!;
        drain();
        mainBusy += performance.now() - t0;
        if (waiting && inFlight.every((n) => n < MAX_IN_FLIGHT_BYTES)) {
          const go = waiting;
          waiting = undefined;
          go();
        }
        if (finishing && over.every((o) => o)) finishing();
      };
      const onError = (err: Error): void => fail(new Error(`worker ${index + 1} of ${nWorkers} failed: ${err.message}`));
      const onExit = (code: number): void => {
        if (!over[index]) fail(new Error(`worker ${index + 1} of ${nWorkers} stopped (exit code ${code}) before the end of the input`));
      };
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      listeners.push([w, onMessage, onError, onExit]);
      w.postMessage({ begin: { options } } satisfies ToWorker);
      writers.push(new BatchWriter());
      inFlight.push(0);
      weights.push([]);
      held.push(0);
      retired.push(false);
      over.push(false);
      answers.push([]);
      for (const s of secrets) writers[i]!.object(s);
    }
    tuning.onStart?.(workers);
  };
  const send = (w: number): void => {
    const b = writers[w]!;
    if (b.empty) return;
    const batch = b.take();
    const weight = batch.length + OBJECT_WEIGHT * batch.objects.length;
    inFlight[w]! += weight;
    weights[w]!.push(weight);
    workers![w]!.postMessage({ batch } satisfies ToWorker, [batch.bytes]);
  };
  const sendAll = (): void => {
    if (workers) for (let w = 0; w < nWorkers; w++) if (!retired[w]) send(w);
  };
  const dispatch: FlowDispatch = {
    item(item: FlowItem): boolean {
      if (nWorkers === 0) return false;
      if (item.kind === 'close' && item.end === 'evicted' && !flood) {
        // A flood: this thread keeps every new flow and writes every packet from here on, and each worker is ended
        // once lib/tcp has evicted or closed its flows: a worker's heap and allocator are memory beyond the limits.
        flood = true;
        share = 1;
        if (workers) for (let w = 0; w < nWorkers; w++) if (held[w] === 0) retire(w);
      }
      if (!workers) {
        if (item.kind === 'open') opened++;
        else if (item.kind === 'close' && (item.end === 'fin' || item.end === 'rst')) finished++;
        if (++items <= startItems || flood || opened < startFlows || items > opened * startItemsPerFlow || finished < opened * startEndedShare)
          return false;
        start();
      }
      let w: number | undefined;
      if (item.kind === 'open') {
        w = nWorkers === 1 ? 0 : pairWorker(...endpoint(item.client), ...endpoint(item.server), nWorkers);
        flowCredit += share > 0 ? share : 0;
        if (keep(flowCredit)) {
          flowCredit -= 1;
          if (tuning.flows) tuning.flows.kept++;
          return false;
        }
        if (tuning.flows) tuning.flows.given++;
        owner.set(item.flow, w);
        held[w]!++;
      } else {
        w = owner.get(item.flow);
        if (w === undefined) return false;
        if (item.kind === 'close') {
          owner.delete(item.flow);
          held[w]!--;
        }
      }
      const b = writers[w]!;
      if (item.kind === 'data') b.data(item);
      else b.object({ item });
      slot(w);
      if (b.full) send(w);
      if (flood && held[w] === 0) retire(w);
      return true;
    },
    event(ev: Event): boolean {
      const w = typeof ev.flow === 'number' ? owner.get(ev.flow) : undefined;
      if (w === undefined) return false;
      const b = writers[w]!;
      b.object({ event: ev });
      slot(w);
      if (b.full) send(w);
      return true;
    },
    packet(p: Packet): boolean {
      if (workers) {
        packetCredit += share < 0 ? 1 + share : 1;
        if (keep(packetCredit)) packetCredit -= 1;
        else {
          const w = nWorkers === 1 ? 0 : pairWorker(p.src, p.sport, p.dst, p.dport, nWorkers);
          const b = writers[w]!;
          b.packet(p);
          slot(w);
          if (b.full) send(w);
          return true;
        }
      }
      // This thread's: written straight from the packet, no event object (lib/output/packetbytes.ts).
      packetLine(mine, p);
      roll();
      return true;
    },
    secrets(s: string, source: string): void {
      // With one thread the key log stays in this thread's KeyStore alone: nothing to keep for workers.
      if (nWorkers === 0) return;
      const o: BatchObject = { secrets: s, source };
      secrets.push(o);
      for (let w = 0; w < writers.length; w++) if (!retired[w]) writers[w]!.object(o);
    },
  };
  let core: Core;
  /** Decodes `chunk` from `from`: whole while no worker runs, else STEP_BYTES at a time, its batches sent after each
   *  step and the next step held back while a worker has MAX_IN_FLIGHT batches. */
  const step = (chunk: Uint8Array, from: number, cb: TransformCallback): void => {
    const to = workers ? Math.min(chunk.length, from + STEP_BYTES) : chunk.length;
    const t0 = performance.now();
    try {
      core.push(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
    } catch (err) {
      return cb(err as Error);
    }
    sendAll();
    drain();
    if (workers) {
      mainBusy += performance.now() - t0;
      rebalance();
    }
    const next = to < chunk.length ? () => step(chunk, to, cb) : () => cb();
    if (workers && inFlight.some((n) => n >= MAX_IN_FLIGHT_BYTES)) waiting = next;
    else next();
  };
  const t = new Transform({
    transform(chunk: Uint8Array, _enc: BufferEncoding, cb: TransformCallback) {
      // As decodeStream: the chunk is decoded after write() returns, so the next read runs meanwhile.
      setImmediate(() => step(chunk, 0, cb));
    },
    flush(cb: TransformCallback) {
      try {
        core.end();
      } catch (err) {
        return cb(err as Error);
      }
      if (!workers) {
        drain();
        return cb();
      }
      sendAll();
      // Each worker's end (its TLS and sessions stages flushed) is one slot after everything else. With one thread
      // it comes before the UDP stage's end; both are empty, since the TCP stage's end has closed every flow.
      // A worker ended early by a flood has had its end slot already.
      for (let w = 0; w < nWorkers; w++) {
        if (retired[w]) continue;
        slot(w);
        workers[w]!.postMessage({ end: true } satisfies ToWorker);
      }
      queueText();
      finishing = () => {
        finishing = undefined;
        drain();
        stopWorkers(true);
        cb();
      };
      if (over.every((o) => o)) finishing();
    },
    destroy(err, cb) {
      stopWorkers(false);
      cb(err);
    },
  });
  core = createDecoder(options, out, keys, stats, dispatch);
  return t;
}

// V8 heap settings of the command line: peak RSS under a flood is mostly garbage waiting for a collection and the
// room V8 leaves for more, not live state (bench/README.md, "Memory under a flood").

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { whenBudgetBinds } from '../lib/tcp/index.js';

/**
 * The young generation (its two semi-spaces) stops growing once it is seen at this size, in MB, or past it; V8 lets
 * it grow to 32. It doubles at a scavenge, which can come more often than it is looked at: measured, it stops at
 * 8 or 16 MB. A smaller young generation promotes more short-lived objects: on bench bulk.pcap, stopping at 2-4 MB
 * cost 10% more CPU, at 8-16 MB nothing the noise shows (bench/RESULTS.md).
 */
export const YOUNG_MB = 8;
/** How often, in ms, the young generation's size is looked at until it has reached YOUNG_MB. */
const LOOK_MS = 10;
/**
 * Once live TCP flows pass the memory budget (a flood), the old generation grows by this percentage of its live
 * size before the next full collection, instead of V8's factor of up to 4×: evicted flows' objects and byte
 * buffers are freed that much sooner, for more full collections.
 */
export const FLOOD_HEAP_GROWING_PERCENT = 50;

/**
 * A worker's heap starts with its young generation at its cap (lib/parallel WORKER_YOUNG_MB; V8 takes the smaller of
 * this and the cap when it makes a heap, and this thread's heap is made already). Without it a worker's young
 * generation stays at the size it has when stay() runs at its start: 4 MB, where hs5.pcap (258k packets,
 * `--jobs 2`) measured 260-558 scavenges in the worker taking 208-526 ms of its time; from 8 MB, 118-146 taking
 * 90-159 ms. In MB per semi-space (two make the young generation).
 */
export const WORKER_MIN_SEMI_SPACE_MB = 4;
setFlagsFromString(`--min-semi-space-size=${WORKER_MIN_SEMI_SPACE_MB}`);

let grown = false;

/** The young generation stops growing: V8 reads this factor whenever it would grow it (its maximum only when the
 *  heap is made). Making a heap (a worker thread's) sets the factor back to at least 2 (V8's Heap::ConfigureHeap),
 *  so it is set again once each worker is online. */
function stay(): void {
  if (grown) setFlagsFromString('--semi-space-growth-factor=1');
}

function young(): number {
  for (const s of getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size;
  return 0;
}

const look = setInterval(() => {
  if (young() < YOUNG_MB * 1024 * 1024 - (1 << 20)) return;
  grown = true;
  stay();
  clearInterval(look);
}, LOOK_MS);
look.unref();
process.on('worker', (w) => w.once('online', stay));
whenBudgetBinds(() => setFlagsFromString(`--heap-growing-percent=${FLOOD_HEAP_GROWING_PERCENT}`));

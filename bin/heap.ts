// V8 heap settings of the command line, set before anything else is loaded (bin/tlsdump.js imports this first):
// peak RSS is mostly garbage waiting for a collection, not live state (bench/README.md, "Memory under a flood").

import { setFlagsFromString } from 'node:v8';
import { whenBudgetBinds } from '../lib/tcp/index.js';

/**
 * The young generation stays at its initial size (1 MB semi-spaces) instead of growing to 16 MB: V8 reads its
 * maximum only when the heap is made, but this factor whenever it would grow, so it must be set before the first
 * allocations grow it. Measured: 32 MB less committed heap; no CPU cost that the noise shows on the handshake and
 * bulk captures (bench/RESULTS.md). A worker's young generation is capped by lib/parallel's resourceLimits.
 * Making a heap (a worker thread's) sets the factor back to at least 2 (V8's Heap::ConfigureHeap), so it is set
 * again once each worker is online.
 */
export const SEMI_SPACE_GROWTH = 1;
/**
 * Once the TCP stage's memory budget evicts flows (a flood: more connections live than fit), the old generation
 * grows by this percentage of its live size before the next full collection, instead of V8's factor of up to 4×:
 * evicted flows' objects and byte buffers are freed that much sooner. It costs more full collections (about 20% more
 * CPU on a flood), so it is set only then; captures that never evict pay nothing.
 */
export const FLOOD_HEAP_GROWING_PERCENT = 50;

const youngStays = (): void => setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH}`);
youngStays();
process.on('worker', (w) => w.once('online', youngStays));
whenBudgetBinds(() => setFlagsFromString(`--heap-growing-percent=${FLOOD_HEAP_GROWING_PERCENT}`));

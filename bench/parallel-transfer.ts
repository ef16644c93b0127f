// How batches reach a worker thread (lib/parallel): each batch's buffer transferred (postMessage with a transfer
// list), copied (structured clone), or written into a ring of slots in one SharedArrayBuffer with only the slot
// number posted. The worker reads every byte of a batch and answers; the time is for all batches, round trips
// included (wall time: a worker's process.cpuUsage() is the whole process's).
//
// usage: node dist/bench/parallel-transfer.js [BATCHES] [BATCH_KB]

import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { BATCH_BYTES } from '../lib/parallel/codec.js';

const SLOTS = 4;

type Msg =
  | { mode: 'transfer' | 'copy'; buf: ArrayBuffer }
  | { mode: 'shared'; slot: number; length: number }
  | { ring: SharedArrayBuffer; size: number };

function read(bytes: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i += 64) s += bytes[i]!;
  return s;
}

if (!isMainThread) {
  let ring: Uint8Array | undefined;
  let size = 0;
  parentPort!.on('message', (m: Msg) => {
    if ('ring' in m) {
      ring = new Uint8Array(m.ring);
      size = m.size;
      return;
    }
    const sum = m.mode === 'shared' ? read(ring!.subarray(m.slot * size, m.slot * size + m.length)) : read(new Uint8Array(m.buf));
    parentPort!.postMessage({ sum, slot: m.mode === 'shared' ? m.slot : -1 });
  });
} else {
  const batches = Number(process.argv[2] ?? 500);
  const size = Number(process.argv[3] ?? BATCH_BYTES / 1024) * 1024;
  const fill = (b: Uint8Array): void => {
    // Stands in for the batch writer: every byte is written once.
    for (let i = 0; i < b.length; i += 8) b[i] = i & 0xff;
  };
  const one = (mode: 'transfer' | 'copy' | 'shared'): Promise<number> =>
    new Promise((resolve) => {
      const w = new Worker(new URL(import.meta.url));
      const ring = new SharedArrayBuffer(SLOTS * size);
      const ringBytes = new Uint8Array(ring);
      if (mode === 'shared') w.postMessage({ ring, size } satisfies Msg);
      const free: number[] = [...Array(SLOTS).keys()];
      let sent = 0;
      let done = 0;
      const start = process.hrtime.bigint();
      const pump = (): void => {
        // At most SLOTS batches in flight, as lib/parallel's MAX_IN_FLIGHT.
        while (sent < batches && sent - done < SLOTS) {
          if (mode === 'shared') {
            const slot = free.pop()!;
            fill(ringBytes.subarray(slot * size, (slot + 1) * size));
            w.postMessage({ mode, slot, length: size } satisfies Msg);
          } else {
            const b = new Uint8Array(size);
            fill(b);
            w.postMessage({ mode, buf: b.buffer } satisfies Msg, mode === 'transfer' ? [b.buffer] : []);
          }
          sent++;
        }
      };
      w.on('message', (m: { slot: number }) => {
        done++;
        if (m.slot >= 0) free.push(m.slot);
        if (done === batches) {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          void w.terminate();
          resolve(ms);
        } else pump();
      });
      pump();
    });
  for (let round = 0; round < 3; round++) {
    for (const mode of ['transfer', 'copy', 'shared'] as const) {
      const ms = await one(mode);
      console.log(`${mode.padEnd(8)} ${batches} × ${size / 1024} KB: ${ms.toFixed(0)} ms, ${((batches * size) / 1e6 / (ms / 1000)).toFixed(0)} MB/s`);
    }
  }
}

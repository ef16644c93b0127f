// The cost of the composed stages (lib/streams.ts) against the fused decoder (lib/pipeline.ts) on one file, the
// NDJSON of every event type written to a byte counter: the two run alternately ROUNDS times in this process and
// the best wall and CPU (user + system, every thread) seconds of each are printed, with the load average, since the machine may be shared. Both give the same bytes
// (test/streams/compose.test.ts); the count is printed to show it. On text, `lines` is the composed path with
// the line stage apart (lines() → textPackets(): a Buffer per line, no bulk hex fast path).
//
// usage: node dist/bench/streams.js FILE [ROUNDS]   (FILE: tcpdump text or a pcap/pcapng)

import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EVENT_TYPES } from '../lib/events.js';
import { decodeStream } from '../lib/pipeline.js';
import { SNIFF_BYTES, sniffInput } from '../lib/pcap/index.js';
import { decodeStages, flows, lines, ndjson, sessions, textPackets, tlsEvents } from '../lib/streams.js';

const [file, roundsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/streams.js FILE [ROUNDS]\n');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 3);
const options = { events: EVENT_TYPES };

async function once(stages: () => Transform[]): Promise<{ seconds: number; cpu: number; bytes: number }> {
  let bytes = 0;
  const count = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await pipeline([createReadStream(file!), ...stages(), ndjson(), count]);
  const c = process.cpuUsage(c0);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6, bytes };
}

type Way = 'fused' | 'composed' | 'lines';
const best: Record<Way, number> = { fused: Infinity, composed: Infinity, lines: Infinity };
const cpu: Record<Way, number> = { fused: Infinity, composed: Infinity, lines: Infinity };
const out: Record<Way, number> = { fused: 0, composed: 0, lines: 0 };
const ways: Record<Way, () => Transform[]> = {
  fused: () => [decodeStream(options)],
  composed: () => decodeStages(options),
  // Text only: the line stage on its own, one Buffer per line, then the text stage.
  lines: () => [lines(options), textPackets(options), flows(options), tlsEvents(options), sessions(options)],
};
const head = Buffer.alloc(SNIFF_BYTES);
const fd = openSync(file, 'r');
const isText = sniffInput(head.subarray(0, readSync(fd, head))) === 'text';
closeSync(fd);
const order: Way[] = isText ? ['fused', 'composed', 'lines'] : ['fused', 'composed'];
for (let i = 0; i < rounds; i++) {
  // Each in turn first, so that none always runs on a warmer heap.
  for (const way of [...order.slice(i % order.length), ...order.slice(0, i % order.length)]) {
    const r = await once(ways[way]);
    best[way] = Math.min(best[way], r.seconds);
    cpu[way] = Math.min(cpu[way], r.cpu);
    out[way] = r.bytes;
  }
}
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
process.stdout.write(
  `${JSON.stringify({ file, rounds, fusedSeconds: +best.fused.toFixed(3), composedSeconds: +best.composed.toFixed(3), ratio: +(best.composed / best.fused).toFixed(2), fusedCpuSeconds: +cpu.fused.toFixed(3), composedCpuSeconds: +cpu.composed.toFixed(3), ...(isText ? { linesSeconds: +best.lines.toFixed(3), linesCpuSeconds: +cpu.lines.toFixed(3) } : {}), ndjsonBytes: isText ? out : { fused: out.fused, composed: out.composed }, loadavg: load })}\n`,
);

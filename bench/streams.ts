// The cost of the composed stages (lib/streams.ts) against the fused decoder (lib/pipeline.ts) on one file, the
// NDJSON of every event type written to a byte counter: the two run alternately ROUNDS times in this process and
// the best of each is printed, with the load average, since the machine may be shared. Both give the same bytes
// (test/streams/compose.test.ts); the count is printed to show it.
//
// usage: node dist/bench/streams.js FILE [ROUNDS]   (FILE: tcpdump text or a pcap/pcapng)

import { createReadStream } from 'node:fs';
import { loadavg } from 'node:os';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EVENT_TYPES } from '../lib/events.js';
import { decodeStream } from '../lib/pipeline.js';
import { decodeStages, ndjson } from '../lib/streams.js';

const [file, roundsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/streams.js FILE [ROUNDS]\n');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 3);
const options = { events: EVENT_TYPES };

async function once(stages: () => Transform[]): Promise<{ seconds: number; bytes: number }> {
  let bytes = 0;
  const count = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  const t0 = process.hrtime.bigint();
  await pipeline([createReadStream(file!), ...stages(), ndjson(), count]);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes };
}

const best = { fused: Infinity, composed: Infinity };
const out = { fused: 0, composed: 0 };
for (let i = 0; i < rounds; i++) {
  const f = await once(() => [decodeStream(options)]);
  const c = await once(() => decodeStages(options));
  best.fused = Math.min(best.fused, f.seconds);
  best.composed = Math.min(best.composed, c.seconds);
  out.fused = f.bytes;
  out.composed = c.bytes;
}
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
process.stdout.write(
  `${JSON.stringify({ file, rounds, fusedSeconds: +best.fused.toFixed(3), composedSeconds: +best.composed.toFixed(3), ratio: +(best.composed / best.fused).toFixed(2), ndjsonBytes: out, loadavg: load })}\n`,
);

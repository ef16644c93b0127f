// The cost of the per-flow stages alone (lib/parallel/stage.ts FlowStage: TLS, names, fingerprints, sessions; the
// code a worker thread runs), without reading, reassembly or serialising: the flow items and events lib/tcp gives
// for FILE are recorded once (their bytes copied), then fed to a new FlowStage ROUNDS times in this process. Prints
// the best and median CPU milliseconds (user + system) and the load average, since the machine may be shared.
// Module caches (certificates, names, fingerprints) stay warm after the first round, as they do in a long capture.
//
// usage: node dist/bench/stages.js FILE [ROUNDS] [EVENTS]   (FILE: a pcap or tcpdump text; EVENTS: 'all' (default)
//        or a comma-separated list, e.g. tls.session)

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Event, FlowItem } from '../lib/events.js';
import { KeyStore } from '../lib/keylog/index.js';
import { resolveOptions } from '../lib/options.js';
import { FlowStage } from '../lib/parallel/stage.js';
import { createDecoder } from '../lib/pipeline.js';

const [file, roundsArg, eventsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/stages.js FILE [ROUNDS] [EVENTS]\n');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 9);
const options = resolveOptions({ events: !eventsArg || eventsArg === 'all' ? 'all' : eventsArg.split(',') });

// What lib/tcp hands on, in order: flow items (data bytes copied: they are views the next read may reuse) and
// the events that name a flow.
const recorded: (FlowItem | { kind: 'event'; ev: Event })[] = [];
const decoder = createDecoder(options, () => {}, undefined, undefined, {
  item(item) {
    recorded.push(item.kind === 'data' ? { ...item, bytes: Uint8Array.from(item.bytes) } : { ...item });
    return true;
  },
  event(ev) {
    recorded.push({ kind: 'event', ev });
    return true;
  },
  packet: () => false,
  secrets() {},
});
decoder.push(readFileSync(file));
decoder.end();

const keys = new KeyStore([]);
const times: number[] = [];
let events = 0;
for (let r = 0; r < rounds; r++) {
  const c0 = process.cpuUsage();
  const stage = new FlowStage(options, () => events++, keys);
  for (const x of recorded) {
    if (x.kind === 'event') stage.event(x.ev);
    else stage.item(x);
  }
  stage.end();
  const c = process.cpuUsage(c0);
  times.push((c.user + c.system) / 1000);
}
times.sort((a, b) => a - b);
const load = loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
process.stdout.write(
  `${recorded.length} items, ${events / rounds} events a round; CPU ms best ${times[0]!.toFixed(0)}, median ${times[times.length >> 1]!.toFixed(0)} (load ${load})\n`,
);

// One measurement in its own process, so that its peak RSS is its own: reads FILE through one case and prints
// a JSON line {case, seconds, cpuSeconds, bytes, items, maxRssMB}. cpuSeconds is the user + system time of the
// whole process during the case, every thread (null for the serialisation cases, whose decoding is not timed);
// `items` is what the case counts: bytes, lines, packets, flow items, events or output bytes.
//
// Cases, each one stage more than the one before (FILE may be `-XX` text or a pcap; the stages pick by magic):
//   read        the floor: reading the file and nothing else
//   split2      split2 alone (strings per line), the design card's line framer
//   lines       our byte line framer alone (text only)
//   packets     stage 1: text (or pcap) → packets
//   packets-mem stage 1 alone: FILE read into memory first (not timed), then pushed in 1 MB chunks (no I/O)
//   flows       stage 1 + tcp reassembly → flow items
//   flows-mem   the same with FILE read into memory first (not timed), as packets-mem
//   records     stage 1 + tcp + tls → tls events (no sessions)
//   decode      the whole decoder (stage 1 + tcp + tls + session) with --events all, events counted, not written
//   all         the whole pipeline as the CLI runs it, --events all: decodeStream → ndjsonOut → a byte counter
//   all-ndjson-pkg   the same with the `ndjson` package's stringify stream in place of ndjsonOut (the old path)
//   stringify, stringify-ndjson-pkg   serialisation alone: the events of FILE (decoded first, not timed) written
//               as NDJSON into a byte counter by ndjsonOut, or by the ndjson package's stringify
//
// usage: node dist/bench/measure.js CASE FILE

import { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ndjson from 'ndjson';
import split2 from 'split2';
import { EVENT_TYPES, type Event, type FlowItem, type Packet } from '../lib/events.js';
import { defaultOptions, type Options } from '../lib/options.js';
import { ndjsonOut } from '../lib/output/ndjson.js';
import { PcapPackets, sniffInput, SNIFF_BYTES } from '../lib/pcap/index.js';
import { createDecoder, decodeStream } from '../lib/pipeline.js';
import type { Core } from '../lib/stream.js';
import { Reassembler } from '../lib/tcp/index.js';
import { textInput } from '../lib/text/index.js';
import { LineSplitter } from '../lib/text/lines.js';
import { TlsDecoder } from '../lib/tls/index.js';

type Case = (file: string) => Promise<number>;

const HWM = 1 << 20;

/**
 * A sink for chunks. With `deferred`, each chunk is handled in a setImmediate, as decodeStream handles its
 * chunks (lib/stream.ts): the file's next read is then under way while the chunk is decoded.
 */
function drain(onChunk: (chunk: Buffer) => void, deferred = false): Writable {
  const handle = (chunk: Buffer, cb: () => void): void => {
    onChunk(chunk);
    cb();
  };
  return new Writable({
    highWaterMark: HWM,
    write(chunk: Buffer, _enc, cb) {
      if (deferred) setImmediate(handle, chunk, cb);
      else handle(chunk, cb);
    },
  });
}

/** Pushes FILE's bytes through a core (no stream in between but the file's own). */
async function feed(file: string, core: Core): Promise<void> {
  await pipeline(
    createReadStream(file, { highWaterMark: HWM }),
    drain((c) => core.push(c), true),
  );
  core.end();
}

const allEvents = (): Options => defaultOptions({ events: new Set(EVENT_TYPES) });

/** Stage 1 for FILE's kind (tcpdump text or a capture file), packets to `next`. */
function stage1(file: string, opts: Options, next: (p: Packet) => void, emit: (ev: Event) => void): Core {
  if (sniffKind(file) !== 'text') return new PcapPackets(opts, next, emit);
  return textInput(opts, next, emit);
}

function sniffKind(file: string): 'text' | 'pcap' {
  const head = Buffer.alloc(SNIFF_BYTES);
  const fd = openSync(file, 'r');
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  return sniffInput(head.subarray(0, n)) === 'text' ? 'text' : 'pcap';
}

/** Stage 1 for FILE's kind and tcp reassembly as one core, flow items to `next`. */
function flowStages(file: string, opts: Options, next: (item: FlowItem) => void): Core {
  const tcp = new Reassembler(opts, next, () => undefined);
  const s1 = stage1(
    file,
    opts,
    (p) => tcp.push(p),
    () => undefined,
  );
  return { push: (c) => s1.push(c), end: () => (s1.end(), tcp.end()) };
}

/** Collects the events of FILE (--events all) in memory, for the serialisation cases. */
function collect(file: string): Promise<Event[]> {
  const events: Event[] = [];
  const d = createDecoder(allEvents(), (ev) => events.push(ev));
  return feed(file, d).then(() => events);
}

/** Times `run` alone; what comes before it (collecting events, reading a file) is not counted. */
let timedFrom: bigint | undefined;
/** The CPU time at timedFrom, when the case counts CPU from there too. */
let cpuFrom: NodeJS.CpuUsage | undefined;

async function serialise(file: string, out: Transform): Promise<number> {
  const events = await collect(file);
  let bytes = 0;
  timedFrom = process.hrtime.bigint();
  await pipeline(
    Readable.from(events, { objectMode: true }),
    out,
    drain((c) => (bytes += c.length)),
  );
  return bytes;
}

const cases: Record<string, Case> = {
  async read(file) {
    let n = 0;
    await pipeline(
      createReadStream(file, { highWaterMark: HWM }),
      drain((c) => (n += c.length)),
    );
    return n;
  },
  async split2(file) {
    let lines = 0;
    await pipeline(
      createReadStream(file, { highWaterMark: HWM }),
      split2(),
      new Writable({
        objectMode: true,
        highWaterMark: 1024,
        write(_line, _enc, cb) {
          lines++;
          cb();
        },
      }),
    );
    return lines;
  },
  async lines(file) {
    let lines = 0;
    const s = new LineSplitter(65536, { line: () => void lines++, overlong: () => void lines++ });
    await feed(file, { push: (c) => s.push(c), end: () => s.end() });
    return lines;
  },
  async packets(file) {
    let packets = 0;
    await feed(
      file,
      stage1(
        file,
        defaultOptions(),
        () => void packets++,
        () => undefined,
      ),
    );
    return packets;
  },
  async 'packets-mem'(file) {
    const data = readFileSync(file);
    let packets = 0;
    const s1 = stage1(
      file,
      defaultOptions(),
      () => void packets++,
      () => undefined,
    );
    timedFrom = process.hrtime.bigint();
    cpuFrom = process.cpuUsage();
    for (let i = 0; i < data.length; i += HWM) s1.push(data.subarray(i, i + HWM));
    s1.end();
    return packets;
  },
  async 'flows-mem'(file) {
    const data = readFileSync(file);
    let items = 0;
    const core = flowStages(file, allEvents(), () => void items++);
    timedFrom = process.hrtime.bigint();
    cpuFrom = process.cpuUsage();
    for (let i = 0; i < data.length; i += HWM) core.push(data.subarray(i, i + HWM));
    core.end();
    return items;
  },
  async flows(file) {
    let items = 0;
    await feed(
      file,
      flowStages(file, allEvents(), () => void items++),
    );
    return items;
  },
  async records(file) {
    let events = 0;
    const opts = allEvents();
    const tls = new TlsDecoder(opts, () => void events++);
    const core = flowStages(file, opts, (item) => tls.push(item));
    await feed(file, { push: (c) => core.push(c), end: () => (core.end(), tls.end()) });
    return events;
  },
  async decode(file) {
    let events = 0;
    await feed(
      file,
      createDecoder(allEvents(), () => void events++),
    );
    return events;
  },
  async all(file) {
    let bytes = 0;
    await pipeline(
      createReadStream(file, { highWaterMark: HWM }),
      decodeStream(allEvents()),
      ndjsonOut(),
      drain((c) => (bytes += c.length)),
    );
    return bytes;
  },
  async 'all-ndjson-pkg'(file) {
    let bytes = 0;
    await pipeline(
      createReadStream(file, { highWaterMark: HWM }),
      decodeStream(allEvents()),
      ndjson.stringify() as Transform,
      drain((c) => (bytes += c.length)),
    );
    return bytes;
  },
  stringify: (file) => serialise(file, ndjsonOut()),
  'stringify-ndjson-pkg': (file) => serialise(file, ndjson.stringify() as Transform),
};

async function main(): Promise<void> {
  const [name, file] = process.argv.slice(2);
  const run = name ? cases[name] : undefined;
  if (!run || !file) {
    process.stderr.write(`usage: node dist/bench/measure.js (${Object.keys(cases).join('|')}) FILE\n`);
    process.exitCode = 2;
    return;
  }
  const bytes = statSync(file).size;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const items = await run(file);
  const seconds = Number(process.hrtime.bigint() - (timedFrom ?? t0)) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const from = cpuFrom === undefined ? undefined : process.cpuUsage(cpuFrom);
  const cpuSeconds = timedFrom === undefined ? (cpu.user + cpu.system) / 1e6 : from ? (from.user + from.system) / 1e6 : NaN;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ case: name, seconds, cpuSeconds, bytes, items, maxRssMB }) + '\n');
}

await main();

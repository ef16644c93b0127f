// One measurement in its own process, so that its peak RSS is its own: reads FILE through one case and prints
// a JSON line {case, seconds, bytes, items, maxRssMB}. Cases: the floors (raw read, split2 alone, our line
// framer alone), stage 1 (text → packets) and the whole pipeline to NDJSON.
//
// usage: node dist/bench/measure.js CASE FILE

import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import split2 from 'split2';
import { defaultOptions } from '../lib/options.js';
import { EVENT_TYPES } from '../lib/events.js';
import { LineSplitter } from '../lib/text/lines.js';
import { TextPackets } from '../lib/text/index.js';
import { decodeStream } from '../lib/pipeline.js';
import { ndjsonOut } from '../lib/output/ndjson.js';

type Case = (file: string) => Promise<number>;

const HWM = 1 << 20;

function drain(onChunk: (chunk: Buffer) => void): Writable {
  return new Writable({
    highWaterMark: HWM,
    write(chunk: Buffer, _enc, cb) {
      onChunk(chunk);
      cb();
    },
  });
}

const cases: Record<string, Case> = {
  /** The floor: reading the file and nothing else. */
  async read(file) {
    let n = 0;
    await pipeline(createReadStream(file, { highWaterMark: HWM }), drain((c) => (n += c.length)));
    return n;
  },
  /** split2 alone: line framing as the design card's package does it (strings). */
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
  /** Our byte line framer alone. */
  async lines(file) {
    let lines = 0;
    const s = new LineSplitter(65536, { line: () => void lines++, overlong: () => void lines++ });
    await pipeline(createReadStream(file, { highWaterMark: HWM }), drain((c) => s.push(c)));
    s.end();
    return lines;
  },
  /** Stage 1: text → packets. */
  async packets(file) {
    let packets = 0;
    const opts = defaultOptions();
    const text = new TextPackets(opts, () => void packets++, () => undefined);
    const s = new LineSplitter(opts.maxLineBytes, text);
    await pipeline(createReadStream(file, { highWaterMark: HWM }), drain((c) => s.push(c)));
    s.end();
    text.end();
    return packets;
  },
  /** The whole pipeline with every event type, serialised to NDJSON and thrown away. */
  async all(file) {
    let events = 0;
    const opts = defaultOptions({ events: new Set(EVENT_TYPES) });
    const out = ndjsonOut();
    await pipeline(
      createReadStream(file, { highWaterMark: HWM }),
      decodeStream(opts),
      new (await import('node:stream')).Transform({
        objectMode: true,
        transform(ev, _enc, cb) {
          events++;
          cb(null, ev);
        },
      }),
      out,
      createWriteStream('/dev/null'),
    );
    return events;
  },
  /** The whole pipeline with the default events. */
  async default(file) {
    let events = 0;
    await pipeline(
      createReadStream(file, { highWaterMark: HWM }),
      decodeStream(defaultOptions()),
      new Writable({
        objectMode: true,
        write(_ev, _enc, cb) {
          events++;
          cb();
        },
      }),
    );
    return events;
  },
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
  const items = await run(file);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ case: name, seconds, bytes, items, maxRssMB }) + '\n');
}

await main();

// The cost of writing events as NDJSON bytes (lib/output/eventbytes.ts), by kind of event: the events of FILE are
// decoded once (`--events all`), then written ROUNDS times by EventBytes and by JSON.stringify + a UTF-8 write,
// alternately. Prints, per kind (type, and msg for handshake messages), the count, the mean line length and the
// best microseconds per event of each; then the whole set. CPU time of this process (user + system).
//
// usage: node dist/bench/serialise.js FILE [ROUNDS]

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Event } from '../lib/events.js';
import { EventBytes } from '../lib/output/eventbytes.js';
import { resolveOptions } from '../lib/options.js';
import { decodeAll } from '../lib/pipeline.js';

const [file, roundsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/serialise.js FILE [ROUNDS]\n');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 7);
const events = decodeAll(readFileSync(file), resolveOptions({ events: 'all' }));

const kinds = new Map<string, Event[]>();
for (const ev of events) {
  const k = ev.type === 'tls.handshake' ? `${ev.type}:${String(ev.msg)}` : ev.type;
  let list = kinds.get(k);
  if (list === undefined) kinds.set(k, (list = []));
  list.push(ev);
}

function cpu(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const bytes = new EventBytes(1 << 20);
function withBytes(list: readonly Event[]): void {
  for (const ev of list) {
    bytes.line(ev);
    if (bytes.pos > 1 << 19) bytes.pos = 0;
  }
  bytes.pos = 0;
}
const sink = Buffer.allocUnsafe(1 << 20);
function withStringify(list: readonly Event[]): void {
  let pos = 0;
  for (const ev of list) {
    const s = `${JSON.stringify(ev)}\n`;
    if (pos + 3 * s.length > sink.length) pos = 0;
    pos += sink.write(s, pos, 'utf8');
  }
}

const rows: [string, Event[]][] = [...kinds].sort((a, b) => b[1].length - a[1].length);
rows.push(['all', events]);
const best = new Map<string, [number, number]>();
for (let r = 0; r < rounds; r++) {
  for (const [k, list] of rows) {
    const a = cpu(() => withStringify(list));
    const b = cpu(() => withBytes(list));
    const was = best.get(k) ?? [Infinity, Infinity];
    best.set(k, [Math.min(was[0], a), Math.min(was[1], b)]);
  }
}
process.stdout.write(`| events | count | bytes | JSON.stringify µs | EventBytes µs | all EventBytes ms |\n|---|---|---|---|---|---|\n`);
for (const [k, list] of rows) {
  const [a, b] = best.get(k)!;
  let n = 0;
  for (const ev of list) n += JSON.stringify(ev).length + 1;
  const per = (ms: number) => ((1000 * ms) / list.length).toFixed(2);
  process.stdout.write(`| ${k} | ${list.length} | ${Math.round(n / list.length)} | ${per(a)} | ${per(b)} | ${b.toFixed(0)} |\n`);
}
process.stdout.write(
  `load ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}\n`,
);

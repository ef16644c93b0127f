// Drives stage 1 the way the pipeline does (LineSplitter → TextPackets) over a whole input, optionally in
// fixed-size chunks, and collects the packets and events it produces.

import type { Event, Packet } from '../../lib/events.js';
import { defaultOptions, type Options } from '../../lib/options.js';
import { TextPackets } from '../../lib/text/index.js';
import { LineSplitter } from '../../lib/text/lines.js';

export interface Stage1 {
  packets: Packet[];
  events: Event[];
  /** Packets and events in the order they came out. */
  all: (Packet | Event)[];
}

export function stage1(input: Uint8Array | string, chunk = 0, opts: Partial<Options> = {}): Stage1 {
  const options = defaultOptions(opts);
  const out: Stage1 = { packets: [], events: [], all: [] };
  const tp = new TextPackets(
    options,
    (p) => {
      out.packets.push(p);
      out.all.push(p);
    },
    (e) => {
      out.events.push(e);
      out.all.push(e);
    },
  );
  const ls = new LineSplitter(options.maxLineBytes, tp);
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input.buffer, input.byteOffset, input.length);
  if (chunk <= 0) ls.push(buf);
  else for (let i = 0; i < buf.length; i += chunk) ls.push(buf.subarray(i, i + chunk));
  ls.end();
  tp.end();
  return out;
}

/** The fields tshark's view is compared on: src, sport, dst, dport, absolute seq, payload length. */
export function tsharkTuple(p: Packet): string {
  return [p.src, p.sport, p.dst, p.dport, p.seq, p.len].join(' ');
}

/** A packet as plain JSON (payload as hex), for comparing whole runs. */
export function plain(p: Packet | Event): unknown {
  if ('payload' in p && p.payload instanceof Uint8Array) return { ...p, payload: Buffer.from(p.payload).toString('hex') };
  return p;
}

export function codes(events: Event[]): string[] {
  return events.filter((e) => e.type === 'anomaly').map((e) => String(e.code));
}

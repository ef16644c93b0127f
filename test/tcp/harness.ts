// Runs stage 2 (tcp) alone over Packets and collects what it gives: per flow the roles, the bytes of each
// direction, the close, and the anomalies; for tests.

import type { Event, FlowClose, FlowItem, Packet } from '../../lib/events.js';
import { defaultOptions, type Options } from '../../lib/options.js';
import { Reassembler } from '../../lib/tcp/index.js';

export interface FlowSeen {
  flow: number;
  client?: string;
  server?: string;
  openLine?: number;
  c2s: Buffer;
  s2c: Buffer;
  /** Each FlowData, in order, as [dir, length, afterGap, line]. */
  chunks: [string, number, boolean, number | undefined][];
  close?: FlowClose;
  anomalies: Event[];
}

export interface Run {
  flows: Map<number, FlowSeen>;
  items: FlowItem[];
  anomalies: Event[];
}

export function reassemble(packets: Iterable<Packet>, overrides: Partial<Options> & Record<string, unknown> = {}): Run {
  const flows = new Map<number, FlowSeen>();
  const items: FlowItem[] = [];
  const anomalies: Event[] = [];
  const parts = new Map<number, { c2s: Uint8Array[]; s2c: Uint8Array[] }>();
  const get = (id: number): FlowSeen => {
    let f = flows.get(id);
    if (!f) {
      f = { flow: id, c2s: Buffer.alloc(0), s2c: Buffer.alloc(0), chunks: [], anomalies: [] };
      flows.set(id, f);
      parts.set(id, { c2s: [], s2c: [] });
    }
    return f;
  };
  const r = new Reassembler(
    defaultOptions(overrides as Partial<Options>),
    (item) => {
      items.push(item);
      const f = get(item.flow);
      if (item.kind === 'open') {
        if (f.client !== undefined) throw new Error(`flow ${item.flow} opened twice`);
        f.client = item.client;
        f.server = item.server;
        f.openLine = item.line;
      } else if (item.kind === 'data') {
        if (f.client === undefined) throw new Error(`flow ${item.flow} data before open`);
        if (f.close) throw new Error(`flow ${item.flow} data after close`);
        if (item.bytes.length === 0) throw new Error(`flow ${item.flow} empty data`);
        parts.get(item.flow)![item.dir].push(Buffer.from(item.bytes));
        f.chunks.push([item.dir, item.bytes.length, item.afterGap, item.line]);
      } else {
        if (f.client === undefined) throw new Error(`flow ${item.flow} closed before open`);
        if (f.close) throw new Error(`flow ${item.flow} closed twice`);
        f.close = item;
      }
    },
    (ev) => {
      anomalies.push(ev);
      if (typeof ev.flow === 'number') get(ev.flow).anomalies.push(ev);
    },
  );
  for (const p of packets) r.push(p);
  r.end();
  for (const [id, f] of flows) {
    const p = parts.get(id)!;
    f.c2s = Buffer.concat(p.c2s);
    f.s2c = Buffer.concat(p.s2c);
  }
  return { flows, items, anomalies };
}

export function codes(evs: Event[], code: string): Event[] {
  return evs.filter((e) => e.code === code);
}

// Test helper: FlowItems from a real capture without stages 1–2. tshark lists every TCP segment (stream, ends,
// raw sequence number, payload); a small in-order delivery per direction (retransmitted bytes dropped,
// out-of-order segments held until the hole fills, holes left at the end delivered with afterGap) turns them into
// the items stage 2 would give. Frame numbers stand in for line numbers. Needs tshark; callers skip without it.

import { execFileSync } from 'node:child_process';
import type { Dir, FlowItem } from '../../lib/events.js';

interface Segment {
  frame: number;
  seq: number;
  bytes: Uint8Array;
  /** Bytes on the wire (more than `bytes` when the capture was cut by its snap length). */
  wire: number;
}

interface Side {
  next?: number;
  held: Segment[];
  delivered: number;
  /** The last delivery ended at a snap-length hole: the next one follows a gap. */
  holeNext: boolean;
}

interface Stream {
  flow: number;
  client: string;
  server: string;
  sides: Record<Dir, Side>;
  gaps: number;
  closed: boolean;
}

const FIELDS = [
  'frame.number',
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.len',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'tcp.payload',
];

const ep = (ip: string, port: string): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
const U32 = 2 ** 32;
/** a − b in 32-bit sequence space (RFC 9293 §3.4), as a signed distance. */
const seqDiff = (a: number, b: number): number => {
  const d = (a - b + U32) % U32;
  return d >= U32 / 2 ? d - U32 : d;
};

/** Every TCP stream of the capture as FlowItems in capture order: open, ordered data per direction, close. */
export function tsharkFlowItems(pcap: string): FlowItem[] {
  const args = ['-r', pcap, '-Y', 'tcp', '-T', 'fields', '-E', 'occurrence=f'];
  for (const f of FIELDS) args.push('-e', f);
  const out = execFileSync('tshark', args, { maxBuffer: 1 << 30, encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] });
  const streams = new Map<number, Stream>();
  const items: FlowItem[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [frameS, streamS, ip4s, ip6s, sport, ip4d, ip6d, dport, seqS, lenS, syn, ack, payload] = line.split('\t');
    if (!seqS || !streamS) continue; // TCP quoted inside ICMP
    const frame = Number(frameS);
    const a = ep(ip4s || ip6s!, sport!);
    const b = ep(ip4d || ip6d!, dport!);
    const id = Number(streamS);
    let s = streams.get(id);
    if (!s) {
      const synAck = syn === '1' && ack === '1';
      const [client, server] = synAck ? [b, a] : [a, b];
      s = {
        flow: id,
        client,
        server,
        sides: { c2s: { held: [], delivered: 0, holeNext: false }, s2c: { held: [], delivered: 0, holeNext: false } },
        gaps: 0,
        closed: false,
      };
      streams.set(id, s);
      items.push({ kind: 'open', flow: id, client, server, frame });
    }
    const dir: Dir = a === s.client ? 'c2s' : 's2c';
    const side = s.sides[dir];
    const seq = Number(seqS);
    if (syn === '1') {
      side.next = (seq + 1) % U32;
      continue;
    }
    const len = Number(lenS);
    if (len === 0 || !payload) continue;
    // With a snap length the wire carried more (len) than the capture kept: the missing tail becomes a hole.
    const bytes = Uint8Array.from(Buffer.from(payload, 'hex'));
    if (side.next === undefined) side.next = seq;
    side.held.push({ frame, seq, bytes, wire: Math.max(len, bytes.length) });
    deliver(s, dir, frame, items, false);
  }
  for (const s of streams.values()) {
    for (const dir of ['c2s', 's2c'] as const) deliver(s, dir, undefined, items, true);
    const bytes = { c2s: s.sides.c2s.delivered, s2c: s.sides.s2c.delivered };
    items.push({ kind: 'close', flow: s.flow, client: s.client, server: s.server, end: 'eof', bytes, gaps: s.gaps });
  }
  return items;
}

/** Delivers what is in order; with `final`, jumps holes (afterGap) until nothing is held. */
function deliver(s: Stream, dir: Dir, frame: number | undefined, items: FlowItem[], final: boolean): void {
  const side = s.sides[dir];
  for (;;) {
    side.held.sort((x, y) => seqDiff(x.seq, y.seq));
    let progressed = false;
    let afterGap = false;
    for (let i = 0; i < side.held.length; i++) {
      const seg = side.held[i]!;
      const off = seqDiff(side.next!, seg.seq);
      if (off >= seg.wire) {
        side.held.splice(i--, 1); // a retransmission of delivered bytes
        continue;
      }
      if (off < 0) {
        if (!final) break;
        side.next = seg.seq; // a hole nobody filled: deliver after it
        s.gaps++;
        afterGap = true;
        i--;
        continue;
      }
      const fresh = seg.bytes.subarray(Math.min(off, seg.bytes.length));
      if (fresh.length > 0) {
        items.push({ kind: 'data', flow: s.flow, dir, bytes: fresh, afterGap: afterGap || side.holeNext, frame: frame ?? seg.frame });
        afterGap = false;
        side.holeNext = false;
      }
      side.delivered += fresh.length;
      side.next = (seg.seq + seg.wire) % U32;
      if (seg.wire > seg.bytes.length) {
        side.holeNext = true;
        s.gaps++;
      }
      side.held.splice(i--, 1);
      progressed = true;
    }
    if (!progressed || side.held.length === 0) return;
  }
}

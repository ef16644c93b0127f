// Where bytes sit in the input, for `--format text --explain`, rebuilt from the events alone: `packet` events
// give each segment's sequence number, input line (or frame) and captured length; `tls.record` and
// `tls.handshake` events give the sizes that lay records and messages end to end in each direction's stream.
// A stream offset then maps back to the first packet seen carrying that byte: "line 207, TCP payload +5".
//
// Limits, stated rather than guessed around:
// - positions are given within the TCP payload of a packet, not as a hex-dump offset (0x0030+4): the events do
//   not say how long the link, IP and TCP headers were, nor on which line each hex row of a packet sits;
// - after a capture gap, a resynchronisation, a truncated record or an encrypted SSLv2 record (whose header may be
//   2 or 3 bytes) a direction's positions are unknown, and said so;
// - a direction with no SYN is taken to start at the first packet seen carrying payload (as reassembly does
//   unless earlier bytes arrive before any is delivered);
// - a packet's place is that of the first copy seen; a retransmission with other bytes is not told apart.

import type { Dir, Event, FlowEvent } from '../events.js';

/** Most segments remembered per flow direction; older ones are forgotten (their bytes then have no position). */
export const MAX_SEGMENTS_PER_DIR = 4096;

/** A byte's place: the packet (input line, or frame for pcap input) and the offset within its TCP payload. */
export interface Place {
  line?: number;
  frame?: number;
  offset: number;
}

interface Segment {
  /** Stream offset of the first captured payload byte. */
  start: number;
  captured: number;
  line?: number;
  frame?: number;
}

interface DirTrack {
  /** ISN + 1 from a SYN, else the sequence number of the first payload seen. */
  base?: number;
  segments: Segment[];
  /** Stream offset of the next record header; undefined once unknown. */
  next?: number;
  known: boolean;
  /** Plaintext handshake record bodies, in stream order: handshake-space offset → stream offset. */
  hsBodies: { hs: number; stream: number; length: number }[];
  /** Handshake-space length so far (sum of plaintext handshake bodies) and the next message's offset in it. */
  hsEnd: number;
  hsNext: number;
  hsKnown: boolean;
}

interface FlowTrack {
  c2s: DirTrack;
  s2c: DirTrack;
  keys: string[];
}

/** The stream offsets of a record: header start and body start. */
export interface RecordSpan {
  start: number;
  body: number;
  headerLength: number;
}

const newDir = (): DirTrack => ({ segments: [], known: true, hsBodies: [], hsEnd: 0, hsNext: 0, hsKnown: true });

const key = (ip: string, port: unknown, ip2: string, port2: unknown): string => `${ip}|${String(port)}|${ip2}|${String(port2)}`;

function splitEndpoint(s: unknown): [string, string] | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  return m ? [m[1]!, m[2]!] : undefined;
}

/** 32-bit sequence difference a - b as a signed number (RFC 9293 §3.4 arithmetic). */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class Positions {
  private readonly flows = new Map<number, FlowTrack>();
  private readonly byTuple = new Map<string, { flow: number; dir: Dir }>();
  private lastPacket: Event | undefined;

  /** Feed every event in order. Returns the flow and direction of a `packet` event when it belongs to a live flow. */
  observe(ev: Event): { flow: number; dir: Dir } | undefined {
    switch (ev.type) {
      case 'packet': {
        this.lastPacket = ev;
        const at = this.byTuple.get(key(String(ev.src), ev.sport, String(ev.dst), ev.dport));
        if (at) this.segment(at.flow, at.dir, ev);
        return at;
      }
      case 'flow':
        if (ev.event === 'open') return this.open(ev);
        if (ev.event === 'close') this.close(ev);
        return undefined;
      case 'anomaly':
        if (typeof ev.flow === 'number' && (ev.code === 'tcp.gap' || ev.code === 'tls.resync' || ev.code === 'tls.malformed')) {
          const d = this.dir(ev);
          if (d) this.lose(d);
        }
        return undefined;
      default:
        return undefined;
    }
  }

  private open(ev: FlowEvent): { flow: number; dir: Dir } | undefined {
    const flow = ev.flow;
    if (flow === undefined) return undefined;
    const c = splitEndpoint(ev.client);
    const s = splitEndpoint(ev.server);
    if (!c || !s) return undefined;
    const kc = key(c[0], c[1], s[0], s[1]);
    const ks = key(s[0], s[1], c[0], c[1]);
    this.flows.set(flow, { c2s: newDir(), s2c: newDir(), keys: [kc, ks] });
    this.byTuple.set(kc, { flow, dir: 'c2s' });
    this.byTuple.set(ks, { flow, dir: 's2c' });
    // The packet that opened the flow came just before this event.
    const p = this.lastPacket;
    this.lastPacket = undefined;
    if (p) {
      const k = key(String(p.src), p.sport, String(p.dst), p.dport);
      const dir = k === kc ? 'c2s' : k === ks ? 's2c' : undefined;
      if (dir) {
        this.segment(flow, dir, p);
        return { flow, dir };
      }
    }
    return undefined;
  }

  private close(ev: FlowEvent): void {
    const flow = ev.flow;
    const f = flow === undefined ? undefined : this.flows.get(flow);
    if (!f || flow === undefined) return;
    for (const k of f.keys) if (this.byTuple.get(k)?.flow === flow) this.byTuple.delete(k);
    this.flows.delete(flow);
  }

  private dir(ev: Event): DirTrack | undefined {
    const f = typeof ev.flow === 'number' ? this.flows.get(ev.flow) : undefined;
    if (!f) return undefined;
    return ev.dir === 's2c' ? f.s2c : f.c2s;
  }

  private lose(d: DirTrack): void {
    d.known = false;
    d.hsKnown = false;
  }

  private segment(flow: number, dir: Dir, p: Event): void {
    const d = this.flows.get(flow)?.[dir];
    if (!d || typeof p.seq !== 'number' || p.seq_relative === true) return;
    const flags = typeof p.flags === 'string' ? p.flags : '';
    if (flags.includes('S')) {
      d.base ??= (p.seq + 1) >>> 0;
      return;
    }
    const captured = typeof p.captured === 'number' ? p.captured : 0;
    if (captured <= 0) return;
    d.base ??= p.seq;
    const start = seqDiff(p.seq, d.base);
    if (d.segments.length >= MAX_SEGMENTS_PER_DIR) d.segments.shift();
    const seg: Segment = { start, captured };
    if (typeof p.line === 'number') seg.line = p.line;
    if (typeof p.frame === 'number') seg.frame = p.frame;
    d.segments.push(seg);
  }

  /** The place of stream byte `offset` of a direction: the first packet seen that carried it. */
  locate(flow: number, dir: Dir, offset: number | undefined): Place | undefined {
    if (offset === undefined) return undefined;
    const d = this.flows.get(flow)?.[dir];
    if (!d) return undefined;
    for (const s of d.segments) {
      if (offset >= s.start && offset < s.start + s.captured) {
        const p: Place = { offset: offset - s.start };
        if (s.line !== undefined) p.line = s.line;
        if (s.frame !== undefined) p.frame = s.frame;
        return p;
      }
    }
    return undefined;
  }

  /** Lays a `tls.record` event at its stream offset; undefined when this direction's positions are not known. */
  record(ev: Event): RecordSpan | undefined {
    const d = this.dir(ev);
    if (!d) return undefined;
    const length = typeof ev.length === 'number' ? ev.length : 0;
    if (d.next === undefined && d.known) d.next = typeof ev.after_plaintext === 'number' ? ev.after_plaintext : 0;
    if (!d.known || d.next === undefined) return undefined;
    let headerLength = 5;
    if (ev.content === 'sslv2') {
      // SSLv2 (draft-hickman-netscape-ssl-00 §"Record header"): 2 bytes when the first bit is set, 3 with padding.
      // Plaintext hellos use 2; an encrypted record's header cannot be told from the events.
      if (ev.encrypted === true) {
        const span = { start: d.next, body: d.next + 2, headerLength: 2 };
        this.lose(d);
        return span;
      }
      headerLength = 2;
    }
    const span = { start: d.next, body: d.next + headerLength, headerLength };
    d.next = span.body + length;
    if (ev.truncated === true) this.lose(d);
    if (ev.content === 'handshake' && ev.encrypted !== true && d.hsKnown) {
      d.hsBodies.push({ hs: d.hsEnd, stream: span.body, length });
      d.hsEnd += length;
      if (d.hsBodies.length > MAX_SEGMENTS_PER_DIR) d.hsBodies.shift();
    }
    return span;
  }

  /**
   * The stream offset of a handshake message's first byte (its type), for a `tls.handshake` event. TLS messages
   * are cut from the concatenated handshake record bodies (RFC 5246 §6.2.1), so the message's offset there is
   * mapped back through the records; an SSLv2 message sits right after its record header.
   */
  message(ev: Event, sslv2Record: RecordSpan | undefined): ((rel: number) => number | undefined) | undefined {
    const d = this.dir(ev);
    if (!d) return undefined;
    if (ev.sslv2 === true) {
      if (!sslv2Record) return undefined;
      const base = sslv2Record.body;
      return (rel) => base + rel;
    }
    if (!d.hsKnown) return undefined;
    const length = typeof ev.length === 'number' ? ev.length : 0;
    const start = d.hsNext;
    d.hsNext += 4 + length;
    if (ev.truncated === true) d.hsKnown = false;
    const bodies = d.hsBodies.slice();
    return (rel) => {
      const hs = start + rel;
      for (const b of bodies) if (hs >= b.hs && hs < b.hs + b.length) return b.stream + (hs - b.hs);
      return undefined;
    };
  }
}

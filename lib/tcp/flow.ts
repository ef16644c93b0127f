// Stage 2 (tcp), one TCP connection: its two directions, which side is the client, and the bookkeeping of
// sequence bases (tcpdump's, to read relative numbers; Wireshark's, to start a new flow on port reuse the same way).

import {
  ACK,
  FIN,
  RST,
  SYN,
  anomaly,
  type Dir,
  type Emit,
  type FlowData,
  type FlowEnd,
  type FlowItem,
  type Origin,
  type Packet,
  type Sink,
} from '../events.js';
import { own } from '../bytes.js';
import { seqAdd } from '../seq.js';
import { HalfStream, type HalfHost, type HalfLimits, type Note, type TotalLimit } from './half.js';

export type Side = 0 | 1;

/** The origin fields of a packet, copied so that buffered bytes do not hold the packet (and its payload). */
export function originOf(p: Origin): Origin {
  const o: Origin = {};
  if (p.line !== undefined) o.line = p.line;
  if (p.frame !== undefined) o.frame = p.frame;
  if (p.ts !== undefined) o.ts = p.ts;
  if (p.time !== undefined) o.time = p.time;
  if (p.epoch !== undefined) o.epoch = p.epoch;
  return o;
}

/** `ip:port`, IPv6 as `[ip]:port` (../shared/CONTRACT.md). */
export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Which end sent a payload, as the layer above TCP judges from its first bytes (for TLS: a ClientHello, or the
 * start of the server's flight, lib/tcp/hint.ts): 'client', 'server', or undefined when the bytes do not tell.
 * The TCP stage asks it only while a flow's roles are unknown (no SYN seen), for packets that are not RSTs.
 */
export type RoleHint = (payload: Uint8Array) => 'client' | 'server' | undefined;

/** Ports on which TLS servers listen (IANA; implicit TLS and STARTTLS protocols), to guess roles without TLS evidence. */
const SERVER_PORTS = new Set([
  21, 25, 110, 143, 389, 443, 465, 563, 587, 636, 853, 989, 990, 992, 993, 994, 995, 3269, 3306, 5061, 5222, 5223, 5269, 5432, 5671, 6514, 8443, 8883,
]);

type Queued =
  | { side: Side; kind: 'data'; bytes: Uint8Array; at: Origin; afterGap: boolean; owned: boolean }
  | { side: Side | undefined; kind: 'anomaly'; code: string; message: string; at: Origin; extra: Record<string, unknown> | undefined };

/** Output of one side held back until the peer's bytes it acknowledged have gone out (causal order). */
type Held =
  | {
      kind: 'data';
      pos: number;
      bytes: Uint8Array;
      at: Origin;
      afterGap: boolean;
      waitFor: number | undefined;
      notes: Note[] | undefined;
      owned: boolean;
      since?: number;
    }
  | { kind: 'anomaly'; pos: number; code: string; message: string; at: Origin; extra: Record<string, unknown> | undefined; since?: number };

/**
 * A connection's two ends as its first packet gave them (`a`:`ap` sent it, `b`:`bp` received it) and their hash,
 * which is the same from either direction: how the Reassembler's tables find a flow without building a string
 * key per packet (lib/tcp/index.ts FlowTable).
 */
export interface Ends {
  a: string;
  ap: number;
  b: string;
  bp: number;
  hash: number;
}

/** A closed flow, kept small, so that late packets of the same connection stay with it. */
export interface Closed extends Ends {
  id: number;
  /** Wireshark's base per side, for the port-reuse rule. */
  base: [number | undefined, number | undefined];
  /** The next new byte per side, to notice data after the close. */
  next: [number | undefined, number | undefined];
  lastTime: number | undefined;
  warned: boolean;
  /** Closed by timeout or eviction, not by the connection: new bytes start a new flow. */
  reopens: boolean;
}

/** Where a flow sends its items and events, and reports the bytes it holds (for the Reassembler's bounds). */
export interface FlowHost {
  next: Sink<FlowItem>;
  emit: Emit;
  /** Held bytes changed by `delta` (`kept`: delivered bytes kept for overlap checks), in `pieces` more or fewer
   *  separately held pieces. */
  memory(delta: number, kept: boolean, pieces: number): void;
}

/** What one direction of a flow calls back into (one small object per direction, not three closures). */
class SideHost implements HalfHost {
  constructor(
    private readonly flow: Flow,
    private readonly side: Side,
  ) {}

  data(bytes: Uint8Array, at: Origin, afterGap: boolean, pos: number, waitFor: number | undefined, notes: Note[] | undefined, owned: boolean): void {
    this.flow.dataFromSide(this.side, bytes, at, afterGap, pos, waitFor, notes, owned);
  }

  anomaly(code: string, message: string, at: Origin, extra?: Record<string, unknown>): void {
    this.flow.fromSide(this.side, { kind: 'anomaly', pos: this.flow.halfNext(this.side), code, message, at, extra });
  }

  memory(delta: number, kept: boolean, pieces: number): void {
    this.flow.held_(delta, kept, pieces);
  }
}

function line(h: Held): number {
  return h.at.line ?? h.at.frame ?? 0;
}

export class Flow {
  /** Side 0 sent the first packet seen; side 1 is the other end. */
  private readonly names: [string, string];
  private readonly src0: string;
  private readonly port0: number;
  private readonly halves: [HalfStream, HalfStream];
  /** Which side is the client, once known (../shared/CONTRACT.md); until then output waits in `queue`. */
  private clientSide: Side | undefined;
  private queue: Queued[] | undefined;
  private queuedBytes = 0;
  /** Per side, output waiting for the peer's bytes it acknowledged (see `ordered`); made on first use, since this
   *  object exists for each of up to maxFlows flows. */
  private hold: [Held[], Held[]] | undefined;
  private heldBytes = 0;
  /** Packets seen, in all and per side. */
  pkts = 0;
  private readonly sidePkts: [number, number] = [0, 0];
  readonly first: Origin;
  last: Origin;
  lastTime: number | undefined;
  // Per side, in each HalfStream: wsBase, Wireshark's base_seq (packet-tcp.c: a SYN's seq, else the first
  // seq - 1, else the peer's ack - 1); tdBase, tcpdump's base (print-tcp.c: set by the first packet with ACK,
  // and again by a SYN-ACK); win, the window it advertised last; finSent.
  private rstSeen = false;
  private unknownSeq = 0;

  constructor(
    readonly id: number,
    p: Packet,
    private readonly limits: HalfLimits,
    private readonly host: FlowHost,
    private readonly hint: RoleHint,
  ) {
    this.names = [endpoint(p.src, p.sport), endpoint(p.dst, p.dport)];
    this.src0 = p.src;
    this.port0 = p.sport;
    this.first = originOf(p);
    this.last = this.first;
    this.lastTime = p.time;
    this.halves = [new HalfStream(limits, new SideHost(this, 0)), new HalfStream(limits, new SideHost(this, 1))];
  }

  /** From a direction (SideHost): its bytes and anomalies, kept in causal order. */
  fromSide(side: Side, item: Held): void {
    this.ordered(side, item);
  }

  /** From a direction (SideHost): bytes, as fromSide takes them, with no Held made when they may go at once
   *  (the common case: nothing of this side is held and nothing they acknowledged is missing). */
  dataFromSide(
    side: Side,
    bytes: Uint8Array,
    at: Origin,
    afterGap: boolean,
    pos: number,
    waitFor: number | undefined,
    notes: Note[] | undefined,
    owned: boolean,
  ): void {
    if ((!this.hold || this.hold[side].length === 0) && this.readyFor(side, waitFor)) {
      if (notes) for (const n of notes) this.anomaly(side, n.code, n.message, n.at, n.extra);
      this.data(side, bytes, at, afterGap, owned);
      return;
    }
    this.ordered(side, { kind: 'data', pos, bytes, at, afterGap, waitFor, notes, owned });
  }

  halfNext(side: Side): number {
    return this.halves[side].next;
  }

  /** From a direction (SideHost): bytes held changed. */
  held_(delta: number, kept: boolean, pieces: number): void {
    this.host.memory(delta, kept, pieces);
  }

  sideOf(p: Packet): Side {
    return p.sport === this.port0 && p.src === this.src0 ? 0 : 1;
  }

  /** A pure SYN whose sequence number differs from the base of its side opens a new connection (as Wireshark). */
  reusedBy(p: Packet): boolean {
    const base = this.halves[this.sideOf(p)].wsBase;
    return base !== undefined && base !== p.seq >>> 0;
  }

  /** Where the next byte from `side` would go, as an absolute sequence number (undefined before any). */
  nextSeq(side: Side): number | undefined {
    const h = this.halves[side];
    return h.started ? h.seqAt(h.next) : undefined;
  }

  /** How the connection ended, if it did: FIN both ways, or a RST. */
  get ended(): 'fin' | 'rst' | undefined {
    return this.rstSeen ? 'rst' : this.halves[0].finSent && this.halves[1].finSent ? 'fin' : undefined;
  }

  packet(p: Packet): void {
    const side = this.sideOf(p);
    const other: Side = side === 0 ? 1 : 0;
    const at = originOf(p);
    this.pkts++;
    this.sidePkts[side]++;
    this.last = at;
    if (p.time !== undefined) this.lastTime = p.time;
    const flags = p.flags;
    const half = this.halves[side];
    const peer = this.halves[other];

    let seq: number | undefined = p.seq >>> 0;
    let ack: number | undefined = p.ack >>> 0;
    if (p.seqRelative) {
      // tcpdump printed seq relative to its base for this side, ack relative to the other side's base.
      const b = half.tdBase;
      const ob = peer.tdBase;
      seq = b === undefined ? undefined : seqAdd(b, p.seq);
      ack = ob === undefined ? undefined : seqAdd(ob, p.ack);
    } else if (flags & ACK && (half.tdBase === undefined || flags & SYN)) {
      half.tdBase = seq;
      peer.tdBase = seqAdd(ack, -1);
    }
    if (seq !== undefined && half.wsBase === undefined) half.wsBase = flags & SYN ? seq : seqAdd(seq, -1);
    if (flags & ACK && ack !== undefined && peer.wsBase === undefined) peer.wsBase = seqAdd(ack, -1);

    if (this.clientSide === undefined) {
      const sa = flags & (SYN | ACK);
      if (sa === SYN) this.decide(side);
      else if (sa === (SYN | ACK)) this.decide(other);
      else if (!(flags & RST)) {
        const role = this.hint(p.payload);
        if (role === 'client') this.decide(side);
        else if (role === 'server') this.decide(other);
      }
    }
    if (flags & RST) this.rstSeen = true;
    if (flags & FIN) half.finSent = true;

    if (seq === undefined) {
      if (this.unknownSeq++ === 0) {
        this.anomaly(side, 'tcp.unknown_seq', 'a summary line with relative sequence numbers and no known base: its bytes cannot be placed', at);
      }
    } else {
      if (flags & SYN) half.syn(seq);
      if (flags & ACK && ack !== undefined) peer.acked(ack, this.pkts, at);
      if (flags & RST) {
        // A RST's payload is diagnostic text, not stream data (RFC 9293 §3.5.3).
        half.rst(seq, at);
      } else {
        const dataSeq = flags & SYN ? seqAdd(seq, 1) : seq;
        const waitFor = flags & ACK && ack !== undefined ? ack : undefined;
        if (p.len > 0) half.segment(dataSeq, p.payload, p.len, at, this.pkts, peer.win === 0, waitFor);
        if (flags & FIN) half.fin(seqAdd(dataSeq, p.len), at);
      }
      peer.flush('normal', this.pkts);
      half.flush('normal', this.pkts);
    }
    this.release(false);
    half.win = flags & (SYN | FIN | RST) ? -1 : p.win;
  }

  /** Both directions hold nothing that is known to be missing or waiting. */
  complete(): boolean {
    return this.halves[0].complete() && this.halves[1].complete();
  }

  /** Declares the oldest holes lost and releases queued output, to get under the total bound. */
  relieve(name: TotalLimit, limit: number): void {
    for (const h of this.halves) h.dropKept();
    for (const h of this.halves) h.relieve(this.pkts, name, limit);
    this.release(true);
    if (this.clientSide === undefined && this.queuedBytes > 0) this.decide(this.byPorts());
  }

  /** Forgets kept bytes only (the cheapest relief). */
  dropKept(): void {
    for (const h of this.halves) h.dropKept();
  }

  /** Ends the flow: every hole declared, the counts reported, the roles fixed, then the close item. */
  finish(reason: FlowEnd, why?: { code: string; message: string }): void {
    for (const h of this.halves) h.finish(this.pkts);
    this.release(true);
    for (const h of this.halves) h.report();
    this.release(true);
    if (why) this.anomaly(undefined, why.code, why.message, this.last);
    if (this.clientSide === undefined) this.decide(this.byPorts());
    const client = this.clientSide ?? 0;
    const end: FlowEnd = this.ended ?? reason;
    const c = this.halves[client];
    const s = this.halves[client === 0 ? 1 : 0];
    this.host.next({
      kind: 'close',
      ...this.last,
      flow: this.id,
      client: this.names[client],
      server: this.names[client === 0 ? 1 : 0],
      end,
      bytes: { c2s: c.delivered, s2c: s.delivered },
      packets: { c2s: this.sidePkts[client], s2c: this.sidePkts[client === 0 ? 1 : 0] },
      gaps: c.gaps + s.gaps,
    });
  }

  tombstone(ends: Ends, reopens: boolean): Closed {
    return {
      a: ends.a,
      ap: ends.ap,
      b: ends.b,
      bp: ends.bp,
      hash: ends.hash,
      id: this.id,
      base: [this.halves[0].wsBase, this.halves[1].wsBase],
      next: [this.nextSeq(0), this.nextSeq(1)],
      lastTime: this.lastTime,
      warned: false,
      reopens,
    };
  }

  private decide(client: Side): void {
    this.clientSide = client;
    this.host.next({ kind: 'open', ...this.first, flow: this.id, client: this.names[client], server: this.names[client === 0 ? 1 : 0] });
    const q = this.queue ?? [];
    this.queue = undefined;
    for (const e of q) {
      if (e.kind === 'data') this.data(e.side, e.bytes, e.at, e.afterGap, e.owned);
      else this.anomaly(e.side, e.code, e.message, e.at, e.extra);
    }
    let pieces = 0;
    for (const e of q) if (e.kind === 'data') pieces++;
    this.memory(-this.queuedBytes, -pieces);
    this.queuedBytes = 0;
  }

  /**
   * Keeps each side's output in an order the endpoints could have seen: bytes whose packet acknowledged the peer's
   * bytes up to sequence number `waitFor` go out after those peer bytes (or the hole where they were lost). A
   * reordered capture then gives the next stage ClientHello before ServerHello, as it happened. Everything after
   * a held item waits behind it. While the peer joined mid-stream and has delivered nothing, bytes from before its
   * first ones may still come, so acknowledging bytes wait too. A held item goes anyway after gapGracePackets
   * packets; held bytes count against maxFlowBufferBytes, and past it, or when both sides wait on each other, the
   * oldest held output goes first.
   */
  private ordered(side: Side, item: Held): void {
    if ((!this.hold || this.hold[side].length === 0) && this.ready(side, item)) {
      this.send(side, item);
      return;
    }
    const h = (this.hold ??= [[], []])[side];
    if (item.kind === 'data') {
      if (!item.owned) {
        item.bytes = own(item.bytes);
        item.owned = true;
      }
      this.heldBytes += item.bytes.length;
      this.memory(item.bytes.length, 1);
    }
    item.since = this.pkts;
    h.push(item);
  }

  private ready(side: Side, item: Held): boolean {
    return item.kind !== 'data' || this.readyFor(side, item.waitFor);
  }

  /** Bytes of `side` whose packet acknowledged the peer's up to `waitFor` may go out now. */
  private readyFor(side: Side, waitFor: number | undefined): boolean {
    if (waitFor === undefined) return true;
    const other: Side = side === 0 ? 1 : 0;
    const peer = this.halves[other];
    if (!peer.started) return peer.waitedOut;
    if (peer.unsure && !peer.waitedOut) return false;
    const held = this.hold?.[other][0];
    const done = held ? held.pos : peer.next;
    // One byte of slack: the ACK of a FIN the capture missed.
    return peer.pos(waitFor) <= done + 1;
  }

  /** Sends held output that may go now; `force` sends it all, oldest packet first. */
  private release(force: boolean): void {
    if (!this.hold) return;
    const [a, b] = this.hold;
    if (a.length === 0 && b.length === 0) return;
    for (let moved = true; moved; ) {
      moved = false;
      for (const side of [0, 1] as const) {
        const h = this.hold[side];
        while (h.length > 0 && this.ready(side, h[0]!)) {
          this.send(side, this.unhold(side));
          moved = true;
        }
        const head = h[0];
        if (head && this.pkts - (head.since ?? 0) >= this.limits.gapGracePackets) {
          const other: Side = side === 0 ? 1 : 0;
          if (!this.halves[other].started || this.halves[other].unsure) this.halves[other].waitedOut = true;
          this.send(side, this.unhold(side));
          moved = true;
        }
      }
      if (!moved && a.length > 0 && b.length > 0) {
        // Each side waits on the other: acknowledgements that no real exchange gives. Capture order decides.
        this.send(line(a[0]!) <= line(b[0]!) ? 0 : 1, this.unhold(line(a[0]!) <= line(b[0]!) ? 0 : 1));
        moved = true;
      }
    }
    if (force || this.heldBytes > this.limits.maxBufferBytes) {
      while (a.length > 0 || b.length > 0) {
        const side: Side = b.length === 0 || (a.length > 0 && line(a[0]!) <= line(b[0]!)) ? 0 : 1;
        this.send(side, this.unhold(side));
      }
    }
  }

  private unhold(side: Side): Held {
    const item = this.hold![side].shift()!;
    if (item.kind === 'data') {
      this.heldBytes -= item.bytes.length;
      this.memory(-item.bytes.length, -1);
    }
    return item;
  }

  private send(side: Side, item: Held): void {
    if (item.kind === 'data') {
      if (item.notes) for (const n of item.notes) this.anomaly(side, n.code, n.message, n.at, n.extra);
      this.data(side, item.bytes, item.at, item.afterGap, item.owned);
    } else this.anomaly(side, item.code, item.message, item.at, item.extra);
  }

  private dir(side: Side): Dir {
    return side === this.clientSide ? 'c2s' : 's2c';
  }

  private data(side: Side, bytes: Uint8Array, at: Origin, afterGap: boolean, owned: boolean): void {
    if (this.clientSide === undefined) {
      // Roles are not known yet: keep the bytes (a copy, if they are still the packet's).
      const copy = owned ? bytes : own(bytes);
      (this.queue ??= []).push({ side, kind: 'data', bytes: copy, at, afterGap, owned: true });
      this.queuedBytes += copy.length;
      this.memory(copy.length, 1);
      return;
    }
    this.host.next(dataItem(at, this.id, this.dir(side), bytes, afterGap));
  }

  private anomaly(side: Side | undefined, code: string, message: string, at: Origin, extra?: Record<string, unknown>): void {
    if (this.clientSide === undefined) {
      (this.queue ??= []).push({ side, kind: 'anomaly', code, message, at, extra });
      return;
    }
    const fields: Record<string, unknown> = { flow: this.id };
    if (side !== undefined) fields.dir = this.dir(side);
    this.host.emit(anomaly(code, message, at, { ...fields, ...extra }));
  }

  /** Output this flow holds (held back for causal order, or queued until the roles are known) changed. */
  private memory(delta: number, pieces: number): void {
    this.host.memory(delta, false, pieces);
  }

  /** Undecided roles have held more output than one direction may buffer: fall back to the ports. */
  overQueued(limit: number): boolean {
    return this.clientSide === undefined && this.queuedBytes > limit;
  }

  fallback(): void {
    if (this.clientSide === undefined) this.decide(this.byPorts());
  }

  /**
   * The client when neither a SYN nor TLS content told (a capture that begins mid-connection): the other end of a
   * well-known server port, else the side with the higher port (clients take ephemeral ports), else the sender of the
   * first packet.
   */
  private byPorts(): Side {
    const port1 = Number(this.names[1].slice(this.names[1].lastIndexOf(':') + 1));
    const known0 = SERVER_PORTS.has(this.port0);
    const known1 = SERVER_PORTS.has(port1);
    if (known0 !== known1) return known0 ? 1 : 0;
    if (this.port0 !== port1) return this.port0 < port1 ? 1 : 0;
    return 0;
  }
}

/**
 * The FlowData of bytes from the packet at `at`: the fields of `{ kind, ...at, flow, dir, bytes, afterGap }`, in
 * that order, set one by one (a spread after `kind` took V8's slow generic copy, once per delivered segment).
 */
function dataItem(at: Origin, flow: number, dir: Dir, bytes: Uint8Array, afterGap: boolean): FlowData {
  const item = { kind: 'data' } as FlowData;
  if (at.line !== undefined) item.line = at.line;
  if (at.frame !== undefined) item.frame = at.frame;
  if (at.ts !== undefined) item.ts = at.ts;
  if (at.time !== undefined) item.time = at.time;
  if (at.epoch !== undefined) item.epoch = at.epoch;
  item.flow = flow;
  item.dir = dir;
  item.bytes = bytes;
  item.afterGap = afterGap;
  return item;
}

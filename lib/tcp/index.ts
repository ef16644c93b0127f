// Stage 2 (tcp): packets → flows with ordered bytes per direction (FlowOpen, FlowData…, FlowClose), after
// gopacket's reassembly: a narrow interface and explicit skips. Survives reordering and loss at the same time.
//
// The contract this stage keeps (half.ts holds one direction, flow.ts one connection):
// - Flows are keyed by the TCP 5-tuple and numbered from 0 in order of first appearance, like Wireshark's
//   tcp.stream: a pure SYN whose sequence number differs from the base of its side starts a new flow (port
//   reuse, as packet-tcp.c decides it). Late packets of a closed flow stay with it and start nothing; new bytes
//   after a FIN/RST close give one `tcp.data_after_close`, new bytes after a timeout or eviction start a new flow.
// - The client is the sender of the first SYN, else the receiver of the first SYN-ACK, else the sender of a
//   packet that starts with a ClientHello (0x16 0x03 … type 1, or an SSLv2 CLIENT-HELLO), else the receiver of
//   one that starts the server's flight (a message only servers send, flow.ts looksLikeServerFlight), whatever
//   packet came first. Until one of these is seen, the flow's output waits (at most maxFlowBufferBytes), so roles
//   are fixed before any event of the flow goes out and nothing is swapped later. At the limit or at the end,
//   without TLS evidence, the ports decide: the server is the side on a well-known server port, else the side with
//   the lower port (flow.ts byPorts). FlowOpen always carries the first packet's line.
// - Bytes are delivered in order per direction. Out-of-order bytes wait, at most maxFlowBufferBytes per
//   direction and maxTotalBufferBytes in all. A hole is declared lost (one `tcp.gap` with `missing` and the line
//   of the first packet after the hole, then FlowData with afterGap) when the bytes are known not captured
//   (truncated or summary-only packets), when the peer acknowledged past it and gapGracePackets more packets of
//   the flow came (an ACK captured before its data is common), when a buffer limit is hit (plus one
//   `tcp.buffer_limit`), or when the flow ends (then with `at_end: true` and the line of the packet that showed it).
// - Across directions, output keeps an order the endpoints could have seen: bytes whose packet acknowledged the
//   peer's bytes go out after those (so a reordered capture still gives ClientHello before ServerHello).
// - Without a SYN the start of a direction is tentative for gapGracePackets packets: bytes from before it may
//   still arrive (reordering) and are placed; later ones are dropped with `tcp.before_start`.
// - Overlapping bytes: the copy that arrived first wins, whether delivered already (compared over the last
//   overlapWindowBytes delivered) or still buffered; a difference gives `tcp.overlap_conflict` at the later copy.
// - `tcp.retransmission` and `tcp.out_of_order` come once per flow and direction, when the flow closes, with
//   `count` and `bytes`; their `line` is the first such packet's. `tcp.midstream` comes once per direction just
//   before its first bytes when no SYN fixed its start. Keep-alives and zero-window probes are not data.
// - A flow ends on FIN both ways once nothing is missing, else gapGracePackets packets (of any flow) after the
//   FINs or a RST (the other side's bytes in flight may follow a RST), after idleTimeout seconds of capture time
//   without packets, at the end of input, or when evicted (maxFlows: `tcp.evicted`; a new connection on the same
//   ports: `tcp.port_reuse`). `end` says rst or fin whenever one was seen.
// - FlowData.bytes is this stage's copy (the same one kept for overlap checks: each byte is copied once), or a
//   view of the packet's payload for a chunk longer than overlapWindowBytes. Nobody writes to it; the next stage
//   may keep it (so a producer of Packets must not reuse a payload's memory).
// - A summary line with relative numbers is placed from the bases tcpdump used (print-tcp.c); with none known its
//   bytes cannot be placed (`tcp.unknown_seq`, once per flow). UDP packets and IP fragments are skipped.

import { ACK, SYN, anomaly, type Emit, type FlowItem, type Packet, type Sink } from '../events.js';
import type { Options } from '../options.js';
import { seqGe } from '../seq.js';
import { Flow, originOf, type Closed, type Ends, type FlowHost, type RoleHint, type Side } from './flow.js';
import type { HalfLimits, TotalLimit } from './half.js';
import { tlsRoleHint } from './hint.js';

/**
 * What a live flow costs besides the bytes it holds, in bytes, for the memory budget (maxMemoryBytes): its objects
 * in this stage (the flow, its two directions, their origins, its ends and names, its entries in the tables) and,
 * behind it, the TLS and session stages' state for it (record and handshake queues, hello facts, session facts).
 * Measured with heap snapshots on a flood of half-open TLS flows (bench/RESULTS.md, "Half-open flood"): about
 * 2 KB in this stage and as much again after it; rounded up, since a flow's objects outlive the flow until the
 * next major GC.
 */
export const FLOW_BYTES = 8192;
/** What each separately held piece of bytes costs besides its bytes: its entry object, the typed array and its
 *  own ArrayBuffer (with the allocator's header), and the origin it keeps. */
export const PIECE_BYTES = 384;

/** The Reassembler's bookkeeping for one live flow: the flow's host (where its output goes and its held bytes are
 *  counted), its place in the eviction clock, and whether it waits in the lingering queue or a holders queue. */
class Tracked implements FlowHost, Ends {
  readonly flow: Flow;
  readonly a: string;
  readonly ap: number;
  readonly b: string;
  readonly bp: number;
  /** The Reassembler's packet count at this flow's last packet, and when it was last queued for eviction. */
  touched = 0;
  queuedAt = 0;
  /** Set when the flow ended (FIN/RST) with something still missing: the packet count at which it is finished. */
  lingerDue: number | undefined;
  /** Bytes held (buffered, kept, queued), for the total bound; `keptHeld` of them kept for overlap checks;
   *  `pieces`, how many separate pieces hold them. */
  held = 0;
  keptHeld = 0;
  pieces = 0;
  /** In the queues of holders (kept bytes; other bytes). */
  inKeptQueue = false;
  inBufferQueue = false;
  readonly next: Sink<FlowItem>;
  readonly emit: Emit;

  constructor(
    private readonly owner: Reassembler,
    readonly hash: number,
    id: number,
    p: Packet,
    limits: HalfLimits,
    hint: RoleHint,
  ) {
    this.next = owner.next;
    this.emit = owner.emit;
    this.a = p.src;
    this.ap = p.sport;
    this.b = p.dst;
    this.bp = p.dport;
    this.flow = new Flow(id, p, limits, this, hint);
  }

  memory(delta: number, kept: boolean, pieces: number): void {
    this.held += delta;
    this.pieces += pieces;
    if (kept) this.keptHeld += delta;
    this.owner.counted(this, delta, kept, pieces);
  }
}

/** Called once, the first time live flows pass a Reassembler's memory budget (see whenBudgetBinds). */
let budgetBinds: (() => void) | undefined;

/**
 * Registers `fn` to run once, when live flows first pass the memory budget (maxMemoryBytes) of a Reassembler in
 * this thread: from then on they are held at their bound (holes given up, flows evicted) and what is let go is
 * garbage, so a program can trade CPU for a heap that grows less past it (bin/heap.ts). A library caller that
 * registers nothing pays nothing.
 */
export function whenBudgetBinds(fn: (() => void) | undefined): void {
  budgetBinds = fn;
}

export interface ReassemblerInput {
  /** Numbers new flows (the pipeline shares it with the excerpt stage); by default 0, 1, 2, … */
  ids?: () => number;
  /** Tells a flow's roles from payload bytes when no SYN did; by default TLS's (lib/tcp/hint.ts). */
  hint?: RoleHint;
}

export class Reassembler {
  private readonly live = new FlowTable<Tracked>();
  /** Live flows in eviction order (closed ones are skipped when met, and swept when the queue doubles). */
  private readonly order = new Fifo<Tracked>();
  /** Closed flows in the order they closed (entries replaced or dropped from `closed` are skipped when met). */
  private readonly closedOrder = new Fifo<Closed>();
  private readonly closed = new FlowTable<Closed>();
  /** Flows holding kept bytes, and flows holding other bytes, oldest first (entries of flows that no longer hold
   *  are skipped when met, and swept out when the queue grows past twice the live flows). */
  private readonly keptQueue = new Holders(
    (t) => t.keptHeld > 0,
    (t, v) => (t.inKeptQueue = v),
  );
  private readonly bufferQueue = new Holders(
    (t) => t.held - t.keptHeld > 0,
    (t, v) => (t.inBufferQueue = v),
  );
  /** Capture time before which idle flows are not looked for again. */
  private nextExpiry = -Infinity;
  /** Flows that ended (FIN both ways with holes left, or RST) and wait for late packets: the packet count at
   *  which each is finished. A RST ends one side only; the other's bytes in flight may still come. */
  private readonly lingering = new Fifo<{ t: Tracked; due: number }>();
  private pkts = 0;
  /** Bytes held by all live flows, and the pieces that hold them. */
  private total = 0;
  private pieces = 0;
  private readonly limits: HalfLimits;
  private readonly ids: () => number;
  private readonly hint: RoleHint;

  /**
   * `input.ids` numbers new flows; `input.hint` tells roles from payload bytes. A function in place of `input`
   * is taken as `ids` (the earlier signature).
   */
  constructor(
    readonly opts: Readonly<Options>,
    readonly next: Sink<FlowItem>,
    readonly emit: Emit,
    input: ReassemblerInput | (() => number) = {},
  ) {
    const given = typeof input === 'function' ? { ids: input } : input;
    this.ids = given.ids ?? counter();
    this.hint = given.hint ?? tlsRoleHint;
    this.limits = {
      maxBufferBytes: opts.maxFlowBufferBytes,
      overlapWindowBytes: opts.overlapWindowBytes,
      gapGracePackets: opts.gapGracePackets,
    };
  }

  /** What live flows cost in all, by the memory budget's measure (FLOW_BYTES, PIECE_BYTES and the bytes held). */
  get footprint(): number {
    return this.live.size * FLOW_BYTES + this.pieces * PIECE_BYTES + this.total;
  }

  /** From a flow's Tracked: the bytes it holds changed. */
  counted(t: Tracked, delta: number, kept: boolean, pieces: number): void {
    this.total += delta;
    this.pieces += pieces;
    if (delta <= 0) return;
    if (kept) {
      if (!t.inKeptQueue) this.keptQueue.add(t, this.live.size);
    } else if (!t.inBufferQueue) this.bufferQueue.add(t, this.live.size);
  }

  push(p: Packet): void {
    if (p.proto !== 'tcp' || p.fragment) return;
    this.pkts++;
    const hash = endsHash(p);
    // The packet is assigned before idle expiry: its own flow is not idle, however far its timestamp jumped
    // forward: expiring first would close the flow at the jump and split one connection in two.
    if (p.time !== undefined) this.expire(p.time, hash, p);
    for (let e = this.lingering.peek(); e && e.due <= this.pkts; e = this.lingering.peek()) {
      this.lingering.shift();
      if (e.t.lingerDue === e.due && this.live.holds(e.t)) this.finish(e.t, 'eof');
    }
    const pureSyn = (p.flags & (SYN | ACK)) === SYN && !p.seqRelative;
    let t = this.live.find(hash, p);
    if (t) {
      if (pureSyn && t.flow.reusedBy(p)) {
        this.finish(t, 'evicted', { code: 'tcp.port_reuse', message: 'a new connection (SYN with another sequence number) reused these ports' });
        t = undefined;
      }
    } else {
      const c = this.closed.find(hash, p);
      if (c) {
        if ((!pureSyn || c.base[sideOf(c, p)] === p.seq >>> 0) && this.absorb(c, p)) return;
        this.closed.delete(c);
      }
    }
    if (!t) t = this.open(hash, p);
    t.touched = this.pkts;
    const flow = t.flow;
    flow.packet(p);
    if (flow.overQueued(this.limits.maxBufferBytes)) flow.fallback();
    const ended = flow.ended;
    if (ended === 'fin' && flow.complete()) this.finish(t, 'eof');
    else if (ended !== undefined && t.lingerDue === undefined) {
      t.lingerDue = this.pkts + this.limits.gapGracePackets;
      this.lingering.push({ t, due: t.lingerDue });
    }
    if (this.total > this.opts.maxTotalBufferBytes) this.relieve('maxTotalBufferBytes', this.opts.maxTotalBufferBytes, () => this.total);
    if (this.footprint > this.opts.maxMemoryBytes) this.shed(t);
  }

  /** End of input: every live flow closes, in flow order. */
  end(): void {
    const flows = this.live.values().sort((a, b) => a.flow.id - b.flow.id);
    for (const t of flows) this.finish(t, 'eof');
    this.closed.clear();
    this.closedOrder.clear();
  }

  private open(hash: number, p: Packet): Tracked {
    if (this.live.size >= this.opts.maxFlows) {
      this.evictOne(undefined, `more than ${this.opts.maxFlows} live flows (maxFlows): the least recently active one was closed`);
    }
    const t = new Tracked(this, hash, this.ids(), p, this.limits, this.hint);
    t.queuedAt = this.pkts;
    this.live.replace(t);
    this.order.push(t);
    this.order.sweep(2 * this.live.size, (x) => this.live.holds(x));
    return t;
  }

  /**
   * Over the memory budget (maxMemoryBytes): first the held bytes go as under maxTotalBufferBytes (kept bytes, then
   * the oldest holders' holes declared lost: a flow loses the chance that a hole fills, not its future), then the
   * least recently active flows are evicted, never the one at hand (`current`), until live flows fit.
   */
  private shed(current: Tracked): void {
    const max = this.opts.maxMemoryBytes;
    if (budgetBinds) {
      const fn = budgetBinds;
      budgetBinds = undefined;
      fn();
    }
    this.relieve('maxMemoryBytes', max, () => this.footprint);
    // Bytes delivered past the declared holes were kept for overlap checks: let them go too before evicting.
    while (this.footprint > max) {
      const t = this.keptQueue.take();
      if (!t) break;
      t.flow.dropKept();
    }
    const why = `live flows passed maxMemoryBytes (${max}): the least recently active one was closed`;
    while (this.footprint > max && this.live.size > 1) {
      if (!this.evictOne(current, why)) break;
    }
  }

  /**
   * Evicts a flow that has been quiet the longest, approximately (the "clock" algorithm): flows wait in a queue; one
   * at the front with packets since it was queued goes to the back, the first without goes. This keeps the cost per
   * packet constant (nothing is reordered on every packet). `spare` is never evicted. Returns whether one was.
   */
  private evictOne(spare: Tracked | undefined, message: string): boolean {
    for (let turns = 0; ; ) {
      const t = this.order.shift();
      if (!t) return false;
      if (!this.live.holds(t)) continue; // closed already
      if (t === spare || t.touched > t.queuedAt) {
        t.queuedAt = this.pkts;
        this.order.push(t);
        // Every live flow was passed over once (all active since queued, or only `spare` left): take the next.
        if (++turns > 2 * this.live.size + 1) return false;
        continue;
      }
      this.finish(t, 'evicted', { code: 'tcp.evicted', message });
      return true;
    }
  }

  private finish(t: Tracked, reason: 'eof' | 'timeout' | 'evicted', why?: { code: string; message: string }): void {
    const flow = t.flow;
    this.live.delete(t);
    t.lingerDue = undefined;
    flow.finish(reason, why);
    this.total -= t.held;
    this.pieces -= t.pieces;
    t.held = 0;
    t.keptHeld = 0;
    t.pieces = 0;
    if (reason !== 'eof' || flow.ended !== undefined) {
      // Keep a small record so that late packets of this connection stay with it.
      while (this.closed.size >= this.opts.maxFlows) {
        const old = this.closedOrder.shift();
        if (!old) break;
        this.closed.delete(old);
      }
      const c = flow.tombstone(t, flow.ended === undefined);
      this.closed.replace(c);
      this.closedOrder.push(c);
      this.closedOrder.sweep(2 * this.closed.size, (x) => this.closed.holds(x));
    }
  }

  /**
   * A packet of a connection that already closed stays with that flow and starts nothing (returns true), except new
   * bytes after a timeout or eviction: the connection lives on, so they start a new flow (returns false).
   */
  private absorb(c: Closed, p: Packet): boolean {
    const side = sideOf(c, p);
    const n = c.next[side];
    const fresh = p.len > 0 && !p.seqRelative && (n === undefined || seqGe(p.seq >>> 0, n));
    if (fresh && c.reopens) return false;
    if (p.time !== undefined) c.lastTime = p.time;
    if (c.warned || !fresh) return true;
    c.warned = true;
    this.emit(
      anomaly('tcp.data_after_close', 'new bytes arrived after the flow closed; they are not delivered', originOf(p), {
        flow: c.id,
        bytes: p.len,
      }),
    );
    return true;
  }

  /** Closes flows idle for longer than idleTimeout seconds of capture time. All live flows are looked at, at most
   *  16 times per idleTimeout of capture time, so a flow may close up to idleTimeout/16 late. The flow of the
   *  packet at hand (`p`, whose ends hash to `hash`) is not idle. */
  private expire(now: number, hash: number, p: Packet): void {
    if (now < this.nextExpiry) return;
    const limit = this.opts.idleTimeout;
    this.nextExpiry = now + limit / 16;
    const idle: Tracked[] = [];
    for (const t of this.live.values()) {
      const last = t.flow.lastTime;
      if (last === undefined || now - last <= limit || (t.hash === hash && sameEnds(t, p))) continue;
      idle.push(t);
    }
    // In the order the flows opened (the table's own order groups flows whose ends hash alike).
    idle.sort((a, b) => a.flow.id - b.flow.id);
    for (const t of idle) {
      this.finish(t, 'timeout');
      const c = this.closed.of(t);
      if (c) c.lastTime = now;
    }
    for (let c = this.closedOrder.peek(); c; c = this.closedOrder.peek()) {
      const current = this.closed.holds(c);
      if (current && (c.lastTime === undefined || now - c.lastTime <= limit)) break;
      this.closedOrder.shift();
      if (current) this.closed.delete(c);
    }
  }

  /** Over a bound on all flows (`name`, `max`; `used` measures against it): forget kept bytes, then declare the
   *  oldest holders' holes lost. */
  private relieve(name: TotalLimit, max: number, used: () => number): void {
    while (used() > max) {
      const t = this.keptQueue.take();
      if (!t) break;
      t.flow.dropKept();
    }
    for (let n = this.bufferQueue.size; n > 0 && used() > max; n--) {
      const t = this.bufferQueue.take();
      if (!t) break;
      t.flow.relieve(name, max);
      if (t.held - t.keptHeld > 0 && !t.inBufferQueue) this.bufferQueue.add(t, this.live.size);
    }
  }
}

/** A first-in first-out queue with an index for the head instead of shifting the array. Entries that no longer
 *  count are skipped by the caller when met, and swept out when the queue passes a bound. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  push(x: T): void {
    this.items.push(x);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head++]!;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }

  /** Drops the entries that `keep` rejects, once the queue holds more than `bound` (+1024) entries. */
  sweep(bound: number, keep: (x: T) => boolean): void {
    if (this.items.length - this.head <= bound + 1024) return;
    this.items = this.items.slice(this.head).filter(keep);
    this.head = 0;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** A first-in first-out queue of flows that hold bytes, with lazy removal. */
class Holders {
  private items: Tracked[] = [];
  private head = 0;

  constructor(
    private readonly holds: (t: Tracked) => boolean,
    private readonly mark: (t: Tracked, v: boolean) => void,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  add(f: Tracked, live: number): void {
    this.mark(f, true);
    this.items.push(f);
    if (this.size > 2 * live + 1024) {
      // Sweep out flows that hold nothing any more (closed ones included), keeping the order.
      const keep = this.items.slice(this.head).filter((x) => {
        const ok = this.holds(x);
        if (!ok) this.mark(x, false);
        return ok;
      });
      this.items = keep;
      this.head = 0;
    }
  }

  /** The oldest flow that still holds bytes, removed from the queue. */
  take(): Tracked | undefined {
    while (this.head < this.items.length) {
      const f = this.items[this.head++]!;
      this.mark(f, false);
      if (this.head > 4096 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (this.holds(f)) return f;
    }
    return undefined;
  }
}

/**
 * Flows (live or closed) by their two ends, found from a packet of either direction. The key is a number, a hash
 * of both ends that does not depend on their order (endsHash), so no string is built per packet; entries whose ends
 * differ but hash alike share a slot as a list, compared end by end.
 */
class FlowTable<T extends Ends> {
  private readonly map = new Map<number, T | T[]>();
  size = 0;

  /** The entry for the connection of `p`, whose ends hash to `hash`. */
  find(hash: number, p: Packet): T | undefined {
    const v = this.map.get(hash);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return sameEnds(v, p) ? v : undefined;
    for (const x of v) if (sameEnds(x, p)) return x;
    return undefined;
  }

  /** The entry with the same two ends as `e`, in either order. */
  of(e: Ends): T | undefined {
    const v = this.map.get(e.hash);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return sameAs(v, e) ? v : undefined;
    for (const x of v) if (sameAs(x, e)) return x;
    return undefined;
  }

  /** `x` itself is in the table (not only an entry with its ends). */
  holds(x: T): boolean {
    const v = this.map.get(x.hash);
    return v === x || (Array.isArray(v) && v.includes(x));
  }

  /** Adds `x`; an entry with the same ends goes. */
  replace(x: T): void {
    const old = this.of(x);
    if (old) this.delete(old);
    const v = this.map.get(x.hash);
    if (v === undefined) this.map.set(x.hash, x);
    else if (Array.isArray(v)) v.push(x);
    else this.map.set(x.hash, [v, x]);
    this.size++;
  }

  /** Removes `x` itself, when it is there. */
  delete(x: T): void {
    const v = this.map.get(x.hash);
    if (v === x) this.map.delete(x.hash);
    else if (Array.isArray(v)) {
      const i = v.indexOf(x);
      if (i < 0) return;
      v.splice(i, 1);
      if (v.length === 1) this.map.set(x.hash, v[0]!);
    } else return;
    this.size--;
  }

  /** Every entry, in no particular order. */
  values(): T[] {
    const out: T[] = [];
    for (const v of this.map.values()) {
      if (Array.isArray(v)) out.push(...v);
      else out.push(v);
    }
    return out;
  }

  clear(): void {
    this.map.clear();
    this.size = 0;
  }
}

/** `p` travels between the ends of `e`, in either direction. */
function sameEnds(e: Ends, p: Packet): boolean {
  const { sport, dport } = p;
  if (sport === e.ap && dport === e.bp && p.src === e.a && p.dst === e.b) return true;
  return sport === e.bp && dport === e.ap && p.src === e.b && p.dst === e.a;
}

function sameAs(x: Ends, e: Ends): boolean {
  if (x.ap === e.ap && x.bp === e.bp && x.a === e.a && x.b === e.b) return true;
  return x.ap === e.bp && x.bp === e.ap && x.a === e.b && x.b === e.a;
}

/** A hash of a packet's two ends (address and port each) that is the same for both directions: each end is
 *  hashed on its own and the two are added. A small integer, so that the table's key needs no heap number. */
export function endsHash(p: Pick<Packet, 'src' | 'sport' | 'dst' | 'dport'>): number {
  return (endHash(p.src, p.sport) + endHash(p.dst, p.dport)) & 0x3fffffff;
}

/** FNV-1a over the address's characters and the port's two bytes, then a final mix (murmur3's fmix32). */
function endHash(ip: string, port: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ip.length; i++) h = Math.imul(h ^ ip.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (port >>> 8), 0x01000193);
  h = Math.imul(h ^ (port & 0xff), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Which side of a closed flow sent `p`: 0 when it came from the end that sent the flow's first packet. */
function sideOf(c: Closed, p: Packet): Side {
  return p.sport === c.ap && p.src === c.a ? 0 : 1;
}

/** 0, 1, 2, … */
export function counter(): () => number {
  let n = 0;
  return () => n++;
}

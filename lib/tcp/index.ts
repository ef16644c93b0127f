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
import { Flow, endpoint, originOf, type Closed, type FlowHost, type Side } from './flow.js';
import type { HalfLimits } from './half.js';

export class Reassembler {
  private readonly live = new Map<string, Flow>();
  /** Live flows in eviction order (closed ones are skipped when met, and swept when the queue doubles). */
  private readonly order = new Fifo<Flow>();
  /** Closed flows in the order they closed (entries replaced or dropped from `closed` are skipped when met). */
  private readonly closedOrder = new Fifo<Closed>();
  private readonly closed = new Map<string, Closed>();
  /** Flows holding kept bytes, and flows holding other bytes, oldest first (entries of flows that no longer hold
   *  are skipped when met, and swept out when the queue grows past twice the live flows). */
  private readonly keptQueue = new Holders((f) => f.keptHeld > 0, (f, v) => (f.inKeptQueue = v));
  private readonly bufferQueue = new Holders((f) => f.held - f.keptHeld > 0, (f, v) => (f.inBufferQueue = v));
  /** Capture time before which idle flows are not looked for again. */
  private nextExpiry = -Infinity;
  /** Flows that ended (FIN both ways with holes left, or RST) and wait for late packets: the packet count at
   *  which each is finished. A RST ends one side only; the other's bytes in flight may still come. */
  private readonly lingering = new Fifo<{ flow: Flow; due: number }>();
  private pkts = 0;
  private total = 0;
  private readonly limits: HalfLimits;
  private readonly host: FlowHost;

  /** `ids` numbers new flows (the pipeline shares it with the excerpt stage); by default 0, 1, 2, … */
  constructor(
    readonly opts: Readonly<Options>,
    readonly next: Sink<FlowItem>,
    readonly emit: Emit,
    private readonly ids: () => number = counter(),
  ) {
    this.limits = {
      maxBufferBytes: opts.maxFlowBufferBytes,
      overlapWindowBytes: opts.overlapWindowBytes,
      gapGracePackets: opts.gapGracePackets,
    };
    this.host = {
      next,
      emit,
      memory: (flow, delta, kept) => {
        this.total += delta;
        if (delta <= 0) return;
        if (kept) {
          if (!flow.inKeptQueue) this.keptQueue.add(flow, this.live.size);
        } else if (!flow.inBufferQueue) this.bufferQueue.add(flow, this.live.size);
      },
    };
  }

  push(p: Packet): void {
    if (p.proto !== 'tcp' || p.fragment) return;
    this.pkts++;
    const key = flowKey(p);
    // The packet is assigned before idle expiry: its own flow is not idle, however far its timestamp jumped
    // forward: expiring first would close the flow at the jump and split one connection in two.
    if (p.time !== undefined) this.expire(p.time, key);
    for (let e = this.lingering.peek(); e && e.due <= this.pkts; e = this.lingering.peek()) {
      this.lingering.shift();
      if (e.flow.lingerDue === e.due && this.live.get(e.flow.key) === e.flow) this.finish(e.flow, 'eof');
    }
    const pureSyn = (p.flags & (SYN | ACK)) === SYN && !p.seqRelative;
    let flow = this.live.get(key);
    if (flow) {
      if (pureSyn && flow.reusedBy(p)) {
        this.finish(flow, 'evicted', { code: 'tcp.port_reuse', message: 'a new connection (SYN with another sequence number) reused these ports' });
        flow = undefined;
      }
    } else {
      const c = this.closed.get(key);
      if (c) {
        if ((!pureSyn || c.base[sideOf(c.names, p)] === p.seq >>> 0) && this.absorb(c, p)) return;
        this.closed.delete(key);
      }
    }
    if (!flow) flow = this.open(key, p);
    flow.touched = this.pkts;
    flow.packet(p);
    if (flow.overQueued(this.limits.maxBufferBytes)) flow.fallback();
    const ended = flow.ended;
    if (ended === 'fin' && flow.complete()) this.finish(flow, 'eof');
    else if (ended !== undefined && flow.lingerDue === undefined) {
      flow.lingerDue = this.pkts + this.limits.gapGracePackets;
      this.lingering.push({ flow, due: flow.lingerDue });
    }
    if (this.total > this.opts.maxTotalBufferBytes) this.relieve();
  }

  /** End of input: every live flow closes, in flow order. */
  end(): void {
    const flows = [...this.live.values()].sort((a, b) => a.id - b.id);
    for (const f of flows) this.finish(f, 'eof');
    this.closed.clear();
    this.closedOrder.clear();
  }

  private open(key: string, p: Packet): Flow {
    if (this.live.size >= this.opts.maxFlows) this.evictOne();
    const flow = new Flow(this.ids(), key, p, this.limits, this.host);
    flow.queuedAt = this.pkts;
    this.live.set(key, flow);
    this.order.push(flow);
    this.order.sweep(2 * this.live.size, (f) => this.live.get(f.key) === f);
    return flow;
  }

  /**
   * Evicts a flow that has been quiet the longest, approximately (the "clock" algorithm): flows wait in a queue; one
   * at the front with packets since it was queued goes to the back, the first without goes. This keeps the cost per
   * packet constant (nothing is reordered on every packet).
   */
  private evictOne(): void {
    for (;;) {
      const f = this.order.shift();
      if (!f) return;
      if (this.live.get(f.key) !== f) continue; // closed already
      if (f.touched > f.queuedAt) {
        f.queuedAt = this.pkts;
        this.order.push(f);
        continue;
      }
      this.finish(f, 'evicted', {
        code: 'tcp.evicted',
        message: `more than ${this.opts.maxFlows} live flows (maxFlows): the least recently active one was closed`,
      });
      return;
    }
  }

  private finish(flow: Flow, reason: 'eof' | 'timeout' | 'evicted', why?: { code: string; message: string }): void {
    this.live.delete(flow.key);
    flow.lingerDue = undefined;
    flow.finish(reason, why);
    this.total -= flow.held;
    flow.held = 0;
    flow.keptHeld = 0;
    if (reason !== 'eof' || flow.ended !== undefined) {
      // Keep a small record so that late packets of this connection stay with it.
      while (this.closed.size >= this.opts.maxFlows) {
        const old = this.closedOrder.shift();
        if (!old) break;
        if (this.closed.get(old.key) === old) this.closed.delete(old.key);
      }
      const c = flow.tombstone(flow.ended === undefined);
      this.closed.set(flow.key, c);
      this.closedOrder.push(c);
      this.closedOrder.sweep(2 * this.closed.size, (x) => this.closed.get(x.key) === x);
    }
  }

  /**
   * A packet of a connection that already closed stays with that flow and starts nothing (returns true), except new
   * bytes after a timeout or eviction: the connection lives on, so they start a new flow (returns false).
   */
  private absorb(c: Closed, p: Packet): boolean {
    const side = sideOf(c.names, p);
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
   *  packet at hand (`current`) is not idle. */
  private expire(now: number, current: string): void {
    if (now < this.nextExpiry) return;
    const limit = this.opts.idleTimeout;
    this.nextExpiry = now + limit / 16;
    for (const f of this.live.values()) {
      if (f.lastTime === undefined || now - f.lastTime <= limit || f.key === current) continue;
      this.finish(f, 'timeout');
      const c = this.closed.get(f.key);
      if (c) c.lastTime = now;
    }
    for (let c = this.closedOrder.peek(); c; c = this.closedOrder.peek()) {
      const current = this.closed.get(c.key) === c;
      if (current && (c.lastTime === undefined || now - c.lastTime <= limit)) break;
      this.closedOrder.shift();
      if (current) this.closed.delete(c.key);
    }
  }

  /** Over maxTotalBufferBytes: forget kept bytes, then declare the oldest holders' holes lost. */
  private relieve(): void {
    const max = this.opts.maxTotalBufferBytes;
    while (this.total > max) {
      const f = this.keptQueue.take();
      if (!f) break;
      f.dropKept();
    }
    for (let n = this.bufferQueue.size; n > 0 && this.total > max; n--) {
      const f = this.bufferQueue.take();
      if (!f) break;
      f.relieve(max);
      if (f.held - f.keptHeld > 0 && !f.inBufferQueue) this.bufferQueue.add(f, this.live.size);
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
  private items: Flow[] = [];
  private head = 0;

  constructor(
    private readonly holds: (f: Flow) => boolean,
    private readonly mark: (f: Flow, v: boolean) => void,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  add(f: Flow, live: number): void {
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
  take(): Flow | undefined {
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

/** The same key for both directions of a connection. */
function flowKey(p: Packet): string {
  const a = `${p.src}|${p.sport}`;
  const b = `${p.dst}|${p.dport}`;
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function sideOf(names: [string, string], p: Packet): Side {
  return endpoint(p.src, p.sport) === names[0] ? 0 : 1;
}


/** 0, 1, 2, … */
export function counter(): () => number {
  let n = 0;
  return () => n++;
}

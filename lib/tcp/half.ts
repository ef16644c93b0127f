// Stage 2 (tcp), one direction of one flow: TCP segments in any order → the sender's bytes in order, with each
// hole either filled or declared lost. Positions are sequence numbers unwrapped onto an unbounded line (position 0
// is the first data byte: ISN+1 after a SYN, else the first sequence number seen), so a stream may pass 2^32.

import type { Origin } from '../events.js';
import { own } from '../bytes.js';
import { seqAdd, seqDiff, seqUnwrap } from '../seq.js';

/** Bytes waiting for the hole before them to fill. `bytes` is our own copy; an empty `bytes` with `extent > pos`
 *  marks bytes that were on the wire but not in the capture (snaplen, or a summary line with no hex). */
interface Segment {
  pos: number;
  end: number;
  extent: number;
  bytes: Uint8Array;
  at: Origin;
  /** The position in the peer's stream that this segment's packet acknowledged (see HalfHost.data). */
  waitFor?: number | undefined;
}

/** An ACK from the peer that passed `next`: where to, the flow packet count, and the packet. */
interface AckRise {
  pos: number;
  at: number;
  origin: Origin;
}

/** The shared empty list every direction starts with (never written to: replaced on first use). */
const NONE = Object.freeze([]) as unknown as never[];

/** A delivered chunk kept to compare retransmissions against. */
interface Kept {
  pos: number;
  bytes: Uint8Array;
}

/** An anomaly that belongs just before some delivered bytes (tcp.midstream, tcp.gap). */
export interface Note {
  code: string;
  message: string;
  at: Origin;
  extra?: Record<string, unknown>;
}

/** Where a direction sends what it finds. */
export interface HalfHost {
  /** Bytes at position `pos`, in order, with the anomalies that go just before them. `waitFor`: the packet that
   *  carried them had acknowledged the peer's bytes up to that sequence number, so the peer sent those first.
   *  `owned`: the bytes are this stage's copy (else a view of the packet's payload). */
  data(bytes: Uint8Array, at: Origin, afterGap: boolean, pos: number, waitFor: number | undefined, notes: Note[] | undefined, owned: boolean): void;
  anomaly(code: string, message: string, at: Origin, extra?: Record<string, unknown>): void;
  /** Bytes this direction holds changed by `delta` (for the total memory bound); `kept`: delivered bytes kept
   *  for overlap checks, the first to go under pressure; `pieces`: the change in the number of separately held
   *  pieces (each a few objects besides its bytes, counted by the memory budget). */
  memory(delta: number, kept: boolean, pieces: number): void;
}

export interface HalfLimits {
  /** Out-of-order bytes held before the oldest hole is declared lost. */
  maxBufferBytes: number;
  /** Delivered bytes kept to compare retransmissions against (0: none, and no overlap check after delivery). */
  overlapWindowBytes: number;
  /** Packets of the flow to wait, after the peer acknowledged past a hole, before declaring it lost. */
  gapGracePackets: number;
}

/** The bounds over all flows under which a hole may be given up: held bytes, or the memory budget. */
export type TotalLimit = 'maxTotalBufferBytes' | 'maxMemoryBytes';

/** How hard `flush` pushes: only certain holes, holes until under the buffer limit, or every hole. */
export type FlushMode = 'normal' | 'limit' | 'force';

/** A sequence number this far from where we are is not taken as a position in this stream. */
const PLAUSIBLE = 1 << 30;
/** ACK rises remembered per direction while holes wait (beyond it the last one is moved forward). */
const MAX_ACK_RISES = 256;

interface Tally {
  count: number;
  bytes: number;
  first?: Origin;
}

export class HalfStream {
  /** Sequence number of position 0; meaningful once `started`. */
  private baseSeq = 0;
  started = false;
  /** A SYN fixed the start: the stream is not joined mid-way. */
  synSeen = false;
  /** Started mid-stream (from a first segment or the peer's ACK): until this flow packet count, bytes from before
   *  the start may still come (a reordered capture), so nothing is delivered yet. A SYN ends the doubt sooner. */
  private tentativeUntil: number | undefined;
  /** Position of the next byte to deliver. */
  next = 0;
  /** Bytes delivered (gaps excluded). */
  delivered = 0;
  /** Highest position the sender is known to have sent up to. */
  private maxEnd = 0;
  /** Bytes below this position are known to be missing from the capture (truncated packets), since `lostAt`. */
  private lostUntil = 0;
  private lostAt: Origin | undefined;
  /** Position of the FIN, once seen. */
  finPos: number | undefined;
  /** Position after the RST's sequence number, when it is plausible. */
  private rstPos: number | undefined;
  /** Per-side facts the connection keeps here (flow.ts): Wireshark's base_seq and tcpdump's relative base for this
   *  side, the window it advertised last (−1 unknown), whether it sent a FIN, and whether the peer's output no
   *  longer waits on this side's unsure start. */
  wsBase: number | undefined;
  tdBase: number | undefined;
  win = -1;
  finSent = false;
  waitedOut = false;

  /** Highest position the peer acknowledged. */
  private peerAck = -Infinity;
  /** Each rise of the peer's ACK beyond `next`: the position and the flow packet count when it was seen, so a
   *  hole's grace counts from the first ACK that passed that hole. */
  private ackRises: AckRise[] = NONE;
  /** The peer's ACK that started this stream, while the start may still move back. */
  private startAck: { at: number; origin: Origin } | undefined;
  /** A zero-window probe byte, held until the peer acknowledges it. */
  private probe: Segment | undefined;

  // The three lists below start as one shared empty array and get their own on first use: this object exists
  // once per direction of up to maxFlows flows, so an idle one stays small.
  private pending: Segment[] = NONE;
  pendingBytes = 0;
  private kept: Kept[] = NONE;
  keptBytes = 0;
  /** Where copies of delivered bytes are carved from (see carve). */
  private arena = EMPTY;
  private arenaPos = 0;

  /** A hole was declared and no bytes have followed it yet. */
  private gapOpen = false;
  private gapMissing = 0;
  private gapAt: Origin | undefined;
  /** Missing ranges declared in this direction. */
  gaps = 0;
  /** Counts kept for the close: retransmitted, late (out-of-order) and before-start segments; made on first use
   *  (this object exists once per direction of up to maxFlows flows, so it stays small). */
  private tallies: { retrans?: Tally; late?: Tally; beforeStart?: Tally } | undefined;
  /** Buffer limits already reported (bit 1: per flow, bit 2: total, bit 4: memory budget). */
  private limitsHit = 0;
  private lastAt: Origin | undefined;

  constructor(
    private readonly limits: HalfLimits,
    private readonly host: HalfHost,
  ) {}

  /** The position of sequence number `seq`, unwrapped next to where delivery stands. */
  pos(seq: number): number {
    return seqUnwrap(seq, seqAdd(this.baseSeq, this.next), this.next);
  }

  /** The sequence number at position `pos`. */
  seqAt(pos: number): number {
    return seqAdd(this.baseSeq, pos);
  }

  /** Starts the stream at `seq` (position 0) when nothing better is known: the first packet, or the peer's ACK.
   *  Without a SYN (`now` given) the start stays tentative for gapGracePackets packets. */
  start(seq: number, now?: number): void {
    if (this.started) return;
    this.baseSeq = seq >>> 0;
    this.started = true;
    if (now !== undefined) this.tentativeUntil = now + this.limits.gapGracePackets;
  }

  /** A SYN (or SYN-ACK) from this side: data starts at seq+1. A late SYN moves the start back if nothing was
   *  delivered yet (reordered capture); otherwise a SYN that disagrees is ignored. */
  syn(seq: number): void {
    const first = seqAdd(seq, 1);
    if (!this.started) {
      this.start(first);
      this.synSeen = true;
      return;
    }
    if (!this.synSeen) this.tentativeUntil = undefined;
    if (this.synSeen) return;
    const shift = seqDiff(this.baseSeq, first);
    if (shift === 0) this.synSeen = true;
    else if (shift > 0 && this.canRebase(shift)) {
      this.rebase(first, shift);
      this.synSeen = true;
    }
  }

  /** Joined mid-stream and nothing delivered yet: bytes from before the first ones seen may still be placed. */
  get unsure(): boolean {
    return !this.synSeen && this.delivered === 0 && this.next === 0;
  }

  /** Nothing was delivered, declared or kept: the start may still move back by `shift` bytes. */
  private canRebase(shift: number): boolean {
    return this.next === 0 && this.delivered === 0 && !this.gapOpen && this.gaps === 0 && shift <= this.limits.maxBufferBytes;
  }

  private rebase(first: number, shift: number): void {
    this.baseSeq = first >>> 0;
    for (const s of this.pending) {
      s.pos += shift;
      s.end += shift;
      s.extent += shift;
    }
    if (this.probe) {
      this.probe.pos += shift;
      this.probe.end += shift;
      this.probe.extent += shift;
    }
    this.maxEnd += shift;
    if (this.lostUntil > 0) this.lostUntil += shift;
    if (this.finPos !== undefined) this.finPos += shift;
    if (this.rstPos !== undefined) this.rstPos += shift;
    if (this.peerAck !== -Infinity) this.peerAck += shift;
    for (const r of this.ackRises) r.pos += shift;
    if (this.startAck) {
      // The ACK that started the stream acknowledged bytes that now lie after the start.
      this.rises().unshift({ pos: shift, at: this.startAck.at, origin: this.startAck.origin });
      this.startAck = undefined;
    }
  }

  /**
   * A segment carrying `wireLen` payload bytes at `seq`, of which `bytes` (a prefix) were captured. Keep-alives
   * (0 or 1 byte at one below the next sequence number, RFC 9293 §3.8.4) and zero-window probes are not data.
   * `now` is the flow's packet count; `peerWindowZero` says the receiver's last advertised window was 0.
   */
  segment(seq: number, bytes: Uint8Array, wireLen: number, at: Origin, now: number, peerWindowZero: boolean, waitFor?: number): void {
    this.lastAt = at;
    if (!this.started) this.start(seq, now);
    let pos = this.pos(seq);
    if (wireLen <= 0) return;
    if (bytes.length > wireLen) bytes = bytes.subarray(0, wireLen);
    const sent = Math.max(this.maxEnd, this.next);
    if (wireLen === 1 && pos === sent - 1) return; // keep-alive
    if (wireLen === 1 && pos === sent && pos === this.next && peerWindowZero && this.pending.length === 0) {
      // Zero-window probe: the receiver may drop it, and then the byte is sent again (RFC 9293 §3.8.6.1).
      this.probe = { pos, end: pos + bytes.length, extent: pos + 1, bytes: own(bytes), at, waitFor };
      return;
    }
    if (pos < 0 && !this.synSeen && this.canRebase(-pos)) {
      // A midstream stream met bytes from before where it started, before delivering any: start there instead.
      this.rebase(seq, -pos);
      pos = 0;
    }
    const extent = pos + wireLen;
    if (pos < 0 && !this.synSeen) {
      // Bytes from before the point where a midstream stream started, which has already delivered: lost to us.
      const n = Math.min(extent, 0) - pos;
      this.tally('beforeStart', n, at);
      if (extent <= 0) return;
      bytes = bytes.subarray(Math.min(bytes.length, n));
      pos = 0;
    }
    if (this.probe && pos <= this.probe.pos && extent > this.probe.pos) this.probe = undefined;

    let end = pos + bytes.length;
    let old = 0;
    let fresh = 0;
    // Bytes before `next` were delivered already (or declared lost): compare them with what was delivered.
    const oldEnd = Math.min(extent, this.next);
    if (pos < oldEnd) {
      old += oldEnd - pos;
      const cmpEnd = Math.min(end, this.next);
      if (pos < cmpEnd) this.compareKept(pos, bytes.subarray(0, cmpEnd - pos), at);
      if (extent <= this.next) {
        this.tally('retrans', old, at);
        return;
      }
      const cut = this.next - pos;
      bytes = bytes.subarray(Math.min(bytes.length, cut));
      pos = this.next;
      end = pos + bytes.length;
    }
    const behind = pos < this.maxEnd;
    if (end > pos) {
      if (pos === this.next && this.tentativeUntil === undefined && (this.pending.length === 0 || this.pending[0]!.pos >= end)) {
        // In order: deliver the packet's own bytes, no copy.
        this.deliver({ pos, end, extent: end, bytes, at, waitFor }, false);
        fresh += end - pos;
      } else {
        const r = this.insert(pos, end, bytes, at, waitFor);
        old += r.old;
        fresh += r.fresh;
      }
    }
    if (extent > end) {
      // Bytes sent but not captured: a hole we know will not fill from this packet.
      if (end === this.next) this.markLost(extent, at);
      else this.insertSegment({ pos: end, end, extent, bytes: EMPTY, at });
      fresh += extent - end;
    }
    if (this.maxEnd < extent) this.maxEnd = extent;
    if (old > 0) this.tally('retrans', old, at);
    if (fresh > 0 && behind) this.tally('late', fresh, at);
    this.flush(this.pendingBytes > this.limits.maxBufferBytes ? 'limit' : 'normal', now);
  }

  /** A FIN from this side at `seq` (after the segment's data). */
  fin(seq: number, at: Origin): void {
    this.lastAt = at;
    if (!this.started) this.start(seq);
    const p = this.pos(seq);
    if (this.finPos === undefined || p > this.finPos) this.finPos = p;
  }

  /** A RST from this side: its sequence number says how far the sender had got, when plausible. */
  rst(seq: number, at: Origin): void {
    this.lastAt = at;
    if (!this.started) return;
    const p = this.pos(seq);
    if (p >= this.next && p - this.next <= this.limits.maxBufferBytes) this.rstPos = p;
  }

  /** The peer acknowledged everything before `seq` (in the packet at `at`). */
  acked(seq: number, now: number, at: Origin): void {
    if (!this.started) {
      this.start(seq, now);
      this.peerAck = 0;
      this.startAck = { at: now, origin: at };
      this.lastAt = at;
      return;
    }
    let p = this.pos(seq);
    if (p < 0 && this.tentativeUntil !== undefined && this.canRebase(-p)) {
      // The peer still waits for bytes from before our first one: they are on their way, or lost.
      this.rebase(seq, -p);
      p = 0;
      this.lastAt = at;
    }
    if (p - this.next > PLAUSIBLE || p <= this.peerAck) return;
    this.peerAck = p;
    if (p <= this.next) return;
    this.lastAt = at;
    const rises = this.rises();
    if (rises.length < MAX_ACK_RISES) rises.push({ pos: p, at: now, origin: at });
    else rises[rises.length - 1]!.pos = p;
  }

  private rises(): AckRise[] {
    if (this.ackRises === NONE) this.ackRises = [];
    return this.ackRises;
  }

  /** How far the peer's ACKs that are at least `grace` packets old reach past `next`, and the first such ACK. */
  private ackedLongAgo(now: number): { reach: number; origin: Origin } | undefined {
    const rises = this.ackRises;
    while (rises.length > 0 && rises[0]!.pos <= this.next) rises.shift();
    let reach: number | undefined;
    for (const r of rises) {
      if (now - r.at < this.limits.gapGracePackets) break;
      reach = r.pos;
    }
    return reach === undefined ? undefined : { reach, origin: rises[0]!.origin };
  }

  /** Nothing known to be sent is still missing or waiting. */
  complete(): boolean {
    if (this.pending.length > 0 || this.lostUntil > this.next) return false;
    if (this.finPos !== undefined && this.next < this.finPos) return false;
    const fin = this.finPos !== undefined ? 1 : 0;
    if (this.rstPos !== undefined && this.rstPos - fin > this.next) return false;
    return !(this.peerAck > this.next + 1);
  }

  /**
   * Delivers what is contiguous and declares holes lost when allowed: always for bytes known to be missing
   * (truncated packets); after the peer acknowledged past a hole and `gapGracePackets` more packets came (the
   * peer got bytes the capture missed; the grace lets an ACK captured before its data be followed by it);
   * in 'limit' mode while the buffer is over its limit; in 'force' mode every hole, up to what the sender is known
   * to have sent.
   */
  flush(mode: FlushMode, now: number): void {
    if (this.tentativeUntil !== undefined) {
      if (mode === 'normal' && now < this.tentativeUntil) return;
      this.tentativeUntil = undefined;
    }
    for (;;) {
      const first = this.pending[0];
      if (first && first.pos <= this.next) {
        this.pending.shift();
        this.pendingBytes -= first.bytes.length;
        if (first.bytes.length > 0) this.host.memory(-first.bytes.length, false, -1);
        if (first.end > this.next) this.deliver(first, true);
        this.markLost(first.extent, first.at);
        continue;
      }
      const probe = this.probe;
      if (probe && probe.pos === this.next && this.peerAck > probe.pos) {
        this.probe = undefined;
        this.deliver(probe, true);
        continue;
      }
      const holeEnd = first?.pos;
      let target: number | undefined;
      let why = this.lastAt;
      if (this.lostUntil > this.next) {
        target = holeEnd === undefined ? this.lostUntil : Math.min(this.lostUntil, holeEnd);
        why = this.lostAt;
      } else if (mode === 'force' || (mode === 'limit' && this.pendingBytes > this.limits.maxBufferBytes)) {
        target = holeEnd ?? this.trailingEnd();
        if (mode === 'limit' && target > this.next) this.limitHit('maxFlowBufferBytes', this.limits.maxBufferBytes);
      } else {
        const old = this.peerAck > this.next ? this.ackedLongAgo(now) : undefined;
        if (old !== undefined) {
          let acked = old.reach;
          if (this.finPos !== undefined) acked = Math.min(acked, this.finPos);
          else if (holeEnd === undefined && acked - this.next === 1) acked = this.next; // the ACK of a FIN not captured
          target = holeEnd === undefined ? acked : Math.min(acked, holeEnd);
          why = old.origin;
        }
      }
      if (target === undefined || target <= this.next) break;
      this.declare(target - this.next, why);
      this.next = target;
    }
  }

  /** How far the sender is known to have sent, for holes at the end of the stream. An ACK one past the data
   *  with no FIN seen is taken as the ACK of a FIN the capture missed, not as a missing byte. */
  private trailingEnd(): number {
    let end = Math.max(this.lostUntil, this.finPos ?? 0);
    if (this.rstPos !== undefined) end = Math.max(end, this.rstPos - (this.finPos !== undefined ? 1 : 0));
    if (this.peerAck > this.next) {
      const acked = this.finPos !== undefined ? Math.min(this.peerAck, this.finPos) : this.peerAck - this.next === 1 ? this.next : this.peerAck;
      end = Math.max(end, acked);
    }
    return end;
  }

  /** The flow is over: every hole is declared and what follows delivered (a probe never acknowledged is dropped). */
  finish(now: number): void {
    this.flush('force', now);
    this.probe = undefined;
  }

  /**
   * After `finish`: a trailing hole (with the line of the packet that showed it: the truncated packet, the peer's
   * ACK past it, or this direction's last packet), then the counts kept, and the buffers are let go.
   * Retransmissions and out-of-order segments are reported once per direction, here, with their totals; the
   * event's `line` is the first such packet's.
   */
  report(): void {
    if (this.gapOpen) {
      const at = this.gapAt ?? this.lastAt ?? {};
      this.host.anomaly('tcp.gap', `${this.gapMissing} bytes missing from the capture at the end of the stream`, at, {
        missing: this.gapMissing,
        at_end: true,
      });
      this.gapOpen = false;
    }
    const r = this.tallies?.retrans;
    if (r?.first) {
      this.host.anomaly('tcp.retransmission', `${r.count} segments carried ${r.bytes} bytes already seen (retransmissions or duplicates)`, r.first, {
        count: r.count,
        bytes: r.bytes,
      });
    }
    const l = this.tallies?.late;
    if (l?.first) {
      this.host.anomaly(
        'tcp.out_of_order',
        `${l.count} segments arrived after later bytes of the stream (${l.bytes} bytes); reassembled in order`,
        l.first,
        {
          count: l.count,
          bytes: l.bytes,
        },
      );
    }
    const b = this.tallies?.beforeStart;
    if (b?.first) {
      this.host.anomaly(
        'tcp.before_start',
        `${b.count} segments carried ${b.bytes} bytes from before the point where this midstream stream started; they were dropped`,
        b.first,
        { count: b.count, bytes: b.bytes },
      );
    }
    this.dropPending();
    this.dropKept();
  }

  /** Declares the oldest hole lost and delivers what follows, to free buffer (a bound over all flows: `name`). */
  relieve(now: number, name: TotalLimit, limit: number): void {
    const before = this.pendingBytes;
    const first = this.pending[0];
    if (!first) return;
    if (first.pos > this.next) {
      this.limitHit(name, limit);
      this.declare(first.pos - this.next, this.lastAt);
      this.next = first.pos;
    }
    this.flush('normal', now);
    if (this.pendingBytes === before) this.flush('force', now);
  }

  /** A buffer limit made us give up on a hole: said once per direction and limit, since it is not a capture loss. */
  private limitHit(name: 'maxFlowBufferBytes' | TotalLimit, value: number): void {
    const bit = name === 'maxFlowBufferBytes' ? 1 : name === 'maxTotalBufferBytes' ? 2 : 4;
    if (this.limitsHit & bit) return;
    this.limitsHit |= bit;
    const what = name === 'maxFlowBufferBytes' ? 'this direction' : 'all flows';
    this.host.anomaly(
      'tcp.buffer_limit',
      `the out-of-order bytes buffered for ${what} passed ${name} (${value}): the oldest hole was declared lost before its bytes could arrive`,
      this.lastAt ?? {},
      { limit: name, value },
    );
  }

  /** Forgets the delivered bytes kept for overlap checks (total memory bound). */
  dropKept(): void {
    if (this.kept.length > 0) this.host.memory(-this.keptBytes, true, -this.kept.length);
    this.kept = NONE;
    this.keptBytes = 0;
    this.arena = EMPTY;
    this.arenaPos = 0;
  }

  /**
   * A copy of delivered bytes for the overlap window, carved from this direction's own chunk: one allocation for
   * many packets (an ArrayBuffer per packet cost a third of the pcap path's time on bulk transfers), and a chunk
   * that no other flow shares, so what it keeps alive is this direction's window and at most one chunk more.
   * The first chunk is the size of the first bytes (a flow that sends one hello keeps just that); each next one
   * twice the last, up to overlapWindowBytes (four times made 6% fewer allocations on handshake-heavy traffic,
   * for twice the bytes).
   */
  private carve(bytes: Uint8Array): Uint8Array {
    const n = bytes.length;
    if (this.arenaPos + n > this.arena.length) {
      this.arena = new Uint8Array(Math.max(n, Math.min(this.arena.length * 2, this.limits.overlapWindowBytes)));
      this.arenaPos = 0;
    }
    const out = this.arena.subarray(this.arenaPos, this.arenaPos + n);
    out.set(bytes);
    this.arenaPos += n;
    return out;
  }

  private dropPending(): void {
    let pieces = 0;
    for (const s of this.pending) if (s.bytes.length > 0) pieces++;
    if (pieces > 0) this.host.memory(-this.pendingBytes, false, -pieces);
    this.pending = NONE;
    this.pendingBytes = 0;
  }

  /** Bytes below `extent` were sent but not captured, as the packet at `at` shows. */
  private markLost(extent: number, at: Origin): void {
    if (extent <= this.lostUntil) return;
    this.lostUntil = extent;
    this.lostAt = at;
  }

  /** A hole of `missing` bytes at `next` is lost; `at` is the packet that showed it. */
  private declare(missing: number, at: Origin | undefined): void {
    if (!this.gapOpen) {
      this.gaps++;
      this.gapOpen = true;
      this.gapMissing = 0;
      this.gapAt = at;
    }
    this.gapMissing += missing;
  }

  /** Hands bytes from `next` on to the host; `owned` bytes are our copy, kept as they are for overlap checks. */
  private deliver(seg: Segment, owned: boolean): void {
    let bytes = seg.bytes;
    let pos = seg.pos;
    if (pos < this.next) {
      bytes = bytes.subarray(this.next - pos);
      pos = this.next;
    }
    if (bytes.length > 0) {
      const afterGap = this.gapOpen;
      let notes: Note[] | undefined;
      if (!this.synSeen && this.delivered === 0) {
        notes = [{ code: 'tcp.midstream', message: 'no SYN seen: reassembly starts at the first segment seen, mid-stream', at: seg.at }];
      }
      if (afterGap) {
        (notes ??= []).push({
          code: 'tcp.gap',
          message: `${this.gapMissing} bytes missing from the capture before this packet`,
          at: seg.at,
          extra: { missing: this.gapMissing },
        });
        this.gapOpen = false;
      }
      // The copy kept for overlap checks is the one delivered: each byte is copied at most once.
      if (!owned && bytes.length <= this.limits.overlapWindowBytes) {
        bytes = this.carve(bytes);
        owned = true;
      }
      this.host.data(bytes, seg.at, afterGap, pos, seg.waitFor, notes, owned);
      this.delivered += bytes.length;
      this.keep(pos, bytes, owned);
    }
    this.next = Math.max(this.next, pos + bytes.length);
  }

  private keep(pos: number, bytes: Uint8Array, owned: boolean): void {
    const window = this.limits.overlapWindowBytes;
    if (window <= 0) return;
    if (bytes.length > window) {
      pos += bytes.length - window;
      bytes = bytes.subarray(bytes.length - window);
      owned = false;
    }
    const copy = owned ? bytes : this.carve(bytes);
    if (this.kept === NONE) this.kept = [];
    this.kept.push({ pos, bytes: copy });
    this.keptBytes += copy.length;
    this.host.memory(copy.length, true, 1);
    while (this.kept.length > 1 && this.keptBytes - this.kept[0]!.bytes.length >= window) {
      const k = this.kept.shift()!;
      this.keptBytes -= k.bytes.length;
      this.host.memory(-k.bytes.length, true, -1);
    }
  }

  /** Compares retransmitted bytes at `pos` with the delivered copy; the delivered (first) copy stands. */
  private compareKept(pos: number, bytes: Uint8Array, at: Origin): void {
    const end = pos + bytes.length;
    let differ = 0;
    for (const k of this.kept) {
      const kEnd = k.pos + k.bytes.length;
      if (kEnd <= pos || k.pos >= end) continue;
      const a = Math.max(pos, k.pos);
      const b = Math.min(end, kEnd);
      if (!same(bytes.subarray(a - pos, b - pos), k.bytes.subarray(a - k.pos, b - k.pos))) differ += b - a;
    }
    if (differ > 0) this.conflict(differ, at, true);
  }

  private conflict(bytes: number, at: Origin, delivered: boolean): void {
    this.host.anomaly(
      'tcp.overlap_conflict',
      `a segment overlaps ${bytes} bytes ${delivered ? 'already delivered' : 'already buffered'} with different content; the copy that arrived first is kept`,
      at,
      { bytes },
    );
  }

  /** Buffers the bytes of [pos, end) that no buffered segment covers; the first copy of a byte wins. */
  private insert(pos: number, end: number, bytes: Uint8Array, at: Origin, waitFor: number | undefined): { old: number; fresh: number } {
    let old = 0;
    let fresh = 0;
    let differ = 0;
    let i = this.firstEndingAfter(pos);
    let cur = pos;
    while (cur < end) {
      const seg = this.pending[i];
      if (!seg || seg.pos >= end) {
        this.addPiece(i, cur, end, pos, bytes, at, waitFor);
        fresh += end - cur;
        break;
      }
      if (seg.pos > cur) {
        this.addPiece(i, cur, seg.pos, pos, bytes, at, waitFor);
        fresh += seg.pos - cur;
        i++;
        cur = seg.pos;
      }
      const a = Math.max(cur, seg.pos);
      const b = Math.min(end, seg.end);
      if (b > a) {
        old += b - a;
        if (!same(bytes.subarray(a - pos, b - pos), seg.bytes.subarray(a - seg.pos, b - seg.pos))) differ += b - a;
      }
      cur = Math.max(cur, seg.end);
      i++;
    }
    if (differ > 0) this.conflict(differ, at, false);
    return { old, fresh };
  }

  private addPiece(i: number, from: number, to: number, pos: number, bytes: Uint8Array, at: Origin, waitFor: number | undefined): void {
    const copy = own(bytes, from - pos, to - pos);
    if (this.pending === NONE) this.pending = [];
    this.pending.splice(i, 0, { pos: from, end: to, extent: to, bytes: copy, at, waitFor });
    this.pendingBytes += copy.length;
    this.host.memory(copy.length, false, 1);
  }

  /** Buffers a marker of uncaptured bytes, after any buffered bytes that already cover its start. */
  private insertSegment(seg: Segment): void {
    let i = this.firstEndingAfter(seg.pos);
    for (let s = this.pending[i]; s && s.pos <= seg.pos; s = this.pending[++i]) {
      if (s.end > seg.pos) seg.pos = seg.end = s.end;
    }
    if (seg.pos >= seg.extent) return;
    if (this.pending === NONE) this.pending = [];
    this.pending.splice(i, 0, seg);
  }

  /** Index of the first buffered segment whose end is after `pos` (segments are sorted and do not overlap). */
  private firstEndingAfter(pos: number): number {
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.pending[mid]!.end <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private tally(which: 'retrans' | 'late' | 'beforeStart', bytes: number, at: Origin): void {
    const all = (this.tallies ??= {});
    const t = (all[which] ??= { count: 0, bytes: 0 });
    t.count++;
    t.bytes += bytes;
    t.first ??= at;
  }
}

const EMPTY = new Uint8Array(0);

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

// tcpdump prints relative sequence numbers unless -S (print-tcp.c): a packet with ACK set is printed minus the
// connection's base, where the base of each direction is its initial sequence number, set by the SYN-ACK (its
// own seq, and ack - 1 for the other side) or, mid-stream, by the first ACK-bearing packet seen (printed
// absolute). Packets without ACK (SYN, bare RST) are printed absolute. Packets with hex are decoded from their
// bytes; this turns the numbers of packets shown only by their summary back into absolute ones, from what
// earlier packets showed: their SYNs, or a summary printed beside bytes (base = absolute - relative).

import { ACK, FIN, SYN, type Packet } from '../events.js';
import { latin1 } from './stamp.js';
import { parseSummary, type Summary } from './summary.js';

/** Directions whose base is remembered; beyond it the oldest is forgotten. */
export const MAX_SEQ_BASES = 4096;
/** Recent packets kept to learn bases and the next sequence number from. */
export const SEQ_RING = 32;
/** Printed numbers at least this large are taken for absolute ones (-S, or the first packet of a connection). */
const LARGE = 2 ** 28;

interface Recent {
  p: Packet | undefined;
  text: Uint8Array;
  textLen: number;
}

function key(src: string, sport: number, dst: string, dport: number): string {
  return `${src} ${sport} ${dst} ${dport}`;
}

export interface Resolved {
  seq: number;
  ack: number;
  /** Some number stayed relative: no base was known. */
  relative: boolean;
}

export class SeqBases {
  private readonly bases = new Map<string, number>();
  /**
   * One iterator over `bases`, kept: the oldest entry is its next one. Every entry it has passed was deleted when
   * it was handed out, and a Map iterator skips entries deleted ahead of it and reaches those set again at their
   * new place, so it gives what a fresh `keys().next()` would. A fresh one scans from the table's start over the
   * slots of deleted entries (delete and set again on every SYN leaves thousands): 9 µs a SYN on 12,000 connections.
   */
  private readonly oldest = this.bases.keys();
  private readonly ring: Recent[] = [];
  private next = 0;

  /** `summaryBytes`: the size of the summary buffers handed to remember(). */
  constructor(summaryBytes: number) {
    for (let i = 0; i < SEQ_RING; i++) this.ring.push({ p: undefined, text: new Uint8Array(summaryBytes), textLen: 0 });
  }

  /**
   * Remembers a packet, with its summary text when it had one. The summary buffer is taken, not copied: the
   * caller gets back a buffer of the same size to write the next summary into.
   */
  remember(p: Packet, summary: Uint8Array, summaryLen: number, hasSummary: boolean): Uint8Array {
    const r = this.ring[this.next]!;
    this.next = (this.next + 1) % SEQ_RING;
    r.p = p;
    let spare = summary;
    if (hasSummary) {
      spare = r.text.length === summary.length ? r.text : new Uint8Array(summary.length);
      r.text = summary;
      r.textLen = summaryLen;
    } else r.textLen = 0;
    if (p.proto === 'tcp' && p.flags & SYN) this.learnSyn(p.src, p.sport, p.dst, p.dport, p.flags, p.seq, p.ack);
    return spare;
  }

  /** Absolute seq/ack for a summary-only TCP packet (remember the packet made from it afterwards). */
  resolve(s: Summary): Resolved {
    const src = s.src;
    const dst = s.dst;
    const sport = s.sport!;
    const dport = s.dport!;
    const dk = key(src, sport, dst, dport);
    const rk = key(dst, dport, src, sport);
    const hasAck = (s.flags & ACK) !== 0;
    const absolute = !hasAck || (s.flags & SYN) !== 0;
    let relative = false;
    let seq = 0;
    let ack = 0;
    if (s.seq !== undefined) {
      if (absolute) seq = s.seq;
      else {
        const b = this.base(dk, s.seq);
        if (b === undefined) relative = true;
        seq = b === undefined ? s.seq : (s.seq + b) >>> 0;
      }
    } else {
      const n = this.nextSeq(src, sport, dst, dport);
      if (n === undefined) relative = true;
      else seq = n;
    }
    if (hasAck && s.ack !== undefined) {
      if (absolute) ack = s.ack;
      else {
        const b = this.base(rk, s.ack);
        if (b === undefined) relative = true;
        ack = b === undefined ? s.ack : (s.ack + b) >>> 0;
      }
    }
    if (s.flags & SYN) this.learnSyn(src, sport, dst, dport, s.flags, seq, ack);
    return { seq, ack, relative };
  }

  private learnSyn(src: string, sport: number, dst: string, dport: number, flags: number, seq: number, ack: number): void {
    this.set(key(src, sport, dst, dport), seq);
    if (flags & ACK) this.set(key(dst, dport, src, sport), (ack - 1) >>> 0);
  }

  private set(k: string, base: number): void {
    this.bases.delete(k);
    this.bases.set(k, base);
    if (this.bases.size > MAX_SEQ_BASES) this.bases.delete(this.oldest.next().value!);
  }

  /**
   * The base to add to a printed number of direction `k` (the sender's direction for seq, the receiver's for
   * ack). A large printed number close to the base is already absolute (-S).
   */
  private base(k: string, printed: number): number | undefined {
    let b = this.bases.get(k);
    if (b === undefined) {
      const d = this.derive(k, printed);
      if (d !== undefined) {
        b = d;
        this.set(k, b);
      }
    }
    if (b !== undefined) return printed >= LARGE && (printed - b) >>> 0 < LARGE ? 0 : b;
    // A connection seen for the first time is printed absolute by tcpdump (its first ACK-bearing packet).
    return printed >= LARGE ? 0 : undefined;
  }

  /** A base from recent packets that had both bytes (absolute) and a summary (as printed). */
  private derive(k: string, printed: number): number | undefined {
    for (let i = 1; i <= SEQ_RING; i++) {
      const r = this.ring[(this.next - i + SEQ_RING) % SEQ_RING]!;
      const p = r.p;
      if (!p || p.proto !== 'tcp' || r.textLen === 0) continue;
      const same = key(p.src, p.sport, p.dst, p.dport) === k;
      const reverse = !same && key(p.dst, p.dport, p.src, p.sport) === k;
      if (!same && !reverse) continue;
      const s = parseSummary(latin1(r.text, 0, r.textLen));
      if (!s || s.proto !== 'tcp') continue;
      if (same && s.seq !== undefined) {
        const b = (p.seq - s.seq) >>> 0;
        // Printed as it was on the wire: -S, or tcpdump's first packet of the connection, whose seq then
        // became the base for the relative numbers after it.
        return b === 0 && printed < LARGE ? p.seq : b;
      }
      if (reverse && s.ack !== undefined && p.flags & ACK) {
        const b = (p.ack - s.ack) >>> 0;
        return b === 0 && printed < LARGE ? (p.ack - 1) >>> 0 : b;
      }
    }
    return undefined;
  }

  /** The next sequence number of a direction: what it sent last, or what the other side acknowledged last. */
  private nextSeq(src: string, sport: number, dst: string, dport: number): number | undefined {
    for (let i = 1; i <= SEQ_RING; i++) {
      const r = this.ring[(this.next - i + SEQ_RING) % SEQ_RING]!;
      const p = r.p;
      if (!p || p.proto !== 'tcp' || p.seqRelative) continue;
      if (p.src === src && p.sport === sport && p.dst === dst && p.dport === dport) {
        return (p.seq + p.len + (p.flags & SYN ? 1 : 0) + (p.flags & FIN ? 1 : 0)) >>> 0;
      }
      if (p.src === dst && p.sport === dport && p.dst === src && p.dport === sport && p.flags & ACK) return p.ack;
    }
    return undefined;
  }
}

// Stage 1 (text): tcpdump text lines → packets. Summary lines give a packet its time and line number; the hex
// lines after it give its bytes, decoded by lib/net (link layer, IP, TCP/UDP). Packets shown only by their
// summary become packets with no bytes. Prose, markers and anything else pasted between the lines never
// become packets: they give one `input.unparsed` anomaly per run.
//
// Hot path: hex lines are read from bytes with a lookup table straight into one reusable frame buffer; a
// summary line costs a timestamp parse and a copy of its bytes; nothing is read as a string until a packet
// needs it (summary-only packets, link-type hints, messy pasted dumps).

import { anomaly, type Emit, type Event, type ExcerptItem, type Packet, type Sink } from '../events.js';
import { Cursor } from '../cursor.js';
import { decodeFrame, frameScore, isFrame, type Frame, type FrameError } from '../net/frame.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINKTYPE } from '../net/link.js';
import { framePacket } from '../net/packet.js';
import type { Options } from '../options.js';
import { FULL_LINE_CHARS, hex4, HexCursor, HEX_BYTES_PER_LINE, parseBareHex, parseFullGroups, parseHexGroups, parseHexOffset, viewOf } from './hex.js';
import type { Core } from '../stream.js';
import { LineSplitter, type LineSink } from './lines.js';
import { SeqBases } from './seqbase.js';
import { Clock, latin1, parseStamp, Stamp } from './stamp.js';
import { findEndpoints, linkHint, parseSummary } from './summary.js';

/** Largest frame assembled from hex lines; bytes past it are dropped and the packet is marked truncated. */
export const MAX_FRAME_BYTES = 256 * 1024;
/** Longest summary text kept per packet (a -v header and its continuation line together). */
export const MAX_SUMMARY_BYTES = 8 * 1024;
/**
 * A packet shown only by its summary is held back while this many later packets arrive, in case its hex
 * comes later in a pasted dump (a "data minus headers" block, or the same summary quoted again with hex).
 */
export const HOLD_PACKETS = 64;
/** After this many summary lines and no hex line at all, `input.no_hex` is reported without waiting for the end. */
export const NO_HEX_AFTER_SUMMARIES = 32;
/** Events from lines inside a packet held until the packet goes out; past this many they go out at once. */
export const MAX_DEFERRED_EVENTS = 1024;
/** Runs of text held back while the input has summaries but no hex yet (tcpdump -A, or a paste). */
export const MAX_PENDING_PROSE = 64;
/** Longest excerpt of an unparsed line quoted in its anomaly. */
const QUOTE_CHARS = 60;

/** Link types tried, in this order, when nothing says which one the hex starts with. */
const LINK_CANDIDATES = [LINKTYPE.RAW, LINKTYPE.ETHERNET, LINKTYPE.LINUX_SLL, LINKTYPE.LINUX_SLL2, LINKTYPE.NULL, LINKTYPE.PPP_ETHER];

const EMPTY = new Uint8Array(0);
/** Where the groups of a full hex line start (`\t0x0010:  `), and where they end (the line's end with -x/-xx). */
const FAST_HEX_GROUPS = 10;
const FAST_HEX_LINE = FAST_HEX_GROUPS + FULL_LINE_CHARS;
const utf8 = new TextDecoder('utf-8');

interface Queued {
  packet?: Packet;
  event?: Event;
  /** Excerpt rows (or a break) for the excerpt stage, kept in their place among packets and events. */
  excerpt?: ExcerptItem;
  /** False while a summary-only packet waits for its hex. */
  ready: boolean;
  /** The packet count when it was queued, for the hold limit. */
  at: number;
  /** Summary text (after the timestamp) of a waiting summary-only packet; its packet has the timestamp. */
  text?: string;
}

const FLAGS_HELP = 'tcpdump -nn -XX (or -xx, -X, -x), e.g. `tcpdump -nn -XX -r capture.pcap | tlsdump`';

/**
 * tcpdump text bytes → packets: the line framer and the text stage as one core, so that the line framer's bulk
 * hex path feeds the text stage directly. `after` runs when the text stage has ended (the excerpt stage ends there).
 */
export function textInput(opts: Readonly<Options>, next: Sink<Packet>, emit: Emit, fragments?: Sink<ExcerptItem>, after?: () => void): Core {
  const text = new TextPackets(opts, next, emit, fragments);
  const lines = new LineSplitter(opts.maxLineBytes, text);
  return {
    push: (chunk) => lines.push(chunk),
    end: () => {
      lines.end();
      text.end();
      after?.();
    },
  };
}

export class TextPackets implements LineSink {
  private lineNo = 0;
  private readonly stamp = new Stamp();
  private readonly clock = new Clock();
  private readonly hc = new HexCursor();
  private readonly frame = new Uint8Array(MAX_FRAME_BYTES);
  private readonly payloads = new Payloads();
  /** A DataView of the chunk that lines() reads, made once per chunk. */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Uint8Array | undefined;
  private readonly scratch = new Uint8Array(2 * HEX_BYTES_PER_LINE);
  private sum: Uint8Array = new Uint8Array(MAX_SUMMARY_BYTES);
  private sumLen = 0;
  private readonly seq = new SeqBases(MAX_SUMMARY_BYTES);

  // The packet being read: its summary, then its bytes frame[bStart, bEnd).
  private curOpen = false;
  private curSummary = false;
  private curLine = 0;
  private curTs: string | undefined;
  private curTime: number | undefined;
  private curEpoch: number | undefined;
  private bStart = -1;
  private bEnd = 0;
  /** Decoded already (its bytes reached the IP length): later lines that continue it are padding. */
  private curDone = false;
  /** Frame length that the link and IP headers announce: -1 not known yet, 0 cannot tell. */
  private curExpected = -1;
  /** Hex past MAX_FRAME_BYTES was dropped. */
  private curOverflow = false;

  /** The previous non-blank line was this packet's summary (or its continuation), with no hex yet. */
  private afterSummary = false;
  private unparsedRun = false;
  private hexLines = 0;
  private summaries = 0;
  private firstSummaryLine = 0;
  private textAfterSummary = 0;
  private noHexSent = false;
  private truncRun = false;
  /** The link type of the last packets, tried first. */
  private sticky = -1;
  /** Excerpt rows: the line of the last hex row, the last prose line since it, how the block began, and whether
   *  fragments went out since the last packet. */
  private lastHexLine = 0;
  private prose: string | undefined;
  private curNote: string | undefined;
  private curBlank = false;
  private excerptOpen = false;

  private readonly queue: Queued[] = [];
  private readonly deferred: Event[] = [];
  /** input.unparsed held back until it is clear that the input has hex (else it was -A payload). */
  private readonly pendingProse: Event[] = [];
  private qHead = 0;
  private packets = 0;
  private waiting = 0;

  /**
   * `fragments`: where hex rows that belong to no packet go (the excerpt stage), with a break whenever a packet
   * comes between them. Without it they are reported as `input.orphan_hex`.
   */
  constructor(
    readonly opts: Readonly<Options>,
    readonly next: Sink<Packet>,
    readonly emit: Emit,
    readonly fragments?: Sink<ExcerptItem>,
  ) {}

  line(buf: Uint8Array, start: number, end: number): void {
    this.lineNo++;
    let p = start;
    while (p < end && (buf[p] === 32 || buf[p] === 9)) p++;
    if (p === end) {
      this.afterSummary = false;
      return;
    }
    const c = buf[p]!;
    if (c === 48 /* 0 */ && buf[p + 1] === 120 /* x */) {
      if (this.hexLine(buf, p, end)) return;
    } else if (c >= 48 && c <= 57) {
      let body = parseStamp(buf, p, end, this.stamp);
      if (body < 0) {
        // tcpdump -# puts the packet number first: `%5u  ` (print.c), then the stamp or the summary.
        const q = afterPacketNumber(buf, p, end);
        if (q > 0) {
          p = q;
          body = parseStamp(buf, p, end, this.stamp);
        }
      }
      if (body >= 0) {
        this.summaryLine(buf, body, end, true);
        return;
      }
    }
    this.slowLine(buf, p, end);
  }

  /**
   * The LineSink fast path: full hex lines that continue the packet being read, in tcpdump's own layout
   * (`\t0x%04x:  `, 8 groups, then the line's end or two spaces and the 16-character ASCII column of -X/-XX),
   * parsed straight into the frame without a search for the line's end. They are taken exactly as line() takes
   * them (its fast path in hexLine); anything else, or anything out of place, is left to line().
   */
  lines(buf: Uint8Array, start: number, end: number): number {
    let p = start;
    const frame = this.frame;
    if (buf !== this.viewOf) {
      this.view = viewOf(buf);
      this.viewOf = buf;
    }
    const dv = this.view;
    while (this.curOpen) {
      // Lines are taken in runs up to the frame length at which checkComplete has something to do.
      let o = this.bEnd;
      if (this.bStart < 0 && !(o === 0 && this.curSummary)) break;
      const stop = this.completionCheckAt();
      let taken = 0;
      while (p + FAST_HEX_LINE < end) {
        // `\t0x` and `:  ` around the 4 offset digits, 4 bytes at a time (big-endian reads).
        if (dv.getUint32(p) >>> 8 !== 0x093078 || (dv.getUint32(p + 6) & 0xffffff) !== 0x3a2020) break;
        if (hex4(buf, p + 3) !== o || o + HEX_BYTES_PER_LINE > MAX_FRAME_BYTES) break;
        let e = p + FAST_HEX_LINE;
        if (buf[e] !== 10) {
          if (e + 2 + HEX_BYTES_PER_LINE >= end || dv.getUint16(e) !== 0x2020 || buf[e + 2 + HEX_BYTES_PER_LINE] !== 10) break;
          // The ASCII column: tcpdump prints no '\n' in it, but damaged text may end a line inside it.
          if (newlineIn16(dv, e + 2)) break;
          e += 2 + HEX_BYTES_PER_LINE;
        }
        if (!parseFullGroups(dv, p + FAST_HEX_GROUPS, frame, o)) break;
        o += HEX_BYTES_PER_LINE;
        taken++;
        p = e + 1;
        if (o >= stop) break;
      }
      if (taken === 0) break;
      // As line() would have left things after these lines (hexSeen is the same for each, once is enough).
      this.lineNo += taken;
      this.hexSeen();
      this.hexLines += taken - 1;
      if (this.bStart < 0) this.bStart = 0;
      this.bEnd = o;
      this.checkComplete();
    }
    return p;
  }

  /** The frame length at which checkComplete next has work to do (it does nothing below it). */
  private completionCheckAt(): number {
    if (this.curDone || this.sticky < 0) return Infinity;
    if (this.curExpected < 0) return 32;
    return this.curExpected > 0 ? this.curExpected : Infinity;
  }

  overlong(length: number): void {
    this.lineNo++;
    this.afterSummary = false;
    this.event(anomaly('input.line_too_long', `line ${this.lineNo} is ${length} bytes, longer than --max-line-bytes ${this.opts.maxLineBytes}: skipped`, { line: this.lineNo }));
  }

  end(): void {
    if (this.curOpen && this.curSummary && this.bStart < 0 && this.hexLines > 0) {
      // In a hex dump every packet's summary is followed by its hex: input that ends right after a summary (or
      // inside one) was cut inside that packet. A cut summary often cannot even be read, and the packet vanished
      // without a word.
      this.event(anomaly('input.truncated', `line ${this.curLine}: the input ends after this packet's summary line, before its hex dump (the text is cut short)`, this.origin()));
    }
    // Text with no hex at all: say so before the held summary-only packets go out, whose missing bytes would
    // otherwise come first as tcp.gap anomalies.
    if (this.hexLines === 0 && this.lineNo > 0 && !this.noHexSent) this.noHex();
    this.closeCur();
    this.flush(true);
  }

  // ---- lines ----

  private summaryLine(buf: Uint8Array, body: number, end: number, stamped: boolean): void {
    this.closeCur();
    this.excerptBreak();
    this.summaries++;
    if (this.firstSummaryLine === 0) this.firstSummaryLine = this.lineNo;
    this.unparsedRun = false;
    this.afterSummary = true;
    this.curOpen = true;
    this.curSummary = true;
    this.curLine = this.lineNo;
    this.bStart = -1;
    this.bEnd = 0;
    this.curDone = false;
    this.curExpected = -1;
    this.curOverflow = false;
    if (stamped) {
      this.clock.set(buf, this.stamp);
      this.curTs = this.clock.ts;
      this.curTime = this.clock.time;
      this.curEpoch = this.clock.epoch;
    } else {
      this.curTs = undefined;
      this.curTime = undefined;
      this.curEpoch = undefined;
    }
    this.sumLen = copyBytes(buf, body, Math.min(end, body + MAX_SUMMARY_BYTES), this.sum, 0);
    if (this.hexLines === 0 && this.summaries === NO_HEX_AFTER_SUMMARIES && !this.noHexSent) this.noHex();
  }

  /** A hex line; false when the text after `0x…:` is not hex groups (then it is prose). */
  private hexLine(buf: Uint8Array, p: number, end: number): boolean {
    const hc = this.hc;
    if (!parseHexOffset(buf, p, end, hc)) return false;
    const note = this.prose;
    const prevHexLine = this.lastHexLine;
    const o = hc.offset;
    const maxGroups = Math.max(1, 8 - hc.skippedGroups);
    // Fast path: the next line of the packet being read, parsed straight into the frame.
    if (this.curOpen && o === this.bEnd && (this.bStart >= 0 || (o === 0 && this.curSummary)) && o + HEX_BYTES_PER_LINE <= MAX_FRAME_BYTES) {
      const n = parseHexGroups(buf, hc.pos, end, this.frame, o, maxGroups);
      if (n < 0) return false;
      this.hexSeen();
      if (this.bStart < 0) this.bStart = 0;
      this.bEnd = o + n;
      this.checkComplete();
      return true;
    }
    const n = parseHexGroups(buf, hc.pos, end, this.scratch, 0, maxGroups);
    if (n < 0) return false;
    this.hexSeen();
    // A row at offset 0 after a packet that was complete starts the next packet, even when its bytes are the same as
    // that packet's first row (a cooked capture's header repeats from packet to packet when no summary is between).
    if (this.curOpen && this.bStart >= 0 && o >= this.bStart && o <= this.bEnd && !(o === 0 && this.curDone)) {
      if (o + n > MAX_FRAME_BYTES) {
        this.curOverflow = true;
        return true;
      }
      // A repeated offset line (a pasted dump quoting a line again) repeats the same bytes: keep one copy.
      const overlap = Math.min(n, this.bEnd - o);
      let same = true;
      for (let k = 0; k < overlap; k++) {
        if (this.frame[o + k] !== this.scratch[k]) {
          same = false;
          break;
        }
      }
      if (same) {
        if (o + n > this.bEnd) {
          this.frame.set(this.scratch.subarray(overlap, n), this.bEnd);
          this.bEnd = o + n;
          this.checkComplete();
        }
        return true;
      }
    }
    // Hex that does not continue the packet being read starts a block of its own (the block before it ended at
    // the hex line before this one).
    const thisLine = this.lastHexLine;
    this.lastHexLine = prevHexLine;
    this.closeCur();
    this.lastHexLine = thisLine;
    this.curNote = note;
    this.curBlank = hc.skippedGroups > 0;
    this.curOpen = true;
    this.curSummary = false;
    this.curLine = this.lineNo;
    this.curTs = undefined;
    this.curTime = undefined;
    this.curEpoch = undefined;
    this.curDone = false;
    this.curExpected = -1;
    this.curOverflow = false;
    if (o + n > MAX_FRAME_BYTES) {
      this.bStart = -1;
      this.curOpen = false;
      this.event(anomaly('input.truncated', `line ${this.lineNo}: hex at offset 0x${o.toString(16)} is past the ${MAX_FRAME_BYTES}-byte frame limit: skipped`, { line: this.lineNo }));
      return true;
    }
    this.frame.set(this.scratch.subarray(0, n), o);
    this.bStart = o;
    this.bEnd = o + n;
    return true;
  }

  private hexSeen(): void {
    if (this.hexLines === 0 && this.pendingProse.length > 0) {
      // Hex after all: the text held back was prose, not -A payload.
      for (const ev of this.pendingProse.splice(0)) this.event(ev);
    }
    this.hexLines++;
    this.unparsedRun = false;
    this.afterSummary = false;
    this.lastHexLine = this.lineNo;
    this.prose = undefined;
  }

  /** Lines that are neither hex nor a stamped summary: unstamped summaries, -v continuations, tcpdump's own messages, prose. */
  private slowLine(buf: Uint8Array, p: number, end: number): void {
    const text = latin1(buf, p, Math.min(end, p + MAX_SUMMARY_BYTES));
    if (isChatter(text)) {
      this.unparsedRun = false;
      return;
    }
    // tcpdump -v puts the TCP part of an IPv4 packet on an indented line after the IP header.
    if (this.curOpen && this.curSummary && this.bStart < 0 && this.afterSummary && findEndpoints(text) && !findEndpoints(latin1(this.sum, 0, this.sumLen))) {
      if (this.sumLen < MAX_SUMMARY_BYTES) this.sum[this.sumLen++] = 32;
      this.sumLen += copyBytes(buf, p, Math.min(end, p + MAX_SUMMARY_BYTES - this.sumLen), this.sum, this.sumLen);
      return;
    }
    if (isSummaryText(text, buf, p, end)) {
      this.summaryLine(buf, p, end, false);
      return;
    }
    // tcpdump 3.x hex lines without offsets, right after their summary or each other.
    if (this.curOpen && (this.afterSummary || (this.bStart === 0 && !this.curDone)) && this.bEnd + HEX_BYTES_PER_LINE <= MAX_FRAME_BYTES) {
      const at = this.bStart < 0 ? 0 : this.bEnd;
      const n = parseBareHex(buf, p, end, this.frame, at, this.bStart < 0 ? 4 : 1);
      if (n > 0) {
        this.hexSeen();
        this.bStart = 0;
        this.bEnd = at + n;
        this.checkComplete();
        return;
      }
    }
    if (this.afterSummary) {
      // The decode tcpdump prints under a summary (-v protocol lines, -A payload text): not prose.
      this.textAfterSummary++;
      return;
    }
    this.prose = text;
    if (this.unparsedRun) return;
    this.unparsedRun = true;
    const full = utf8.decode(buf.subarray(p, Math.min(end, p + 4 * QUOTE_CHARS)));
    const quote = full.length > QUOTE_CHARS ? full.slice(0, QUOTE_CHARS) + '…' : full;
    const ev = anomaly('input.unparsed', `line ${this.lineNo} is not tcpdump output (skipped with the lines after it up to the next packet line): ${JSON.stringify(quote)}`, { line: this.lineNo });
    if (this.hexLines === 0 && this.summaries > 0) {
      // Summaries and no hex yet: this may be tcpdump -A payload (reported by input.no_hex if no hex ever
      // comes), or prose in a paste whose hex comes later (reported then).
      this.textAfterSummary++;
      if (this.pendingProse.length < MAX_PENDING_PROSE) this.pendingProse.push(ev);
      return;
    }
    this.event(ev);
  }

  // ---- packets ----

  /** Decodes the packet as soon as its bytes reach the length its headers announce (live output stays timely). */
  private checkComplete(): void {
    if (this.curDone || this.bStart !== 0 || this.sticky < 0) return;
    if (this.curExpected < 0) {
      if (this.bEnd < 32) return;
      this.curExpected = expectedFrameLength(this.frame, this.bEnd, this.sticky);
      if (this.curExpected < 0) {
        this.curExpected = -1;
        return;
      }
    }
    if (this.curExpected > 0 && this.bEnd >= this.curExpected) {
      this.fromBytes();
      this.curDone = true;
      this.flushDeferred();
    }
  }

  private closeCur(): void {
    if (!this.curOpen) return;
    if (!this.curDone) {
      if (this.bStart < 0) {
        if (this.curSummary) this.summaryOnly();
      } else if (this.bStart === 0) {
        this.excerptBreak();
        this.fromBytes();
      } else this.orphan();
    }
    this.curOpen = false;
    this.flushDeferred();
  }

  /** The link type for frame[0, n): -e hint, the last packets' type, or the one the bytes fit best. */
  private pickLink(n: number): Frame | FrameError {
    let best: Frame | FrameError | undefined;
    let bestScore = -1;
    if (this.sticky >= 0) {
      best = decodeFrame(this.frame, 0, n, this.sticky);
      bestScore = frameScore(best);
      if (bestScore === 4) return best;
    }
    const hint = this.curSummary ? linkHint(this.sum, 0, this.sumLen) : -1;
    if (hint >= 0 && hint !== this.sticky) {
      const r = decodeFrame(this.frame, 0, n, hint);
      const s = frameScore(r);
      if (s > bestScore) {
        best = r;
        bestScore = s;
        if (s >= 3) {
          this.sticky = hint;
          return r;
        }
      }
    }
    if (bestScore === 3) return best!;
    let bestType = -1;
    for (const lt of LINK_CANDIDATES) {
      if (lt === this.sticky || lt === hint) continue;
      const r = decodeFrame(this.frame, 0, n, lt);
      const s = frameScore(r);
      // At the same score an IP packet wins over an error: an IP packet followed by other bytes (overlong, score 0)
      // is how tcpdump reads it, ignoring the bytes past the IP length.
      if (s > bestScore || (s === bestScore && isFrame(r) && !isFrame(best!))) {
        best = r;
        bestScore = s;
        bestType = lt;
      }
    }
    if (bestType >= 0 && (bestScore >= 3 || isFrame(best!))) this.sticky = bestType;
    return best!;
  }

  private fromBytes(): void {
    let r = this.pickLink(this.bEnd);
    const line = this.curLine;
    if (isFrame(r) && r.truncated && this.curSummary && !r.tunnel) {
      // tcpdump says so when the frame on the wire was shorter than the IP length (not a snap length): the
      // packet ends where the frame did, as tshark reads it.
      const missing = truncatedIpMissing(this.sum, this.sumLen);
      if (missing > 0 && missing < r.ip.totalLen) r = decodeFrame(this.frame, 0, this.bEnd, r.link.linkType, r.ipStart + r.ip.totalLen - missing);
    }
    if (!isFrame(r)) {
      // Hex with no summary line is no concern when its EtherType names a known non-IP protocol (ARP, LLDP, …). Hex
      // with no summary whose link header names nothing known is damaged or stray bytes: reported below, as every
      // skipped region must be, so that no input vanishes without a word. With a summary line, the summary decides
      // (below).
      if (r.error === 'not_ip' && !this.curSummary && frameScore(r) > 0) return;
      if (r.error === 'fragment') {
        if (r.ip && r.ip.proto === 6) {
          this.event(anomaly('ip.fragment', `line ${line}: a later fragment of a TCP packet (IP offset ${r.ip.fragOffset}), not reassembled: skipped`, this.origin()));
          return;
        }
        // A later fragment of another protocol is no concern, unless the summary line says the packet is TCP: then
        // the bytes are not what tcpdump printed (a dump cut inside the packet reads as a fragment on a wrong link
        // type), and that is reported below, so that the packet does not vanish without a word.
        if (!this.curSummary || parseSummary(latin1(this.sum, 0, this.sumLen))?.proto !== 'tcp') return;
      }
      // Other protocols (ARP, STP, LLDP, …) are no concern; hex that should be IP but is not, is.
      if (this.curSummary && !saysIp(latin1(this.sum, 0, this.sumLen))) return;
      this.event(anomaly('input.undecodable', `line ${line}: ${this.bEnd} bytes of hex that decode as no IP packet (${r.message}): skipped`, this.origin()));
      return;
    }
    if (!r.tcp && !r.udp) return;
    const p = framePacket(r, { line, ts: this.curTs, time: this.curTime, epoch: this.curEpoch }, this.payloads.copy(this.frame, r.payloadStart, r.payloadEnd), this.curOverflow)!;
    if (p.truncated) {
      if (!this.truncRun) {
        this.truncRun = true;
        const why = this.curOverflow ? `longer than the ${MAX_FRAME_BYTES}-byte frame limit` : `the IP length says ${r.ip.totalLen} bytes, the hex has ${r.payloadEnd - r.ipStart}`;
        this.event(anomaly('input.truncated', `line ${line}: packet cut short (${why}); the packets after it cut the same way are not reported one by one`, this.origin()));
      }
    } else this.truncRun = false;
    const replaced = this.waiting > 0 && this.curSummary && this.replaceWaiting(p);
    // The summary goes to the recent-packet ring (no copy); this.sum is a fresh buffer from here on.
    this.sum = this.seq.remember(p, this.sum, this.sumLen, this.curSummary);
    if (!replaced) this.push(p, true);
  }

  /** A packet shown only by its summary: no bytes, numbers made absolute where the base is known. */
  private summaryOnly(): void {
    const text = latin1(this.sum, 0, this.sumLen);
    const s = parseSummary(text);
    if (!s || !s.proto || s.sport === undefined || s.dport === undefined) return;
    let seq = 0;
    let ack = 0;
    let relative = false;
    if (s.proto === 'tcp') {
      const r = this.seq.resolve(s);
      seq = r.seq;
      ack = r.ack;
      relative = r.relative;
    }
    const p: Packet = {
      line: this.curLine,
      ts: this.curTs,
      time: this.curTime,
      epoch: this.curEpoch,
      ipVersion: s.ipVersion,
      src: s.src,
      dst: s.dst,
      sport: s.sport,
      dport: s.dport,
      proto: s.proto,
      seq,
      ack,
      flags: s.flags,
      win: s.win ?? 0,
      len: s.len,
      payload: EMPTY,
      truncated: true,
    };
    if (relative) p.seqRelative = true;
    this.seq.remember(p, this.sum, 0, false);
    this.push(p, false, text);
  }

  /**
   * A hex block that follows no summary line and starts past offset 0: a pasted "data minus the IP and TCP
   * headers". It completes the waiting summary-only TCP packet whose length it matches, else it is reported.
   */
  private orphan(): void {
    const count = this.bEnd - this.bStart;
    for (let i = this.queue.length - 1; i >= this.qHead; i--) {
      const q = this.queue[i]!;
      const p = q.packet;
      if (q.ready || !p || p.proto !== 'tcp' || p.payload.length !== 0 || p.len !== count) continue;
      p.payload = this.payloads.copy(this.frame, this.bStart, this.bEnd);
      p.truncated = false;
      this.release(q);
      this.flush(false);
      return;
    }
    if (this.fragments) {
      // Rows of a packet shown without its headers: the excerpt stage places them by their offsets.
      this.excerptOpen = true;
      const bytes = this.frame.slice(this.bStart, this.bEnd);
      this.toExcerpts({ kind: 'fragment', offset: this.bStart, bytes, line: this.curLine, lastLine: Math.max(this.curLine, this.lastHexLine), blankLead: this.curBlank, note: this.curNote });
      return;
    }
    this.event(
      anomaly(
        'input.orphan_hex',
        `line ${this.curLine}: ${count} bytes of hex from offset 0x${this.bStart.toString(16).padStart(4, '0')} belong to no packet: no summary line before them, and no packet shown only by its summary has that length; skipped`,
        { line: this.curLine },
      ),
    );
  }

  private excerptBreak(): void {
    if (!this.excerptOpen) return;
    this.excerptOpen = false;
    this.toExcerpts({ kind: 'break' });
  }

  /** Excerpt items keep their place among the packets and events held back, as events do. */
  private toExcerpts(item: ExcerptItem): void {
    if (this.qHead === this.queue.length) this.fragments!(item);
    else this.queue.push({ excerpt: item, ready: true, at: this.packets });
  }

  /** The same summary quoted again, this time with hex: the bytes take the waiting packet's place. */
  private replaceWaiting(p: Packet): boolean {
    const text = latin1(this.sum, 0, this.sumLen);
    for (let i = this.queue.length - 1; i >= this.qHead; i--) {
      const q = this.queue[i]!;
      if (q.ready || q.text !== text || q.packet?.ts !== this.curTs) continue;
      q.packet = p;
      this.release(q);
      this.flush(false);
      return true;
    }
    return false;
  }

  private release(q: Queued): void {
    q.ready = true;
    q.text = undefined;
    this.waiting--;
  }

  private push(p: Packet, ready: boolean, text?: string): void {
    this.packets++;
    if (ready && this.qHead === this.queue.length) {
      this.next(p);
      return;
    }
    const q: Queued = { packet: p, ready, at: this.packets };
    if (!ready) {
      q.text = text;
      this.waiting++;
    }
    this.queue.push(q);
    this.flush(false);
  }

  /**
   * Events keep their place among packets: after the packet being read when they come from later lines, and
   * among packets held back.
   */
  private event(ev: Event): void {
    if (this.curOpen && !this.curDone && ev.line !== undefined && ev.line > this.curLine && this.deferred.length < MAX_DEFERRED_EVENTS) {
      this.deferred.push(ev);
      return;
    }
    if (this.qHead === this.queue.length) this.emit(ev);
    else this.queue.push({ event: ev, ready: true, at: this.packets });
  }

  /** Events deferred until the packet being read has gone out. */
  private flushDeferred(): void {
    if (this.deferred.length === 0) return;
    const evs = this.deferred.splice(0);
    for (const ev of evs) this.event(ev);
  }

  private flush(all: boolean): void {
    const queue = this.queue;
    while (this.qHead < queue.length) {
      const q = queue[this.qHead]!;
      if (!q.ready && !all && this.packets - q.at < HOLD_PACKETS) break;
      this.qHead++;
      if (!q.ready) this.release(q);
      if (q.packet) this.next(q.packet);
      else if (q.event) this.emit(q.event);
      else if (q.excerpt) this.fragments!(q.excerpt);
    }
    if (this.qHead === queue.length) {
      queue.length = 0;
      this.qHead = 0;
    } else if (this.qHead > 1024) {
      queue.splice(0, this.qHead);
      this.qHead = 0;
    }
  }

  private origin(): { line: number; ts?: string } {
    return this.curTs === undefined ? { line: this.curLine } : { line: this.curLine, ts: this.curTs };
  }

  private noHex(): void {
    this.noHexSent = true;
    const what =
      this.summaries > 0
        ? `${this.summaries} tcpdump summary line${this.summaries === 1 ? '' : 's'} (the first on line ${this.firstSummaryLine}) and no hex dump of the packet bytes` +
          (this.textAfterSummary > 0 ? ', with text under the summaries as tcpdump -A prints it' : '')
        : 'no tcpdump summary or hex lines';
    // Sent at once, ahead of packets held back: it is about the whole input.
    this.emit(anomaly('input.no_hex', `the input has ${what}; tlsdump decodes TLS from the bytes: run ${FLAGS_HELP}`, { line: this.summaries > 0 ? this.firstSummaryLine : 1 }));
  }
}

/**
 * Copies of frame[start, end) for packets' payloads. Small ones are carved from slabs of PAYLOAD_SLAB_BYTES that
 * are never written again once handed out (a fresh ArrayBuffer per packet costs more than the copy, and Node's
 * own 8 KiB pool makes one every few packets: bench/, createPool at 2% of a run). A slab lives as long as any
 * payload cut from it: stage 2 copies the bytes it keeps, so that is a few packets.
 */
class Payloads {
  private slab = Buffer.alloc(0);
  private pos = 0;

  copy(frame: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    if (n <= 0) return EMPTY;
    if (n >= POOLED_PAYLOAD_BYTES) return frame.slice(start, end);
    if (this.pos + n > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(PAYLOAD_SLAB_BYTES);
      this.pos = 0;
    }
    const out = this.slab.subarray(this.pos, this.pos + n);
    this.pos = (this.pos + n + 7) & ~7;
    if (n <= 32) for (let i = 0; i < n; i++) out[i] = frame[start + i]!;
    else out.set(frame.subarray(start, end));
    return out;
  }
}

/** Payloads below this size are carved from slabs (Payloads); larger ones get an ArrayBuffer of their own. */
const POOLED_PAYLOAD_BYTES = 4096;
/** Size of one slab of small payloads. */
const PAYLOAD_SLAB_BYTES = 256 * 1024;

/** Whether the 16 bytes at dv[at] hold a '\n': per 32-bit word, a zero byte of word ^ 0x0a0a0a0a. */
function newlineIn16(dv: DataView, at: number): boolean {
  const a = dv.getUint32(at) ^ 0x0a0a0a0a;
  const b = dv.getUint32(at + 4) ^ 0x0a0a0a0a;
  const c = dv.getUint32(at + 8) ^ 0x0a0a0a0a;
  const d = dv.getUint32(at + 12) ^ 0x0a0a0a0a;
  return ((((a - 0x01010101) & ~a) | ((b - 0x01010101) & ~b) | ((c - 0x01010101) & ~c) | ((d - 0x01010101) & ~d)) & 0x80808080) !== 0;
}


/** Copies src[start, end) to dst[at…]; Buffer's native copy when it can. Returns the count. */
function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  const n = Math.max(0, Math.min(end - start, dst.length - at));
  if (n > 64 && typeof (src as Buffer).copy === 'function') (src as Buffer).copy(dst, at, start, start + n);
  else for (let i = 0; i < n; i++) dst[at + i] = src[start + i]!;
  return n;
}

/** Frame length announced by the link and IP headers in frame[0, n): -1 need more bytes, 0 cannot tell. */
function expectedFrameLength(frame: Uint8Array, n: number, linkType: number): number {
  const c = Cursor.of(frame, 0, n);
  const link = decodeLink(c, linkType);
  if (!link) return c.short ? -1 : 0;
  const ip = c.pos;
  if (link.etherType === ETHERTYPE_IPV4) {
    if (ip + 4 > n) return -1;
    if (frame[ip]! >> 4 !== 4) return 0;
    const total = (frame[ip + 2]! << 8) | frame[ip + 3]!;
    return total === 0 ? 0 : ip + total;
  }
  if (link.etherType === ETHERTYPE_IPV6) {
    if (ip + 6 > n) return -1;
    if (frame[ip]! >> 4 !== 6) return 0;
    const payload = (frame[ip + 4]! << 8) | frame[ip + 5]!;
    return payload === 0 ? 0 : ip + 40 + payload;
  }
  return 0;
}

const TRUNCATED_IP = Array.from('truncated-ip', (ch) => ch.charCodeAt(0));

/** N in tcpdump's `truncated-ip - N bytes missing!` (print-ip.c; `truncated-ip6 - N` in print-ip6.c), or -1. */
function truncatedIpMissing(sum: Uint8Array, len: number): number {
  outer: for (let i = 0; i + TRUNCATED_IP.length < len; i++) {
    for (let k = 0; k < TRUNCATED_IP.length; k++) if (sum[i + k] !== TRUNCATED_IP[k]) continue outer;
    let j = i + TRUNCATED_IP.length;
    if (sum[j] === 54 /* 6 */) j++;
    if (sum[j] !== 32 || sum[j + 1] !== 45 || sum[j + 2] !== 32) return -1;
    j += 3;
    let n = 0;
    const from = j;
    while (j < len && sum[j]! >= 48 && sum[j]! <= 57) n = n * 10 + sum[j++]! - 48;
    return j > from ? n : -1;
  }
  return -1;
}

/** A summary that says its packet is IP: `IP`/`IP6`, an IPv4/IPv6 EtherType (-e), or IP endpoints. */
function saysIp(text: string): boolean {
  return /^(IP6?|ip:) /.test(text) || /ethertype IPv[46] |\bIP6? \(|PPPoE .*\bIP6? /.test(text) || findEndpoints(text) !== undefined;
}

/** Where the text after a `-#` packet number (digits, then at least two spaces) starts, or -1. */
function afterPacketNumber(buf: Uint8Array, p: number, end: number): number {
  let i = p;
  while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
  if (i === p || i - p > 10 || i + 2 >= end || buf[i] !== 32 || buf[i + 1] !== 32) return -1;
  while (i < end && buf[i] === 32) i++;
  return i;
}

/** tcpdump's own messages, which a `2>&1` mixes into the text. */
function isChatter(text: string): boolean {
  return (
    text.startsWith('reading from file ') ||
    text.startsWith('listening on ') ||
    text.startsWith('tcpdump: ') ||
    text.startsWith('Warning: ') ||
    text.startsWith('dropped privs') ||
    /^\d+ packets? (captured|received by filter|dropped by (kernel|interface))$/.test(text)
  );
}

/** Lines with no timestamp that are still summaries: `-t` output, 3.x, pasted excerpts, -e prefixes. */
function isSummaryText(text: string, buf: Uint8Array, p: number, end: number): boolean {
  if (text.startsWith('IP (') || text.startsWith('IP6 (') || text.startsWith('ARP, ') || text.startsWith('RARP, ')) return true;
  // Without -n the endpoints are host and service names: `IP www.example.com.https > client.lan.40000: …`.
  if ((text.startsWith('IP ') || text.startsWith('IP6 ')) && text.includes(' > ') && text.includes(': ')) return true;
  const pair = findEndpoints(text);
  if (pair) return pair.rest < 400;
  return linkHint(buf, p, end) >= 0 && text.includes(', length ');
}

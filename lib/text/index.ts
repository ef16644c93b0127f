// Stage 1 (text): tcpdump text lines → packets. Summary lines give a packet its time and line number; the hex
// lines after it give its bytes, decoded by lib/net (link layer, IP, TCP/UDP). Packets shown only by their
// summary become packets with no bytes. Prose, markers and anything else pasted between the lines never
// become packets: they give one `input.unparsed` anomaly per run.
//
// This module dispatches lines; the packet being read is CurrentPacket (current.ts), the link type LinkChoice
// (link.ts), the order of what goes out HoldQueue (holdback.ts), payload memory Payloads (payloads.ts).
// Hot path: full hex rows are read from bytes by readFullRow (hex.ts) straight into the frame, by lines() in runs
// and by line() one at a time; a summary line costs a timestamp parse and a copy of its bytes; nothing is read as
// a string until a packet needs it (summary-only packets, link-type hints, messy pasted dumps).

import { anomaly, type Emit, type Event, type ExcerptItem, type Packet, type Sink } from '../events.js';
import { frameScore, isFrame, decodeFrame } from '../net/frame.js';
import { framePacket } from '../net/packet.js';
import type { Options } from '../options.js';
import type { Core } from '../stream.js';
import { CurrentPacket, MAX_FRAME_BYTES, MAX_SUMMARY_BYTES } from './current.js';
import { FULL_ROW_CHARS, HEX_BYTES_PER_LINE, HexCursor, parseBareHex, parseHexGroups, parseHexOffset, readFullRow, viewOf } from './hex.js';
import { HoldQueue, type Held } from './holdback.js';
import { LinkChoice } from './link.js';
import { LineSplitter, type LineSink } from './lines.js';
import { Payloads } from './payloads.js';
import { SeqBases } from './seqbase.js';
import { Clock, latin1, parseStamp, Stamp } from './stamp.js';
import { findEndpoints, linkHint, parseSummary, saysIp, truncatedIpMissing } from './summary.js';

export { MAX_FRAME_BYTES, MAX_SUMMARY_BYTES } from './current.js';
export { HOLD_PACKETS } from './holdback.js';

/** After this many summary lines and no hex line at all, `input.no_hex` is reported without waiting for the end. */
export const NO_HEX_AFTER_SUMMARIES = 32;
/** Events from lines inside a packet held until the packet goes out; past this many they go out at once. */
export const MAX_DEFERRED_EVENTS = 1024;
/** Runs of text held back while the input has summaries but no hex yet (tcpdump -A, or a paste). */
export const MAX_PENDING_PROSE = 64;
/** Longest excerpt of an unparsed line quoted in its anomaly. */
const QUOTE_CHARS = 60;
/** The frame length from which the link and IP headers can announce the frame's length. */
const HEADERS_BYTES = 32;

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');

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
  private readonly cur = new CurrentPacket();
  private readonly link = new LinkChoice();
  private readonly out: HoldQueue;
  private readonly payloads = new Payloads();
  private readonly seq = new SeqBases(MAX_SUMMARY_BYTES);
  /** A DataView of the buffer that lines are read from, made once per buffer. */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewed: Uint8Array | undefined;
  private readonly scratch = new Uint8Array(2 * HEX_BYTES_PER_LINE);
  /** Where the packet being decoded came from, filled in per packet (framePacket copies the fields out). */
  private readonly at: { line: number; ts: string | undefined; time: number | undefined; epoch: number | undefined } = {
    line: 0,
    ts: undefined,
    time: undefined,
    epoch: undefined,
  };
  /** The -e link hint of the current packet's summary, for LinkChoice (made once, not per packet). */
  private readonly hint = (): number => (this.cur.summary ? linkHint(this.cur.sum, 0, this.cur.sumLen) : -1);

  /** The previous non-blank line was this packet's summary (or its continuation), with no hex yet. */
  private afterSummary = false;
  private unparsedRun = false;
  private hexLines = 0;
  private summaries = 0;
  private firstSummaryLine = 0;
  private textAfterSummary = 0;
  private noHexSent = false;
  private truncRun = false;
  /** Excerpt rows: the line of the last hex row, the last prose line since it, and whether fragments went out
   *  since the last packet. */
  private lastHexLine = 0;
  private prose: string | undefined;
  private excerptOpen = false;

  /** Events from lines inside the packet being read, held until it goes out. */
  private readonly deferred: Event[] = [];
  /** input.unparsed held back until it is clear that the input has hex (else it was -A payload). */
  private readonly pendingProse: Event[] = [];

  /**
   * `fragments`: where hex rows that belong to no packet go (the excerpt stage), with a break whenever a packet
   * comes between them. Without it they are reported as `input.orphan_hex`.
   */
  constructor(
    readonly opts: Readonly<Options>,
    readonly next: Sink<Packet>,
    readonly emit: Emit,
    readonly fragments?: Sink<ExcerptItem>,
  ) {
    this.out = new HoldQueue(next, emit, fragments);
  }

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
      // The next full row of the packet being read: the same fast path as lines().
      const cur = this.cur;
      const o = cur.end;
      if (cur.continuesAt(o) && readFullRow(buf, this.viewFor(buf), p, end, o, cur.frameView) === end) {
        this.rowsRead(1, o + HEX_BYTES_PER_LINE);
        return;
      }
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
   * The LineSink bulk path: runs of full hex rows that continue the packet being read, each a tab then what
   * readFullRow takes, read straight into the frame without a search for the line's end. Rows are taken as
   * line() takes them (the same continuesAt, readFullRow and rowsRead); anything else is left to line().
   */
  lines(buf: Uint8Array, start: number, end: number): number {
    let p = start;
    const cur = this.cur;
    const dv = this.viewFor(buf);
    while (cur.continuesAt(cur.end)) {
      let o = cur.end;
      // Rows are taken in runs up to the frame length at which checkComplete has something to do.
      const stop = this.completionCheckAt();
      let taken = 0;
      // A row the bulk path takes ends with its '\n' before `end`: at least the tab, FULL_ROW_CHARS and the '\n'.
      while (p + 1 + FULL_ROW_CHARS < end && buf[p] === 9 /* \t */) {
        const e = readFullRow(buf, dv, p + 1, end, o, cur.frameView);
        if (e < 0 || e >= end) break;
        o += HEX_BYTES_PER_LINE;
        taken++;
        p = e + 1;
        if (o >= stop || o + HEX_BYTES_PER_LINE > MAX_FRAME_BYTES) break;
      }
      if (taken === 0) break;
      this.lineNo += taken;
      this.rowsRead(taken, o);
    }
    return p;
  }

  /** The frame length at which checkComplete next has work to do (it does nothing below it). */
  private completionCheckAt(): number {
    const cur = this.cur;
    if (cur.done || this.link.sticky < 0) return Infinity;
    if (cur.expected < 0) return HEADERS_BYTES;
    return cur.expected > 0 ? cur.expected : Infinity;
  }

  overlong(length: number): void {
    this.lineNo++;
    this.afterSummary = false;
    this.event(
      anomaly('input.line_too_long', `line ${this.lineNo} is ${length} bytes, longer than --max-line-bytes ${this.opts.maxLineBytes}: skipped`, {
        line: this.lineNo,
      }),
    );
  }

  end(): void {
    const cur = this.cur;
    if (cur.open && cur.summary && cur.start < 0 && this.hexLines > 0) {
      // In a hex dump every packet's summary is followed by its hex: input that ends right after a summary (or
      // inside one) was cut inside that packet. A cut summary often cannot even be read, and the packet vanished
      // without a word.
      this.event(
        anomaly(
          'input.truncated',
          `line ${cur.line}: the input ends after this packet's summary line, before its hex dump (the text is cut short)`,
          cur.origin(),
        ),
      );
    }
    // Text with no hex at all: say so before the held summary-only packets go out, whose missing bytes would
    // otherwise come first as tcp.gap anomalies.
    if (this.hexLines === 0 && this.lineNo > 0 && !this.noHexSent) this.noHex();
    this.closeCur();
    this.out.flush(true);
  }

  private viewFor(buf: Uint8Array): DataView {
    if (buf !== this.viewed) {
      this.view = viewOf(buf);
      this.viewed = buf;
    }
    return this.view;
  }

  // ---- lines ----

  private summaryLine(buf: Uint8Array, body: number, end: number, stamped: boolean): void {
    this.closeCur();
    this.excerptBreak();
    this.summaries++;
    if (this.firstSummaryLine === 0) this.firstSummaryLine = this.lineNo;
    this.unparsedRun = false;
    this.afterSummary = true;
    const cur = this.cur;
    if (stamped) this.clock.set(buf, this.stamp);
    cur.begin(this.lineNo, true, stamped ? this.clock : undefined);
    cur.setSummary(buf, this.viewFor(buf), body, end);
    if (this.hexLines === 0 && this.summaries === NO_HEX_AFTER_SUMMARIES && !this.noHexSent) this.noHex();
  }

  /**
   * Bookkeeping after `count` hex rows that continued the packet being read, read into the frame up to `end`
   * (the same for the bulk path and the line-by-line path).
   */
  private rowsRead(count: number, end: number): void {
    const cur = this.cur;
    this.hexSeen();
    this.hexLines += count - 1;
    if (cur.start < 0) cur.start = 0;
    cur.end = end;
    this.checkComplete();
  }

  /** A hex line that readFullRow did not take; false when the text after `0x…:` is not hex groups (then it is prose). */
  private hexLine(buf: Uint8Array, p: number, end: number): boolean {
    const hc = this.hc;
    const cur = this.cur;
    if (!parseHexOffset(buf, p, end, hc)) return false;
    const note = this.prose;
    const prevHexLine = this.lastHexLine;
    const o = hc.offset;
    const maxGroups = Math.max(1, 8 - hc.skippedGroups);
    if (cur.continuesAt(o)) {
      // A short row (a packet's last), or a full row in another layout: straight into the frame.
      const n = parseHexGroups(buf, hc.pos, end, cur.frame, o, maxGroups);
      if (n < 0) return false;
      this.rowsRead(1, o + n);
      return true;
    }
    const n = parseHexGroups(buf, hc.pos, end, this.scratch, 0, maxGroups);
    if (n < 0) return false;
    this.hexSeen();
    // A row at offset 0 after a packet that was complete starts the next packet, even when its bytes are the same as
    // that packet's first row (a cooked capture's header repeats from packet to packet when no summary is between).
    if (cur.open && cur.start >= 0 && o >= cur.start && o <= cur.end && !(o === 0 && cur.done)) {
      if (o + n > MAX_FRAME_BYTES) {
        cur.overflow = true;
        return true;
      }
      // A repeated offset line (a pasted dump quoting a line again) repeats the same bytes: keep one copy.
      const overlap = Math.min(n, cur.end - o);
      let same = true;
      for (let k = 0; k < overlap; k++) {
        if (cur.frame[o + k] !== this.scratch[k]) {
          same = false;
          break;
        }
      }
      if (same) {
        if (o + n > cur.end) {
          cur.frame.set(this.scratch.subarray(overlap, n), cur.end);
          cur.end = o + n;
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
    cur.begin(this.lineNo, false, undefined);
    cur.note = note;
    cur.blank = hc.skippedGroups > 0;
    if (o + n > MAX_FRAME_BYTES) {
      cur.open = false;
      this.event(
        anomaly(
          'input.truncated',
          `line ${this.lineNo}: hex at offset 0x${o.toString(16)} is past the ${MAX_FRAME_BYTES}-byte frame limit: skipped`,
          { line: this.lineNo },
        ),
      );
      return true;
    }
    cur.frame.set(this.scratch.subarray(0, n), o);
    cur.start = o;
    cur.end = o + n;
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
    const cur = this.cur;
    const text = latin1(buf, p, Math.min(end, p + MAX_SUMMARY_BYTES));
    if (isChatter(text)) {
      this.unparsedRun = false;
      return;
    }
    // tcpdump -v puts the TCP part of an IPv4 packet on an indented line after the IP header.
    if (cur.open && cur.summary && cur.start < 0 && this.afterSummary && findEndpoints(text) && !findEndpoints(latin1(cur.sum, 0, cur.sumLen))) {
      if (cur.sumLen < MAX_SUMMARY_BYTES) cur.sum[cur.sumLen++] = 32;
      cur.sumLen += copyBytes(buf, p, Math.min(end, p + MAX_SUMMARY_BYTES - cur.sumLen), cur.sum, cur.sumLen);
      return;
    }
    if (isSummaryText(text, buf, p, end)) {
      this.summaryLine(buf, p, end, false);
      return;
    }
    // tcpdump 3.x hex lines without offsets, right after their summary or each other.
    if (cur.open && (this.afterSummary || (cur.start === 0 && !cur.done)) && cur.end + HEX_BYTES_PER_LINE <= MAX_FRAME_BYTES) {
      const at = cur.start < 0 ? 0 : cur.end;
      const n = parseBareHex(buf, p, end, cur.frame, at, cur.start < 0 ? 4 : 1);
      if (n > 0) {
        this.hexSeen();
        cur.start = 0;
        cur.end = at + n;
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
    const ev = anomaly(
      'input.unparsed',
      `line ${this.lineNo} is not tcpdump output (skipped with the lines after it up to the next packet line): ${JSON.stringify(quote)}`,
      { line: this.lineNo },
    );
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
    const cur = this.cur;
    if (cur.done || cur.start !== 0 || this.link.sticky < 0) return;
    if (cur.expected < 0) {
      if (cur.end < HEADERS_BYTES) return;
      cur.expected = this.link.expectedLength(cur.frame, cur.end);
      if (cur.expected < 0) {
        cur.expected = -1;
        return;
      }
    }
    if (cur.expected > 0 && cur.end >= cur.expected) {
      this.fromBytes();
      cur.done = true;
      this.flushDeferred();
    }
  }

  private closeCur(): void {
    const cur = this.cur;
    if (!cur.open) return;
    if (!cur.done) {
      if (cur.start < 0) {
        if (cur.summary) this.summaryOnly();
      } else if (cur.start === 0) {
        this.excerptBreak();
        this.fromBytes();
      } else this.orphan();
    }
    cur.open = false;
    this.flushDeferred();
  }

  private fromBytes(): void {
    const cur = this.cur;
    let r = this.link.decode(cur.frame, cur.end, this.hint);
    const line = cur.line;
    if (isFrame(r) && r.truncated && cur.summary && !r.tunnel) {
      // tcpdump says so when the frame on the wire was shorter than the IP length (not a snap length): the
      // packet ends where the frame did, as tshark reads it.
      const missing = truncatedIpMissing(cur.sum, cur.sumLen);
      if (missing > 0 && missing < r.ip.totalLen) r = decodeFrame(cur.frame, 0, cur.end, r.link.linkType, r.ipStart + r.ip.totalLen - missing);
    }
    if (!isFrame(r)) {
      // Hex with no summary line is no concern when its EtherType names a known non-IP protocol (ARP, LLDP, …). Hex
      // with no summary whose link header names nothing known is damaged or stray bytes: reported below, as every
      // skipped region must be, so that no input vanishes without a word. With a summary line, the summary decides
      // (below).
      if (r.error === 'not_ip' && !cur.summary && frameScore(r) > 0) return;
      if (r.error === 'fragment') {
        if (r.ip && r.ip.proto === 6) {
          this.event(
            anomaly(
              'ip.fragment',
              `line ${line}: a later fragment of a TCP packet (IP offset ${r.ip.fragOffset}), not reassembled: skipped`,
              cur.origin(),
            ),
          );
          return;
        }
        // A later fragment of another protocol is no concern, unless the summary line says the packet is TCP: then
        // the bytes are not what tcpdump printed (a dump cut inside the packet reads as a fragment on a wrong link
        // type), and that is reported below, so that the packet does not vanish without a word.
        if (!cur.summary || parseSummary(latin1(cur.sum, 0, cur.sumLen))?.proto !== 'tcp') return;
      }
      // Other protocols (ARP, STP, LLDP, …) are no concern; hex that should be IP but is not, is.
      if (cur.summary && !saysIp(latin1(cur.sum, 0, cur.sumLen))) return;
      this.event(
        anomaly('input.undecodable', `line ${line}: ${cur.end} bytes of hex that decode as no IP packet (${r.message}): skipped`, cur.origin()),
      );
      return;
    }
    if (!r.tcp && !r.udp) return;
    const at = this.at;
    at.line = line;
    at.ts = cur.ts;
    at.time = cur.time;
    at.epoch = cur.epoch;
    const p = framePacket(r, at, this.payloads.copy(cur.frame, r.payloadStart, r.payloadEnd), cur.overflow)!;
    if (p.truncated) {
      if (!this.truncRun) {
        this.truncRun = true;
        const why = cur.overflow
          ? `longer than the ${MAX_FRAME_BYTES}-byte frame limit`
          : `the IP length says ${r.ip.totalLen} bytes, the hex has ${r.payloadEnd - r.ipStart}`;
        this.event(
          anomaly(
            'input.truncated',
            `line ${line}: packet cut short (${why}); the packets after it cut the same way are not reported one by one`,
            cur.origin(),
          ),
        );
      }
    } else this.truncRun = false;
    const replaced = cur.summary && this.out.hasWaiting && this.replaceWaiting(p);
    // The summary goes to the recent-packet ring (no copy); cur.sum is a fresh buffer from here on.
    cur.adoptSummaryBuffer(this.seq.remember(p, cur.sum, cur.sumLen, cur.summary));
    if (!replaced) this.out.packet(p, true);
  }

  /** A packet shown only by its summary: no bytes, numbers made absolute where the base is known. */
  private summaryOnly(): void {
    const cur = this.cur;
    const text = latin1(cur.sum, 0, cur.sumLen);
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
      line: cur.line,
      ts: cur.ts,
      time: cur.time,
      epoch: cur.epoch,
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
    this.seq.remember(p, cur.sum, 0, false);
    this.out.packet(p, false, text);
  }

  /**
   * A hex block that follows no summary line and starts past offset 0: a pasted "data minus the IP and TCP
   * headers". It completes the waiting summary-only TCP packet whose length it matches, else it is reported.
   */
  private orphan(): void {
    const cur = this.cur;
    const count = cur.end - cur.start;
    const q = this.out.findWaiting((h: Held) => {
      const p = h.packet;
      return p !== undefined && p.proto === 'tcp' && p.payload.length === 0 && p.len === count;
    });
    if (q) {
      const p = q.packet!;
      p.payload = this.payloads.copy(cur.frame, cur.start, cur.end);
      p.truncated = false;
      this.out.settle(q);
      return;
    }
    if (this.fragments) {
      // Rows of a packet shown without its headers: the excerpt stage places them by their offsets.
      this.excerptOpen = true;
      const bytes = cur.frame.slice(cur.start, cur.end);
      this.out.excerpt({
        kind: 'fragment',
        offset: cur.start,
        bytes,
        line: cur.line,
        lastLine: Math.max(cur.line, this.lastHexLine),
        blankLead: cur.blank,
        note: cur.note,
      });
      return;
    }
    this.event(
      anomaly(
        'input.orphan_hex',
        `line ${cur.line}: ${count} bytes of hex from offset 0x${cur.start.toString(16).padStart(4, '0')} belong to no packet: no summary line before them, and no packet shown only by its summary has that length; skipped`,
        { line: cur.line },
      ),
    );
  }

  private excerptBreak(): void {
    if (!this.excerptOpen) return;
    this.excerptOpen = false;
    this.out.excerpt({ kind: 'break' });
  }

  /** The same summary quoted again, this time with hex: the bytes take the waiting packet's place. */
  private replaceWaiting(p: Packet): boolean {
    const cur = this.cur;
    const text = latin1(cur.sum, 0, cur.sumLen);
    const q = this.out.findWaiting((h: Held) => h.text === text && h.packet?.ts === cur.ts);
    if (!q) return false;
    q.packet = p;
    this.out.settle(q);
    return true;
  }

  /**
   * Events keep their place among packets: after the packet being read when they come from later lines, and
   * among packets held back.
   */
  private event(ev: Event): void {
    const cur = this.cur;
    if (cur.open && !cur.done && ev.line !== undefined && ev.line > cur.line && this.deferred.length < MAX_DEFERRED_EVENTS) {
      this.deferred.push(ev);
      return;
    }
    this.out.event(ev);
  }

  /** Events deferred until the packet being read has gone out. */
  private flushDeferred(): void {
    if (this.deferred.length === 0) return;
    const evs = this.deferred.splice(0);
    for (const ev of evs) this.event(ev);
  }

  private noHex(): void {
    this.noHexSent = true;
    const what =
      this.summaries > 0
        ? `${this.summaries} tcpdump summary line${this.summaries === 1 ? '' : 's'} (the first on line ${this.firstSummaryLine}) and no hex dump of the packet bytes` +
          (this.textAfterSummary > 0 ? ', with text under the summaries as tcpdump -A prints it' : '')
        : 'no tcpdump summary or hex lines';
    // Sent at once, ahead of packets held back: it is about the whole input.
    this.emit(
      anomaly('input.no_hex', `the input has ${what}; tlsdump decodes TLS from the bytes: run ${FLAGS_HELP}`, {
        line: this.summaries > 0 ? this.firstSummaryLine : 1,
      }),
    );
  }
}

/** Copies src[start, end) to dst[at…], as much as fits. Returns the count. */
function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  const n = Math.max(0, Math.min(end - start, dst.length - at));
  for (let i = 0; i < n; i++) dst[at + i] = src[start + i]!;
  return n;
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

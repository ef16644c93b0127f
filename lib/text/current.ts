// The packet being read from tcpdump text: its summary line, its timestamp, and its bytes as the hex lines give
// them, in one frame buffer that is reused for every packet. begin() is the one place where a packet starts and
// every field is reset.

import { HEX_BYTES_PER_LINE } from './hex.js';
import type { Clock } from './stamp.js';

/** Largest frame assembled from hex lines; bytes past it are dropped and the packet is marked truncated. */
export const MAX_FRAME_BYTES = 256 * 1024;
/** Longest summary text kept per packet (a -v header and its continuation line together). */
export const MAX_SUMMARY_BYTES = 8 * 1024;
/** Summary buffers whose DataView is kept (SeqBases circulates SEQ_RING + 1 of them). */
const MAX_SUMMARY_VIEWS = 256;

export class CurrentPacket {
  /** A packet is being read (a summary line, or a block of hex with none). */
  open = false;
  /** It began with a summary line. */
  summary = false;
  /** Its first line. */
  line = 0;
  ts: string | undefined;
  time: number | undefined;
  epoch: number | undefined;
  /** Its bytes are frame[start, end); start is -1 until a hex line came. */
  start = -1;
  end = 0;
  /** Decoded already (its bytes reached the IP length): later lines that continue it are padding. */
  done = false;
  /** Frame length that the link and IP headers announce: -1 not known yet, 0 cannot tell. */
  expected = -1;
  /** Hex past MAX_FRAME_BYTES was dropped. */
  overflow = false;
  /** A hex block with no summary: the prose line just before it, and whether its first groups were blank. */
  note: string | undefined;
  blank = false;

  readonly frame = new Uint8Array(MAX_FRAME_BYTES);
  /** The frame as a DataView, for the fast path's 32-bit writes. */
  readonly frameView = new DataView(this.frame.buffer);
  /** The summary text after the timestamp, sum[0, sumLen). The buffer is handed on with the packet (SeqBases). */
  sum: Uint8Array = new Uint8Array(MAX_SUMMARY_BYTES);
  sumLen = 0;
  /** A DataView of sum, and of each summary buffer seen so far (SeqBases hands back the same few). */
  private sumView = new DataView(this.sum.buffer);
  private readonly views = new Map<Uint8Array, DataView>([[this.sum, this.sumView]]);

  /** Starts a packet at `line`: with a summary line or not, stamped by `clock` or not. */
  begin(line: number, summary: boolean, clock: Clock | undefined): void {
    this.open = true;
    this.summary = summary;
    this.line = line;
    this.ts = clock?.ts;
    this.time = clock?.time;
    this.epoch = clock?.epoch;
    this.start = -1;
    this.end = 0;
    this.done = false;
    this.expected = -1;
    this.overflow = false;
    this.note = undefined;
    this.blank = false;
    this.sumLen = 0;
  }

  /**
   * Sets the summary to buf[start, end), cut at MAX_SUMMARY_BYTES; `dv` views buf. Copied four bytes at a time
   * (a summary is a hundred bytes or two: half the time of Buffer.copy, and no view allocated per line).
   */
  setSummary(buf: Uint8Array, dv: DataView, start: number, end: number): void {
    const n = Math.min(end - start, MAX_SUMMARY_BYTES);
    const to = this.sumView;
    let i = 0;
    for (; i + 4 <= n; i += 4) to.setUint32(i, dv.getUint32(start + i, true), true);
    const sum = this.sum;
    for (; i < n; i++) sum[i] = buf[start + i]!;
    this.sumLen = Math.max(0, n);
  }

  /** Takes `buf` as the buffer for the next summaries (the one SeqBases handed back). */
  adoptSummaryBuffer(buf: Uint8Array): void {
    if (buf === this.sum) return;
    this.sum = buf;
    let v = this.views.get(buf);
    if (v === undefined) {
      // SeqBases hands back the buffers it was given: a few dozen at most; start over if that ever changes.
      if (this.views.size > MAX_SUMMARY_VIEWS) this.views.clear();
      v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.views.set(buf, v);
    }
    this.sumView = v;
  }

  /**
   * Whether a hex line at offset `o` continues this packet's bytes in place: the next line of its bytes, or its
   * first line (offset 0) right after its summary, within the frame limit. Such a line is read straight into the
   * frame, by the bulk path and by the line-by-line path alike.
   */
  continuesAt(o: number): boolean {
    return this.open && o === this.end && (this.start >= 0 || (o === 0 && this.summary)) && o + HEX_BYTES_PER_LINE <= MAX_FRAME_BYTES;
  }

  /** Where events about this packet point. */
  origin(): { line: number; ts?: string } {
    return this.ts === undefined ? { line: this.line } : { line: this.line, ts: this.ts };
  }
}

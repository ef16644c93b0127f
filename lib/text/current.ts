// The packet being read from tcpdump text: its summary line, its timestamp, and its bytes as the hex lines give
// them, in one frame buffer that is reused for every packet. begin() is the one place where a packet starts and
// every field is reset.

import { HEX_BYTES_PER_LINE } from './hex.js';
import type { Clock } from './stamp.js';

/** Largest frame assembled from hex lines; bytes past it are dropped and the packet is marked truncated. */
export const MAX_FRAME_BYTES = 256 * 1024;
/** Longest summary text kept per packet (a -v header and its continuation line together). */
export const MAX_SUMMARY_BYTES = 8 * 1024;

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

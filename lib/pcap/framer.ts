// The streaming ground floor of the capture readers: whatever the chunking of the input, a reader's `step` sees
// each unit (a file header, a record, a block) whole and contiguous. Units are read in place from the chunk
// when they fit in it; only a unit split across chunks is copied, into one carry buffer bounded by the
// reader's limit. Bodies that are skipped (pcapng blocks of no interest) are never buffered at all.

/** What a capture reader hands on: interfaces as they are declared, then records on them, and damage. */
export interface CaptureSink {
  /** A pcap file header or a pcapng Interface Description Block: records on it follow. */
  iface(i: CaptureInterface): void;
  /** One captured frame. `r` and `r.data` are valid only during the call: copy what you keep. */
  record(r: CaptureRecord): void;
  /** Damage in the file's structure (codes `pcap.*`); `frame` is the frame it concerns or the next one. */
  anomaly(code: string, message: string, frame: number): void;
  /** A pcapng Decryption Secrets Block: its secrets type and data (valid only during the call); `frame` is the next frame. */
  secrets?(type: number, data: Uint8Array, frame: number): void;
}

export interface CaptureInterface {
  /** 0-based section (a pcapng Section Header Block; always 0 for pcap). */
  section: number;
  /** 0-based interface id within its section (always 0 for pcap). */
  id: number;
  /** The LINKTYPE_ number from the file (https://www.tcpdump.org/linktypes.html); -1 when it was unreadable. */
  linkType: number;
  snaplen: number;
  /** Digits of the timestamp fraction as recorded: 6 µs, 9 ns, or the pcapng if_tsresol power of ten (≤ 9). */
  digits: number;
  /** Bytes of FCS at the end of each frame, when the file says so (pcap FCS bits, pcapng if_fcslen). */
  fcsLen?: number;
}

export interface CaptureRecord {
  /** 1-based frame number over the whole input: every packet record or block counts, damaged or not. */
  frame: number;
  iface: CaptureInterface;
  /** The record has a timestamp (a pcapng Simple Packet Block has none). */
  timed: boolean;
  /** Whole seconds since the epoch, and the fraction in units of 10^-digits s (0 ≤ frac < 10^digits). */
  sec: number;
  frac: number;
  digits: number;
  /** The frame's length on the wire. */
  origLen: number;
  /** The captured bytes (a view into the input or the carry buffer). */
  data: Uint8Array;
  /** `data` is a view of the chunk given to push(), not of the reader's carry buffer (which is reused). */
  fromInput: boolean;
}

/**
 * The one CaptureRecord a reader fills in place for every packet (no object per packet). `iface` is set before
 * the first record is handed out: a file names its interface (link type) before any packet.
 */
export function reusedRecord(): CaptureRecord {
  return {
    frame: 0,
    // Set from the file's header or interface block before the record is first handed out (see above).
    iface: undefined as unknown as CaptureInterface,
    timed: true,
    sec: 0,
    frac: 0,
    digits: 6,
    origLen: 0,
    data: new Uint8Array(0),
    fromInput: true,
  };
}

/** `step` stopped the reader: the rest of the input is ignored. */
export const STOP = 0;

export abstract class Framer {
  /** Absolute input offset of the unit that `step` is looking at. */
  protected consumed = 0;
  /** Body bytes still to pass by without buffering them. */
  protected skipLeft = 0;
  protected stopped = false;
  /** `step` reads the chunk given to push() (false: the carry buffer). */
  protected fromInput = true;

  private carry = new Uint8Array(0);
  private carryLen = 0;
  /** Bytes the unit in the carry needs in all. */
  private need = 0;

  /** Largest unit `step` may ask for: the carry never grows past it. */
  constructor(protected readonly maxUnit: number) {}

  /**
   * Reads one unit at buf[pos, end). Returns the bytes it used (> 0); or -n when the unit needs n bytes from
   * pos in all (n > end - pos, n ≤ maxUnit); or STOP after reporting why. It may set `skipLeft` to pass over
   * a body without reading it.
   */
  protected abstract step(buf: Uint8Array, pos: number, end: number): number;

  /** The input ended with `held` bytes of an unfinished unit, or `skipping` bytes short of a passed-over body. */
  protected abstract ended(held: number, skipping: number): void;

  /** The reader is inside a unit although nothing is held (a passed-over body whose trailer is due). */
  protected midUnit(): boolean {
    return false;
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let p = 0;
    while (!this.stopped && p < n) {
      if (this.skipLeft > 0) {
        const k = Math.min(this.skipLeft, n - p);
        this.skipLeft -= k;
        this.consumed += k;
        p += k;
        continue;
      }
      if (this.carryLen > 0) {
        const take = Math.min(this.need - this.carryLen, n - p);
        this.carry.set(chunk.subarray(p, p + take), this.carryLen);
        this.carryLen += take;
        p += take;
        if (this.carryLen < this.need) return;
        this.drainCarry();
        continue;
      }
      this.fromInput = true;
      const r = this.step(chunk, p, n);
      if (r > 0) {
        p += r;
        this.consumed += r;
      } else if (r === STOP) {
        this.stopped = true;
      } else {
        this.hold(chunk, p, n, -r);
        p = n;
      }
    }
  }

  end(): void {
    if (this.stopped) return;
    if (this.carryLen > 0 || this.skipLeft > 0 || this.midUnit()) this.ended(this.carryLen, this.skipLeft);
    this.carryLen = 0;
    this.skipLeft = 0;
  }

  /** Keeps buf[p, n) (less than `need` bytes) for the next chunk. */
  private hold(buf: Uint8Array, p: number, n: number, need: number): void {
    // A reader bug, not bad input: readers check their limits before asking.
    if (need > this.maxUnit || need <= n - p) throw new Error(`capture reader asked for ${need} bytes with ${n - p} held (limit ${this.maxUnit})`);
    const keep = n - p;
    if (this.carry.length < need) {
      // Grow to what the unit needs (at least 64 KiB, so small units do not reallocate), never past maxUnit.
      const next = new Uint8Array(Math.min(this.maxUnit, Math.max(need, 65536)));
      next.set(buf.subarray(p, n), 0);
      this.carry = next;
    } else if (buf !== this.carry) this.carry.set(buf.subarray(p, n), 0);
    else if (p > 0) this.carry.copyWithin(0, p, n);
    this.carryLen = keep;
    this.need = need;
  }

  /** The carry holds a whole unit: step through it (and whatever follows it there). */
  private drainCarry(): void {
    const buf = this.carry;
    const n = this.carryLen;
    let q = 0;
    while (q < n) {
      if (this.skipLeft > 0) {
        const k = Math.min(this.skipLeft, n - q);
        this.skipLeft -= k;
        this.consumed += k;
        q += k;
        continue;
      }
      this.fromInput = false;
      const r = this.step(buf, q, n);
      if (r > 0) {
        q += r;
        this.consumed += r;
      } else if (r === STOP) {
        this.stopped = true;
        this.carryLen = 0;
        return;
      } else {
        this.hold(buf, q, n, -r);
        return;
      }
    }
    this.carryLen = 0;
  }
}

/** Fixed-offset reads of a unit whose length was checked first; the byte order is the file's. */
export interface Endian {
  u16(b: Uint8Array, o: number): number;
  u32(b: Uint8Array, o: number): number;
}

export const LE: Endian = {
  u16: (b, o) => b[o]! | (b[o + 1]! << 8),
  u32: (b, o) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000,
};

export const BE: Endian = {
  u16: (b, o) => (b[o]! << 8) | b[o + 1]!,
  u32: (b, o) => b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!),
};

// tcpdump timestamps at the start of a summary line, read from bytes, and the clock that turns them into the
// contract's `ts` (ISO 8601 with Z for -tt, ISO 8601 without a zone for -tttt, otherwise the time as printed)
// plus `time`, seconds on a monotonic capture clock, and `epoch` when the date is known.
//
// Forms (tcpdump 4.99 print.c ts_print; 3.x printed the same default form):
//   default  `19:47:28.512314`             time of day
//   -tt      `1357328848.512314`           seconds since the epoch
//   -ttt     ` 00:00:00.000193`            delta since the previous packet (first packet 0)
//   -tttt    `2013-01-04 19:47:28.512314`  local date and time
//   -ttttt   ` 00:00:00.036856`            delta since the first packet
//   --nano gives 9 fraction digits instead of 6.

/** A parsed stamp; one instance is reused for every line. */
export class Stamp {
  kind: 'tod' | 'epoch' | 'date' = 'tod';
  /** Where the stamp's characters are in the line (for `ts` as printed). */
  start = 0;
  end = 0;
  /** Date fields (kind 'date'). */
  year = 0;
  month = 0;
  day = 0;
  /** Time of day, or the delta (kind 'tod'); hours may exceed 23 for a long delta. */
  hours = 0;
  minutes = 0;
  seconds = 0;
  /** Integer seconds (kind 'epoch'). */
  whole = 0;
  /** The fraction of a second, and where its digits are. */
  frac = 0;
  fracStart = 0;
  fracEnd = 0;
}

const D0 = 48;
const D9 = 57;

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= D0 && b <= D9;
}

/**
 * Reads a timestamp at buf[p] (the line's first non-blank byte) into `st`. Returns the index of the summary
 * text after it and its separating space, or -1 when the line does not start with a timestamp.
 */
export function parseStamp(buf: Uint8Array, p: number, end: number, st: Stamp): number {
  let i = p;
  let n = 0;
  let v = 0;
  while (i < end && isDigit(buf[i])) {
    v = v * 10 + buf[i]! - D0;
    i++;
    n++;
  }
  if (n === 0 || i >= end) return -1;
  const sep = buf[i]!;
  st.start = p;
  if (sep === 45 /* - */ && n === 4) {
    // -tttt: YYYY-MM-DD HH:MM:SS.frac
    if (
      i + 6 >= end ||
      !isDigit(buf[i + 1]) ||
      !isDigit(buf[i + 2]) ||
      buf[i + 3] !== 45 ||
      !isDigit(buf[i + 4]) ||
      !isDigit(buf[i + 5]) ||
      buf[i + 6] !== 32
    )
      return -1;
    st.year = v;
    st.month = (buf[i + 1]! - D0) * 10 + buf[i + 2]! - D0;
    st.day = (buf[i + 4]! - D0) * 10 + buf[i + 5]! - D0;
    const q = timeOfDay(buf, i + 7, end, st);
    if (q < 0) return -1;
    st.kind = 'date';
    return q;
  }
  if (sep === 58 /* : */) {
    const q = timeOfDay(buf, p, end, st);
    if (q < 0) return -1;
    st.kind = 'tod';
    return q;
  }
  if (sep === 46 /* . */) {
    // -tt: seconds.fraction, then a space (an IPv4 address such as 10.0.0.1 has a dot after the digits instead)
    const q = fraction(buf, i + 1, end, st);
    if (q < 0 || n > 12) return -1;
    st.whole = v;
    st.kind = 'epoch';
    return q;
  }
  return -1;
}

/** HH:MM:SS.frac at buf[p], then a space; sets hours/minutes/seconds/frac. */
function timeOfDay(buf: Uint8Array, p: number, end: number, st: Stamp): number {
  let i = p;
  let h = 0;
  let n = 0;
  while (i < end && isDigit(buf[i])) {
    h = h * 10 + buf[i]! - D0;
    i++;
    n++;
  }
  if (n === 0 || n > 6 || i + 6 >= end) return -1;
  if (
    buf[i] !== 58 ||
    !isDigit(buf[i + 1]) ||
    !isDigit(buf[i + 2]) ||
    buf[i + 3] !== 58 ||
    !isDigit(buf[i + 4]) ||
    !isDigit(buf[i + 5]) ||
    buf[i + 6] !== 46
  )
    return -1;
  st.hours = h;
  st.minutes = (buf[i + 1]! - D0) * 10 + buf[i + 2]! - D0;
  st.seconds = (buf[i + 4]! - D0) * 10 + buf[i + 5]! - D0;
  if (st.minutes > 59 || st.seconds > 60) return -1;
  return fraction(buf, i + 7, end, st);
}

/** Fraction digits at buf[p] up to a space; returns the index after the space. */
function fraction(buf: Uint8Array, p: number, end: number, st: Stamp): number {
  let i = p;
  let f = 0;
  let scale = 1;
  while (i < end && isDigit(buf[i])) {
    f = f * 10 + buf[i]! - D0;
    scale *= 10;
    i++;
  }
  if (i === p || i - p > 9 || i >= end || buf[i] !== 32) return -1;
  st.frac = f / scale;
  st.fracStart = p;
  st.fracEnd = i;
  st.end = i;
  return i + 1;
}

/** Text of buf[start, end) as latin1 (tcpdump text is ASCII). */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  // Buffer's latin1Slice (undocumented, but stable since Node 0.x) makes one string without a copy.
  const b = buf as unknown as { latin1Slice?: (s: number, e: number) => string };
  if (typeof b.latin1Slice === 'function') return b.latin1Slice(start, end);
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

const DAY = 86400;
/** A time of day more than this far behind the previous one is taken for the next day. */
const HALF_DAY = 43200;

/**
 * Turns stamps into `ts`, `time` and `epoch` for successive packets. Delta stamps (-ttt, -ttttt) are told
 * from a time of day by the first stamp being exactly 0; they are read as "since the first packet"
 * (-ttttt) until one is smaller than the one before, which only deltas since the previous packet (-ttt) do.
 * `time` never goes backwards.
 */
export class Clock {
  ts: string | undefined;
  time: number | undefined;
  epoch: number | undefined;

  private lastTime = -Infinity;
  private first = true;
  private delta = false;
  private sincePrevious = false;
  private lastDelta = 0;
  private lastSod = -1;
  private dayOffset = 0;
  private isoSecond = NaN;
  private isoPrefix = '';
  private dayKey = -1;
  private dayEpoch = 0;

  /** No stamp on this packet (-t, or a hex block with no summary line). */
  none(): void {
    this.ts = undefined;
    this.time = undefined;
    this.epoch = undefined;
  }

  set(buf: Uint8Array, st: Stamp): void {
    let t: number;
    this.epoch = undefined;
    if (st.kind === 'epoch') {
      const e = st.whole + st.frac;
      this.epoch = e;
      t = e;
      this.ts = this.isoZ(buf, st);
    } else if (st.kind === 'date') {
      const key = st.year * 10000 + st.month * 100 + st.day;
      if (key !== this.dayKey) {
        this.dayKey = key;
        this.dayEpoch = Date.UTC(st.year, st.month - 1, st.day) / 1000;
      }
      // -tttt prints local time with no zone: the epoch assumes UTC, the only reading the text allows.
      const e = this.dayEpoch + st.hours * 3600 + st.minutes * 60 + st.seconds + st.frac;
      this.epoch = e;
      t = e;
      this.ts = latin1(buf, st.start, st.start + 10) + 'T' + latin1(buf, st.start + 11, st.end);
    } else {
      const v = st.hours * 3600 + st.minutes * 60 + st.seconds + st.frac;
      this.ts = latin1(buf, st.start, st.end);
      if (this.first) this.delta = v === 0;
      if (this.delta) {
        if (!this.sincePrevious && !this.first && v < this.lastDelta) this.sincePrevious = true;
        this.lastDelta = v;
        t = this.sincePrevious ? this.lastTime + v : v;
      } else {
        if (this.lastSod >= 0 && v < this.lastSod - HALF_DAY) this.dayOffset += DAY;
        this.lastSod = v;
        t = v + this.dayOffset;
      }
    }
    this.first = false;
    if (t < this.lastTime) t = this.lastTime;
    this.lastTime = t;
    this.time = t;
  }

  /** ISO 8601 UTC with the printed fraction digits: 2013-01-04T19:47:28.512314Z. */
  private isoZ(buf: Uint8Array, st: Stamp): string {
    if (st.whole !== this.isoSecond) {
      const d = new Date(st.whole * 1000);
      if (Number.isNaN(d.getTime())) return latin1(buf, st.start, st.end);
      this.isoSecond = st.whole;
      this.isoPrefix = d.toISOString().slice(0, 19);
    }
    return this.isoPrefix + '.' + latin1(buf, st.fracStart, st.fracEnd) + 'Z';
  }
}

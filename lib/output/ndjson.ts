// NDJSON output: one event object per line, `JSON.stringify(event) + EOL`, byte for byte what the `ndjson`
// package's stringify stream wrote (json-stringify-safe gives JSON.stringify's text for any acyclic value, and
// events are plain acyclic JSON objects).
//
// Hot path (bench/measure.ts: `stringify` against `stringify-ndjson-pkg`, `all` against `all-ndjson-pkg`): the
// ndjson package costs a through2 transform, json-stringify-safe's replacer, a string and a write per event,
// which came to more than decoding the packet behind the event. Here, a flat event (every value a string,
// number, boolean or null: packet, flow, tls.record, most anomalies) is written straight into a byte buffer,
// key by key in the object's own order, as JSON.stringify writes it; any other event, and any value that JSON
// would write differently from its plain text (a string with characters to escape or outside printable ASCII,
// a non-finite number), goes through JSON.stringify. The bytes are pushed in chunks of up to
// NDJSON_BATCH_BYTES; a chunk not yet full goes out once the current burst of events is over (setImmediate),
// so events from a live capture still appear as their packets arrive.

import { EOL } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';

/** Bytes of NDJSON gathered before they are pushed as one chunk. */
export const NDJSON_BATCH_BYTES = 64 * 1024;
/** A flat event is written directly only when it surely fits in what is left of the chunk: at most this long. */
const MAX_DIRECT_BYTES = 4096;

/** One event as its NDJSON line, terminator included. */
export function ndjsonLine(ev: unknown): string {
  return JSON.stringify(ev) + EOL;
}

const EOL_BYTES = Buffer.from(EOL, 'latin1');
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Writes events as NDJSON into byte chunks. `write` returns false when an event was not flat (or not plain)
 * and must be serialised by JSON.stringify; nothing has then been written.
 */
export class NdjsonWriter {
  private buf = Buffer.allocUnsafe(NDJSON_BATCH_BYTES);
  private pos = 0;

  constructor(private readonly out: (chunk: Buffer) => void) {}

  /** Bytes written and not yet handed out. */
  get pending(): number {
    return this.pos;
  }

  /** Appends one event's line. */
  event(ev: object): void {
    if (this.pos + MAX_DIRECT_BYTES > this.buf.length) this.flush();
    if (!this.direct(ev as Record<string, unknown>)) this.text(ndjsonLine(ev));
  }

  /** Hands out the bytes written so far as one chunk. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(NDJSON_BATCH_BYTES);
    this.pos = 0;
    this.out(chunk);
  }

  private text(line: string): void {
    const max = 3 * line.length; // UTF-8 bytes per UTF-16 unit, at most
    if (this.pos + max > this.buf.length) this.flush();
    if (max > this.buf.length) {
      this.out(Buffer.from(line, 'utf8'));
      return;
    }
    this.pos += this.buf.write(line, this.pos, 'utf8');
  }

  /** A flat plain object written key by key; false (with nothing written) for anything else. */
  private direct(ev: Record<string, unknown>): boolean {
    if (Object.getPrototypeOf(ev) !== Object.prototype) return false;
    const buf = this.buf;
    const start = this.pos;
    const limit = start + MAX_DIRECT_BYTES - EOL_BYTES.length - 1;
    let p = start;
    buf[p++] = 123; // {
    let first = true;
    // for-in visits own keys in JSON.stringify's order (integer keys ascending, then insertion order); an
    // event's prototype is Object.prototype, checked above, which has no enumerable keys.
    for (const key in ev) {
      const v = ev[key];
      if (v === undefined) continue; // JSON leaves these keys out
      if (!first) buf[p++] = 44; // ,
      first = false;
      p = this.plain(key, p, limit);
      if (p < 0) return false;
      buf[p++] = 58; // :
      if (typeof v === 'number') {
        if (!Number.isFinite(v) || p + 24 > limit) return false;
        p = Number.isSafeInteger(v) && v >= 0 ? writeUint(buf, p, v) : p + buf.write(String(Object.is(v, -0) ? 0 : v), p, 'latin1');
      } else if (typeof v === 'string') {
        p = this.plain(v, p, limit);
        if (p < 0) return false;
      } else if (typeof v === 'boolean') {
        if (p + 5 > limit) return false;
        p = v ? writeTrue(buf, p) : writeFalse(buf, p);
      } else if (v === null) {
        if (p + 4 > limit) return false;
        buf[p++] = 110;
        buf[p++] = 117;
        buf[p++] = 108;
        buf[p++] = 108;
      } else return false;
      if (p > limit) return false;
    }
    buf[p++] = 125; // }
    for (let i = 0; i < EOL_BYTES.length; i++) buf[p++] = EOL_BYTES[i]!;
    this.pos = p;
    return true;
  }

  /** `"s"` at buf[p] when every character is printable ASCII other than `"` and `\`; else -1. */
  private plain(s: string, p: number, limit: number): number {
    const n = s.length;
    if (p + n + 2 > limit) return -1;
    const buf = this.buf;
    buf[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return -1;
      buf[p + i] = c;
    }
    p += n;
    buf[p++] = QUOTE;
    return p;
  }
}

/** Decimal digits of a non-negative safe integer at buf[p]; returns the position after them. */
function writeUint(buf: Buffer, p: number, v: number): number {
  if (v < 10) {
    buf[p] = 48 + v;
    return p + 1;
  }
  const digits = v < 100 ? 2 : v < 1e3 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9 : v < 1e10 ? 10 : 0;
  if (digits === 0) return p + buf.write(String(v), p, 'latin1');
  let q = p + digits;
  if (v <= 0x7fffffff) {
    while (q > p) {
      const t = (v / 10) | 0;
      buf[--q] = 48 + v - t * 10;
      v = t;
    }
  } else {
    while (q > p) {
      const t = Math.floor(v / 10);
      buf[--q] = 48 + v - t * 10;
      v = t;
    }
  }
  return p + digits;
}

function writeTrue(buf: Buffer, p: number): number {
  buf[p] = 116;
  buf[p + 1] = 114;
  buf[p + 2] = 117;
  buf[p + 3] = 101;
  return p + 4;
}

function writeFalse(buf: Buffer, p: number): number {
  buf[p] = 102;
  buf[p + 1] = 97;
  buf[p + 2] = 108;
  buf[p + 3] = 115;
  buf[p + 4] = 101;
  return p + 5;
}

class NdjsonOut extends Transform {
  private readonly writer = new NdjsonWriter((chunk) => this.push(chunk));
  private scheduled = false;
  private ended = false;

  constructor() {
    super({ writableObjectMode: true });
  }

  override _transform(ev: object, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.writer.event(ev);
    } catch (err) {
      cb(err as Error);
      return;
    }
    if (!this.scheduled && this.writer.pending > 0) {
      this.scheduled = true;
      setImmediate(this.onIdle);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.writer.flush();
    this.ended = true;
    cb();
  }

  private readonly onIdle = (): void => {
    this.scheduled = false;
    if (!this.ended && !this.destroyed) this.writer.flush();
  };
}

/** The NDJSON output stream: event objects in, bytes out. */
export function ndjsonOut(): Transform {
  return new NdjsonOut();
}

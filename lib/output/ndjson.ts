// NDJSON output: one event object per line, `JSON.stringify(event) + '\n'`, byte for byte what the `ndjson`
// package's stringify stream wrote on Linux (json-stringify-safe gives JSON.stringify's text for any acyclic
// value, and events are plain acyclic JSON objects). The line ends with `\n` on every platform, never os.EOL:
// the NDJSON format separates lines with `\n`, and the output must be the same bytes on Windows.
//
// Hot path (bench/measure.ts: `stringify` against `stringify-ndjson-pkg`, `all` against `all-ndjson-pkg`): the
// ndjson package costs a through2 transform, json-stringify-safe's replacer call for every key, a string with
// its line end and a stream chunk for every event, which came to 4× the serialisation itself. Here each line is
// encoded straight into a byte buffer that is pushed in chunks of up to NDJSON_BATCH_BYTES; a chunk not yet full
// goes out once the current burst of events is over (setImmediate), so events from a live capture still appear
// as their packets arrive. (Writing flat events key by key instead of through JSON.stringify measured no faster
// on the pipeline's real mix of events.)

import { Transform, type TransformCallback } from 'node:stream';

/** Bytes of NDJSON gathered before they are pushed as one chunk. */
export const NDJSON_BATCH_BYTES = 64 * 1024;

/** The line terminator of NDJSON, on every platform. */
const NL = '\n';

/** One event as its NDJSON line, terminator included. */
export function ndjsonLine(ev: unknown): string {
  return JSON.stringify(ev) + NL;
}

/** Writes events as NDJSON lines into byte chunks, handed to `out` when full or flushed. */
export class NdjsonWriter {
  private buf = Buffer.allocUnsafe(NDJSON_BATCH_BYTES);
  private pos = 0;

  constructor(private readonly out: (chunk: Buffer) => void) {}

  /** Bytes written and not yet handed out. */
  get pending(): number {
    return this.pos;
  }

  /** Appends one event's line. */
  event(ev: unknown): void {
    // JSON.stringify gives undefined for undefined, a function or a symbol; the ndjson package wrote "undefined".
    const json = JSON.stringify(ev) ?? 'undefined';
    // A UTF-16 code unit takes at most 3 bytes of UTF-8: room for that many is room enough.
    const max = 3 * json.length + NL.length;
    if (this.pos + max > this.buf.length) {
      this.flush();
      if (max > this.buf.length) {
        this.out(Buffer.from(json + NL, 'utf8'));
        return;
      }
    }
    this.pos += this.buf.write(json, this.pos, 'utf8');
    this.buf[this.pos++] = 0x0a; // NL
  }

  /** Hands out the bytes written so far as one chunk. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(NDJSON_BATCH_BYTES);
    this.pos = 0;
    this.out(chunk);
  }
}

class NdjsonOut extends Transform {
  private readonly writer = new NdjsonWriter((chunk) => this.push(chunk));
  private scheduled = false;
  private ended = false;

  constructor() {
    super({ writableObjectMode: true });
  }

  override _transform(ev: unknown, _enc: BufferEncoding, cb: TransformCallback): void {
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

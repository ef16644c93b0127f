// NDJSON output: one event object per line, `JSON.stringify(event) + '\n'`, byte for byte what the `ndjson`
// package's stringify stream wrote on Linux (json-stringify-safe gives JSON.stringify's text for any acyclic
// value, and events are plain acyclic JSON objects). The line ends with `\n` on every platform, never os.EOL:
// the NDJSON format separates lines with `\n`, and the output must be the same bytes on Windows.
//
// Hot path (bench/measure.ts: `stringify` against `stringify-ndjson-pkg`, `all` against `all-ndjson-pkg`): the
// ndjson package costs a through2 transform, json-stringify-safe's replacer call for every key, a string with
// its line end and a stream chunk for every event, which came to 4× the serialisation itself. Here each line is
// written straight into a byte buffer (EventBytes, lib/output/eventbytes.ts: the commonest events by writers
// that know their shape, certificate descriptions from bytes made once, the rest by JSON.stringify) that is
// pushed in chunks of up to NDJSON_BATCH_BYTES; a chunk not yet full goes out once the current burst of events
// is over (setImmediate), so events from a live capture still appear as their packets arrive.

import { Transform, type TransformCallback } from 'node:stream';
import { EventBytes } from './eventbytes.js';

export { CERT_JSON_ENTRIES, EventBytes } from './eventbytes.js';

/** Bytes of NDJSON gathered before they are pushed as one chunk. */
export const NDJSON_BATCH_BYTES = 64 * 1024;

/** Room beyond NDJSON_BATCH_BYTES in the batch buffer, so that the line that crosses the mark seldom grows it. */
const BATCH_SLACK = 16 * 1024;

/** Writes events as NDJSON lines into byte chunks of up to NDJSON_BATCH_BYTES (a longer line goes alone), handed to
 *  `out` when full or flushed. */
export class NdjsonWriter {
  private readonly lines = new EventBytes(NDJSON_BATCH_BYTES + BATCH_SLACK);

  constructor(private readonly out: (chunk: Buffer) => void) {}

  /** Bytes written and not yet handed out. */
  get pending(): number {
    return this.lines.pos;
  }

  /** Appends one event's line. */
  event(ev: unknown): void {
    const w = this.lines;
    const start = w.pos;
    w.line(ev);
    if (w.pos <= NDJSON_BATCH_BYTES) return;
    if (start > 0) {
      // The lines before this one go out; this line starts the next chunk.
      const full = w.buf;
      const end = w.pos;
      w.buf = Buffer.allocUnsafe(Math.max(NDJSON_BATCH_BYTES + BATCH_SLACK, end - start));
      w.pos = full.copy(w.buf, 0, start, end);
      this.out(full.subarray(0, start));
    }
    // A line longer than a chunk goes alone.
    if (w.pos > NDJSON_BATCH_BYTES) this.flush();
  }

  /** The bytes written so far, copied into a chunk of their own size (the batch buffer is kept for more). */
  take(): Buffer {
    const w = this.lines;
    const chunk = Buffer.from(w.buf.subarray(0, w.pos));
    w.pos = 0;
    return chunk;
  }

  /** Hands out the bytes written so far as one chunk. */
  flush(): void {
    const w = this.lines;
    if (w.pos === 0) return;
    const chunk = w.buf.subarray(0, w.pos);
    w.buf = Buffer.allocUnsafe(NDJSON_BATCH_BYTES + BATCH_SLACK);
    w.pos = 0;
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
      cb(err instanceof Error ? err : new Error(String(err)));
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

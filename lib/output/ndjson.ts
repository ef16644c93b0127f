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
// on the pipeline's real mix of events.) The certificate descriptions of a tls.handshake, which recur connection
// after connection, are written from their JSON text made once (EventJson).

import { Transform, type TransformCallback } from 'node:stream';

/** Bytes of NDJSON gathered before they are pushed as one chunk. */
export const NDJSON_BATCH_BYTES = 64 * 1024;

/** The line terminator of NDJSON, on every platform. */
const NL = '\n';

/**
 * JSON text of certificate descriptions written recently, by their `sha256`: a capture of short connections shows
 * the same chain in connection after connection (lib/tls/certs.ts describes each DER once), and its text is most
 * of each Certificate event. At most CERT_JSON_ENTRIES are kept; the oldest goes first.
 */
export const CERT_JSON_ENTRIES = 256;

interface CertJson {
  /** The description the text was made from: its keys in order and its values, compared before reuse. */
  keys: string[];
  values: unknown[];
  json: string;
}

/** Stands for the `certs` list while the rest of the event is stringified: a string JSON writes only escaped. */
const CERTS_MARK = '\u0000certs\u0000';
const CERTS_MARK_JSON = `"certs":${JSON.stringify(CERTS_MARK)}`;

/**
 * One event as its JSON text, the same as JSON.stringify(ev). A tls.handshake's certificate descriptions are
 * written from CertJson texts when one was made from a description with the same keys and the same values (by
 * identity: a change to a description made since is seen, and its text is made anew).
 */
export class EventJson {
  private readonly certs = new Map<string, CertJson>();

  stringify(ev: unknown): string | undefined {
    if (!isCertificateEvent(ev)) return JSON.stringify(ev);
    const list = ev.certs;
    const fields: Record<string, unknown> = ev;
    const parts: string[] = [];
    for (const c of list) {
      const t = this.certJson(c);
      if (t === undefined) return JSON.stringify(ev);
      parts.push(t);
    }
    // The event is changed only for the length of this call, and given back as it was.
    fields.certs = CERTS_MARK;
    let json: string;
    try {
      json = JSON.stringify(ev);
    } finally {
      fields.certs = list;
    }
    const at = json.indexOf(CERTS_MARK_JSON);
    if (at < 0) return JSON.stringify(ev);
    return json.slice(0, at) + '"certs":[' + parts.join(',') + ']' + json.slice(at + CERTS_MARK_JSON.length);
  }

  /** The JSON of one description, from the cache when it matches; undefined for what is not a plain description. */
  private certJson(c: unknown): string | undefined {
    if (typeof c !== 'object' || c === null || Array.isArray(c) || Object.getPrototypeOf(c) !== Object.prototype) return undefined;
    // Parse boundary: a plain object, read by key.
    const d = c as Record<string, unknown>;
    const key = d.sha256;
    if (typeof key !== 'string') return JSON.stringify(d);
    const hit = this.certs.get(key);
    if (hit !== undefined && sameFields(hit, d)) return hit.json;
    const keys: string[] = [];
    const values: unknown[] = [];
    for (const k in d) {
      keys.push(k);
      values.push(d[k]);
    }
    const json = JSON.stringify(d);
    if (hit === undefined && this.certs.size >= CERT_JSON_ENTRIES) this.certs.delete(this.certs.keys().next().value!);
    this.certs.set(key, { keys, values, json });
    return json;
  }
}

function isCertificateEvent(ev: unknown): ev is { type: 'tls.handshake'; certs: unknown[] } & Record<string, unknown> {
  if (typeof ev !== 'object' || ev === null) return false;
  // Parse boundary: an event object, read by key.
  const e = ev as Record<string, unknown>;
  if (e.type !== 'tls.handshake' || !Array.isArray(e.certs) || e.certs.length === 0 || typeof e.toJSON === 'function') return false;
  // The list is swapped for CERTS_MARK during the call: only a plain, writable field can be.
  return Object.getOwnPropertyDescriptor(e, 'certs')?.writable === true;
}

function sameFields(c: CertJson, d: Record<string, unknown>): boolean {
  let i = 0;
  for (const k in d) {
    if (i >= c.keys.length || c.keys[i] !== k || c.values[i] !== d[k]) return false;
    i++;
  }
  return i === c.keys.length;
}

/** One event as its NDJSON line, terminator included. */
export function ndjsonLine(ev: unknown): string {
  return JSON.stringify(ev) + NL;
}

/** Writes events as NDJSON lines into byte chunks, handed to `out` when full or flushed. */
export class NdjsonWriter {
  private readonly json = new EventJson();
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
    const json = this.json.stringify(ev) ?? 'undefined';
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

  /** The bytes written so far, copied into a chunk of their own size (the batch buffer is kept for more). */
  take(): Buffer {
    const chunk = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return chunk;
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

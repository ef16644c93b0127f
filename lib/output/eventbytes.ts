// Events as NDJSON lines written straight into a byte buffer (lib/output/ndjson.ts and the parallel worker): the
// bytes of `JSON.stringify(ev) + '\n'` for every event. The events written most (packet, tls.record, flow,
// tls.alert) have writers that know their keys: the key bytes are constants and the fields are read by name. A
// certificate event is written by JsonBytes with its descriptions' bytes reused; the rest goes to JSON.stringify.

import { JSON_BYTES_DEPTH, JsonBytes } from './jsonbytes.js';

/**
 * The keys an event builder adds, in the order it adds them; any of them may be absent. `type` comes first and
 * its value is the shape's own. A fixed-shape writer reads the same fields by name, in the same order.
 */
export class Shape {
  /** `{"type":"<type>"` */
  readonly open: Uint8Array;
  /** `,"<key>":` for each of `keys`. */
  readonly prefixes: readonly Uint8Array[];

  constructor(
    readonly type: string,
    readonly keys: readonly string[],
    /** The event's fields read by name, `values(e)[i]` for `keys[i]` (a test checks each list against its keys).
     *  Not `ev[keys[i]]`: that keyed read measured 10-20% slower on 360k events (404-484 against 367-400 ms). */
    readonly values: (e: Fields) => unknown[],
  ) {
    if (keys.length > 30) throw new Error('a Shape has at most 30 keys (one bit each)');
    this.open = Buffer.from(`{"type":${JSON.stringify(type)}`, 'utf8');
    this.prefixes = keys.map((k) => Buffer.from(`,${JSON.stringify(k)}:`, 'utf8'));
  }

  /**
   * Bit i set for each of `keys[i]` the event has, or -1 when the event's own keys are not `type` followed by some
   * of `keys` in their order (an extra field, another order): then the generic writer writes it.
   */
  members(ev: object): number {
    const own = Object.keys(ev);
    if (own[0] !== 'type') return -1;
    const keys = this.keys;
    let mask = 0;
    let j = 0;
    for (let i = 1; i < own.length; i++) {
      const k = own[i];
      while (j < keys.length && keys[j] !== k) j++;
      if (j === keys.length) return -1;
      mask |= 1 << j;
      j++;
    }
    return mask;
  }

  /** Writes the members `mask` names (from members()), read by name; false to leave the event to the caller. */
  write(w: JsonBytes, mask: number, ev: Fields): boolean {
    const values = this.values(ev);
    w.bytes(this.open);
    const prefixes = this.prefixes;
    for (let i = 0; i < values.length; i++) {
      if ((mask & (1 << i)) !== 0 && !w.member(prefixes[i]!, values[i])) return false;
    }
    w.byte(0x7d); // }
    return true;
  }
}

// Parse boundary: events are open objects; each shape reads its fields by name.
type Fields = Record<string, unknown>;

// The shapes of lib/events.ts packetEvent and flowEvent, and of lib/tls/index.ts record() and alerts() (base():
// origin, flow, dir; then the fields in the order they are set). `protocol` is added on UDP flows.
export const PACKET = new Shape(
  'packet',
  [
    'line',
    'frame',
    'ts',
    'src',
    'dst',
    'sport',
    'dport',
    'proto',
    'seq',
    'ack',
    'flags',
    'win',
    'len',
    'captured',
    'truncated',
    'seq_relative',
    'fragment',
  ],
  (e) => [
    e.line,
    e.frame,
    e.ts,
    e.src,
    e.dst,
    e.sport,
    e.dport,
    e.proto,
    e.seq,
    e.ack,
    e.flags,
    e.win,
    e.len,
    e.captured,
    e.truncated,
    e.seq_relative,
    e.fragment,
  ],
);
export const FLOW = new Shape('flow', ['line', 'frame', 'ts', 'flow', 'event', 'client', 'server', 'bytes', 'gaps', 'end', 'protocol'], (e) => [
  e.line,
  e.frame,
  e.ts,
  e.flow,
  e.event,
  e.client,
  e.server,
  e.bytes,
  e.gaps,
  e.end,
  e.protocol,
]);
export const TLS_RECORD = new Shape(
  'tls.record',
  [
    'line',
    'frame',
    'ts',
    'flow',
    'dir',
    'content_id',
    'content',
    'version_id',
    'version',
    'length',
    'encrypted',
    'truncated',
    'captured',
    'missing_bytes',
    'after_plaintext',
    'flight',
    'inferred',
    'decrypted',
    'inner_content_id',
    'inner_content',
    'records_skipped',
    'keys_missing',
    'protocol',
  ],
  (e) => [
    e.line,
    e.frame,
    e.ts,
    e.flow,
    e.dir,
    e.content_id,
    e.content,
    e.version_id,
    e.version,
    e.length,
    e.encrypted,
    e.truncated,
    e.captured,
    e.missing_bytes,
    e.after_plaintext,
    e.flight,
    e.inferred,
    e.decrypted,
    e.inner_content_id,
    e.inner_content,
    e.records_skipped,
    e.keys_missing,
    e.protocol,
  ],
);
export const TLS_ALERT = new Shape(
  'tls.alert',
  ['line', 'frame', 'ts', 'flow', 'dir', 'encrypted', 'length', 'level_id', 'level', 'description_id', 'description', 'decrypted', 'protocol'],
  (e) => [e.line, e.frame, e.ts, e.flow, e.dir, e.encrypted, e.length, e.level_id, e.level, e.description_id, e.description, e.decrypted, e.protocol],
);

/** The fixed-shape writers, for the tests. */
export const SHAPES: readonly Shape[] = [PACKET, FLOW, TLS_RECORD, TLS_ALERT];

const BY_TYPE = new Map<unknown, Shape>(SHAPES.map((s) => [s.type, s]));

/**
 * The JSON text of certificate descriptions written recently, by their `sha256`: a capture of short connections
 * shows the same chain in connection after connection (lib/tls/certs.ts describes each DER once), and its text is
 * most of each Certificate event. At most CERT_JSON_ENTRIES are kept; the oldest goes first.
 */
export const CERT_JSON_ENTRIES = 256;

interface CertBytes {
  /** The description the bytes were made from, flattened (flatten()): compared in full before reuse. */
  flat: unknown[];
  bytes: Uint8Array;
}

/** Marks in a flattened value: an array or an object starts here (module-private, so no value equals them). */
const ARRAY_MARK = {};
const OBJECT_MARK = {};

/**
 * Appends v to `out` as a flat list: a primitive (or function, symbol, undefined) as itself, an array as ARRAY_MARK,
 * its length and its elements, a plain object as OBJECT_MARK, its key count and its keys and values. False for
 * what has another JSON text than its members (toJSON, another prototype) or nests deeper than JSON_BYTES_DEPTH.
 */
function flatten(v: unknown, out: unknown[], depth: number): boolean {
  if (typeof v !== 'object' || v === null) {
    out.push(v);
    return true;
  }
  if (depth >= JSON_BYTES_DEPTH || typeof (v as Fields).toJSON === 'function') return false;
  if (Array.isArray(v)) {
    out.push(ARRAY_MARK, v.length);
    for (let i = 0; i < v.length; i++) if (!flatten(v[i], out, depth + 1)) return false;
    return true;
  }
  if (!plain(v)) return false;
  const keys = Object.keys(v);
  out.push(OBJECT_MARK, keys.length);
  for (const k of keys) {
    out.push(k);
    if (!flatten((v as Fields)[k], out, depth + 1)) return false;
  }
  return true;
}

/** Whether v is what `flat` was flattened from (same keys in order, same primitives); -1 if not, else the next index. */
function matches(v: unknown, flat: readonly unknown[], at: number): number {
  if (typeof v !== 'object' || v === null) return flat[at] === v ? at + 1 : -1;
  if (typeof (v as Fields).toJSON === 'function') return -1;
  if (Array.isArray(v)) {
    if (flat[at] !== ARRAY_MARK || flat[at + 1] !== v.length) return -1;
    at += 2;
    for (let i = 0; i < v.length && at >= 0; i++) at = matches(v[i], flat, at);
    return at;
  }
  if (flat[at] !== OBJECT_MARK || !plain(v)) return -1;
  const keys = Object.keys(v);
  if (flat[at + 1] !== keys.length) return -1;
  at += 2;
  for (let i = 0; i < keys.length && at >= 0; i++) {
    const k = keys[i]!;
    at = flat[at] === k ? matches((v as Fields)[k], flat, at + 1) : -1;
  }
  return at;
}

/** An object JsonBytes writes member by member: no toJSON, prototype Object.prototype or null. */
function plain(o: object): boolean {
  if (typeof (o as Fields).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

/**
 * NDJSON lines into one growable buffer (`buf`, `pos` of JsonBytes): line(ev) appends the bytes of
 * `JSON.stringify(ev) + '\n'`, or of `'undefined\n'` when JSON.stringify gives undefined (as the ndjson package
 * wrote). It throws what JSON.stringify throws (a bigint, a cycle), with nothing of that line written.
 */
export class EventBytes extends JsonBytes {
  private readonly certs = new Map<string, CertBytes>();

  line(ev: unknown): void {
    const start = this.pos;
    if (!this.event(ev)) {
      this.pos = start;
      const json = JSON.stringify(ev) ?? 'undefined';
      // A UTF-16 code unit takes at most 3 bytes of UTF-8.
      this.ensure(3 * json.length);
      this.pos += this.buf.write(json, this.pos, 'utf8');
    }
    this.byte(0x0a);
  }

  /**
   * Writes ev by its shape's writer, or a certificate event member by member with its descriptions' cached bytes;
   * false for the rest, which JSON.stringify writes: on handshake messages and sessions a writer in JS measured
   * slower than JSON.stringify and its UTF-8 copy (bench/README.md).
   */
  private event(ev: unknown): boolean {
    if (typeof ev !== 'object' || ev === null) return false;
    const fields = ev as Fields;
    const shape = BY_TYPE.get(fields.type);
    if (shape !== undefined) {
      if (!plain(ev)) return false;
      const mask = shape.members(ev);
      return mask >= 0 && shape.write(this, mask, fields);
    }
    return Array.isArray(fields.certs) && fields.certs.length > 0 && plain(ev) && this.value(ev);
  }

  /** A top-level `certs` list is written with its descriptions' cached bytes. */
  protected override memberValue(k: string, v: unknown, depth: number): boolean {
    if (depth === 1 && k === 'certs' && Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function') return this.certList(v);
    return this.any(v, depth);
  }

  private certList(list: readonly unknown[]): boolean {
    this.byte(0x5b); // [
    for (let i = 0; i < list.length; i++) {
      if (i > 0) this.byte(0x2c);
      const c = list[i];
      if (typeof c === 'object' && c !== null && !Array.isArray(c) && plain(c) && typeof (c as Fields).sha256 === 'string') {
        if (!this.cert(c as Fields)) return false;
      } else if (!this.element(c, 2)) return false;
    }
    this.byte(0x5d); // ]
    return true;
  }

  /**
   * One description, from its cached bytes when it is the same in full (keys in order, every value, nested ones
   * too: a list changed in place since is seen).
   */
  private cert(d: Fields): boolean {
    const key = d.sha256 as string;
    const hit = this.certs.get(key);
    if (hit !== undefined && matches(d, hit.flat, 0) === hit.flat.length) {
      this.bytes(hit.bytes);
      return true;
    }
    const start = this.pos;
    if (!this.object(d, 2)) return false;
    const flat: unknown[] = [];
    if (!flatten(d, flat, 0)) return true;
    if (hit === undefined && this.certs.size >= CERT_JSON_ENTRIES) this.certs.delete(this.certs.keys().next().value!);
    this.certs.set(key, { flat, bytes: Buffer.from(this.buf.subarray(start, this.pos)) });
    return true;
  }
}

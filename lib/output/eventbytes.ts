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

interface Kept {
  /** The value the bytes were made from, flattened (flatten()): compared in full before reuse. */
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

/**
 * Whether v is what `flat` was flattened from (same keys in order, same primitives); -1 if not, else the next index.
 * Primitive elements and members are compared in the loop, without a call each (most of a ClientHello's lists).
 */
function matches(v: unknown, flat: readonly unknown[], at: number): number {
  if (typeof v !== 'object' || v === null) return flat[at] === v ? at + 1 : -1;
  if (typeof (v as Fields).toJSON === 'function') return -1;
  if (Array.isArray(v)) {
    const n = v.length;
    if (flat[at] !== ARRAY_MARK || flat[at + 1] !== n) return -1;
    at += 2;
    for (let i = 0; i < n; i++) {
      const e: unknown = v[i];
      if (typeof e !== 'object' || e === null) {
        if (flat[at++] !== e) return -1;
      } else if ((at = matches(e, flat, at)) < 0) return -1;
    }
    return at;
  }
  if (flat[at] !== OBJECT_MARK || !plain(v)) return -1;
  const n = flat[at + 1];
  at += 2;
  // for-in lists the own keys in Object.keys order, then any enumerable ones of Object.prototype: one of those
  // makes the count differ and the value miss. It reads the members without the two arrays of Object.keys and
  // Object.values.
  let count = 0;
  for (const k in v) {
    if (++count > (n as number) || flat[at++] !== k) return -1;
    const e: unknown = (v as Fields)[k];
    if (typeof e !== 'object' || e === null) {
      if (flat[at++] !== e) return -1;
    } else if ((at = matches(e, flat, at)) < 0) return -1;
  }
  return count === n ? at : -1;
}

/** An object JsonBytes writes member by member: no toJSON, prototype Object.prototype or null. */
function plain(o: object): boolean {
  if (typeof (o as Fields).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

/**
 * Repeated member values of the events without a fixed shape (handshake messages, sessions): a ClientHello's cipher
 * suites, extensions and their names come back in connection after connection of one client stack, and so do a
 * ServerHello's extensions and a session's certificate list. Their JSON text (with the member's `,"key":`) is kept
 * per member name of each kind of event (the type, and the message of a handshake) and written again when the value
 * is the same in full (flatten(): every key in order and every primitive, nested ones too; never by a hash), else
 * written anew and kept in place of the oldest. Limits: MEMO_VALUES texts per member, of at most MEMO_VALUE_BYTES
 * each; MEMO_MEMBERS member names in all; MEMO_KINDS kinds; MEMO_PLANS key lists per kind (an event beyond them is
 * written plainly). At most 256 × 4 × 4 KiB = 4 MiB of texts, and the values' flat lists.
 */
export const MEMO_VALUES = 4;
export const MEMO_VALUE_BYTES = 4096;
export const MEMO_MEMBERS = 256;
export const MEMO_KINDS = 64;
export const MEMO_PLANS = 8;
/**
 * A member whose values missed MEMO_MISSES times in a row (a session's diagnoses, with their frame numbers) is
 * written plainly for the next MEMO_PAUSE values, then tried again: the comparisons and copies cost more than they
 * save on values that never repeat.
 */
export const MEMO_MISSES = 16;
export const MEMO_PAUSE = 240;

/** One member name of one kind of event: its `,"key":` bytes and its recent values' texts, the latest first. */
class Member {
  readonly prefix: Uint8Array;
  /** The texts start with `prefix`. */
  readonly kept: Kept[] = [];
  misses = 0;
  pause = 0;

  constructor(readonly key: string) {
    this.prefix = Buffer.from(`,${JSON.stringify(key)}:`, 'utf8');
  }
}

/** A kind of event's member names and the key lists its events came with lately (the latest first). */
interface Kind {
  members: Map<string, Member>;
  plans: { keys: readonly string[]; members: readonly Member[] }[];
}

/** Whether two key lists are the same (names from Object.keys, compared as strings). */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * NDJSON lines into one growable buffer (`buf`, `pos` of JsonBytes): line(ev) appends the bytes of
 * `JSON.stringify(ev) + '\n'`, or of `'undefined\n'` when JSON.stringify gives undefined (as the ndjson package
 * wrote). It throws what JSON.stringify throws (a bigint, a cycle), with nothing of that line written.
 */
export class EventBytes extends JsonBytes {
  private readonly certs = new Map<string, Kept>();
  /** By kind of event (MEMO_*). */
  private readonly kinds = new Map<unknown, Kind>();
  private members = 0;

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
   * Writes ev by its shape's writer, or member by member with the texts of repeated values (MEMO_*) and of
   * certificate descriptions reused; false for what JSON.stringify is left to write (see JsonBytes.value).
   */
  private event(ev: unknown): boolean {
    if (typeof ev !== 'object' || ev === null || !plain(ev)) return false;
    const fields = ev as Fields;
    const type = fields.type;
    const shape = BY_TYPE.get(type);
    if (shape !== undefined) {
      const mask = shape.members(ev);
      if (mask >= 0) return shape.write(this, mask, fields);
    }
    return this.rest(fields, type === 'tls.handshake' && typeof fields.msg === 'string' ? fields.msg : type);
  }

  /** A plain event's members in Object.keys order, object values through their member's texts (memo()). */
  private rest(ev: Fields, kind: unknown): boolean {
    const keys = Object.keys(ev);
    const values = Object.values(ev);
    if (values.length !== keys.length) return false; // a getter that added or removed keys
    const members = this.plan(kind, keys);
    if (members === undefined) return this.any(ev, 0);
    this.byte(0x7b); // {
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const v = values[i];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      const m = members[i]!;
      if (typeof v !== 'object' || v === null || m.key === 'certs') {
        this.prefix(m.prefix, first ? 1 : 0);
        if (!this.memberValue(m.key, v, 1)) return false;
      } else if (!this.memo(m, v, first ? 1 : 0)) return false;
      first = false;
    }
    this.byte(0x7d); // }
    return true;
  }

  /** The members for an event of `kind` with these keys, in their order; undefined beyond the MEMO_* limits. */
  private plan(kind: unknown, keys: readonly string[]): readonly Member[] | undefined {
    let k = this.kinds.get(kind);
    if (k === undefined) {
      if (this.kinds.size >= MEMO_KINDS) return undefined;
      this.kinds.set(kind, (k = { members: new Map(), plans: [] }));
    }
    const plans = k.plans;
    for (let j = 0; j < plans.length; j++) {
      const p = plans[j]!;
      if (!sameKeys(p.keys, keys)) continue;
      for (let i = j; i > 0; i--) plans[i] = plans[i - 1]!;
      plans[0] = p;
      return p.members;
    }
    const members: Member[] = [];
    for (const key of keys) {
      let m = k.members.get(key);
      if (m === undefined) {
        if (this.members >= MEMO_MEMBERS) return undefined;
        k.members.set(key, (m = new Member(key)));
        this.members++;
      }
      members.push(m);
    }
    if (plans.length >= MEMO_PLANS) plans.pop();
    plans.unshift({ keys, members });
    return members;
  }

  /** Copies `p` from index `from` on (a member's prefix without its comma when it comes first). */
  private prefix(p: Uint8Array, from: number): void {
    const n = p.length;
    this.ensure(n);
    const buf = this.buf;
    if (n - from > 32) {
      buf.set(from === 0 ? p : p.subarray(from), this.pos);
      this.pos += n - from;
      return;
    }
    let pos = this.pos;
    for (let i = from; i < n; i++) buf[pos++] = p[i]!;
    this.pos = pos;
  }

  /**
   * A member with an object value, its prefix from `from` on (1: without the comma): a kept text when the value is
   * the same in full, else written from its flat list and kept.
   */
  private memo(m: Member, v: object, from: number): boolean {
    if (m.pause > 0) {
      m.pause--;
      this.prefix(m.prefix, from);
      return this.any(v, 1);
    }
    const kept = m.kept;
    for (let j = 0; j < kept.length; j++) {
      const e = kept[j]!;
      if (matches(v, e.flat, 0) !== e.flat.length) continue;
      this.prefix(e.bytes, from);
      // The latest first (not copyWithin: on a JS array it measured slower than the whole lookup).
      for (let i = j; i > 0; i--) kept[i] = kept[i - 1]!;
      kept[0] = e;
      m.misses = 0;
      return true;
    }
    const flat: unknown[] = [];
    if (!flatten(v, flat, 1)) {
      this.prefix(m.prefix, from);
      return this.any(v, 1);
    }
    // Written from the flat list, so that the text kept is the one of the values compared (a getter is read once).
    const start = this.pos;
    this.prefix(m.prefix, 0);
    if (this.fromFlat(flat, 0) < 0) return false;
    const end = this.pos;
    if (++m.misses >= MEMO_MISSES) {
      m.misses = 0;
      m.pause = MEMO_PAUSE;
    }
    if (end - start <= MEMO_VALUE_BYTES) {
      if (kept.length >= MEMO_VALUES) kept.pop();
      const bytes = Buffer.allocUnsafe(end - start);
      this.buf.copy(bytes, 0, start, end);
      kept.unshift({ flat, bytes });
    }
    if (from > 0) {
      // The first member: its comma written and kept, taken out of the line.
      this.buf.copyWithin(start, start + 1, end);
      this.pos = end - 1;
    }
    return true;
  }

  /** Writes the value flattened at `at` (flatten()); the index after it, or -1 for what JSON.stringify must write. */
  private fromFlat(flat: readonly unknown[], at: number): number {
    const x = flat[at];
    if (x === ARRAY_MARK) {
      const n = flat[at + 1] as number;
      at += 2;
      this.byte(0x5b); // [
      for (let i = 0; i < n; i++) {
        if (i > 0) this.byte(0x2c);
        const e = flat[at];
        if (e === undefined || typeof e === 'function' || typeof e === 'symbol') {
          this.any(null, 0);
          at++;
        } else if ((at = this.fromFlat(flat, at)) < 0) return -1;
      }
      this.byte(0x5d); // ]
      return at;
    }
    if (x === OBJECT_MARK) {
      const n = flat[at + 1] as number;
      at += 2;
      this.byte(0x7b); // {
      let first = true;
      for (let i = 0; i < n; i++) {
        const k = flat[at] as string;
        const e = flat[at + 1];
        if (e === undefined || typeof e === 'function' || typeof e === 'symbol') {
          at += 2;
          continue;
        }
        if (first) first = false;
        else this.byte(0x2c);
        this.string(k);
        this.byte(0x3a);
        if ((at = this.fromFlat(flat, at + 1)) < 0) return -1;
      }
      this.byte(0x7d); // }
      return at;
    }
    return this.any(x, 0) ? at + 1 : -1;
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

// Stage 3 (tls): ordered flow bytes → tls.record, tls.handshake and tls.alert events. Per direction it frames
// records from the reassembled stream (SSLv2 headers and SSL 3.0/TLS records), cuts handshake messages from a
// per-direction handshake buffer by their own length (RFC 8446 §5.1, RFC 5246 §6.2.1), tracks the encryption
// state (ChangeCipherSpec; TLS 1.3 after ServerHello), finds TLS after STARTTLS plaintext, and resynchronises
// after capture gaps. Damage becomes anomaly events; nothing here throws on input.

import { anomaly, type Dir, type Emit, type Event, type FlowItem, type Origin } from '../events.js';
import { own } from '../bytes.js';
import { Cursor } from '../cursor.js';
import type { Options } from '../options.js';
import * as R from '../registry/index.js';
import { enrichClientHello, enrichServerHello, type ClientHelloKept } from './hello.js';
import { CONTENT, EXT, MSG, SSLV2_MSG } from './ids.js';
import { decodeMessage, extensionsOf, isTls13, type Fields, type HsContext } from './handshake.js';
import { ByteQueue } from './queue.js';
import { ConnectionDecryptor, type KeyStore } from '../decrypt/index.js';
import { decryptedRecord, previewText } from './decrypted.js';
import { nameInto } from './render.js';
import {
  looksLikeSslv2ClientHello,
  looksLikeSslv2ServerReply,
  sslv2ClientHello,
  sslv2ClientMasterKey,
  sslv2Error,
  sslv2Header,
  sslv2ServerHello,
} from './sslv2.js';

/** RFC 5246 §6.2.3: TLSCiphertext.length must not exceed 2^14 + 2048. Records longer than this are not records. */
export const MAX_RECORD = (1 << 14) + 2048;
/** RFC 8446 §5.1/§5.2: the bound used when searching for a record header after a gap (2^14 + 256). */
export const MAX_RECORD_RESYNC = (1 << 14) + 256;
/** Largest hole of known size kept in place (FlowData.hole); a larger one is treated as a gap of unknown size. */
export const MAX_KNOWN_HOLE = 1 << 20;
/** The content_id given to SSL 2.0 records, which have no ContentType: the header's high bit. */
export const SSLV2_CONTENT_ID = 0x80;

/** An encrypted TLS 1.3 alert record: 2 alert bytes, the inner content type and a 16-byte AEAD tag. */
const TLS13_ALERT_RECORD = 19;

const CCS = CONTENT.change_cipher_spec;
const ALERT = CONTENT.alert;
const HANDSHAKE = CONTENT.handshake;
const APPLICATION_DATA = CONTENT.application_data;

/** A TLS record header (RFC 8446 §5.1, RFC 5246 §6.2.1): ContentType type; ProtocolVersion version; uint16 length. */
interface RecordHeader {
  content: number;
  version: number;
  length: number;
}

/** The record header at the cursor; undefined when fewer than its 5 bytes are there. */
function recordHeader(c: Cursor): RecordHeader | undefined {
  const content = c.u8();
  const version = c.u16();
  const length = c.u16();
  return content === undefined || version === undefined || length === undefined ? undefined : { content, version, length };
}

/** A handshake message header (RFC 8446 §4): HandshakeType msg_type; uint24 length. Undefined when cut. */
function messageHeader(c: Cursor): { type: number; length: number } | undefined {
  const type = c.u8();
  const length = c.u24();
  return type === undefined || length === undefined ? undefined : { type, length };
}

type Mode = 'search' | 'tls' | 'resync';
type Verdict = 'yes' | 'no' | 'more';

interface PendingRecord {
  content: number;
  version: number;
  length: number;
  remain: number;
  sslv2: boolean;
  /** Bytes of the body that fell in holes of known size. */
  missing?: number;
}

interface DirState {
  dir: Dir;
  q: ByteQueue;
  mode: Mode;
  started: boolean;
  /** SSL 2.0 record headers may appear in this direction. */
  sslv2: boolean;
  /** A ChangeCipherSpec was sent in this direction (TLS ≤ 1.2). */
  encrypted: boolean;
  /** A record whose body is counted, not buffered (application data, encrypted records). */
  pending?: PendingRecord;
  /** Bytes passed over while searching for the start of TLS (STARTTLS) or for a header after a gap. */
  skipped: number;
  records: number;
  hs: ByteQueue;
  /** Bytes of an over-limit handshake message still to pass over. */
  hsSkip: number;
  /** The handshake buffer starts at a message boundary (false after a gap until a record starts with a header). */
  hsAligned: boolean;
  firstBytes?: Uint8Array;
  /** The bytes in `hs` came from decrypted records (--keylog): their messages say `decrypted: true`. */
  hsDecrypted: boolean;
  /**
   * Holes of known size in `q` and in `hs` (an excerpt with rows left out): flat [start, end) pairs in each queue's
   * stream offsets (ByteQueue.taken). The queues hold zeros there; nothing is read from them.
   */
  missing?: number[];
  hsMissing?: number[];
}

interface FlowState {
  flow: number;
  c2s: DirState;
  s2c: DirState;
  /** A TLS or SSL 2.0 record was found in either direction. */
  tls: boolean;
  bytes: number;
  version?: number;
  cipher?: number;
  /** TLS 1.3 was negotiated: every record after the ServerHello is protected (RFC 8446 §5). */
  tls13: boolean;
  sslv2Encrypted: boolean;
  clientHello?: ClientHelloKept;
  /** TLS 1.3 flight inference: the line of the client's first protected record, then done. */
  clientFlight?: { line: number | undefined; done: boolean };
  /** Decryption with logged secrets (--keylog, pcapng secrets blocks): set at the ClientHello when keys are on. */
  dec?: ConnectionDecryptor;
  /** `keys_missing` and `tls.decrypt_unsupported` are said once per connection. */
  keysMissingSaid?: boolean;
  unsupportedSaid?: boolean;
  /** A NULL-encryption cipher suite was chosen (TLS ≤ 1.2): records after ChangeCipherSpec are plaintext followed
   *  by a MAC of this many bytes (RFC 5246 §6.2.3.1). */
  nullMac?: number;
}

function newDir(dir: Dir): DirState {
  return {
    dir,
    q: new ByteQueue(),
    mode: 'search',
    started: false,
    sslv2: false,
    encrypted: false,
    skipped: 0,
    records: 0,
    hs: new ByteQueue(),
    hsSkip: 0,
    hsAligned: true,
    hsDecrypted: false,
  };
}

/** A plausible record header: a known content type, version 3.0–3.4, length ≤ max. */
function plausibleHeader(content: number, version: number, length: number, max: number): boolean {
  return content >= CCS && content <= CONTENT.heartbeat && version >> 8 === 3 && (version & 0xff) <= 4 && length <= max;
}

/** Whether a plausible record header starts at offset i: a known content type, version 3.0–3.4, length ≤ max. */
function looseHeader(q: ByteQueue, i: number, max: number): Verdict {
  const c = q.cursor(i);
  const t = c.u8();
  if (t === undefined) return 'more';
  if (t < CCS || t > CONTENT.heartbeat) return 'no';
  const major = c.u8();
  if (major === undefined) return 'more';
  if (major !== 3) return 'no';
  const minor = c.u8();
  if (minor === undefined) return 'more';
  if (minor > 4) return 'no';
  const len = c.u16();
  if (len === undefined) return 'more';
  return len <= max ? 'yes' : 'no';
}

export class TlsDecoder {
  private readonly flows = new Map<number, FlowState>();
  /** No output shows tls.handshake events (only the session verdict reads them): they are named lean (nameInto). */
  private readonly leanHandshakes: boolean;

  constructor(
    readonly opts: Readonly<Options>,
    readonly emit: Emit,
    /** Logged secrets (lib/keylog); without them, or while empty, nothing is decrypted. */
    readonly keys?: KeyStore,
  ) {
    this.leanHandshakes = !opts.events.has('tls.handshake');
  }

  push(item: FlowItem): void {
    if (item.kind === 'open') {
      this.state(item.flow);
      return;
    }
    if (item.kind === 'close') {
      const f = this.flows.get(item.flow);
      if (f) this.finish(f, item);
      this.flows.delete(item.flow);
      return;
    }
    const f = this.state(item.flow);
    const d = f[item.dir];
    if (item.bytes.length === 0) return;
    if (item.afterGap && item.hole !== undefined && d.started && d.mode === 'tls' && item.hole <= MAX_KNOWN_HOLE) {
      this.knownHole(f, d, item.hole, item);
    } else if (item.afterGap) {
      if (d.started) this.flush(f, d, item, 'gap');
      d.mode = d.mode === 'search' && !f.tls && !d.started ? 'search' : 'resync';
      if (d.mode === 'resync') d.skipped = 0;
      d.hsAligned = false;
      f.dec?.gap(d.dir);
    }
    const first = !d.started;
    d.started = true;
    f.bytes += item.bytes.length;
    let bytes = item.bytes;
    const p = d.pending;
    if (p && d.q.length === 0) {
      // The body of a record that is counted, not kept (application data, protected records): passed over where
      // it arrives instead of being copied into the queue and consumed from it, as process() would do.
      const n = Math.min(p.remain, bytes.length);
      p.remain -= n;
      if (p.remain > 0) return;
      d.pending = undefined;
      this.record(f, d, p.content, p.version, p.length, undefined, item, p.sslv2);
      if (n === bytes.length) return;
      bytes = bytes.subarray(n);
    }
    d.q.append(bytes);
    this.process(f, d, item);
    // The queue framed what it could from the item's own bytes; a partial record left is copied out of them.
    d.q.settle();
    // The first bytes are kept for tls.not_tls only, so not once a record was found in them.
    if (first && !f.tls) d.firstBytes = own(item.bytes, 0, 16);
  }

  /**
   * A hole of known size: framing keeps its place across it. A counted record body takes it in its count; other
   * bytes become zeros in the queue, marked missing, so that records and messages are still cut by their lengths
   * and decoders are told which of their bytes are not there (decodeMessage).
   */
  private knownHole(f: FlowState, d: DirState, n: number, at: Origin): void {
    const p = d.pending;
    if (p && d.q.length === 0) {
      const k = Math.min(p.remain, n);
      p.remain -= k;
      p.missing = (p.missing ?? 0) + k;
      n -= k;
      if (p.remain === 0) {
        d.pending = undefined;
        this.record(f, d, p.content, p.version, p.length, undefined, at, p.sslv2, undefined, p.missing);
      }
    }
    if (n === 0) return;
    const start = d.q.taken + d.q.length;
    (d.missing ??= []).push(start, start + n);
    d.q.append(new Uint8Array(n));
  }

  end(): void {
    for (const f of this.flows.values()) this.finish(f, {});
    this.flows.clear();
  }

  private state(flow: number): FlowState {
    let f = this.flows.get(flow);
    if (!f) {
      f = { flow, c2s: newDir('c2s'), s2c: newDir('s2c'), tls: false, bytes: 0, tls13: false, sslv2Encrypted: false };
      this.flows.set(flow, f);
    }
    return f;
  }

  /** The fields every TLS event starts with, in this order: type, line, frame, ts (those known), flow, dir. */
  private base(type: Event['type'], f: FlowState, d: DirState, at: Origin): Event {
    const ev: Event = { type };
    if (at.line !== undefined) ev.line = at.line;
    if (at.frame !== undefined) ev.frame = at.frame;
    if (at.ts !== undefined) ev.ts = at.ts;
    ev.flow = f.flow;
    ev.dir = d.dir;
    return ev;
  }

  private anomaly(code: string, message: string, f: FlowState, d: DirState | undefined, at: Origin, extra?: Record<string, unknown>): void {
    this.emit(anomaly(code, message, at, d ? { flow: f.flow, dir: d.dir, ...extra } : { flow: f.flow, ...extra }));
  }

  // --- framing -----------------------------------------------------------------------------------------------

  private process(f: FlowState, d: DirState, at: Origin): void {
    const q = d.q;
    for (;;) {
      if (d.pending) {
        const p = d.pending;
        const n = Math.min(p.remain, q.length);
        if (d.missing) {
          const m = holesIn(d.missing, q.taken, q.taken + n);
          if (m.length > 0) p.missing = (p.missing ?? 0) + sumRanges(m);
        }
        q.consume(n);
        p.remain -= n;
        if (p.remain > 0) return;
        d.pending = undefined;
        this.record(f, d, p.content, p.version, p.length, undefined, at, p.sslv2, undefined, p.missing);
        continue;
      }
      if (q.length === 0) return;
      if (d.mode === 'search' || d.mode === 'resync') {
        if (!this.find(f, d, at)) return;
        continue;
      }
      if (!this.frame(f, d, at)) return;
    }
  }

  /** Scans for where records start (search: the start of TLS; resync: the next header after a gap). */
  private find(f: FlowState, d: DirState, at: Origin): boolean {
    const q = d.q;
    const other = d.dir === 'c2s' ? f.s2c : f.c2s;
    for (let i = 0; i < q.length; i++) {
      // Past the very start of a stream only a record header can be taken (startAt, strictAt and
      // strictAcrossHole all want a content type, 20-24, first): the bytes before the next one are passed over.
      if (i > 0 || d.skipped > 0) {
        i = q.scan(i, CCS, CONTENT.heartbeat);
        if (i === q.length) break;
      }
      let v = d.mode === 'resync' || (other.mode === 'tls' && i > 0) ? this.strictAt(q, i) : this.startAt(d, i);
      if (v === 'no' && d.missing && d.mode === 'resync') v = this.strictAcrossHole(d, q, i);
      if (v === 'no') continue;
      q.consume(i);
      d.skipped += i;
      if (v === 'more') return false;
      if (d.mode === 'resync' && d.skipped > 0) {
        this.anomaly('tls.resync', `skipped ${d.skipped} bytes to the next plausible record header`, f, d, at, { skipped: d.skipped });
      }
      d.mode = 'tls';
      return true;
    }
    d.skipped += q.length;
    q.consume(q.length);
    return false;
  }

  /** The start of TLS in a direction: at offset 0 any record (or SSLv2 hello); later, a hello after plaintext. */
  private startAt(d: DirState, i: number): Verdict {
    const q = d.q;
    const b0 = q.at(i)!;
    if (i === 0 && d.skipped === 0) {
      if (b0 & 0x80) {
        if (q.length < 11) return 'more';
        const b = (k: number): number | undefined => q.at(k);
        if (d.dir === 'c2s' && looksLikeSslv2ClientHello(b)) return ((d.sslv2 = true), 'yes');
        if (d.dir === 's2c' && looksLikeSslv2ServerReply(b)) return ((d.sslv2 = true), 'yes');
        return 'no';
      }
      const v = looseHeader(q, 0, MAX_RECORD);
      if (v !== 'yes') return v;
      // A lone plausible header is accepted at the very start of a stream (RFC 8446 §5.1 layout).
      return 'yes';
    }
    // After plaintext (STARTTLS, RFC 3207 / RFC 2595 / RFC 4511): a handshake record holding a hello of this
    // side, or the server's alert.
    if (b0 !== HANDSHAKE && b0 !== ALERT) return 'no';
    const v = looseHeader(q, i, MAX_RECORD);
    if (v !== 'yes') return v;
    const c = q.cursor(i);
    const len = recordHeader(c)!.length;
    const t = c.peek(0);
    if (t === undefined) return 'more';
    // An alert's first byte is its level: warning (1) or fatal (2), RFC 5246 §7.2.
    if (b0 === ALERT) return d.dir === 's2c' && len === 2 && (t === 1 || t === 2) ? 'yes' : 'no';
    if (t !== (d.dir === 'c2s' ? MSG.client_hello : MSG.server_hello)) return 'no';
    const m = messageHeader(c);
    if (m === undefined) return 'more';
    const hsLen = m.length;
    return len >= 4 && hsLen >= 38 && hsLen <= this.opts.maxHandshakeBytes && (hsLen + 4 <= len || len >= 1 << 14) ? 'yes' : 'no';
  }

  /**
   * A header after a gap: type 20–24, version 0x0300–0x0304, 0 < length ≤ 2^14+256 (RFC 8446 §5.1), confirmed by
   * the next header or by the end of the bytes seen so far.
   */
  private strictAt(q: ByteQueue, i: number): Verdict {
    const v = looseHeader(q, i, MAX_RECORD_RESYNC);
    if (v !== 'yes') return v;
    const { content: t, length: len } = recordHeader(q.cursor(i))!;
    if (len === 0 || (t === CCS && len !== 1) || (t === ALERT && len < 2)) return 'no';
    const next = i + 5 + len;
    if (next === q.length) return 'yes';
    if (next + 5 <= q.length) return looseHeader(q, next, MAX_RECORD) === 'yes' ? 'yes' : 'no';
    return 'more';
  }

  /**
   * After a hole of known size, the header that would confirm a record (the next one) may itself be in a hole:
   * then a handshake record whose first message header fits it is taken, as startAt takes a hello.
   */
  private strictAcrossHole(d: DirState, q: ByteQueue, i: number): Verdict {
    if (q.at(i) !== HANDSHAKE || looseHeader(q, i, MAX_RECORD_RESYNC) !== 'yes') return 'no';
    const c = q.cursor(i);
    const len = recordHeader(c)!.length;
    const next = q.taken + i + 5 + len;
    if (holesIn(d.missing!, q.taken + i, q.taken + i + 9).length > 0 || holesIn(d.missing!, next, next + 5).length === 0) return 'no';
    // The message header may run past the bytes queued so far: its missing length bytes count as zeros.
    const t = c.peek(0);
    const hsLen = ((c.peek(1) ?? 0) << 16) | ((c.peek(2) ?? 0) << 8) | (c.peek(3) ?? 0);
    return t !== undefined && R.HANDSHAKE_TYPES.has(t) && len >= 4 && hsLen + 4 <= len ? 'yes' : 'no';
  }

  /** Frames one record at the front of the queue; false when more bytes are needed. */
  private frame(f: FlowState, d: DirState, at: Origin): boolean {
    const q = d.q;
    const b0 = q.at(0)!;
    const tlsLike = b0 >= CCS && b0 <= 24 && q.at(1) === 3;
    if (d.sslv2 && !tlsLike && (b0 & 0x80 || q.length >= 3)) {
      const h = sslv2Header(b0, q.at(1), q.at(2));
      if (!h) return false;
      const plaintext = !f.sslv2Encrypted;
      if (plaintext) {
        if (q.length < h.headerLength + h.length) return false;
        const body = q.view(h.headerLength, h.length - h.padding);
        this.record(f, d, SSLV2_CONTENT_ID, 0x0002, h.length, body, at, true);
        q.consume(h.headerLength + h.length);
      } else {
        q.consume(h.headerLength);
        d.pending = { content: SSLV2_CONTENT_ID, version: 0x0002, length: h.length, remain: h.length, sslv2: true };
      }
      return true;
    }
    if (q.length < 5) return false;
    if (d.missing) {
      const m = holesIn(d.missing, q.taken, q.taken + 5);
      if (m.length > 0) {
        // The record header is in a hole: its length is unknown, so the place is lost until a header is found again.
        q.consume(m[m.length - 1]! - q.taken);
        d.mode = 'resync';
        d.skipped = 0;
        d.hs.clear();
        d.hsMissing = undefined;
        d.hsAligned = false;
        return true;
      }
    }
    // The header read once (5 bytes are there): looseHeader()'s test on its fields, with no second cursor.
    const h = q.cursor();
    const content = h.u8()!;
    const version = h.u16()!;
    const length = h.u16()!;
    if (!plausibleHeader(content, version, length, MAX_RECORD)) {
      const bytes = Array.from(q.view(0, 5), (x) => x.toString(16).padStart(2, '0')).join(' ');
      this.anomaly('tls.malformed', `bytes ${bytes} are not a TLS record header; searching for the next one`, f, d, at);
      d.mode = 'resync';
      d.skipped = 0;
      d.hs.clear();
      d.hsAligned = false;
      return true;
    }
    const needBody =
      content === CCS ||
      content === ALERT ||
      (content === HANDSHAKE && !this.protectedRecord(f, d, content)) ||
      (f.dec !== undefined && f.dec.wantsBody(d.dir) && this.protectedRecord(f, d, content));
    if (needBody) {
      if (q.length < 5 + length) return false;
      const holes = d.missing ? relative(holesIn(d.missing, q.taken + 5, q.taken + 5 + length), q.taken + 5) : undefined;
      this.record(f, d, content, version, length, q.view(5, length), at, false, undefined, holes);
      q.consume(5 + length);
    } else {
      q.consume(5);
      d.pending = { content, version, length, remain: length, sslv2: false };
    }
    return true;
  }

  /** Whether a record of this type in this direction is protected (RFC 5246 §7.1; RFC 8446 §5). */
  private protectedRecord(f: FlowState, d: DirState, content: number): boolean {
    if (content === CCS) return false;
    if (f.nullMac !== undefined && d.encrypted && !f.tls13) return false; // NULL cipher: MAC only, no encryption
    if (content === APPLICATION_DATA) return true;
    if (f.tls13) return false; // TLS 1.3 protects records as application_data; a visible type is plaintext
    return d.encrypted;
  }

  // --- records -----------------------------------------------------------------------------------------------

  /** `missing`: bytes of the body in holes of known size, as a count (counted bodies) or body-relative ranges. */
  private record(
    f: FlowState,
    d: DirState,
    content: number,
    version: number,
    length: number,
    body: Uint8Array | undefined,
    at: Origin,
    sslv2: boolean,
    truncated?: number,
    missing?: number | number[],
  ): void {
    f.tls = true;
    const ev = this.base('tls.record', f, d, at);
    ev.content_id = content;
    ev.content = sslv2 ? 'sslv2' : R.contentTypeName(content);
    ev.version_id = version;
    ev.version = R.versionName(version);
    ev.length = length;
    // A plaintext alert is exactly 2 bytes (RFC 5246 §7.2): a longer one is protected even when the capture began
    // after the ChangeCipherSpec that said so, so the record and its alert agree on `encrypted`.
    const mac = f.nullMac !== undefined && d.encrypted && !sslv2 ? f.nullMac : 0;
    const encrypted = sslv2 ? f.sslv2Encrypted : this.protectedRecord(f, d, content) || (content === ALERT && !f.tls13 && length - mac !== 2);
    ev.encrypted = encrypted;
    if (truncated !== undefined) {
      ev.truncated = true;
      ev.captured = truncated;
    }
    const holes = typeof missing === 'number' ? undefined : missing;
    const missingBytes = typeof missing === 'number' ? missing : holes ? sumRanges(holes) : 0;
    if (missingBytes > 0) ev.missing_bytes = missingBytes;
    if (d.records === 0 && d.skipped > 0) ev.after_plaintext = d.skipped;
    d.records++;
    if (content === APPLICATION_DATA) this.label(f, d, ev, at);
    if (f.dec && encrypted && body && truncated === undefined && !sslv2) {
      if (this.decrypt(f, d, ev, content, version, body, at)) return;
    }
    this.emit(ev);
    if (sslv2) {
      if (body && !encrypted) this.sslv2Message(f, d, body, at, length);
      return;
    }
    if (content === CCS) {
      // RFC 8446 §D.4: in TLS 1.3 a ChangeCipherSpec is a no-op for middleboxes, sent after a HelloRetryRequest
      // or before the second flight; only in TLS ≤ 1.2 does it switch the sender to the new keys.
      const tls13Compat = f.tls13 || (f.version === undefined && f.clientHello !== undefined && isTls13Offer(f.clientHello));
      if (!tls13Compat) {
        this.flushHandshake(f, d, at);
        d.encrypted = true;
        f.dec?.changeCipherSpec(d.dir);
      }
    } else if (content === ALERT && body && missingBytes === 0) {
      this.alerts(f, d, mac ? body.subarray(0, Math.max(0, body.length - mac)) : body, length - mac, at, encrypted);
    } else if (content === HANDSHAKE && body && !encrypted) {
      // Under a NULL cipher the MAC is cut off the end of each record before its messages are read.
      if (mac) {
        if (body.length === length && length >= mac) this.handshakeBytes(f, d, body.subarray(0, length - mac), at);
      } else this.handshakeBytes(f, d, body, at, holes && holes.length > 0 ? holes : undefined);
    }
  }

  /**
   * TLS 1.3 hides the handshake in application_data records (RFC 8446 §5.2). By position: the server's records
   * after its ServerHello until the client answers are its encrypted flight (EncryptedExtensions … Finished); the
   * client's first protected records, sent together, are its Finished flight (unless the first is alert-sized);
   * client records before the ServerHello are early data when the ClientHello offered it (§4.2.10). These are
   * inferences, and the events say so.
   */
  private label(f: FlowState, d: DirState, ev: Event, at: Origin): void {
    if (!f.tls13) {
      // RFC 8446 §4.2.10: early data follows only a ClientHello that offered it (the early_data extension, which
      // needs a PSK); after a gap that lost the ServerHello, other client records are not early data.
      if (d.dir === 'c2s' && f.version === undefined && f.clientHello?.early_data === true && isTls13Offer(f.clientHello)) {
        ev.flight = 'early_data';
        ev.inferred = true;
      }
      return;
    }
    if (d.dir === 's2c') {
      if (!f.clientFlight) {
        ev.flight = 'server_handshake';
        ev.inferred = true;
      }
      return;
    }
    // A first client record of an encrypted alert's size (2 bytes + type + 16-byte tag) is not a Finished (at
    // least 32 bytes of verify_data, RFC 8446 §4.4.4): the client refused the server's flight. It stays unlabelled.
    if (!f.clientFlight && ev.length === TLS13_ALERT_RECORD) return;
    if (!f.clientFlight) f.clientFlight = { line: at.line ?? at.frame, done: false };
    else if (!f.clientFlight.done && (f.clientFlight.line === undefined || f.clientFlight.line !== (at.line ?? at.frame))) f.clientFlight.done = true;
    if (!f.clientFlight.done) {
      ev.flight = 'client_finished';
      ev.inferred = true;
    }
  }

  /**
   * Opens a protected record with the connection's logged secrets and emits the record, then what it held:
   * handshake messages and alerts decoded as plaintext ones (`decrypted: true`), application data as `tls.data`.
   * False when the record stays opaque (no keys, failure, unsupported): the caller goes on as without keys.
   */
  private decrypt(f: FlowState, d: DirState, ev: Event, content: number, version: number, body: Uint8Array, at: Origin): boolean {
    const o = f.dec!.open(d.dir, content, version, body);
    if (o.kind === 'opened') {
      decryptedRecord(ev, o.content, o.skipped);
      this.emit(ev);
      if (o.content === HANDSHAKE) this.handshakeBytes(f, d, o.data, at, undefined, true);
      else if (o.content === ALERT) this.alerts(f, d, o.data, o.data.length, at, false, true);
      else if (o.content === APPLICATION_DATA) {
        const data = this.base('tls.data', f, d, at);
        data.length = o.data.length;
        data.decrypted = true;
        if (this.opts.dataPreview > 0) data.preview = previewText(o.data, this.opts.dataPreview);
        this.emit(data);
      }
      return true;
    }
    if (o.kind === 'no_keys' && !f.keysMissingSaid) {
      f.keysMissingSaid = true;
      ev.keys_missing = o.label;
    }
    if (o.kind === 'unsupported' && !f.unsupportedSaid) {
      f.unsupportedSaid = true;
      this.anomaly('tls.decrypt_unsupported', `secrets are logged for this connection, but its ${o.what} cannot be decrypted here`, f, d, at);
    }
    if (o.kind === 'failed') {
      this.emit(ev);
      const stop = o.gaveUp ? `; decryption of this direction stops after ${o.tried > 1 ? 'repeated failures' : 'this'}` : '';
      this.anomaly(
        'tls.decrypt_failed',
        `a ${String(ev.length)}-byte record did not authenticate with the logged secrets (sequence numbers ${o.seq} to ${o.seq + BigInt(o.tried - 1)} tried)${stop}`,
        f,
        d,
        at,
      );
      this.protectedFallback(f, d, content, body, at);
      return true;
    }
    return false;
  }

  /** What a protected record shows without its keys (the path of record() for an opaque record). */
  private protectedFallback(f: FlowState, d: DirState, content: number, body: Uint8Array, at: Origin): void {
    if (content === ALERT) this.alerts(f, d, body, body.length, at, true);
  }

  // RFC 5246 §7.2 / RFC 8446 §6: struct { AlertLevel level; AlertDescription description; } Alert;
  // A protected alert (after ChangeCipherSpec, or any alert body that is not 2 bytes) shows only its length.
  private alerts(f: FlowState, d: DirState, body: Uint8Array, length: number, at: Origin, encrypted: boolean, decrypted = false): void {
    if (encrypted || length !== 2) {
      const ev = this.base('tls.alert', f, d, at);
      ev.encrypted = true;
      ev.length = length;
      this.emit(ev);
      return;
    }
    // A record cut by a gap or by the end of the capture may hold fewer than its two bytes (flush() passes what was
    // captured): there is no alert to show, and its tls.record already says `truncated`. Decoding it would read past
    // the end.
    if (body.length < 2) return;
    const c = Cursor.of(body);
    const level = c.u8()!;
    const description = c.u8()!;
    const ev = this.base('tls.alert', f, d, at);
    ev.level_id = level;
    ev.level = R.alertLevelName(level);
    ev.description_id = description;
    ev.description = R.alertDescriptionName(description);
    if (decrypted) ev.decrypted = true;
    this.emit(ev);
  }

  // --- handshake messages ------------------------------------------------------------------------------------

  private handshakeBytes(f: FlowState, d: DirState, body: Uint8Array, at: Origin, holes?: number[], decrypted = false): void {
    d.hsDecrypted = decrypted;
    if (!d.hsAligned) {
      // After a gap the buffer has lost its place: wait for a record that starts with a message header.
      if (holes && holes[0]! < 4) return;
      const m = messageHeader(Cursor.of(body));
      if (m === undefined || !R.HANDSHAKE_TYPES.has(m.type) || m.length > this.opts.maxHandshakeBytes) return;
      d.hsAligned = true;
    }
    if (holes) {
      const base = d.hs.taken + d.hs.length;
      d.hsMissing ??= [];
      for (const x of holes) d.hsMissing.push(base + x);
    }
    d.hs.append(body);
    this.cutMessages(f, d, at);
    // `body` is a view of the record queue (or of decrypted bytes): a partial message left is copied out of it.
    d.hs.settle();
  }

  /** Cuts messages from the handshake buffer by their own length (RFC 8446 §4, RFC 5246 §7.4). */
  private cutMessages(f: FlowState, d: DirState, at: Origin): void {
    const hs = d.hs;
    for (;;) {
      if (d.hsSkip > 0) {
        const n = Math.min(d.hsSkip, hs.length);
        hs.consume(n);
        d.hsSkip -= n;
        if (d.hsSkip > 0) return;
      }
      if (hs.length < 4) return;
      if (d.hsMissing && holesIn(d.hsMissing, hs.taken, hs.taken + 4).length > 0) {
        // A message header in a hole: the messages after it cannot be cut until a record starts with one.
        hs.clear();
        d.hsMissing = undefined;
        d.hsAligned = false;
        return;
      }
      const { type, length } = messageHeader(hs.cursor())!;
      if (length > this.opts.maxHandshakeBytes) {
        const ev = this.base('tls.handshake', f, d, at);
        ev.msg_id = type;
        ev.msg = R.handshakeTypeName(type);
        ev.length = length;
        ev.truncated = true;
        ev.over_limit = true;
        this.emit(ev);
        this.anomaly(
          'tls.limit',
          `a ${ev.msg} of ${length} bytes is over --max-handshake-bytes (${this.opts.maxHandshakeBytes}); not decoded`,
          f,
          d,
          at,
        );
        hs.consume(4);
        d.hsSkip = length;
        continue;
      }
      if (hs.length < 4 + length) return;
      this.message(f, d, type, length, hs.view(4, length), at, this.bodyHoles(d, length));
      hs.consume(4 + length);
    }
  }

  /** Holes of known size in the body of the message at the front of the handshake buffer, body-relative. */
  private bodyHoles(d: DirState, length: number): number[] | undefined {
    if (!d.hsMissing) return undefined;
    const from = d.hs.taken + 4;
    const m = relative(holesIn(d.hsMissing, from, from + length), from);
    return m.length > 0 ? m : undefined;
  }

  private message(f: FlowState, d: DirState, type: number, length: number, body: Uint8Array, at: Origin, holes?: number[]): void {
    const ctx: HsContext = { version: f.version, cipher: f.cipher, maxCerts: this.opts.maxCertsPerChain };
    const { fields, complete, malformed } = decodeMessage(type, body, length, ctx, holes);
    const ev = this.base('tls.handshake', f, d, at);
    ev.msg_id = type;
    ev.msg = R.handshakeTypeName(type);
    ev.length = length;
    const cut = !complete && !malformed;
    if (type === MSG.client_hello) this.clientHello(f, fields, cut);
    if (type === MSG.server_hello) this.serverHello(f, fields, cut);
    nameInto(ev, fields, this.leanHandshakes);
    if (!complete) {
      if (malformed) ev.malformed = true;
      else ev.truncated = true;
    }
    if (d.hsDecrypted) ev.decrypted = true;
    if (holes) ev.missing_bytes = sumRanges(holes);
    this.emit(ev);
    if (malformed) this.anomaly('tls.malformed', `${ev.msg} of ${length} bytes does not match its structure`, f, d, at);
    // TLS 1.3 Finished, KeyUpdate and EndOfEarlyData change the sender's keys for its next record.
    if (d.hsDecrypted && complete) f.dec?.handshakeMessage(d.dir, type);
  }

  /** A ClientHello: its facts and fingerprints (enrichClientHello); decryption starts here when keys are on. */
  private clientHello(f: FlowState, fields: Fields, cut = false): void {
    if (this.keys?.active && !f.dec && typeof fields.random === 'string' && fields.random.length === 64) {
      f.dec = new ConnectionDecryptor(this.keys);
      f.dec.clientHello(
        fields.random,
        extensionsOf(fields).some((e) => e.id === EXT.early_data),
      );
    }
    // What the flow reads again later (isTls13Offer, early data, serverHello), not the whole message, which would
    // stay resident with every live flow.
    f.clientHello = enrichClientHello(fields, cut);
  }

  /** A ServerHello (not a HelloRetryRequest) sets the connection's version and suite; its facts are enriched. */
  private serverHello(f: FlowState, fields: Fields, cut = false): void {
    const sh = enrichServerHello(fields, f.clientHello?.session_id, cut);
    if (fields.hello_retry_request === true) return;
    f.version = sh.version;
    f.cipher = sh.cipher;
    if (isTls13(sh.version)) f.tls13 = true;
    else if (sh.cipher !== undefined) f.nullMac = R.nullCipherMacLength(sh.cipher);
    if (f.dec && sh.version !== undefined && sh.cipher !== undefined && sh.random !== undefined)
      f.dec.serverHello(sh.version, sh.cipher, sh.random, sh.encryptThenMac, f.tls13);
  }

  /** SSL 2.0 messages: one per record, the first byte its type (draft-hickman §2.6). */
  private sslv2Message(f: FlowState, d: DirState, body: Uint8Array, at: Origin, recordLength: number): void {
    const c = Cursor.of(body);
    const type = c.u8();
    if (type === undefined) return;
    let fields: Fields;
    if (type === SSLV2_MSG.client_hello && d.dir === 'c2s') fields = sslv2ClientHello(c);
    else if (type === SSLV2_MSG.server_hello && d.dir === 's2c') fields = sslv2ServerHello(c);
    else if (type === SSLV2_MSG.client_master_key && d.dir === 'c2s') fields = sslv2ClientMasterKey(c);
    else if (type === SSLV2_MSG.error) fields = sslv2Error(c);
    else fields = { sslv2: true };
    const ev = this.base('tls.handshake', f, d, at);
    ev.msg_id = type;
    ev.msg = R.sslv2MessageName(type);
    ev.length = body.length - 1;
    if (type === SSLV2_MSG.client_hello && d.dir === 'c2s') this.clientHello(f, fields, c.short && body.length < recordLength);
    if (type === SSLV2_MSG.server_hello && d.dir === 's2c') {
      f.version = 0x0002;
      f.c2s.sslv2 = true;
    }
    nameInto(ev, fields, this.leanHandshakes);
    if (c.short) ev.truncated = body.length < recordLength;
    if (c.short && !ev.truncated) {
      ev.malformed = true;
      this.anomaly('tls.malformed', `SSL 2.0 ${ev.msg} does not match its structure`, f, d, at);
    }
    this.emit(ev);
    // draft-hickman §2.6: after CLIENT-MASTER-KEY both sides switch to the session keys.
    if (type === SSLV2_MSG.client_master_key && d.dir === 'c2s') f.sslv2Encrypted = true;
  }

  // --- cuts: gaps, close, end of input ------------------------------------------------------------------------

  /** Reports what a gap or the end cut short: a partial record, then a partial handshake message. */
  private flush(f: FlowState, d: DirState, at: Origin, why: 'gap' | 'end'): void {
    const q = d.q;
    if (d.pending) {
      const p = d.pending;
      d.pending = undefined;
      this.record(f, d, p.content, p.version, p.length, undefined, at, p.sslv2, p.length - p.remain);
    } else if (d.mode === 'tls' && q.length > 0) {
      const b0 = q.at(0)!;
      if (q.length >= 5 && looseHeader(q, 0, MAX_RECORD) === 'yes') {
        const { version, length } = recordHeader(q.cursor())!;
        const holes = d.missing ? relative(holesIn(d.missing, q.taken + 5, q.taken + q.length), q.taken + 5) : undefined;
        this.record(f, d, b0, version, length, q.view(5, q.length - 5), at, false, q.length - 5, holes);
      } else if (d.sslv2 && b0 & 0x80 && q.length >= 2) {
        const h = sslv2Header(b0, q.at(1), q.at(2))!;
        this.record(f, d, SSLV2_CONTENT_ID, 0x0002, h.length, q.view(2, q.length - 2), at, true, q.length - 2);
      }
    }
    q.clear();
    d.missing = undefined;
    this.flushHandshake(f, d, at);
    if (why === 'end' && d.mode === 'resync' && d.skipped > 0) {
      this.anomaly('tls.resync', `no record header found in the ${d.skipped} bytes after the gap`, f, d, at, { skipped: d.skipped, found: false });
    }
  }

  /** A handshake message cut short is still reported, with what could be decoded and `truncated: true`. */
  private flushHandshake(f: FlowState, d: DirState, at: Origin): void {
    const hs = d.hs;
    if (d.hsSkip === 0 && hs.length >= 4) {
      const { type, length } = messageHeader(hs.cursor())!;
      const headerLost = d.hsMissing !== undefined && holesIn(d.hsMissing, hs.taken, hs.taken + 4).length > 0;
      if (!headerLost)
        this.message(f, d, type, length, hs.view(4, Math.min(length, hs.length - 4)), at, this.bodyHoles(d, Math.min(length, hs.length - 4)));
    }
    hs.clear();
    d.hsMissing = undefined;
    d.hsSkip = 0;
  }

  private finish(f: FlowState, at: Origin): void {
    this.flush(f, f.c2s, at, 'end');
    this.flush(f, f.s2c, at, 'end');
    if (!f.tls && f.bytes > 0) {
      const first = f.c2s.firstBytes ?? f.s2c.firstBytes ?? new Uint8Array();
      const preview = Array.from(first, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
      this.anomaly('tls.not_tls', `no TLS records in ${f.bytes} bytes of this connection (it begins '${preview}')`, f, undefined, at, {
        bytes: f.bytes,
      });
    }
  }
}

/** The ClientHello offers TLS 1.3 (supported_versions holds 0x0304 or a draft), so early data may follow it. */
function isTls13Offer(ch: ClientHelloKept): boolean {
  return ch.supported_version_ids.some((v) => isTls13(v));
}

/** The parts of the holes (flat [start, end) pairs, in order) that fall in [from, to), as flat pairs. */
function holesIn(holes: readonly number[], from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < holes.length; i += 2) {
    const a = Math.max(holes[i]!, from);
    const b = Math.min(holes[i + 1]!, to);
    if (a < b) out.push(a, b);
  }
  return out;
}

function relative(holes: number[], base: number): number[] {
  return holes.map((x) => x - base);
}

function sumRanges(holes: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < holes.length; i += 2) n += holes[i + 1]! - holes[i]!;
  return n;
}

// Stage 2 for excerpts: hex rows shown without their packets' headers (a pasted "data minus the IP and TCP
// headers", rows left out inside certificates) → flow items for the TLS stage, as reassembly gives them for
// whole packets. The bytes place themselves: row offsets place bytes within a packet (an offset jump is a hole
// of known size), a TLS record header that agrees with the handshake header inside it says where TLS starts,
// and each later packet continues the stream where the TLS structure (record and message lengths) says it fits.

import { anomaly, type Dir, type Emit, type Event, type ExcerptItem, type FlowItem, type Fragment, type Sink } from '../events.js';
import { HANDSHAKE_TYPES } from '../registry/index.js';

/** Bytes kept per excerpt (every direction together); rows past it are reported and not placed. */
export const MAX_EXCERPT_BYTES = 4 << 20;
/** RFC 5246 §6.2.3: TLSCiphertext.length ≤ 2^14 + 2048. */
const MAX_RECORD = (1 << 14) + 2048;
/** Largest handshake message length believed in a header read from an excerpt. */
const MAX_MESSAGE = 1 << 18;
/** Stream distance put after a hole of unknown size, so that no structure is read across it. */
const UNKNOWN_GAP = 1 << 30;
/** Shifts tried around a direction's usual header size when a later packet's payload start is not marked. */
const START_SHIFTS = [0, 4, -4, 8, -8, 12, -12];
/**
 * Header sizes tried when no packet showed where its payload starts: IPv4 + TCP with timestamps, without options,
 * then the same after an Ethernet or Linux cooked header (-XX), then IPv6.
 */
const COMMON_STARTS = [0x34, 0x28, 0x42, 0x36, 0x44, 0x38, 0x48, 0x3c, 0x56, 0x4a];
/** A record header this close to the start of a packet's first row, in a row this early, is where its payload starts. */
const LEAD_ROW_MAX = 0x60;

/** Handshake types only a client sends (RFC 8446 §4, RFC 5246 §7.4), and only a server. */
const CLIENT_MSGS = new Set([1, 5, 15, 16]);
const SERVER_MSGS = new Set([0, 2, 3, 4, 8, 12, 13, 14, 22]);

/** A stretch of one direction's stream, from one fragment: where its bytes sit in the input. */
interface Seg {
  pos: number;
  bytes: Uint8Array;
  /** Packet offset of bytes[0]; input lines of the fragment's first and last rows. */
  offset: number;
  line: number;
  lastLine: number;
}

/** Where a record or message sits in the stream, for the `lines` of its events. */
interface Span {
  kind: 'record' | 'message';
  type: number;
  length: number;
  start: number;
  end: number;
}

/** The TLS structure of one direction, as far as headers show it: where the next record and message start. */
interface Walk {
  /** Stream offset of the next record header, -1 when lost. */
  nextRec: number;
  recType: number;
  recEnd: number;
  /** Stream offset of the next message header inside the current handshake record, -1 when lost. */
  hsNext: number;
  /** Bytes of the current message that continue in later handshake records. */
  carry: number;
  /** The message boundaries were lost (a header in a hole): found again at a record that starts with one. */
  hsLost: boolean;
  /** A ChangeCipherSpec was sent: later handshake records are encrypted (RFC 5246 §7.1). */
  encrypted: boolean;
  /** The place was lost at some point (a header in a hole, a gap of unknown size). */
  everLost: boolean;
  /** With nextRec lost: where to look for a record header again. */
  scanFrom: number;
}

interface Side {
  dir: Dir;
  segs: Seg[];
  walk: Walk;
  /** Stream offset just after the last placed byte, and whether the next packet starts there. */
  end: number;
  endKnown: boolean;
  /** Stream offset of the last packet's first payload byte, and the payload start within packets. */
  pktPos: number;
  start: number;
  /** `start` was seen (blank header groups, or a record at the start of a packet's first row), not guessed. */
  startKnown: boolean;
  /** Payload bytes of the last packet whose end was known. */
  size: number;
  /** The last packet's rows ran without a hole to its last row. */
  contiguous: boolean;
  /** Stream offset up to which flow items were sent. */
  sent: number;
  spans: Span[];
  /** Handshake types whose headers were read, in order; whether the place had been lost before each was first read. */
  msgs: number[];
  lostBefore: Map<number, boolean>;
}

interface Conn {
  flow: number;
  c2s?: Side;
  s2c?: Side;
  /** The side the last packet was placed on. */
  dir: Dir;
  firstLine: number;
  lastLine: number;
  holeBytes: number;
  unknownGaps: number;
  /** The certificate types of a CertificateRequest seen, for the session's message. */
  certTypes?: string[];
}

/** A packet's rows, gathered until the next packet starts. */
interface Pkt {
  frags: Fragment[];
}

/** Facts of a closed excerpt connection, for its tls.session. */
interface Closed {
  certTypes?: string[];
  firstLine: number;
  lastLine: number;
  holeBytes: number;
  unknownGaps: number;
  s2c: { msgs: number[]; lostBefore: Map<number, boolean> } | undefined;
  c2s: { msgs: number[]; lostBefore: Map<number, boolean> } | undefined;
}

type ByteAt = (x: number) => number;

/**
 * The core: push fragments (and breaks) from stage 1; flow items go to `next`, anomalies to `emit`. Flow numbers
 * come from `ids`, shared with TCP reassembly so that both number flows in order of appearance.
 */
export class Excerpts {
  private conn: Conn | undefined;
  private pkt: Pkt | undefined;
  private bytes = 0;
  private readonly flows = new Map<number, Conn>();
  private readonly closed = new Map<number, Closed>();

  constructor(
    readonly next: Sink<FlowItem>,
    readonly emit: Emit,
    readonly ids: () => number,
  ) {}

  push(item: ExcerptItem): void {
    if (item.kind === 'break') {
      this.endPacket();
      this.close();
      return;
    }
    const f = item;
    const p = this.pkt;
    if (p && !startsPacket(p, f)) {
      p.frags.push(f);
      return;
    }
    if (p && repeats(p, f)) {
      // The same rows quoted again (or a retransmission): one copy, with anything new after it.
      const last = p.frags[p.frags.length - 1]!;
      const end = last.offset + last.bytes.length;
      if (f.offset + f.bytes.length > end) p.frags.push({ ...f, offset: end, bytes: f.bytes.subarray(end - f.offset), blankLead: false });
      return;
    }
    this.endPacket();
    this.pkt = { frags: [f] };
  }

  end(): void {
    this.endPacket();
    this.close();
  }

  /** Whether events of this flow come from an excerpt. */
  has(flow: number): boolean {
    return this.flows.has(flow) || this.closed.has(flow);
  }

  /** Marks a TLS event of an excerpt flow: `excerpt: true` and the input lines its bytes came from. */
  annotate(ev: Event): Event {
    const c = this.flows.get(ev.flow as number);
    ev.excerpt = true;
    if (!c || (ev.type !== 'tls.record' && ev.type !== 'tls.handshake')) return ev;
    if (ev.msg_id === 13 && Array.isArray(ev.cert_types)) c.certTypes = ev.cert_types as string[];
    const side = ev.dir === 'c2s' ? c.c2s : c.s2c;
    if (!side) return ev;
    const kind = ev.type === 'tls.record' ? 'record' : 'message';
    const type = (ev.type === 'tls.record' ? ev.content_id : ev.msg_id) as number;
    const i = side.spans.findIndex((s) => s.kind === kind && s.type === type && s.length === ev.length);
    if (i < 0) return ev;
    const span = side.spans[i]!;
    side.spans.splice(0, i + 1);
    const a = lineAt(side.segs, span.start, true);
    const b = lineAt(side.segs, span.end - 1, false);
    if (a !== undefined && b !== undefined) ev.lines = [a, Math.max(a, b)];
    return ev;
  }

  /**
   * The tls.session of an excerpt states what its bytes show and nothing about what they do not: whether a client
   * certificate was requested is known only when the server's messages were read up to its ServerHelloDone (or a
   * CertificateRequest was seen); whether one was sent, only when the client's flight was read. Verdicts that
   * need the rest of the connection (established, incomplete, resets, chains, dates) are not given.
   */
  verdict(ev: Event): Event {
    const c = this.closed.get(ev.flow as number);
    if (!c || ev.type !== 'tls.session') return ev;
    this.closed.delete(ev.flow as number);
    this.flows.delete(ev.flow as number);
    const s2c = c.s2c?.msgs ?? [];
    const c2s = c.c2s?.msgs ?? [];
    let requested: boolean | null = null;
    if (s2c.includes(13) || ev.client_cert_requested === true) requested = true;
    else if (s2c.includes(2) && s2c.includes(14) && c.s2c?.lostBefore.get(14) === false && ev.version !== 'TLS 1.3') requested = false;
    let sent: boolean | null = null;
    if (ev.client_cert_sent === true) sent = true;
    else if (c2s.includes(16) && c.c2s?.lostBefore.get(16) === false)
      sent = c2s.indexOf(11) >= 0 && c2s.indexOf(11) < c2s.indexOf(16) ? (ev.client_cert_sent as boolean | null) : false;
    const keep = new Set(['weak_protocol', 'weak_cipher', 'handshake_alert', 'protocol_version_mismatch', 'no_shared_cipher', 'hostname_mismatch']);
    // Both halves of the mutual-authentication question in the rows: the verdict on them stands.
    if (requested === true && sent !== null)
      ['client_cert_not_sent', 'client_cert_sent', 'client_cert_not_accepted', 'client_cert_verify_missing'].forEach((k) => keep.add(k));
    const diagnoses = ((ev.diagnoses as { code: string; severity: string; message: string }[]) ?? []).filter((d) => keep.has(d.code));
    const where = `lines ${c.firstLine}–${c.lastLine}`;
    const missing = [
      c.holeBytes > 0 ? `${c.holeBytes} bytes left out` : '',
      c.unknownGaps > 0 ? `${c.unknownGaps} gap${c.unknownGaps === 1 ? '' : 's'} of unknown size` : '',
    ]
      .filter(Boolean)
      .join(', ');
    diagnoses.push({
      code: 'excerpt',
      severity: 'info',
      message: `decoded from hex rows shown without packet headers (${where}${missing ? `; ${missing}` : ''}): only what these bytes show is stated`,
    });
    if (requested) {
      const types = c.certTypes ?? [];
      const cas = Array.isArray(ev.requested_ca_names) ? (ev.requested_ca_names as string[]) : [];
      diagnoses.push({
        code: 'client_cert_requested',
        severity: 'info',
        message:
          `the server asked for a client certificate` +
          (types.length ? ` (types ${types.join(', ')})` : '') +
          (cas.length ? `, from ${cas.length} readable CA name${cas.length === 1 ? '' : 's'}, the first '${cas[0]}'` : '') +
          (sent === null ? '; whether the client sent one is not in the excerpt' : ''),
      });
    }
    return {
      ...ev,
      established: null,
      resumed: s2c.includes(2) ? ev.resumed : null,
      client_cert_requested: requested,
      client_cert_sent: sent,
      excerpt: true,
      lines: [c.firstLine, c.lastLine],
      missing_bytes: c.holeBytes,
      diagnoses,
    };
  }

  // ---- packets ----

  private endPacket(): void {
    const p = this.pkt;
    this.pkt = undefined;
    if (!p) return;
    const size = p.frags.reduce((n, f) => n + f.bytes.length, 0);
    if (this.bytes + size > MAX_EXCERPT_BYTES) {
      this.unplaced(p, `more than ${MAX_EXCERPT_BYTES} bytes of excerpt rows (MAX_EXCERPT_BYTES)`);
      return;
    }
    const c = this.conn;
    const start = findStart(p);
    if (c) {
      const side = c[c.dir]!;
      // A record at the packet's start whose first message only one side sends (or can send at this point of the
      // handshake) says whose packet it is.
      const f0 = p.frags[0]!;
      const whose = start && start.at < f0.offset + 16 ? sideOf(c, start) : undefined;
      const named = whose ? { ...start!, side: whose } : undefined;
      const hellos = c.s2c?.msgs.includes(2) ?? false;
      if (named && (named.msg === 1 || named.msg === 2) && hellos) {
        // A new hello after the server's: another connection (below).
        this.close();
      } else if (named && named.side !== c.dir) {
        c.dir = named.side!;
        this.commitStart(c, p, named);
        return;
      } else {
        const placed = this.follow(side, p);
        if (placed) {
          this.commit(c, side, p, placed.s, placed.pos, placed.known);
          return;
        }
        if (start) {
          // The bytes say a record starts here, where the stream was not expected to be: after a gap of unknown size.
          this.commitStart(c, p, start);
          return;
        }
        this.unplaced(p, 'they continue the stream at no place its TLS lengths allow, and hold no TLS record header');
        return;
      }
    }
    if (!start) {
      this.unplaced(p, 'no TLS record header in them agrees with the handshake header inside it');
      return;
    }
    const flow = this.ids();
    const first = p.frags[0]!;
    const conn: Conn = { flow, dir: start.side ?? 's2c', firstLine: first.line, lastLine: first.lastLine, holeBytes: 0, unknownGaps: 0 };
    this.conn = conn;
    this.flows.set(flow, conn);
    this.next({ kind: 'open', flow, client: 'unknown', server: 'unknown', line: first.line });
    this.commitStart(conn, p, start);
  }

  /** Places a packet whose record starts at packet offset start.at, on the side its content names. */
  private commitStart(c: Conn, p: Pkt, start: Start): void {
    let side = c[c.dir];
    if (!side) {
      side = newSide(c.dir);
      c[c.dir] = side;
      this.commit(c, side, p, start.at, 0, true);
      return;
    }
    // A side seen before: the record continues it where it ended, or after a gap of unknown size.
    const atEnd = side.endKnown && side.walk.nextRec === side.end;
    const pos = atEnd ? side.end : side.end + UNKNOWN_GAP;
    side.walk = atEnd ? side.walk : { ...freshWalk(pos), encrypted: side.walk.encrypted, everLost: true };
    this.commit(c, side, p, start.at, pos, atEnd);
  }

  /**
   * Where a later packet continues its side: its payload start (marked by blank groups, else the side's usual one,
   * shifted by a few option words) and its stream position (where the last packet ended when that is known, else
   * where the packet sizes put it). A placement counts when the TLS lengths check out at a header inside the
   * packet; without such a header, only when the position is sure.
   */
  private follow(side: Side, p: Pkt): { s: number; pos: number; known: boolean } | undefined {
    const f0 = p.frags[0]!;
    const around = side.startKnown ? START_SHIFTS.map((k) => side.start + k) : COMMON_STARTS;
    const starts = f0.blankLead ? [f0.offset] : around.filter((s) => s >= 0 && s <= f0.offset + f0.bytes.length);
    const startSure = f0.blankLead || side.startKnown;
    const positions: { pos: number; sure: boolean }[] = [];
    if (side.endKnown) positions.push({ pos: side.end, sure: true });
    else {
      if (side.contiguous) positions.push({ pos: side.end, sure: side.size > 0 && side.pktPos + side.size === side.end });
      if (side.size > 0 && side.pktPos + side.size > side.end) positions.push({ pos: side.pktPos + side.size, sure: false });
    }
    let fallback: { s: number; pos: number; known: boolean } | undefined;
    for (const { pos, sure } of positions) {
      for (const s of starts) {
        const w = { ...side.walk };
        const r = walk(w, byteAt(side.segs, p, s, pos), pos + lastOffset(p) - s, undefined);
        if (r.bad > 0) continue;
        if (r.ok > 0) return { s, pos, known: true };
        if (sure && startSure && !fallback && s === starts[0]) fallback = { s, pos, known: true };
      }
    }
    return fallback;
  }

  /** Sends a placed packet's bytes on, with holes of known (or unknown) size between them, and walks its structure. */
  private commit(c: Conn, side: Side, p: Pkt, s: number, pos: number, known: boolean): void {
    if (!known) c.unknownGaps++;
    const segs: Seg[] = [];
    for (const f of p.frags) {
      const from = Math.max(f.offset, s);
      const to = f.offset + f.bytes.length;
      if (to <= from) continue;
      segs.push({ pos: pos + (from - s), bytes: f.bytes.subarray(from - f.offset), offset: from, line: f.line, lastLine: f.lastLine });
    }
    if (segs.length === 0) return;
    side.segs.push(...segs);
    this.bytes += segs.reduce((n, g) => n + g.bytes.length, 0);
    const last = p.frags[p.frags.length - 1]!;
    const lastEnd = last.offset + last.bytes.length;
    side.pktPos = pos;
    const f0 = p.frags[0]!;
    const seen = f0.blankLead ? s === f0.offset : s - f0.offset < 16 && f0.offset < LEAD_ROW_MAX;
    if (seen || !side.startKnown) {
      side.start = s;
      side.startKnown = seen;
    }
    side.end = pos + (lastEnd - s);
    // tcpdump prints 16 bytes a row and a shorter row only at a packet's end: a short last row is the end.
    side.endKnown = lastEnd % 16 !== 0;
    side.contiguous = p.frags.every((f, i) => i === 0 || f.offset === p.frags[i - 1]!.offset + p.frags[i - 1]!.bytes.length);
    if (side.endKnown) side.size = side.end - pos;
    c.lastLine = Math.max(c.lastLine, last.lastLine);
    if (!known) side.walk.everLost = true;
    const r = walk(side.walk, byteAt(side.segs, undefined, 0, 0), side.end, side.spans);
    for (const m of r.msgs) {
      side.msgs.push(m.type);
      if (!side.lostBefore.has(m.type)) side.lostBefore.set(m.type, m.lost);
    }
    // The flow items: the first after a known hole (or an unknown one), each later fragment after the hole before it.
    let prev = side.sent;
    for (const g of segs) {
      const gap = g.pos - prev;
      const first = prev === 0 && side.sent === 0 && g === segs[0];
      const item: FlowItem = { kind: 'data', flow: c.flow, dir: side.dir, bytes: g.bytes, afterGap: !first && gap !== 0, line: g.line };
      if (!first && gap > 0 && gap < UNKNOWN_GAP / 2) {
        item.hole = gap;
        c.holeBytes += gap;
        this.emit(
          anomaly(
            'excerpt.hole',
            `line ${g.line}: ${gap} bytes before these rows are not shown (rows left out); decoding keeps its place across them`,
            { line: g.line },
            { flow: c.flow, dir: side.dir, bytes: gap },
          ),
        );
      } else if (!first && gap !== 0) {
        this.emit(
          anomaly(
            'excerpt.gap',
            `line ${g.line}: these rows continue the stream after a gap of unknown size (the rows before them do not show where their packet ended)`,
            { line: g.line },
            { flow: c.flow, dir: side.dir },
          ),
        );
      }
      this.next(item);
      prev = g.pos + g.bytes.length;
    }
    side.sent = prev;
  }

  private unplaced(p: Pkt, why: string): void {
    const first = p.frags[0]!;
    const last = p.frags[p.frags.length - 1]!;
    const n = p.frags.reduce((k, f) => k + f.bytes.length, 0);
    this.emit(
      anomaly(
        'excerpt.unplaced',
        `lines ${first.line}–${last.lastLine}: ${n} bytes of hex rows without packet headers are not decoded: ${why}`,
        { line: first.line },
        { bytes: n },
      ),
    );
  }

  private close(): void {
    const c = this.conn;
    if (!c) return;
    this.conn = undefined;
    const sum = (s?: Side) => (s ? { msgs: s.msgs, lostBefore: s.lostBefore } : undefined);
    this.closed.set(c.flow, {
      certTypes: c.certTypes,
      firstLine: c.firstLine,
      lastLine: c.lastLine,
      holeBytes: c.holeBytes,
      unknownGaps: c.unknownGaps,
      s2c: sum(c.s2c),
      c2s: sum(c.c2s),
    });
    const bytes = { c2s: c.c2s ? sent(c.c2s) : 0, s2c: c.s2c ? sent(c.s2c) : 0 };
    // The flow stays known until its session is out: the TLS stage's last events (cut messages) come at its close.
    this.next({ kind: 'close', flow: c.flow, client: 'unknown', server: 'unknown', end: 'eof', bytes, gaps: c.unknownGaps, line: c.lastLine });
  }
}

function sent(s: Side): number {
  return s.segs.reduce((n, g) => n + g.bytes.length, 0);
}

function newSide(dir: Dir): Side {
  return {
    dir,
    segs: [],
    walk: freshWalk(0),
    end: 0,
    endKnown: false,
    pktPos: 0,
    start: 0,
    startKnown: false,
    size: 0,
    contiguous: true,
    sent: 0,
    spans: [],
    msgs: [],
    lostBefore: new Map(),
  };
}

function freshWalk(at: number): Walk {
  return { nextRec: at, recType: -1, recEnd: at, hsNext: -1, carry: 0, hsLost: false, encrypted: false, everLost: false, scanFrom: at };
}

/**
 * The side a record starting a packet belongs to: the sender of its first message when only one side sends it;
 * a Certificate (or ChangeCipherSpec) after the server's ServerHelloDone and before the client's key exchange is
 * the client's (RFC 5246 §7.3); a second ChangeCipherSpec from one side is the other side's; a NewSessionTicket
 * or ChangeCipherSpec after the client's ChangeCipherSpec, before the server's, is the server's.
 */
function sideOf(c: Conn, start: Start): Dir | undefined {
  if (start.side) return start.side;
  const server = c.s2c;
  const client = c.c2s;
  const serverDone = server?.msgs.includes(14) ?? false;
  const clientKx = client?.msgs.includes(16) ?? false;
  if ((start.msg === 11 || start.rec === 20) && serverDone && !clientKx && !client?.walk.encrypted) return 'c2s';
  if ((start.msg === 4 || start.rec === 20) && client?.walk.encrypted && !server?.walk.encrypted) return 's2c';
  if (start.rec === 20 && c[c.dir]?.walk.encrypted) return c.dir === 'c2s' ? 's2c' : 'c2s';
  return undefined;
}

/** A new fragment starts a new packet: its offset goes back, or the text before it says so. */
function startsPacket(p: Pkt, f: Fragment): boolean {
  const last = p.frags[p.frags.length - 1]!;
  if (f.offset < last.offset + last.bytes.length) return true;
  return f.note !== undefined && /\bpacket\b|\bsegment\b|\bheaders?\b.*\bnot shown\b/i.test(f.note);
}

/** The fragment repeats bytes the packet already has at the same offsets (a quote, a retransmission). */
function repeats(p: Pkt, f: Fragment): boolean {
  let overlap = 0;
  for (const g of p.frags) {
    const a = Math.max(g.offset, f.offset);
    const b = Math.min(g.offset + g.bytes.length, f.offset + f.bytes.length);
    for (let x = a; x < b; x++) if (g.bytes[x - g.offset] !== f.bytes[x - f.offset]) return false;
    if (b > a) overlap += b - a;
  }
  return overlap >= 4 && overlap === Math.min(f.bytes.length, p.frags.reduce((n, g) => Math.max(n, g.offset + g.bytes.length), 0) - f.offset);
}

function lastOffset(p: Pkt): number {
  const last = p.frags[p.frags.length - 1]!;
  return last.offset + last.bytes.length;
}

/** A byte of a side's stream (segments placed, plus a packet tried at payload start s and stream position pos): -1 missing. */
function byteAt(segs: readonly Seg[], p: Pkt | undefined, s: number, pos: number): ByteAt {
  return (x) => {
    if (p && x >= pos) {
      const o = s + (x - pos);
      for (const f of p.frags) if (o >= f.offset && o < f.offset + f.bytes.length && o >= s) return f.bytes[o - f.offset]!;
      return -1;
    }
    for (let i = segs.length - 1; i >= 0; i--) {
      const g = segs[i]!;
      if (x >= g.pos && x < g.pos + g.bytes.length) return g.bytes[x - g.pos]!;
    }
    return -1;
  };
}

/** The input line of a stream byte: its row, when the fragment's rows sit on consecutive lines; else the nearest. */
function lineAt(segs: readonly Seg[], x: number, forward: boolean): number | undefined {
  let best: Seg | undefined;
  for (const g of segs) {
    if (x >= g.pos && x < g.pos + g.bytes.length) {
      const rows = Math.floor((g.offset + g.bytes.length - 1) / 16) - Math.floor(g.offset / 16) + 1;
      const row = Math.floor((g.offset + (x - g.pos)) / 16) - Math.floor(g.offset / 16);
      return rows === g.lastLine - g.line + 1 ? g.line + row : forward ? g.line : g.lastLine;
    }
    if (forward ? g.pos > x && (!best || g.pos < best.pos) : g.pos + g.bytes.length <= x && (!best || g.pos > best.pos)) best = g;
  }
  return best ? (forward ? best.line : best.lastLine) : undefined;
}

/** Where TLS starts in a packet: a record header whose type, version and length agree with what follows it. */
interface Start {
  /** Packet offset of the record header, and its content type. */
  at: number;
  rec: number;
  /** The handshake type of the first message, when a handshake record. */
  msg?: number;
  /** The side whose message that is, when only one side sends it. */
  side?: Dir;
}

function findStart(p: Pkt): Start | undefined {
  const b: ByteAt = (o) => {
    for (const f of p.frags) if (o >= f.offset && o < f.offset + f.bytes.length) return f.bytes[o - f.offset]!;
    return -1;
  };
  const end = lastOffset(p);
  for (const f of p.frags) {
    for (let o = f.offset; o < f.offset + f.bytes.length; o++) {
      const h = recordStart(b, o, end);
      if (h) return h;
    }
  }
  return undefined;
}

/**
 * A plausible start of TLS at packet offset o (RFC 5246 §6.2.1, RFC 8446 §5.1): a handshake record whose first
 * message header fits it, a ChangeCipherSpec of one byte 01, an alert of two bytes with a known level, or any
 * record followed by another header (or by the packet's end).
 */
function recordStart(b: ByteAt, o: number, end: number): Start | undefined {
  const t = b(o);
  if (t < 20 || t > 24 || b(o + 1) !== 3 || b(o + 2) < 0 || b(o + 2) > 4 || b(o + 3) < 0 || b(o + 4) < 0) return undefined;
  const len = (b(o + 3) << 8) | b(o + 4);
  if (len === 0 || len > MAX_RECORD) return undefined;
  if (t === 22) {
    const m = b(o + 5);
    const l = [b(o + 6), b(o + 7), b(o + 8)];
    if (m < 0 || l.some((x) => x < 0) || !HANDSHAKE_TYPES.has(m)) return undefined;
    const mlen = (l[0]! << 16) | (l[1]! << 8) | l[2]!;
    if (mlen > MAX_MESSAGE || (mlen + 4 > len && len < 1024)) return undefined;
    return { at: o, rec: t, msg: m, side: CLIENT_MSGS.has(m) ? 'c2s' : SERVER_MSGS.has(m) ? 's2c' : undefined };
  }
  if (t === 20) return len === 1 && b(o + 5) === 1 ? { at: o, rec: t } : undefined;
  if (t === 21 && len === 2 && (b(o + 5) === 1 || b(o + 5) === 2)) return { at: o, rec: t };
  const next = o + 5 + len;
  if (next >= end) return next === end ? { at: o, rec: t } : undefined;
  const u = b(next);
  return u >= 20 && u <= 24 && b(next + 1) === 3 ? { at: o, rec: t } : undefined;
}

/**
 * Walks record and message headers from where `w` stands up to `limit` (exclusive), updating `w`. Counts headers
 * that check out (ok) and any that does not (bad, which stops the walk); a header with a missing byte loses the
 * place. Spans of records and messages found are added to `spans` when given; handshake types are returned.
 */
function walk(w: Walk, b: ByteAt, limit: number, spans: Span[] | undefined): { ok: number; bad: number; msgs: { type: number; lost: boolean }[] } {
  let ok = 0;
  const msgs: { type: number; lost: boolean }[] = [];
  for (;;) {
    if (w.recType === 22 && !w.encrypted && w.hsNext >= 0 && w.hsNext < w.recEnd) {
      if (w.hsNext + 4 > w.recEnd) {
        w.hsNext = -1;
        w.hsLost = w.everLost = true;
        continue;
      }
      if (w.hsNext + 4 > limit) break;
      const h = [b(w.hsNext), b(w.hsNext + 1), b(w.hsNext + 2), b(w.hsNext + 3)];
      if (h.some((x) => x < 0)) {
        w.hsNext = -1;
        w.hsLost = w.everLost = true;
        continue;
      }
      const len = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
      if (!HANDSHAKE_TYPES.has(h[0]!) || len > MAX_MESSAGE) return { ok, bad: 1, msgs };
      ok++;
      msgs.push({ type: h[0]!, lost: w.everLost });
      const end = w.hsNext + 4 + len;
      const span: Span = { kind: 'message', type: h[0]!, length: len, start: w.hsNext, end };
      spans?.push(span);
      if (end <= w.recEnd) w.hsNext = end;
      else {
        // The message goes on in later records; its span's end is where it would end without their headers.
        w.carry = end - w.recEnd;
        w.hsNext = w.recEnd;
      }
      continue;
    }
    if (w.nextRec < 0) {
      // Lost: as the TLS stage does, look for a record header that agrees with what follows it.
      let found = -1;
      for (let x = w.scanFrom; x + 5 <= limit && found < 0; x++) if (recordStart(b, x, limit)) found = x;
      if (found < 0) {
        w.scanFrom = Math.max(w.scanFrom, limit - 4);
        break;
      }
      w.nextRec = found;
      w.hsLost = true;
    }
    if (w.nextRec + 5 > limit) break;
    const h = [b(w.nextRec), b(w.nextRec + 1), b(w.nextRec + 2), b(w.nextRec + 3), b(w.nextRec + 4)];
    if (h.some((x) => x < 0)) {
      w.scanFrom = w.nextRec + 1;
      w.nextRec = -1;
      w.hsNext = -1;
      w.hsLost = w.everLost = true;
      continue;
    }
    const len = (h[3]! << 8) | h[4]!;
    if (h[0]! < 20 || h[0]! > 24 || h[1] !== 3 || h[2]! > 4 || len > MAX_RECORD) return { ok, bad: 1, msgs };
    ok++;
    const body = w.nextRec + 5;
    spans?.push({ kind: 'record', type: h[0]!, length: len, start: w.nextRec, end: body + len });
    w.recType = h[0]!;
    w.recEnd = body + len;
    w.nextRec = w.recEnd;
    if (h[0] === 22 && !w.encrypted) {
      if (w.hsLost) {
        // As the TLS stage does after a gap: a record that starts with a message header restores the place.
        const m = b(body);
        if (m >= 0 && HANDSHAKE_TYPES.has(m)) {
          w.hsLost = false;
          w.carry = 0;
          w.hsNext = body;
        } else w.hsNext = -1;
      } else if (w.carry >= len) {
        w.carry -= len;
        w.hsNext = w.recEnd;
      } else {
        w.hsNext = body + w.carry;
        w.carry = 0;
      }
    }
    if (h[0] === 20) w.encrypted = true;
  }
  return { ok, bad: 0, msgs };
}

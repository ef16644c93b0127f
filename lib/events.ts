// The shapes that flow between pipeline stages, defined once. Stages import this module, never each other:
// text|pcap → Packet → tcp → FlowItem → tls → events. Output events are JSON objects, one interface per `type`.

import type {
  CertificateMessage,
  CertificateRequest,
  ClientHello,
  HandshakeMessages,
  HelloVerifyRequest,
  KeyUpdate,
  NewSessionTicket,
  ServerHello,
  ServerKeyExchange,
  Sslv2Messages,
} from './messages.js';

/** Where an item came from: the input line (text) or frame (pcap) that completed it, and its time. */
export interface Origin {
  /** 1-based line number, in the input text, of the packet's summary line (or first hex line when none). */
  line?: number;
  /** 1-based frame number, for pcap input. */
  frame?: number;
  /** The time as the contract normalises it (ISO 8601, or the time of day as printed). */
  ts?: string;
  /** Seconds on a monotonic capture clock, for idle timeouts; absent when tcpdump printed no time. */
  time?: number;
  /** Seconds since the epoch, only when the input carries a date (`-tt`, `-tttt`, pcap). */
  epoch?: number;
}

/** TCP flag bits as in the header (RFC 9293 §3.1). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

/** One IP packet carrying TCP or UDP, decoded from its bytes (or, with no bytes, from its summary line). */
export interface Packet extends Origin {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: 'tcp' | 'udp';
  /** Absolute sequence and acknowledgement numbers (tcp). */
  seq: number;
  ack: number;
  /** TCP flag bits (FIN, SYN, …); 0 for udp. */
  flags: number;
  win: number;
  /** Payload bytes on the wire (TCP/UDP payload length from the IP header, or the summary's length). */
  len: number;
  /** The payload bytes that were captured: `payload.length <= len`. */
  payload: Uint8Array;
  /** The capture holds fewer payload bytes than the wire carried (snaplen, or a summary with no hex). */
  truncated: boolean;
  /** seq/ack came from a summary line in relative form and no base was known: not absolute. */
  seqRelative?: boolean;
  /** An IP fragment (not the first, or more to come): the transport header may be absent or partial. */
  fragment?: boolean;
}

export type Dir = 'c2s' | 's2c';

export type FlowEnd = 'fin' | 'rst' | 'eof' | 'timeout' | 'evicted';

/** Stage 2 output: a flow opens, delivers ordered bytes per direction, then closes. */
export interface FlowOpen extends Origin {
  kind: 'open';
  flow: number;
  /** `ip:port`, IPv6 as `[ip]:port`. */
  client: string;
  server: string;
}

export interface FlowData extends Origin {
  kind: 'data';
  flow: number;
  dir: Dir;
  bytes: Uint8Array;
  /** These bytes follow a hole in the stream: the next stage must resynchronise. */
  afterGap: boolean;
  /**
   * With afterGap: the hole is exactly this many bytes (rows left out of a hex excerpt), so the next stage may keep
   * its place across it instead of resynchronising. Absent when the size is not known.
   */
  hole?: number;
}

export interface FlowClose extends Origin {
  kind: 'close';
  flow: number;
  client: string;
  server: string;
  end: FlowEnd;
  bytes: { c2s: number; s2c: number };
  /** Packets captured from each side (0: that direction is not in the capture); the tcp stage always sets it. */
  packets?: { c2s: number; s2c: number };
  gaps: number;
}

export type FlowItem = FlowOpen | FlowData | FlowClose;

/**
 * Hex rows that belong to no packet (no summary line before them): a run of rows with consecutive offsets, as
 * people paste a packet "minus the IP and TCP headers". Stage 1 (text) hands them to the excerpt stage.
 */
export interface Fragment {
  kind: 'fragment';
  /** Offset of the first byte within its packet, as the rows print it (header bytes counted). */
  offset: number;
  bytes: Uint8Array;
  /** Input lines of the first and the last row. */
  line: number;
  lastLine: number;
  /** The first row's leading groups were left blank: the writer marked where the headers end. */
  blankLead: boolean;
  /** The last text line (not hex) between the previous rows and these, when there was one. */
  note?: string;
}

/** Something other than excerpt rows came (a packet with its summary): the excerpt being read has ended. */
export interface FragmentBreak {
  kind: 'break';
}

export type ExcerptItem = Fragment | FragmentBreak;

/** Which protocol a UDP datagram carries, told from its first bytes (lib/udp/classify.ts). */
export type UdpProtocol = 'quic' | 'dtls';

/** Stage 2 for UDP (lib/udp): one datagram of a conversation that carries QUIC or DTLS. */
export interface Datagram extends Origin {
  kind: 'datagram';
  flow: number;
  dir: Dir;
  protocol: UdpProtocol;
  /** The captured UDP payload (shorter than `len` when cut by the snap length). */
  payload: Uint8Array;
  len: number;
  truncated: boolean;
}

/** A UDP conversation opens (at its first QUIC or DTLS datagram), carries datagrams, then closes. UDP flows are
 *  numbered on their own from 0, like tshark's udp.stream beside tcp.stream. */
export type UdpItem = (FlowOpen & { protocol: UdpProtocol }) | Datagram | (FlowClose & { protocol: UdpProtocol });

/** Bytes for the TLS stage from a UDP protocol: the body of one record of TLS content type `content` (20
 *  ChangeCipherSpec, 21 alert, 22 handshake) in order per direction; DTLS handshake messages come reassembled and
 *  in TLS form, QUIC CRYPTO stream bytes as they become contiguous. `fields` go onto the events these bytes
 *  complete (DTLS message_seq, the cookie). */
export interface TlsFeed extends Origin {
  flow: number;
  dir: Dir;
  content: number;
  bytes: Uint8Array;
  fields?: Record<string, unknown>;
}

// --- output events ----------------------------------------------------------------------------------------------
// One interface per event type, `Event` their union, discriminated on `type`. Events are open JSON objects: the
// fields named here are typed, and a stage may add others (DTLS's message_seq, an excerpt's marks), read as
// `unknown`. A field is optional wherever some writer leaves it out (a message cut by a gap keeps what was decoded
// before the cut). Numbers (`…_id`) are the data the stages pass and decide on; the name beside each is added where
// the event is written (lib/tls/render.ts). docs/events.md is the prose of this contract.

/** Fields every event may carry. */
export interface EventBase extends EventOrigin {
  type: EventType;
  /** Flow-scoped events: the flow, numbered from 0 in order of first appearance. */
  flow?: number;
  /** Flow-scoped events: who sent it. */
  dir?: Dir;
  /** On every event of a UDP flow. */
  protocol?: UdpProtocol;
  [field: string]: unknown;
}

/** The origin fields an event carries (Origin less the clocks, which are not written). */
export interface EventOrigin {
  line?: number;
  frame?: number;
  ts?: string;
}

/** An event of one flow and direction: the TLS stage always writes `flow` and `dir` (docs/events.md). */
type FlowScoped = EventBase;

export interface PacketEvent extends EventBase {
  type: 'packet';
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  proto?: 'tcp' | 'udp';
  seq?: number;
  ack?: number;
  /** tcpdump's letters: `S`, `S.`, `P.`, `F.`, `R`, `.`. */
  flags?: string;
  win?: number;
  len?: number;
  captured?: number;
  truncated?: boolean;
  seq_relative?: boolean;
  fragment?: boolean;
}

export interface FlowEvent extends EventBase {
  type: 'flow';
  flow?: number;
  event?: 'open' | 'close';
  client?: string;
  server?: string;
  bytes?: { c2s: number; s2c: number };
  gaps?: number;
  end?: FlowEnd;
}

export interface TlsRecordEvent extends FlowScoped {
  type: 'tls.record';
  content_id?: number;
  content?: string;
  version_id?: number;
  version?: string;
  length?: number;
  encrypted?: boolean;
  /** A TLS 1.3 application_data record's role, inferred from its order: `server_handshake`, `client_finished`,
   *  `early_data`. */
  flight?: string;
  inferred?: boolean;
  truncated?: boolean;
  captured?: number;
  missing_bytes?: number;
  after_plaintext?: number;
  decrypted?: boolean;
  inner_content_id?: number;
  inner_content?: string;
  records_skipped?: number;
  keys_missing?: string;
}

/** Fields of every handshake message. */
export interface HandshakeCommon {
  msg_id?: number;
  msg?: string;
  length?: number;
  truncated?: boolean;
  malformed?: boolean;
  over_limit?: boolean;
  decrypted?: boolean;
  /** An SSL 2.0 message: `msg_id` in SSL 2.0's numbering (lib/messages.ts SSLV2). */
  sslv2?: boolean;
}

/**
 * A handshake message of any type: the common fields, and each message's own (lib/messages.ts) typed for reading.
 * isHandshake() narrows an event to one message by its `msg_id`.
 */
export interface TlsHandshakeEvent
  extends FlowScoped,
    HandshakeCommon,
    Partial<
      ClientHello &
        Omit<ServerHello, 'alpn'> &
        CertificateMessage &
        CertificateRequest &
        ServerKeyExchange &
        NewSessionTicket &
        HelloVerifyRequest &
        KeyUpdate
    > {
  type: 'tls.handshake';
  /** ClientHello: the protocols offered; ServerHello: the one chosen. */
  alpn?: string[];
}

/** A `tls.handshake` event of one message type: its own fields (lib/messages.ts). */
export type HandshakeEvent<K extends keyof HandshakeMessages> = TlsHandshakeEvent & HandshakeMessages[K] & { msg_id: K };
export type Sslv2HandshakeEvent<K extends keyof Sslv2Messages> = TlsHandshakeEvent & Sslv2Messages[K] & { msg_id: K; sslv2: true };

/** The event is a TLS handshake message of type `id` (not an SSL 2.0 one, which numbers its messages apart). */
export function isHandshake<K extends keyof HandshakeMessages>(ev: Event, id: K): ev is HandshakeEvent<K> {
  return ev.type === 'tls.handshake' && ev.msg_id === id && ev.sslv2 !== true;
}

/** The event is an SSL 2.0 message of type `id`. */
export function isSslv2Message<K extends keyof Sslv2Messages>(ev: Event, id: K): ev is Sslv2HandshakeEvent<K> {
  return ev.type === 'tls.handshake' && ev.msg_id === id && ev.sslv2 === true;
}

export interface TlsAlertEvent extends FlowScoped {
  type: 'tls.alert';
  level_id?: number;
  level?: string;
  description_id?: number;
  description?: string;
  encrypted?: boolean;
  decrypted?: boolean;
}

export interface TlsDataEvent extends FlowScoped {
  type: 'tls.data';
  length?: number;
  decrypted?: boolean;
  preview?: string;
}

/** An alert as a tls.session lists it. */
export interface SessionAlert {
  dir: Dir;
  level?: string;
  description?: string;
  encrypted?: true;
  inferred?: true;
}

/** A diagnosis as a tls.session carries it (lib/session/diagnosis.ts). */
export interface SessionDiagnosis {
  code: string;
  /** `error`, `warning` or `info`. */
  severity: string;
  message: string;
  side?: 'server' | 'client';
}

export interface TlsSessionEvent extends EventBase {
  type: 'tls.session';
  flow?: number;
  client?: string;
  server?: string;
  version?: string | null;
  cipher?: string | null;
  cipher_id?: number | null;
  sni?: string | null;
  alpn?: string[];
  /** null for an excerpt, whose rows do not show the outcome. */
  established?: boolean | null;
  resumed?: boolean | null;
  client_cert_requested?: boolean | null;
  client_cert_sent?: boolean | null;
  server_certs?: (string | null)[];
  client_certs?: (string | null)[];
  alerts?: SessionAlert[];
  alerts_omitted?: number;
  ja3_hash?: string | null;
  ja3s_hash?: string | null;
  ja4?: string | null;
  history?: string;
  end?: FlowEnd;
  diagnoses?: SessionDiagnosis[];
  requested_ca_names?: string[];
}

export interface QuicPacketEvent extends EventBase {
  type: 'quic.packet';
  packet_type?: string;
  length?: number;
}

/** An `anomaly` event as readers see it (docs/events.md lists the codes). */
export interface AnomalyEvent extends EventBase {
  type: 'anomaly';
  code?: string;
  message?: string;
  /** tcp.gap: the hole is at the end of its direction. */
  at_end?: boolean;
}

/** An `anomaly` as anomaly() makes it: code and message always set. */
export interface Anomaly extends AnomalyEvent {
  code: string;
  message: string;
}

/** An output event: one JSON object on one NDJSON line, told apart by `type`. */
export type Event =
  | PacketEvent
  | FlowEvent
  | TlsRecordEvent
  | TlsHandshakeEvent
  | TlsAlertEvent
  | TlsDataEvent
  | TlsSessionEvent
  | QuicPacketEvent
  | AnomalyEvent;

/** The event of one type. */
export type EventOf<T extends EventType> = Extract<Event, { type: T }>;

export const EVENT_TYPES = [
  'packet',
  'flow',
  'tls.record',
  'tls.handshake',
  'tls.alert',
  'tls.data',
  'tls.session',
  'quic.packet',
  'anomaly',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The default `--events` set (../shared/CONTRACT.md). */
export const DEFAULT_EVENTS: readonly EventType[] = ['tls.handshake', 'tls.alert', 'tls.session', 'anomaly'];

/** Copies the origin fields of an item onto an event, leaving out those that are absent. */
export function origin(from: Origin): { line?: number; frame?: number; ts?: string } {
  const o: { line?: number; frame?: number; ts?: string } = {};
  originInto(o, from);
  return o;
}

/** Writes the origin fields of an item onto an event, in origin()'s order, leaving out those that are absent. */
export function originInto(ev: EventOrigin, from: Origin): void {
  if (from.line !== undefined) ev.line = from.line;
  if (from.frame !== undefined) ev.frame = from.frame;
  if (from.ts !== undefined) ev.ts = from.ts;
}

export function anomaly(code: string, message: string, at: Origin, extra?: Record<string, unknown>): Anomaly {
  return { type: 'anomaly', ...origin(at), code, message, ...extra };
}

// --- the events of the packet and flow stages ---------------------------------------------------------------

// tcpdump's order and letters for TCP flags (print-tcp.c tcp_flag_values): F S R P . U E W
const FLAG_LETTERS: readonly [number, string][] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
];

const FLAG_STRINGS: string[] = [];
for (let f = 0; f < 256; f++) {
  let s = '';
  for (const [bit, letter] of FLAG_LETTERS) if (f & bit) s += letter;
  FLAG_STRINGS.push(s || 'none');
}

/** TCP flag bits as tcpdump prints them: `S`, `S.`, `P.`, `F.`, `R`, `.`. */
export function flagLetters(flags: number): string {
  return FLAG_STRINGS[flags & 0xff]!;
}

/** The `packet` event of a packet (docs/events.md, "packet"). */
export function packetEvent(p: Packet): PacketEvent {
  // Fields written one by one in their order, not `...origin(p)`: no object in between, per packet.
  const ev: PacketEvent = { type: 'packet' };
  originInto(ev, p);
  ev.src = p.src;
  ev.dst = p.dst;
  ev.sport = p.sport;
  ev.dport = p.dport;
  ev.proto = p.proto;
  if (p.proto === 'tcp') {
    ev.seq = p.seq;
    ev.ack = p.ack;
    ev.flags = flagLetters(p.flags);
    ev.win = p.win;
  }
  ev.len = p.len;
  ev.captured = p.payload.length;
  if (p.truncated) ev.truncated = true;
  if (p.seqRelative) ev.seq_relative = true;
  if (p.fragment) ev.fragment = true;
  return ev;
}

/** The `flow` event of a flow's open or close (docs/events.md, "flow"); data items have none. */
export function flowEvent(item: FlowItem): FlowEvent {
  if (item.kind === 'data') throw new TypeError('flowEvent takes open and close items');
  const ev: FlowEvent = { type: 'flow' };
  originInto(ev, item);
  ev.flow = item.flow;
  ev.event = item.kind;
  ev.client = item.client;
  ev.server = item.server;
  if (item.kind === 'close') {
    ev.bytes = item.bytes;
    ev.gaps = item.gaps;
    ev.end = item.end;
  }
  return ev;
}

/** A JSON object (not null, not an array): what a field of an event read back from NDJSON must be before its own
 *  fields are read, each checked for its type. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where a stage sends its results: the next stage's items, and output events. */
export type Sink<T> = (item: T) => void;
export type Emit = (event: Event) => void;

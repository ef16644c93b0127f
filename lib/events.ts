// The shapes that flow between pipeline stages, defined once. Stages import this module, never each other:
// text|pcap → Packet → tcp → FlowItem → tls → events. Output events are plain JSON objects with a `type`.

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

/** An output event: one JSON object on one NDJSON line. */
export interface Event {
  type: EventType;
  line?: number;
  frame?: number;
  ts?: string;
  [field: string]: unknown;
}

export const EVENT_TYPES = ['packet', 'flow', 'tls.record', 'tls.handshake', 'tls.alert', 'tls.data', 'tls.session', 'quic.packet', 'anomaly'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The default `--events` set (../shared/CONTRACT.md). */
export const DEFAULT_EVENTS: readonly EventType[] = ['tls.handshake', 'tls.alert', 'tls.session', 'anomaly'];

export interface Anomaly extends Event {
  type: 'anomaly';
  code: string;
  message: string;
}

/** Copies the origin fields of an item onto an event, leaving out those that are absent. */
export function origin(from: Origin): { line?: number; frame?: number; ts?: string } {
  const o: { line?: number; frame?: number; ts?: string } = {};
  if (from.line !== undefined) o.line = from.line;
  if (from.frame !== undefined) o.frame = from.frame;
  if (from.ts !== undefined) o.ts = from.ts;
  return o;
}

export function anomaly(code: string, message: string, at: Origin, extra?: Record<string, unknown>): Anomaly {
  return { type: 'anomaly', ...origin(at), code, message, ...extra };
}

/** Where a stage sends its results: the next stage's items, and output events. */
export type Sink<T> = (item: T) => void;
export type Emit = (event: Event) => void;

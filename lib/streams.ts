// Each stage of the pipeline as a Node stream, to be joined with stream.pipeline and filtered in between:
// bytes → lines → packets → flow items → TLS events → sessions → NDJSON, text, ECS or Mermaid. Each factory wraps
// the stage's push()/end() core with the one adapter (lib/stream.ts). Joined without filters they give exactly
// the events of the fused decoder (lib/pipeline.ts), which stays the fast path: test/streams.test.ts compares
// the NDJSON bytes, bench/streams.ts the time.
//
// What travels between the stages (object mode, except bytes in and text out):
//   lines()        bytes → Line: one Buffer per input line, or { kind: 'overlong' } for a line over the limit
//   textPackets()  Line → PacketItem;   pcapPackets(), packets() (either, told by the magic bytes): bytes → PacketItem
//   flows()        PacketItem → FlowStageItem (TCP reassembly; UDP and hex excerpts are decoded here to events)
//   tlsEvents()    FlowStageItem → Event
//   sessions()     Event → Event, plus one tls.session per closed TLS flow; keeps only `options.events`
// A stage passes the events of earlier stages on, in order, so a filter may sit anywhere; the sessions stage is
// where `options.events` is applied, as the fused decoder applies it at its output.

import { Transform } from 'node:stream';
import {
  anomaly,
  flowEvent,
  packetEvent,
  type Emit,
  type Event,
  type EventType,
  type ExcerptItem,
  type FlowEvent,
  type FlowClose,
  type FlowItem,
  type Packet,
} from './events.js';
import { Excerpts } from './excerpt/index.js';
import { KeyStore } from './keylog/index.js';
import { resolveOptions, type Options, type OptionsInput } from './options.js';
import { formatStream, type FormatOptions } from './output/formats.js';
import { TEXT_DEFAULT_SHOW } from './output/text.js';
import { PcapPackets, sniffing } from './pcap/index.js';
import { TLS_KEY_LOG } from './pipeline.js';
import { createUdpDecoder } from './pipeline-udp.js';
import { Sessions } from './session/index.js';
import { toTransform, type Core } from './stream.js';
import { Reassembler } from './tcp/index.js';
import { LineSplitter } from './text/lines.js';
import { TextPackets, textInput } from './text/index.js';
import { TlsDecoder } from './tls/index.js';

type GivenOptions = Readonly<Options> | OptionsInput;

/** A line over `maxLineBytes`: its bytes are gone, its length is reported (the text stage counts it as a line). */
export interface Overlong {
  kind: 'overlong';
  length: number;
}
/** What lines() gives: a line without its terminator (a copy), or an overlong line's length. */
export type Line = Uint8Array | Overlong;

/** A pcapng Decryption Secrets Block, handed on in order to the TLS stage (draft-ietf-opsawg-pcapng §4.7). */
export interface SecretsBlock {
  kind: 'secrets';
  /** The secrets type ('TLSK' = 0x544c534b is a TLS key log). */
  secretsType: number;
  data: Uint8Array;
  /** The frame that follows the block. */
  frame: number;
}

/** What the packet stages give: packets, the events of the stage (anomalies), hex excerpt rows, secrets. */
export type PacketItem = Packet | Event | ExcerptItem | SecretsBlock;
/** What flows() gives: TCP flow items, events (those of UDP flows and hex excerpts are decoded already), secrets. */
export type FlowStageItem = FlowItem | Event | SecretsBlock;

/**
 * On the `flow` event of a closing flow: the close item itself, with what its JSON leaves out (packets per side,
 * the epoch the certificate dates are checked against). A symbol key, so JSON.stringify never writes it; a
 * filter that passes the event on (or spreads it into a copy) keeps it. The sessions stage reads it, and without
 * it rebuilds the item from the event's own fields.
 */
export const FLOW_CLOSE: unique symbol = Symbol('tlsdump.flowClose');
/** On the `flow` close event of a hex excerpt: how its tls.session is cut down to what the rows show. */
export const EXCERPT_VERDICT: unique symbol = Symbol('tlsdump.excerptVerdict');

interface CloseEvent extends FlowEvent {
  [FLOW_CLOSE]?: FlowClose;
  [EXCERPT_VERDICT]?: (session: Event) => Event;
}

/** Events are the items with a string `type`; the stages' own items have a `kind`, packets a `proto`. */
export function isEvent(item: unknown): item is Event {
  return typeof item === 'object' && item !== null && typeof (item as { type?: unknown }).type === 'string';
}

function isFlowItem(item: object): item is FlowItem {
  const k = (item as { kind?: unknown }).kind;
  return (k === 'open' || k === 'data' || k === 'close') && typeof (item as { flow?: unknown }).flow === 'number';
}

function isPacket(item: object): item is Packet {
  return (item as { proto?: unknown }).proto === 'tcp' || (item as { proto?: unknown }).proto === 'udp';
}

function describe(item: unknown): string {
  if (typeof item !== 'object' || item === null) return typeof item;
  if (item instanceof Uint8Array) return 'bytes';
  const o = item as { kind?: unknown; proto?: unknown };
  return o.kind !== undefined ? `an item of kind '${String(o.kind)}'` : o.proto !== undefined ? 'a packet' : 'an object with no type or kind';
}

function wrongItem(stage: string, takes: string, item: unknown): TypeError {
  return new TypeError(`tlsdump ${stage}() takes ${takes}, not ${describe(item)}: check the order of the stages`);
}

const objects = { readableObjectMode: true, writableObjectMode: true } as const;

/** bytes → Line: tcpdump text cut into lines (lib/text/lines.ts), each copied out of the chunk. */
export function lines(given: GivenOptions = {}): Transform {
  const options = resolveOptions(given);
  return toTransform<Uint8Array, Line>(
    (out) =>
      new LineSplitter(options.maxLineBytes, {
        line: (buf, start, end) => out(Buffer.from(buf.subarray(start, end))),
        overlong: (length) => out({ kind: 'overlong', length }),
      }),
    { readableObjectMode: true },
  );
}

/** Line → PacketItem: tcpdump text lines into packets (lib/text), with its anomalies and the hex excerpt rows. */
export function textPackets(given: GivenOptions = {}): Transform {
  const options = resolveOptions(given);
  return toTransform<Line, PacketItem>((out) => {
    const text = new TextPackets(options, out, out, out);
    return {
      push(line) {
        if (line instanceof Uint8Array) text.line(line, 0, line.length);
        else if (typeof line === 'object' && line !== null && line.kind === 'overlong') text.overlong(line.length);
        else throw wrongItem('textPackets', 'lines (from lines())', line);
      },
      end: () => text.end(),
    };
  }, objects);
}

function pcapCore(options: Readonly<Options>, out: (item: PacketItem) => void): Core {
  return new PcapPackets(options, out, out, (secretsType, data, frame) => out({ kind: 'secrets', secretsType, data: Buffer.from(data), frame }));
}

/** bytes → PacketItem: a pcap or pcapng file into packets (lib/pcap), with its anomalies and secrets blocks. */
export function pcapPackets(given: GivenOptions = {}): Transform {
  const options = resolveOptions(given);
  return toTransform<Uint8Array, PacketItem>((out) => pcapCore(options, out), { readableObjectMode: true });
}

/**
 * bytes → PacketItem: text or a capture file, as `options.input` says; with 'auto', the first SNIFF_BYTES bytes
 * (or all of a shorter input) choose, as in the fused decoder. Text takes the line framer's fast path.
 */
export function packets(given: GivenOptions = {}): Transform {
  const options = resolveOptions(given);
  return toTransform<Uint8Array, PacketItem>(
    (out) => {
      const open = (kind: 'text' | 'pcap'): Core => {
        if (kind === 'pcap') return pcapCore(options, out);
        return textInput(options, out, out, out);
      };
      return sniffing(options.input, open);
    },
    { readableObjectMode: true },
  );
}

/**
 * The TLS stage of a set of flows: flow items in, their TLS events out, each flow between its `flow` open and
 * close events (the close event carries its item under FLOW_CLOSE).
 */
class FlowTls implements Core<FlowItem> {
  private readonly tls: TlsDecoder;

  constructor(
    options: Readonly<Options>,
    private readonly out: Emit,
    keys: KeyStore,
    private readonly verdict?: (session: Event) => Event,
  ) {
    this.tls = new TlsDecoder(options, out, keys);
  }

  push(item: FlowItem): void {
    if (item.kind === 'open') this.out(flowEvent(item));
    this.tls.push(item);
    if (item.kind === 'close') {
      const ev: CloseEvent = flowEvent(item);
      ev[FLOW_CLOSE] = item;
      if (this.verdict) ev[EXCERPT_VERDICT] = this.verdict;
      this.out(ev);
    }
  }

  end(): void {
    this.tls.end();
  }
}

/**
 * PacketItem → FlowStageItem: TCP packets into flow items (lib/tcp), numbered from 0 as the fused decoder numbers
 * them. Three side roads end here as events, since their stages are bound to their own decoders: UDP (QUIC, DTLS:
 * lib/pipeline-udp.ts, with their own sessions; every event of theirs carries `protocol`), hex rows without packet
 * headers (lib/excerpt, which numbers its flows with TCP's and marks the TLS events it places; `keys`, by default
 * read from `options.keylog`, are theirs), and a `packet` event per packet when `options.events` has 'packet'.
 */
export function flows(given: GivenOptions = {}, keys?: KeyStore): Transform {
  const options = resolveOptions(given);
  return toTransform<PacketItem, FlowStageItem>((out) => {
    let next = 0;
    const ids = (): number => next++;
    const tcp = new Reassembler(options, out, out, ids);
    const udp = createUdpDecoder(options, out);
    const wantPackets = options.events.has('packet');
    let excerpts: Excerpts | undefined;
    let excerptTls: FlowTls | undefined;
    const toExcerpts = (item: ExcerptItem): void => {
      if (!excerpts) {
        // Excerpt events are marked (excerpt: true, the lines of each record) as their TLS stage emits them.
        const emit: Emit = (ev) => {
          if (ev.flow !== undefined && ev.type !== 'flow' && excerpts!.has(ev.flow as number)) excerpts!.annotate(ev);
          out(ev);
        };
        const found = new Excerpts((f) => excerptTls!.push(f), emit, ids);
        excerptTls = new FlowTls(options, emit, keys ?? new KeyStore(options.keylog), (session) => found.verdict(session));
        excerpts = found;
      }
      excerpts.push(item);
    };
    return {
      push(item) {
        if (typeof item !== 'object' || item === null || item instanceof Uint8Array)
          throw wrongItem('flows', 'packets and events (from packets(), textPackets() or pcapPackets())', item);
        if (isEvent(item)) return out(item);
        if (isPacket(item)) {
          if (wantPackets) out(packetEvent(item));
          if (item.proto === 'udp') udp.push(item);
          else tcp.push(item);
          return;
        }
        if (item.kind === 'fragment' || item.kind === 'break') return toExcerpts(item);
        if (item.kind === 'secrets') return out(item);
        throw wrongItem('flows', 'packets and events (from packets(), textPackets() or pcapPackets())', item);
      },
      end() {
        excerpts?.end();
        tcp.end();
        excerptTls?.end();
        udp.end();
      },
    };
  }, objects);
}

/**
 * FlowStageItem → Event: the TLS records, handshake messages and alerts of each flow (lib/tls), between the flow's
 * open and close events; other events pass on in order. `keys` (by default read from `options.keylog`) also
 * takes the key logs of pcapng secrets blocks; a key log line it cannot read is one anomaly.
 */
export function tlsEvents(given: GivenOptions = {}, keys?: KeyStore): Transform {
  const options = resolveOptions(given);
  const store = keys ?? new KeyStore(options.keylog);
  return toTransform<FlowStageItem, Event>((out) => {
    const problems = (): void => {
      for (const p of store.takeProblems())
        out(anomaly('keylog.malformed', `${p.source} line ${p.line}: ${p.message}; line skipped`, {}, { keylog: p.source, keylog_line: p.line }));
    };
    problems();
    const tls = new FlowTls(options, out, store);
    return {
      push(item) {
        if (isEvent(item)) return out(item);
        if (typeof item === 'object' && item !== null && isFlowItem(item)) return tls.push(item);
        if (typeof item === 'object' && item !== null && (item as SecretsBlock).kind === 'secrets') {
          const s = item as SecretsBlock;
          if (s.secretsType !== TLS_KEY_LOG) return;
          store.addText(Buffer.from(s.data).toString('latin1'), `secrets block before frame ${s.frame}`);
          return problems();
        }
        throw wrongItem('tlsEvents', 'flow items and events (from flows())', item);
      },
      end: () => tls.end(),
    };
  }, objects);
}

/** The close item of a `flow` close event: the one its TLS stage put on it, else what the event's fields say. */
function closeOf(ev: CloseEvent): FlowClose {
  const item = ev[FLOW_CLOSE];
  if (item) return item;
  const bytes = (ev.bytes ?? { c2s: 0, s2c: 0 }) as FlowClose['bytes'];
  return {
    kind: 'close',
    line: ev.line,
    frame: ev.frame,
    ts: ev.ts,
    flow: ev.flow as number,
    client: String(ev.client),
    server: String(ev.server),
    end: (ev.end ?? 'eof') as FlowClose['end'],
    bytes,
    gaps: typeof ev.gaps === 'number' ? ev.gaps : 0,
  };
}

/**
 * Event → Event: one `tls.session` verdict per TLS flow (lib/session), emitted after the flow's close event, from
 * the events it is given (so a filter before it decides which flows get one). Events of UDP flows (with
 * `protocol`) have their sessions already and only pass. Only the types in `options.events` come out.
 */
export function sessions(given: GivenOptions = {}): Transform {
  const options = resolveOptions(given);
  const wants = options.events;
  return toTransform<Event, Event>((out) => {
    let verdict: ((session: Event) => Event) | undefined;
    const found = new Sessions(options, (ev) => {
      if (verdict && ev.type === 'tls.session') ev = verdict(ev);
      if (wants.has(ev.type)) out(ev);
    });
    return {
      push(ev) {
        if (!isEvent(ev)) throw wrongItem('sessions', 'events (from tlsEvents())', ev);
        const tcp = ev.protocol === undefined;
        if (tcp) found.observe(ev);
        if (wants.has(ev.type)) out(ev);
        if (tcp && ev.type === 'flow' && ev.event === 'close' && typeof ev.flow === 'number') {
          verdict = (ev as CloseEvent)[EXCERPT_VERDICT];
          found.close(closeOf(ev));
          verdict = undefined;
        }
      },
      end: () => found.end(),
    };
  }, objects);
}

/** Event → NDJSON text: one JSON object per line (lib/output/ndjson.ts). */
export function ndjson(): Transform {
  return formatStream({ format: 'ndjson' });
}

/**
 * Event → text blocks for a person (lib/output/text.ts). `show` (by default the CLI's) chooses the event types a
 * block lists; the decoding stages must give the types `decoderEvents({ format: 'text', show }, …)` names.
 */
export function text(o: { show?: Iterable<EventType>; explain?: boolean; color?: boolean } = {}): Transform {
  const show = resolveOptions({ events: o.show ?? TEXT_DEFAULT_SHOW }).events;
  return formatStream({ format: 'text', show, explain: o.explain ?? false, color: o.color ?? false });
}

/** Event → one Elastic Common Schema document per connection, as NDJSON (lib/output/ecs.ts; needs ECS_NEEDS). */
export function ecs(): Transform {
  return formatStream({ format: 'ecs' });
}

/** Event → one Mermaid sequence diagram per connection (lib/output/mermaid.ts; needs MERMAID_NEEDS). */
export function mermaid(): Transform {
  return formatStream({ format: 'mermaid' });
}

/** Any output format by name, with the CLI's format options. */
export function format(o: FormatOptions): Transform {
  return formatStream(o);
}

/**
 * Every stage in order, for stream.pipeline: `pipeline(source, ...decodeStages(options), ndjson(), sink)` gives
 * the fused decodeStream()'s events; a filter goes between any two of them.
 */
export function decodeStages(given: GivenOptions = {}, keys?: KeyStore): Transform[] {
  const options = resolveOptions(given);
  const store = keys ?? new KeyStore(options.keylog);
  return [packets(options), flows(options, store), tlsEvents(options, store), sessions(options)];
}

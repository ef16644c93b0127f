// The one module that composes the stages: bytes → lines → packets → flows → TLS events → sessions. Hex rows
// shown without packet headers take a side road: text → fragments → excerpt stage → flows, numbered with TCP's.
// The stages run synchronously inside one core, so there is no stream boundary per item.

import { anomaly, packetEvent, type Emit, type Event, type FlowItem, type Packet } from './events.js';
import { Excerpts } from './excerpt/index.js';
import { KeyStore } from './keylog/index.js';
import { defaultOptions, resolveOptions, type Options, type OptionsInput } from './options.js';
import { FlowStage } from './parallel/stage.js';
import { PcapPackets, sniffing } from './pcap/index.js';
import { createUdpDecoder } from './pipeline-udp.js';
import { toTransform, type Core } from './stream.js';
import { Reassembler } from './tcp/index.js';
import { textInput } from './text/index.js';

/** The Decryption Secrets Block type of a TLS key log ('TLSK'). */
export const TLS_KEY_LOG = 0x544c534b;

/**
 * Where the flows of lib/tcp go when not to this thread's FlowStage: lib/parallel hands them to worker threads.
 * Each method returns false to leave the item or event to this thread.
 */
export interface FlowDispatch {
  /** A TCP flow item (the excerpt stage's flows always stay in this thread). */
  item(item: FlowItem): boolean;
  /** An event that names a flow, from the TCP stage: it goes where that flow's items went. */
  event(ev: Event): boolean;
  /** A packet whose `packet` event is wanted: its event may be written elsewhere, in its place. */
  packet(p: Packet): boolean;
  /** Key log text of a pcapng secrets block, in its place between the items. */
  secrets(text: string, source: string): void;
}

/**
 * A decoder for one input: push bytes of tcpdump text, pcap or pcapng, then end. Events go to `out` as they are
 * found. `keys` shares one key log index between inputs; by default it is read from `options.keylog`.
 * `stats.flows`, when given, counts the TCP flows opened (the progress line). `dispatch` (lib/parallel) may take
 * TCP flows to other threads; without it everything runs here, in order.
 */
export function createDecoder(
  given: Readonly<Options> | OptionsInput,
  out: Emit,
  givenKeys?: KeyStore,
  stats?: { flows: number },
  dispatch?: FlowDispatch,
): Core {
  const options = resolveOptions(given);
  const keys = givenKeys ?? new KeyStore(options.keylog);
  const wants = options.events;
  // Events of excerpt flows are marked as such (and their sessions say only what the excerpt shows).
  let excerpts: Excerpts | undefined;
  const local = new FlowStage(options, out, keys, () => excerpts);
  const emit: Emit = dispatch ? (ev) => dispatch.event(ev) || local.event(ev) : (ev) => local.event(ev);
  // Key log lines that could not be read: one anomaly each, with the file and line.
  const keyProblems = (): void => {
    for (const p of keys.takeProblems())
      emit(anomaly('keylog.malformed', `${p.source} line ${p.line}: ${p.message}; line skipped`, {}, { keylog: p.source, keylog_line: p.line }));
  };
  keyProblems();
  // pcapng Decryption Secrets Blocks of type TLSK carry key log text (draft-ietf-opsawg-pcapng §4.7).
  const secrets = (type: number, data: Uint8Array, frame: number): void => {
    if (type !== TLS_KEY_LOG) return;
    const text = Buffer.from(data).toString('latin1');
    const source = `secrets block before frame ${frame}`;
    keys.addText(text, source);
    dispatch?.secrets(text, source);
    keyProblems();
  };
  const toLocal = (item: FlowItem): void => {
    if (item.kind === 'open' && stats) stats.flows++;
    local.item(item);
  };
  const toTls = (item: FlowItem): void => {
    if (!dispatch?.item(item)) toLocal(item);
    else if (item.kind === 'open' && stats) stats.flows++;
  };
  let nextFlow = 0;
  const flowIds = (): number => nextFlow++;
  const tcp = new Reassembler(options, toTls, emit, flowIds);
  // UDP (QUIC, DTLS) has its own stages and sessions (lib/pipeline-udp.ts); its events never reach the TCP sessions.
  const udp = createUdpDecoder(options, (ev) => {
    if (wants.has(ev.type)) out(ev);
  });
  const wantPackets = wants.has('packet');
  const toTcp = (p: Packet): void => {
    if (wantPackets && !dispatch?.packet(p)) out(packetEvent(p));
    if (p.proto === 'udp') udp.push(p);
    else tcp.push(p);
  };
  // ---- input: tcpdump text (textInput: lines → TextPackets) or a capture file (PcapPackets), both into toTcp.
  // With --input auto, the first SNIFF_BYTES bytes (or all of a shorter input) choose, by their magic bytes.
  const open = (kind: 'text' | 'pcap'): Core => {
    if (kind === 'pcap') return new PcapPackets(options, toTcp, emit, secrets);
    const ex = new Excerpts(toLocal, emit, flowIds);
    excerpts = ex;
    return textInput(
      options,
      toTcp,
      emit,
      (item) => ex.push(item),
      () => ex.end(),
    );
  };
  const input = sniffing(options.input, open);
  // ---- end of input selection
  return {
    push: (chunk) => input.push(chunk),
    end() {
      input.end();
      tcp.end();
      local.end();
      udp.end();
    },
  };
}

/** The decoder as a Transform: tcpdump text bytes in, event objects out. */
export function decodeStream(given: Readonly<Options> | OptionsInput = defaultOptions(), keys?: KeyStore, stats?: { flows: number }) {
  const options = resolveOptions(given);
  return toTransform<Uint8Array, Event>((emit) => createDecoder(options, emit, keys, stats), { readableObjectMode: true, deferred: true });
}

/** Decodes a whole input held in memory; for tests and small inputs. */
export function decodeAll(input: Uint8Array | string, options: Readonly<Options> | OptionsInput = defaultOptions()): Event[] {
  const events: Event[] = [];
  const d = createDecoder(options, (ev) => events.push(ev));
  d.push(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  d.end();
  return events;
}

// The one module that composes the stages: bytes → lines → packets → flows → TLS events → sessions.
// The stages run synchronously inside one core, so there is no stream boundary per item.

import { type Emit, type Event, type FlowItem, type Packet } from './events.js';
import { defaultOptions, type Options } from './options.js';
import { packetEvent, flowEvent } from './output/render.js';
import { PcapPackets, sniffInput, SNIFF_BYTES } from './pcap/index.js';
import { Sessions } from './session/index.js';
import { toTransform, type Core } from './stream.js';
import { Reassembler } from './tcp/index.js';
import { LineSplitter } from './text/lines.js';
import { TextPackets } from './text/index.js';
import { TlsDecoder } from './tls/index.js';

/** A decoder for one input: push bytes of tcpdump text, pcap or pcapng, then end. Events go to `out` as they are found.
 *  `stats.flows`, when given, counts the TCP flows opened (the progress line). */
export function createDecoder(options: Readonly<Options>, out: Emit, stats?: { flows: number }): Core {
  const wants = options.events;
  const emit: Emit = (ev) => {
    sessions.observe(ev);
    if (wants.has(ev.type)) out(ev);
  };
  const sessions = new Sessions(options, (ev: Event) => {
    if (wants.has(ev.type)) out(ev);
  });
  const tls = new TlsDecoder(options, emit);
  const toTls = (item: FlowItem): void => {
    if (item.kind === 'open') {
      emit(flowEvent(item));
      if (stats) stats.flows++;
    }
    tls.push(item);
    if (item.kind === 'close') {
      emit(flowEvent(item));
      sessions.close(item);
    }
  };
  const tcp = new Reassembler(options, toTls, emit);
  const wantPackets = wants.has('packet');
  const toTcp = (p: Packet): void => {
    if (wantPackets) out(packetEvent(p));
    tcp.push(p);
  };
  // ---- input: tcpdump text (LineSplitter → TextPackets) or a capture file (PcapPackets), both into toTcp.
  // With --input auto, the first SNIFF_BYTES bytes (or all of a shorter input) choose, by their magic bytes.
  const open = (kind: 'text' | 'pcap'): Core => {
    if (kind === 'pcap') return new PcapPackets(options, toTcp, emit);
    const text = new TextPackets(options, toTcp, emit);
    const lines = new LineSplitter(options.maxLineBytes, text);
    return {
      push: (chunk) => lines.push(chunk),
      end: () => {
        lines.end();
        text.end();
      },
    };
  };
  let input = options.input === 'auto' ? undefined : open(options.input);
  let head: Uint8Array = Buffer.alloc(0);
  const sniff = (): Core => {
    input = open(sniffInput(head) === 'text' ? 'text' : 'pcap');
    if (head.length > 0) input.push(head);
    return input;
  };
  // ---- end of input selection
  return {
    push(chunk) {
      if (input) return input.push(chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length >= SNIFF_BYTES) sniff();
    },
    end() {
      (input ?? sniff()).end();
      tcp.end();
      tls.end();
      sessions.end();
    },
  };
}

/** The decoder as a Transform: tcpdump text bytes in, event objects out. */
export function decodeStream(options: Readonly<Options> = defaultOptions(), stats?: { flows: number }) {
  return toTransform<Uint8Array, Event>((emit) => createDecoder(options, emit, stats), { readableObjectMode: true, deferred: true });
}

/** Decodes a whole input held in memory; for tests and small inputs. */
export function decodeAll(input: Uint8Array | string, options: Readonly<Options> = defaultOptions()): Event[] {
  const events: Event[] = [];
  const d = createDecoder(options, (ev) => events.push(ev));
  d.push(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  d.end();
  return events;
}


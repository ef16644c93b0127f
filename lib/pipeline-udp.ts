// Composes the UDP side of the pipeline: packets → conversations (lib/udp) → QUIC (lib/quic) or DTLS (lib/dtls)
// → the TLS stage (lib/tls, its own instance: UDP flows are numbered apart from TCP flows) → sessions (lib/session,
// its own instance too). lib/pipeline.ts hands it the UDP packets. Every event of a UDP flow carries `protocol`.
//
// How the TLS stage is reused: DTLS handshake messages (reassembled, in TLS form) and QUIC CRYPTO bytes arrive as
// TlsFeed items and are framed here as TLS records of their content type, so the TLS stage decodes every
// handshake message, alert, fingerprint and extension as it does for TCP. The tls.record events those framing
// records give are its own and are dropped: DTLS records are reported by lib/dtls with their epoch and sequence
// number, QUIC packets by lib/quic as quic.packet events.
//
// How the session verdict is reused: for QUIC, what the sessions stage reads from TLS 1.3 records is told to it
// from the packets (not output): the server's Handshake packets are its encrypted flight, the client's its
// Finished flight, 1-RTT packets are application data (RFC 9001 §4: the handshake travels in Handshake packets),
// the other long headers are handshake records.

import { flowEvent, type Emit, type Event, type FlowItem, type Packet, type TlsFeed, type UdpItem, type UdpProtocol } from './events.js';
import type { Options } from './options.js';
import { DtlsDecoder } from './dtls/index.js';
import { QuicDecoder, type QuicFacts } from './quic/index.js';
import { alertDescriptionName } from './registry/index.js';
import { Sessions } from './session/index.js';
import { TlsDecoder } from './tls/index.js';
import { Conversations } from './udp/index.js';

/** The largest TLS record body the framing writes (RFC 8446 §5.1: 2^14). */
const FRAME_BYTES = 1 << 14;

export interface UdpCore {
  push(p: Packet): void;
  end(): void;
}

/** `out` receives the events the user asked for (it filters by type); nothing of a UDP flow reaches the TCP
 *  sessions. */
export function createUdpDecoder(options: Readonly<Options>, out: Emit): UdpCore {
  const protocols = new Map<number, UdpProtocol>();
  const facts = new Map<number, QuicFacts>();
  const sessions = new Sessions(options, (ev) => {
    const flow = ev.flow as number;
    ev.protocol = protocols.get(flow);
    const q = facts.get(flow);
    if (q) ev.quic = q;
    out(ev);
  });
  const emit: Emit = (ev) => {
    if (typeof ev.flow === 'number' && ev.protocol === undefined) {
      const p = protocols.get(ev.flow);
      if (p) ev.protocol = p;
    }
    sessions.observe(ev);
    out(ev);
  };
  // Fields the current feed adds to the events it completes (the TLS stage emits synchronously inside push).
  let current: TlsFeed | undefined;
  const tls = new TlsDecoder(options, (ev) => {
    if (ev.type === 'tls.record') return;
    if (ev.type === 'tls.handshake' && current?.fields) Object.assign(ev, current.fields);
    // JA4.md: the first character is the transport, `q` for QUIC and `d` for DTLS.
    if (typeof ev.ja4 === 'string' && ev.ja4.startsWith('t')) ev.ja4 = (protocols.get(ev.flow as number) === 'quic' ? 'q' : 'd') + ev.ja4.slice(1);
    emit(ev);
  });
  const toTls = (f: TlsFeed): void => {
    current = f;
    for (let i = 0; i < f.bytes.length || i === 0; i += FRAME_BYTES) {
      const body = f.bytes.subarray(i, i + FRAME_BYTES);
      const record = Buffer.concat([Buffer.from([f.content, 3, 3, body.length >> 8, body.length & 0xff]), body]);
      const item: FlowItem = { kind: 'data', line: f.line, frame: f.frame, ts: f.ts, flow: f.flow, dir: f.dir, bytes: record, afterGap: false };
      tls.push(item);
    }
    current = undefined;
  };
  const quic = new QuicDecoder(toTls, (ev) => {
    emit(ev);
    if (ev.type === 'quic.packet') sessions.observe(sessionView(ev));
    const cc = ev.type === 'quic.packet' ? (ev.connection_close as QuicFacts['connection_close']) : undefined;
    if (cc?.tls_alert !== undefined) {
      // RFC 9001 §4.8: a TLS alert is sent as CONNECTION_CLOSE with CRYPTO_ERROR 0x100 + the alert description.
      emit({
        type: 'tls.alert',
        line: ev.line,
        frame: ev.frame,
        ts: ev.ts,
        flow: ev.flow,
        dir: ev.dir,
        level: 'fatal',
        level_id: 2,
        description_id: cc.tls_alert,
        description: alertDescriptionName(cc.tls_alert),
        quic_error_code: cc.error_code,
      });
    }
  });
  const dtls = new DtlsDecoder(options, toTls, emit);
  const conversations = new Conversations(
    options,
    (item: UdpItem) => {
      if (item.kind === 'open') {
        protocols.set(item.flow, item.protocol);
        emit({ ...flowEvent(item), protocol: item.protocol });
        tls.push(item);
        if (item.protocol === 'quic') quic.open(item.flow);
        return;
      }
      if (item.kind === 'datagram') {
        if (item.protocol === 'quic') quic.push(item);
        else dtls.push(item);
        return;
      }
      if (item.protocol === 'quic') {
        const f = quic.close(item.flow, item);
        if (f) facts.set(item.flow, f);
      } else dtls.close(item.flow, item);
      tls.push(item);
      emit({ ...flowEvent(item), protocol: item.protocol });
      sessions.close(item);
      protocols.delete(item.flow);
      facts.delete(item.flow);
    },
    emit,
  );
  return {
    push: (p) => conversations.push(p),
    end: () => {
      conversations.end();
      tls.end();
      sessions.end();
    },
  };
}

/** What the sessions stage reads of a QUIC packet, in the terms of TLS 1.3 records (see the header). */
function sessionView(ev: Event): Event {
  const t = ev.packet_type;
  const base = {
    type: 'tls.record' as const,
    line: ev.line,
    frame: ev.frame,
    ts: ev.ts,
    flow: ev.flow,
    dir: ev.dir,
    length: typeof ev.length === 'number' ? ev.length : 0,
  };
  // The session stage reads content_id (RFC 8446 §5.1: 22 handshake, 23 application_data); the names are for show.
  if (t === 'handshake')
    return {
      ...base,
      content_id: 23,
      content: 'application_data',
      flight: ev.dir === 's2c' ? 'server_handshake' : 'client_finished',
      inferred: true,
    };
  if (t === '1rtt' || t === '0rtt') return { ...base, content_id: 23, content: 'application_data' };
  // Initial, Retry, Version Negotiation and unreadable long headers carry the (plaintext) handshake: with them a
  // QUIC flow gets its tls.session even when no hello could be read.
  return { ...base, content_id: 22, content: 'handshake' };
}

// Stage 2 for UDP: packets → conversations of QUIC or DTLS datagrams (UdpItem: open, datagram…, close). A sibling
// of lib/tcp: there are no bytes to order, only datagrams to group by address pair and to pass on.
//
// The contract this stage keeps:
// - A conversation is keyed by its address pair (both IPs and ports, either direction) and numbered from 0 in
//   order of opening, apart from TCP flows (as tshark's udp.stream is apart from tcp.stream).
// - Only datagrams that carry QUIC or DTLS (classify.ts) open or feed a conversation; others (DNS, STUN, SRTP
//   beside DTLS) are passed over, so a capture without QUIC or DTLS gives nothing here.
// - The client is the sender of a DTLS ClientHello (or the receiver of a ServerHello/HelloVerifyRequest), the
//   receiver of a QUIC Version Negotiation packet, else the receiver of the first datagram when only its source
//   port is below 1024, else its sender.
// - A conversation ends after idleTimeout seconds of capture time without datagrams (`end: timeout`; a later one
//   opens a new conversation), when maxFlows are live and another opens (the least recently active one, `end:
//   evicted`, with `udp.evicted`), or at the end of input (`end: eof`). IP fragments and empty datagrams are
//   passed over; a fragmented QUIC or DTLS datagram gives one `udp.fragment` per address pair.

import { anomaly, type Dir, type Emit, type Origin, type Packet, type Sink, type UdpItem, type UdpProtocol } from '../events.js';
import type { Options } from '../options.js';
import { classify, sentByClient } from './classify.js';

export { classify, plausibleQuicVersion } from './classify.js';

interface Conversation {
  key: string;
  flow: number;
  protocol: UdpProtocol;
  client: string;
  server: string;
  /** `src:sport` of the client, to tell directions. */
  clientEnd: string;
  last: number | undefined;
  bytes: { c2s: number; s2c: number };
}

function endpoint(ip: string, port: number, v: 4 | 6): string {
  return v === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function origin(p: Packet): Origin {
  return p.frame === undefined
    ? { line: p.line, ts: p.ts, time: p.time, epoch: p.epoch }
    : { frame: p.frame, ts: p.ts, time: p.time, epoch: p.epoch };
}

export class Conversations {
  /** Live conversations, least recently active first (a Map keeps insertion order; activity re-inserts). */
  private readonly live = new Map<string, Conversation>();
  private nextId = 0;
  /** Address pairs already reported for fragments (bounded by maxFlows). */
  private readonly fragmentsSeen = new Set<string>();

  constructor(
    readonly opts: Readonly<Options>,
    readonly next: Sink<UdpItem>,
    readonly emit: Emit,
  ) {}

  push(p: Packet): void {
    if (p.proto !== 'udp') return;
    const at = origin(p);
    if (p.time !== undefined) this.expire(p.time, at);
    const a = endpoint(p.src, p.sport, p.ipVersion);
    const b = endpoint(p.dst, p.dport, p.ipVersion);
    const key = a < b ? `${a} ${b}` : `${b} ${a}`;
    let c = this.live.get(key);
    if (p.fragment) {
      if ((c || classify(p.payload, undefined)) && !this.fragmentsSeen.has(key) && this.fragmentsSeen.size < this.opts.maxFlows) {
        this.fragmentsSeen.add(key);
        this.emit(
          anomaly(
            'udp.fragment',
            `a fragmented UDP datagram ${a} > ${b}: IP fragments are not reassembled, skipped`,
            at,
            c ? { flow: c.flow } : undefined,
          ),
        );
      }
      return;
    }
    const protocol = classify(p.payload, c?.protocol);
    if (!protocol || (c && protocol !== c.protocol)) return;
    if (!c) c = this.open(key, protocol, a, b, p, at);
    else {
      this.live.delete(key);
      this.live.set(key, c);
    }
    c.last = p.time;
    const dir: Dir = a === c.clientEnd ? 'c2s' : 's2c';
    c.bytes[dir] += p.len;
    this.next({ kind: 'datagram', ...at, flow: c.flow, dir, protocol, payload: p.payload, len: p.len, truncated: p.truncated });
  }

  end(): void {
    for (const c of this.live.values()) this.close(c, 'eof', {});
    this.live.clear();
  }

  private open(key: string, protocol: UdpProtocol, a: string, b: string, p: Packet, at: Origin): Conversation {
    if (this.live.size >= this.opts.maxFlows) {
      const oldest = this.live.values().next().value!;
      this.live.delete(oldest.key);
      this.emit(
        anomaly(
          'udp.evicted',
          `UDP flow ${oldest.flow} (${oldest.client} > ${oldest.server}) evicted: --max-flows ${this.opts.maxFlows} conversations are live`,
          at,
          { flow: oldest.flow },
        ),
      );
      this.close(oldest, 'evicted', at);
    }
    // When the bytes do not tell (a QUIC Initial is sent by both sides), a well-known port marks the server.
    const byClient = sentByClient(p.payload, protocol) ?? (p.sport < 1024 && p.dport >= 1024 ? false : undefined);
    const [client, server] = byClient === false ? [b, a] : [a, b];
    const c: Conversation = { key, flow: this.nextId++, protocol, client, server, clientEnd: client, last: p.time, bytes: { c2s: 0, s2c: 0 } };
    this.live.set(key, c);
    this.next({ kind: 'open', ...at, flow: c.flow, client, server, protocol });
    return c;
  }

  /** Closes conversations idle for longer than idleTimeout at capture time `now`, least recently active first. */
  private expire(now: number, at: Origin): void {
    for (const c of this.live.values()) {
      if (c.last === undefined || now - c.last <= this.opts.idleTimeout) break;
      this.live.delete(c.key);
      this.close(c, 'timeout', at);
    }
  }

  private close(c: Conversation, end: 'eof' | 'timeout' | 'evicted', at: Origin): void {
    this.next({ kind: 'close', ...at, flow: c.flow, client: c.client, server: c.server, end, bytes: c.bytes, gaps: 0, protocol: c.protocol });
  }
}

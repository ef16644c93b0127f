// Stage 2 for UDP: datagrams grouped into conversations by address pair, numbered apart from TCP flows, closed
// after the idle timeout, evicted past --max-flows, and only for QUIC or DTLS; others are passed over.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_TYPES, type Event, type Packet, type UdpItem } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { Conversations, classify } from '../../lib/udp/index.js';
import { udpPcap } from './build.js';

/** A DTLS 1.2 record header (RFC 6347 §4.1) with a body of `n` bytes: enough to be recognised. */
function dtlsRecord(type: number, n: number): Buffer {
  return Buffer.concat([Buffer.from([type, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, n >> 8, n & 0xff]), Buffer.alloc(n, 0x42)]);
}

function pkt(src: string, sport: number, dst: string, dport: number, payload: Buffer, time: number): Packet {
  return {
    frame: time,
    time,
    ts: String(time),
    ipVersion: src.includes(':') ? 6 : 4,
    src,
    dst,
    sport,
    dport,
    proto: 'udp',
    seq: 0,
    ack: 0,
    flags: 0,
    win: 0,
    len: payload.length,
    payload,
    truncated: false,
  };
}

function conv(opts: Partial<ReturnType<typeof defaultOptions>>, ps: Packet[]): { items: UdpItem[]; events: Event[] } {
  const items: UdpItem[] = [];
  const events: Event[] = [];
  const c = new Conversations(
    defaultOptions(opts),
    (i) => items.push(i),
    (e) => events.push(e),
  );
  for (const p of ps) c.push(p);
  c.end();
  return { items, events };
}

test('classify: DTLS by record header, QUIC by long header, RTP and DNS are neither; short headers only in QUIC', () => {
  assert.is(classify(dtlsRecord(22, 20), undefined), 'dtls');
  assert.is(classify(Buffer.from([0x2c, 1, 2, 3]), undefined), undefined);
  assert.is(classify(Buffer.from([0x2c, 1, 2, 3]), 'dtls'), 'dtls', 'DTLS 1.3 unified header');
  assert.is(classify(Buffer.from([0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0]), undefined), 'quic');
  assert.is(classify(Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), undefined), undefined, 'RTP v2');
  assert.is(classify(Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), undefined), undefined, 'DNS');
  assert.is(classify(Buffer.from([0x41, 1, 2]), undefined), undefined);
  assert.is(classify(Buffer.from([0x41, 1, 2]), 'quic'), 'quic');
});

test('datagrams of one address pair, either way, form one conversation; a DNS query forms none', () => {
  const { items } = conv({}, [
    pkt('10.0.0.1', 5000, '10.0.0.2', 53, Buffer.from('12340100000100000000000003777777', 'hex'), 1),
    pkt('10.0.0.1', 6000, '10.0.0.2', 4433, dtlsRecord(22, 20), 2),
    pkt('10.0.0.2', 4433, '10.0.0.1', 6000, dtlsRecord(22, 30), 3),
  ]);
  assert.equal(
    items.map((i) => [i.kind, i.flow, i.kind === 'datagram' ? i.dir : undefined]),
    [
      ['open', 0, undefined],
      ['datagram', 0, 'c2s'],
      ['datagram', 0, 's2c'],
      ['close', 0, undefined],
    ],
  );
  const close = items[3] as Extract<UdpItem, { kind: 'close' }>;
  assert.equal(close.bytes, { c2s: 33, s2c: 43 });
  assert.is(close.end, 'eof');
});

test('after --idle-timeout seconds without datagrams a conversation closes with end timeout; the next one is new', () => {
  const { items } = conv({ idleTimeout: 60 }, [
    pkt('10.0.0.1', 6000, '10.0.0.2', 4433, dtlsRecord(22, 20), 1),
    pkt('10.0.0.1', 6000, '10.0.0.2', 4433, dtlsRecord(22, 20), 100),
  ]);
  assert.equal(
    items.map((i) => [i.kind, i.flow, i.kind === 'close' ? i.end : undefined]),
    [
      ['open', 0, undefined],
      ['datagram', 0, undefined],
      ['close', 0, 'timeout'],
      ['open', 1, undefined],
      ['datagram', 1, undefined],
      ['close', 1, 'eof'],
    ],
  );
});

test('past --max-flows live conversations the least recently active is evicted with udp.evicted', () => {
  const { items, events } = conv({ maxFlows: 2 }, [
    pkt('10.0.0.1', 6001, '10.0.0.2', 4433, dtlsRecord(22, 20), 1),
    pkt('10.0.0.1', 6002, '10.0.0.2', 4433, dtlsRecord(22, 20), 2),
    pkt('10.0.0.1', 6001, '10.0.0.2', 4433, dtlsRecord(22, 20), 3),
    pkt('10.0.0.1', 6003, '10.0.0.2', 4433, dtlsRecord(22, 20), 4),
  ]);
  assert.equal(
    events.map((e) => [e.code, e.flow]),
    [['udp.evicted', 1]],
  );
  const closes = items.filter((i) => i.kind === 'close') as Extract<UdpItem, { kind: 'close' }>[];
  assert.equal(
    closes.map((c) => [c.flow, c.end]),
    [
      [1, 'evicted'],
      [0, 'eof'],
      [2, 'eof'],
    ],
  );
});

test('IPv6 conversations name their ends as [ip]:port; UDP flows are numbered apart from TCP flows', () => {
  const evs = decodeAll(
    udpPcap([{ src: '2001:db8::1', sport: 6000, dst: '2001:db8::2', dport: 4433, payload: dtlsRecord(22, 20) }]),
    defaultOptions({ events: new Set(EVENT_TYPES) }),
  );
  const open = evs.find((e) => e.type === 'flow')!;
  assert.equal([open.flow, open.client, open.server, open.protocol], [0, '[2001:db8::1]:6000', '[2001:db8::2]:4433', 'dtls']);
});

test('an IP fragment of a DTLS datagram gives udp.fragment once per address pair', () => {
  const p = pkt('10.0.0.1', 6000, '10.0.0.2', 4433, dtlsRecord(22, 20), 1);
  p.fragment = true;
  const { items, events } = conv({}, [p, { ...p, frame: 2 }]);
  assert.equal(items, []);
  assert.equal(
    events.map((e) => e.code),
    ['udp.fragment'],
  );
});

test.run();

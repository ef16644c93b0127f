// The Reassembler's flow table (lib/tcp/index.ts FlowTable): flows whose two ends hash alike stay apart, live and
// closed, and idle flows time out in the order they opened whatever their hashes.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { endsHash } from '../../lib/tcp/index.js';
import { ACK, Conn, PSH, type Ends } from './build.js';
import { reassemble } from './harness.js';

const SERVER: [string, number] = ['10.200.0.1', 443];

/** The first two clients (address and port) whose connections to SERVER hash alike. */
function colliding(): [Ends, Ends] {
  const seen = new Map<number, [string, number]>();
  for (let i = 0; i < 4_000_000; i++) {
    const c: [string, number] = [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 40000 + (i % 997)];
    const h = endsHash({ src: c[0], sport: c[1], dst: SERVER[0], dport: SERVER[1] });
    const other = seen.get(h);
    if (other)
      return [
        { c: other, s: SERVER },
        { c, s: SERVER },
      ];
    seen.set(h, c);
  }
  throw new Error('no collision found');
}

test('table: the hash is the same from either end, and differs with a port', () => {
  const p = { src: '10.0.0.1', sport: 40000, dst: '10.0.0.2', dport: 443 };
  assert.is(endsHash(p), endsHash({ src: p.dst, sport: p.dport, dst: p.src, dport: p.sport }));
  assert.is.not(endsHash(p), endsHash({ ...p, sport: 40001 }));
});

test('table: two connections whose ends hash alike stay apart, open, closed and reopened', () => {
  const [endsA, endsB] = colliding();
  assert.is(
    endsHash({ src: endsA.c[0], sport: endsA.c[1], dst: SERVER[0], dport: SERVER[1] }),
    endsHash({ src: endsB.c[0], sport: endsB.c[1], dst: SERVER[0], dport: SERVER[1] }),
  );
  const lines = { n: 0 };
  const a = new Conn(1000, 5000, endsA, lines);
  const b = new Conn(2000, 6000, endsB, lines);
  const c = new Conn(3000, 7000, { c: ['10.250.0.9', 50000], s: SERVER }, lines);
  const d = new Conn(4000, 8000, { c: ['10.250.0.10', 50001], s: SERVER }, lines);
  const at = (t: number) => ({ time: t });
  const bytesA = Buffer.from('bytes of A');
  const bytesB = Buffer.from('B sends these');
  const packets = [
    a.pkt('c', 0, 0, 0x02, undefined, at(0)),
    a.pkt('s', 0, 1, 0x12, undefined, at(0)),
    c.pkt('c', 0, 0, 0x02, undefined, at(1)),
    b.pkt('c', 0, 0, 0x02, undefined, at(2)),
    b.pkt('s', 0, 1, 0x12, undefined, at(2)),
    a.pkt('c', 1, 1, ACK | PSH, bytesA, at(3)),
    b.pkt('c', 1, 1, ACK | PSH, bytesB, at(4)),
    // Past the idle timeout: A, C and B close, in the order they opened.
    d.pkt('c', 0, 0, 0x02, undefined, at(1000)),
    // A's bytes again: they stay with the closed A. New bytes of B: the connection lives on, a new flow.
    a.pkt('c', 1, 1, ACK | PSH, bytesA, at(1001)),
    b.pkt('c', 1 + bytesB.length, 1, ACK | PSH, Buffer.from('more'), at(1002)),
  ];
  const run = reassemble(packets, { idleTimeout: 300 });
  const closes = run.items.filter((i) => i.kind === 'close').map((i) => [i.flow, i.kind === 'close' ? i.end : '']);
  assert.equal(closes.slice(0, 3), [
    [0, 'timeout'],
    [1, 'timeout'],
    [2, 'timeout'],
  ]);
  assert.is(run.flows.size, 5);
  assert.is(run.flows.get(0)!.c2s.toString(), bytesA.toString());
  assert.is(run.flows.get(2)!.c2s.toString(), bytesB.toString());
  assert.is(run.flows.get(0)!.client, `${endsA.c[0]}:${endsA.c[1]}`);
  assert.is(run.flows.get(2)!.client, `${endsB.c[0]}:${endsB.c[1]}`);
  assert.is(run.flows.get(4)!.c2s.toString(), 'more');
  assert.is(run.flows.get(4)!.server, `${SERVER[0]}:${SERVER[1]}`);
});

test.run();

// The hold queue of stage 1 (text): packets, events and excerpt items leave in the order they came, except that a
// summary-only packet waits for its hex (HOLD_PACKETS later packets at most) and holds back what comes after it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { anomaly, type Packet } from '../../lib/events.js';
import { HOLD_PACKETS, HoldQueue } from '../../lib/text/holdback.js';

function packet(line: number): Packet {
  return {
    line,
    ipVersion: 4,
    src: '10.0.0.1',
    dst: '10.0.0.2',
    sport: 1,
    dport: 2,
    proto: 'tcp',
    seq: 0,
    ack: 0,
    flags: 0,
    win: 0,
    len: 0,
    payload: new Uint8Array(0),
    truncated: false,
  };
}

function queue(): { q: HoldQueue; out: string[] } {
  const out: string[] = [];
  const q = new HoldQueue(
    (p) => out.push(`p${p.line}`),
    (ev) => out.push(`e${ev.line}`),
    (item) => out.push(`x${item.kind}`),
  );
  return { q, out };
}

test('holdback: with nothing waiting, everything goes out at once and in order', () => {
  const { q, out } = queue();
  q.packet(packet(1), true);
  q.event(anomaly('input.unparsed', 'x', { line: 2 }));
  q.excerpt({ kind: 'break' });
  q.packet(packet(3), true);
  assert.equal(out, ['p1', 'e2', 'xbreak', 'p3']);
  assert.is(q.hasWaiting, false);
});

test('holdback: a summary-only packet holds back what follows it until HOLD_PACKETS more packets came', () => {
  const { q, out } = queue();
  q.packet(packet(1), false, 'summary');
  q.event(anomaly('input.unparsed', 'x', { line: 2 }));
  for (let i = 0; i < HOLD_PACKETS - 1; i++) q.packet(packet(10 + i), true);
  assert.equal(out, [], 'all held');
  assert.is(q.hasWaiting, true);
  q.packet(packet(100), true);
  assert.equal(out.slice(0, 3), ['p1', 'e2', 'p10']);
  // The summary-only packet, the event behind it and the HOLD_PACKETS packets that came after it.
  assert.is(out.length, HOLD_PACKETS + 2);
  assert.is(q.hasWaiting, false);
});

test('holdback: a waiting packet completed in place goes out in its place; flush(true) sends the rest', () => {
  const { q, out } = queue();
  q.packet(packet(1), false, 'first');
  q.packet(packet(2), false, 'second');
  q.packet(packet(3), true);
  const h = q.findWaiting((w) => w.text === 'first');
  assert.ok(h);
  h.packet = packet(11);
  q.settle(h);
  assert.equal(out, ['p11'], 'the second still waits, and the third behind it');
  assert.is(
    q.findWaiting((w) => w.text === 'first'),
    undefined,
    'settled: no longer waiting',
  );
  q.flush(true);
  assert.equal(out, ['p11', 'p2', 'p3']);
  assert.is(q.hasWaiting, false);
});

test.run();

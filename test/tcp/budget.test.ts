// The TCP stage's memory budget (maxMemoryBytes: a fixed cost per live flow plus held bytes and pieces, the least
// recently active flows evicted beyond it) and its role hint input (which end sent a payload, given by the caller).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event, FlowItem, Packet } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { FLOW_BYTES, Reassembler, whenBudgetBinds } from '../../lib/tcp/index.js';
import { ACK, Conn, PSH, clientHello, stream } from './build.js';

/** `n` connections, each opened, a ClientHello, then server bytes after a hole (held out of order), no close. */
function halfOpen(n: number): Packet[] {
  const lines = { n: 0 };
  const ps: Packet[] = [];
  for (let i = 0; i < n; i++) {
    const c = new Conn(100, 200, { c: [`10.0.${i >> 8}.${i & 255}`, 1000 + i], s: ['10.9.0.1', 443] }, lines);
    ps.push(...c.open(), c.pkt('c', 1, 1, PSH | ACK, clientHello(200)), c.pkt('s', 1001, 201, PSH | ACK, stream(1400, i)));
  }
  return ps;
}

function run(ps: Packet[], o: Parameters<typeof defaultOptions>[0], each?: (r: Reassembler) => void) {
  const items: FlowItem[] = [];
  const events: Event[] = [];
  const r = new Reassembler(
    defaultOptions(o),
    (i) => items.push(i),
    (e) => events.push(e),
  );
  for (const p of ps) {
    r.push(p);
    each?.(r);
  }
  r.end();
  return { items, events };
}

test('budget: over maxMemoryBytes the least recently active flows are evicted, and what live flows cost stays under it', () => {
  const max = 6 * FLOW_BYTES;
  let most = 0;
  const { items, events } = run(halfOpen(40), { maxMemoryBytes: max }, (r) => (most = Math.max(most, r.footprint)));
  assert.ok(most <= max, `footprint ${most} within ${max}`);
  const closes = items.filter((i) => i.kind === 'close');
  assert.is(closes.length, 40);
  const evicted = closes.filter((c) => c.end === 'evicted').map((c) => c.flow);
  assert.ok(evicted.length >= 30, `${evicted.length} evicted`);
  // Oldest first: the evicted flows are the first ones opened, the last ones close at the end of input.
  assert.equal(
    evicted,
    evicted.slice().sort((a, b) => a - b),
  );
  assert.is(evicted[0], 0);
  assert.is(closes.at(-1)!.end, 'eof');
  const why = events.filter((e) => e.code === 'tcp.evicted');
  assert.is(why.length, evicted.length);
  assert.match(String(why[0]!.message), /maxMemoryBytes/);
  // Each evicted flow still gave its ClientHello before it closed.
  for (const f of evicted) assert.ok(items.some((i) => i.kind === 'data' && i.flow === f && i.dir === 'c2s'));
});

test('budget: held bytes go before flows: holes are declared lost (tcp.buffer_limit, maxMemoryBytes) while that suffices', () => {
  // Room for every flow's fixed cost and part of what they hold.
  const max = 40 * FLOW_BYTES + 20 * 2000;
  let most = 0;
  const { items, events } = run(halfOpen(40), { maxMemoryBytes: max }, (r) => (most = Math.max(most, r.footprint)));
  assert.ok(most <= max, `footprint ${most} within ${max}`);
  const limits = events.filter((e) => e.code === 'tcp.buffer_limit');
  assert.ok(limits.length > 0);
  assert.is(limits[0]!.limit, 'maxMemoryBytes');
  assert.equal(
    events.filter((e) => e.code === 'tcp.evicted'),
    [],
  );
  // The oldest flows' server bytes were delivered after a declared hole; all flows closed at the end of input.
  assert.ok(items.some((i) => i.kind === 'data' && i.flow === 0 && i.dir === 's2c' && i.afterGap));
  assert.ok(items.filter((i) => i.kind === 'close').every((c) => c.kind === 'close' && c.end === 'eof'));
});

test('budget: with the default budget the same flows all stay live to the end', () => {
  const { items, events } = run(halfOpen(40), {});
  assert.ok(items.filter((i) => i.kind === 'close').every((c) => c.kind === 'close' && c.end === 'eof'));
  assert.equal(
    events.filter((e) => e.code === 'tcp.evicted'),
    [],
  );
});

test('budget: the flow of the packet at hand is never evicted, even alone over the budget', () => {
  const { items } = run(halfOpen(1), { maxMemoryBytes: 1 });
  const close = items.find((i) => i.kind === 'close');
  assert.is(close?.kind === 'close' && close.end, 'eof');
});

test('hint: without a SYN, the caller-given role hint decides which end is the client', () => {
  const c = new Conn();
  // Mid-stream: a ClientHello from 10.0.0.1:40000 first.
  const ps = [c.pkt('c', 1, 1, PSH | ACK, clientHello(50)), c.pkt('s', 1, 51, PSH | ACK, stream(20))];
  const opened = (hint?: (b: Uint8Array) => 'client' | 'server' | undefined): string | undefined => {
    let client: string | undefined;
    const r = new Reassembler(
      defaultOptions(),
      (i) => (i.kind === 'open' ? (client = i.client) : undefined),
      () => {},
      hint ? { hint } : {},
    );
    for (const p of ps) r.push(p);
    r.end();
    return client;
  };
  assert.is(opened(), '10.0.0.1:40000', 'the default hint knows a ClientHello');
  assert.is(
    opened(() => 'server'),
    '10.0.0.2:443',
    'a hint that calls the first sender the server',
  );
  // A hint that never tells: the ports decide (443 is the server's).
  assert.is(
    opened(() => undefined),
    '10.0.0.1:40000',
  );
  const swapped = new Conn(1, 1, { c: ['10.0.0.2', 443], s: ['10.0.0.1', 40000] });
  const r2: string[] = [];
  const r = new Reassembler(
    defaultOptions(),
    (i) => (i.kind === 'open' ? r2.push(i.client) : undefined),
    () => {},
    { hint: () => undefined },
  );
  r.push(swapped.pkt('c', 1, 1, PSH | ACK, clientHello(50)));
  r.end();
  assert.equal(r2, ['10.0.0.1:40000'], 'a ClientHello from port 443 is not taken as a client without the TLS hint');
});

test('budget: whenBudgetBinds runs once, when live flows first pass maxMemoryBytes, and not while they fit', () => {
  let calls = 0;
  try {
    whenBudgetBinds(() => calls++);
    run(halfOpen(4), { maxMemoryBytes: 6 * FLOW_BYTES });
    assert.is(calls, 0, 'four flows fit');
    run(halfOpen(40), { maxMemoryBytes: 6 * FLOW_BYTES });
    assert.is(calls, 1);
    run(halfOpen(40), { maxMemoryBytes: 6 * FLOW_BYTES });
    assert.is(calls, 1, 'once per registration');
  } finally {
    whenBudgetBinds(undefined);
  }
});

test.run();

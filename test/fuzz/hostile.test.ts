// Hostile synthetic inputs through the whole pipeline in-process: each keeps the output invariants within
// the time budget, gives the anomalies its damage calls for, and stays inside the named limits (certificates per
// chain, alerts per session, handshake message size). The same inputs go through the command line in cli.test.ts
// and are measured for memory in bench/hostile.ts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event } from '../../lib/events.js';
import { defaultOptions, type Options } from '../../lib/options.js';
import { MAX_ALERTS } from '../../lib/session/index.js';
import { hostileInputs } from './hostile.js';
import { ALL_EVENTS, CASE_BUDGET_MS, checkEvents, codesOf, decodeCase, lineCount, SEED } from './support.js';

const inputs = hostileInputs(SEED);
const results = new Map<string, Event[]>();

for (const h of inputs) {
  test(`hostile: ${h.name}: invariants kept${h.codes ? `, ${h.codes.join(' and ')} reported` : ''}`, () => {
    const opts = h.options ? defaultOptions({ ...ALL_EVENTS, ...(h.options as Partial<Options>) }) : ALL_EVENTS;
    const { events, ms } = decodeCase(h.input, 0, opts);
    results.set(h.name, events);
    assert.ok(ms < CASE_BUDGET_MS, `${Math.round(ms)} ms`);
    const bad = checkEvents(events, { lines: lineCount(h.input) });
    assert.is(bad, undefined, bad);
    const codes = new Set(codesOf(events));
    for (const c of h.codes ?? []) assert.ok(codes.has(c), `${c} among ${[...codes].join(', ')}`);
    for (const e of events) {
      if (e.type === 'tls.handshake' && Array.isArray(e.certs)) assert.ok(e.certs.length <= opts.maxCertsPerChain);
      if (e.type === 'tls.handshake' && !e.over_limit) assert.ok((e.length as number) <= opts.maxHandshakeBytes);
      if (e.type === 'tls.session') assert.ok((e.alerts as unknown[]).length <= MAX_ALERTS + 2, 'alerts per session are bounded');
    }
  });
}

const get = (name: string): Event[] => {
  const evs = results.get(name);
  assert.ok(evs, `${name} ran`);
  return evs!;
};

test('hostile: 5000 tiny certificates: --max-certs (16) decoded, the rest counted', () => {
  const hs = get('a certificate list of 5000 tiny certificates').find((e) => e.type === 'tls.handshake' && e.msg === 'certificate')!;
  assert.is((hs.certs as unknown[]).length, 16);
  assert.is(hs.certs_omitted, 4984);
});

test('hostile: a handshake message that claims 16 MB is reported over the limit and its bytes passed over', () => {
  const evs = get('a handshake message that claims 16 MB');
  const hs = evs.find((e) => e.type === 'tls.handshake')!;
  assert.equal([hs.msg, hs.length, hs.over_limit, hs.truncated], ['certificate', 0xffffff, true, true]);
  assert.is(evs.filter((e) => e.type === 'tls.handshake').length, 1, 'nothing in its claimed bytes is read as messages');
});

test('hostile: a flood of alerts gives one tls.alert each but a tls.session of bounded size', () => {
  const evs = get('a flood of 50000 alert records');
  assert.is(evs.filter((e) => e.type === 'tls.alert').length, 50_000);
  const s = evs.find((e) => e.type === 'tls.session')!;
  assert.is((s.alerts as unknown[]).length + (s.alerts_omitted as number), 50_000);
  assert.ok(JSON.stringify(s).length < 20_000);
});

test('hostile: thousands of flows with holes stay within maxFlows and maxTotalBufferBytes, and each flow closes once', () => {
  const evs = get('2000 flows with holes, interleaved');
  const opens = evs.filter((e) => e.type === 'flow' && e.event === 'open').length;
  const closes = evs.filter((e) => e.type === 'flow' && e.event === 'close').length;
  assert.is(opens, 2000);
  assert.is(closes, 2000);
  assert.ok(evs.filter((e) => e.code === 'tcp.evicted').length >= 900, 'flows past 1000 live ones are evicted');
  assert.ok(
    evs.some((e) => e.code === 'tcp.buffer_limit'),
    'holes are declared lost past maxTotalBufferBytes',
  );
});

test.run();

// Property tests (fast-check) of stage 3 (tls): every handshake decoder takes any body, any declared length and
// any connection context without throwing and gives plain JSON; no strict prefix of a real handshake message
// decodes as complete; TlsDecoder takes real flows cut anywhere, damaged, with gaps and in any chunking without
// throwing, gives the same events whatever the chunking, and every tls.alert has the contract's shape.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Dir, Event, FlowItem } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeMessage, MESSAGE_DECODERS } from '../../lib/tls/handshake.js';
import { TlsDecoder } from '../../lib/tls/index.js';
import { named } from '../../lib/tls/render.js';
import { testIf } from '../support/shared.js';
import { reassemble } from '../tcp/harness.js';
import { stage1 } from '../text/run.js';
import { checkEvents, fixtureText, haveFixtures, plainJson, runs } from './support.js';

const VERSIONS = [undefined, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f12, 0xfb1a];
const CIPHERS = [undefined, 0x002f, 0x0035, 0x009e, 0xc02f, 0xc030, 0x1301, 0x00a8, 0xc0a4, 0x0018, 0xc019, 0x0003, 0xffff];

const ctxArb = fc.record({ version: fc.constantFrom(...VERSIONS), cipher: fc.constantFrom(...CIPHERS), maxCerts: fc.integer({ min: 0, max: 20 }) });

test('tls: every handshake decoder takes any body, declared length and context without throwing, and gives plain JSON', () => {
  const types = [...MESSAGE_DECODERS.keys(), 7, 21, 23, 254, 255];
  fc.assert(
    fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 400 }), fc.nat(600), ctxArb, (type, body, extra, ctx) => {
      const r = decodeMessage(type, body, body.length + (extra % 3 === 0 ? 0 : extra), ctx);
      assert.ok(!(r.complete && r.malformed), 'complete and malformed exclude each other');
      const bad = plainJson(named(r.fields), `message ${type}`);
      assert.is(bad, undefined, bad);
    }),
    { numRuns: runs(3000) },
  );
});

interface RealFlow {
  name: string;
  items: FlowItem[];
  /** Plaintext handshake messages (type, body) of each direction, cut from the records before encryption. */
  messages: [number, Uint8Array, Dir][];
}

/** A recorded capture through stages 1 and 2: the items the TLS stage gets, and its plaintext handshake messages. */
function realFlow(name: string): RealFlow {
  const packets = stage1(fixtureText(name, ['-nn', '-xx'])).packets;
  const run = reassemble(packets);
  const messages: [number, Uint8Array, Dir][] = [];
  for (const dir of ['c2s', 's2c'] as const) {
    const s = run.flows.get(0)![dir];
    const hs: number[] = [];
    for (let at = 0; at + 5 <= s.length; ) {
      const type = s[at]!;
      const len = s.readUInt16BE(at + 3);
      if (type === 20) break; // ChangeCipherSpec: what follows in this direction is protected
      if (type === 22) hs.push(...s.subarray(at + 5, at + 5 + len));
      at += 5 + len;
    }
    const b = Uint8Array.from(hs);
    for (let at = 0; at + 4 <= b.length; ) {
      const len = (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
      if (at + 4 + len > b.length) break;
      messages.push([b[at]!, b.slice(at + 4, at + 4 + len), dir]);
      at += 4 + len;
    }
  }
  return { name, items: run.items, messages };
}

function runTls(items: FlowItem[], opts = defaultOptions()): Event[] {
  const events: Event[] = [];
  const d = new TlsDecoder(opts, (e) => events.push(e));
  for (const it of items) d.push(it);
  d.end();
  return events;
}

/** tls.alert as the contract and docs/events.schema.json shape it: level and description, or encrypted. */
function alertShape(events: Event[]): string | undefined {
  for (const e of events) {
    if (e.type !== 'tls.alert') continue;
    const plain =
      typeof e.level_id === 'number' && typeof e.level === 'string' && typeof e.description_id === 'number' && typeof e.description === 'string';
    if (plain === (e.encrypted === true)) return `tls.alert with neither or both shapes: ${JSON.stringify(e)}`;
  }
  return undefined;
}

{
  const fixtureTest = testIf(haveFixtures, 'fuzz/tls: tcpdump or the own fixtures are absent');
  const flows = haveFixtures
    ? ['tls12-rsa', 'tls13', 'mtls12-ok', 'mtls13-ok', 'tls10', 'resume12-ticket', 'client-untrusted-server'].map(realFlow)
    : [];
  const messages = flows.flatMap((f) => f.messages.map(([t, b]) => [t, b] as const));

  fixtureTest('tls: no strict prefix of a real handshake message decodes as complete, under any declared length', () => {
    assert.ok(messages.length > 30, `enough real messages (${messages.length})`);
    fc.assert(
      fc.property(fc.nat(messages.length - 1), fc.nat(100_000), ctxArb, (i, cut, ctx) => {
        const [type, body] = messages[i]!;
        if (body.length === 0) return;
        const n = cut % body.length;
        const r = decodeMessage(type, body.subarray(0, n), body.length, ctx);
        assert.is(r.complete, false, `type ${type}: ${n} of ${body.length} bytes is not complete`);
      }),
      { numRuns: runs(2000) },
    );
  });

  fixtureTest('tls: real handshake messages with bytes changed never throw and give plain JSON', () => {
    fc.assert(
      fc.property(
        fc.nat(messages.length - 1),
        fc.array(fc.tuple(fc.nat(100_000), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        ctxArb,
        (i, flips, ctx) => {
          const [type, orig] = messages[i]!;
          const body = orig.slice();
          for (const [at, v] of flips) if (body.length) body[at % body.length] = v;
          const r = decodeMessage(type, body, body.length, ctx);
          const bad = plainJson(named(r.fields), `message ${type}`);
          assert.is(bad, undefined, bad);
        },
      ),
      { numRuns: runs(2000) },
    );
  });

  fixtureTest('tls: a real flow cut into any chunks gives the same events as the flow as recorded', () => {
    fc.assert(
      fc.property(fc.nat(flows.length - 1), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), (fi, cuts) => {
        const f = flows[fi]!;
        const whole = runTls(f.items);
        const split: FlowItem[] = [];
        let k = 0;
        for (const it of f.items) {
          if (it.kind !== 'data') {
            split.push(it);
            continue;
          }
          for (let at = 0; at < it.bytes.length; ) {
            const n = cuts[k++ % cuts.length]!;
            split.push({ ...it, bytes: it.bytes.subarray(at, at + n) });
            at += n;
          }
        }
        assert.equal(runTls(split), whole);
      }),
      { numRuns: runs(100) },
    );
  });

  fixtureTest('tls: real flows damaged (bytes changed, cut, dropped after a gap, spliced across flows) never throw and keep the event shapes', () => {
    const item = fc.record({
      flow: fc.nat(flows.length - 1),
      index: fc.nat(1000),
      cutFrom: fc.nat(2000),
      cutLen: fc.nat(2000),
      flips: fc.array(fc.tuple(fc.nat(5000), fc.nat(255)), { maxLength: 4 }),
      gap: fc.boolean(),
      swapDir: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 4, max: 1 << 18 }),
        (picks, maxCerts, maxHandshakeBytes) => {
          const items: FlowItem[] = [{ kind: 'open', flow: 0, client: 'c', server: 's', line: 1 }];
          let line = 2;
          for (const p of picks) {
            const data = flows[p.flow]!.items.filter((i) => i.kind === 'data');
            const src = data[p.index % data.length];
            if (!src || src.kind !== 'data') continue;
            const bytes = src.bytes.slice(p.cutFrom % (src.bytes.length + 1), (p.cutFrom % (src.bytes.length + 1)) + 1 + p.cutLen);
            for (const [at, v] of p.flips) if (bytes.length) bytes[at % bytes.length] = v;
            const dir: Dir = p.swapDir ? (src.dir === 'c2s' ? 's2c' : 'c2s') : src.dir;
            items.push({ kind: 'data', flow: 0, dir, bytes, afterGap: p.gap, line: line++ });
          }
          items.push({ kind: 'close', flow: 0, client: 'c', server: 's', end: 'fin', bytes: { c2s: 0, s2c: 0 }, gaps: 0, line: line++ });
          const events = runTls(items, defaultOptions({ maxCertsPerChain: maxCerts, maxHandshakeBytes }));
          const bad = checkEvents(events, { lines: line }) ?? alertShape(events);
          assert.is(bad, undefined, bad);
          for (const e of events) {
            if (e.type === 'tls.handshake' && Array.isArray(e.certs))
              assert.ok(e.certs.length <= maxCerts, `at most ${maxCerts} certificates decoded`);
            if (e.type === 'tls.handshake' && !e.over_limit)
              assert.ok((e.length as number) <= maxHandshakeBytes, 'a message over the limit is not decoded');
          }
        },
      ),
      { numRuns: runs(400) },
    );
  });
}

/** Records of every content type with small bodies (handshake bodies framed as messages), some lengths wrong. */
const recordArb = fc
  .record({
    type: fc.constantFrom(20, 21, 22, 23, 24, 25, 0x80),
    version: fc.constantFrom(0x0300, 0x0301, 0x0303, 0x0304, 0x0002, 0x0500),
    body: fc.oneof(
      fc.uint8Array({ maxLength: 6 }),
      fc
        .tuple(
          fc.constantFrom(0, 1, 2, 4, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24, 25, 99),
          fc.uint8Array({ maxLength: 120 }),
          fc.integer({ min: -3, max: 3 }),
        )
        .map(([t, b, off]) => Uint8Array.from([t, 0, ((b.length + off) >> 8) & 0xff, (b.length + off) & 0xff, ...b])),
      fc.constantFrom(Uint8Array.from([1]), Uint8Array.from([2, 40]), Uint8Array.from([1, 0])),
    ),
    lengthOff: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -2, max: 2 }), fc.constant(0xffff)),
  })
  .map((r) => {
    const len = r.lengthOff === 0xffff ? 0xffff : Math.max(0, r.body.length + r.lengthOff);
    return Uint8Array.from([r.type, r.version >> 8, r.version & 0xff, len >> 8, len & 0xff, ...r.body]);
  });

test('tls: records of every type, cut at any byte and with gaps anywhere, never throw and keep the event shapes', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.array(recordArb, { minLength: 1, maxLength: 6 })), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(60), { minLength: 1, maxLength: 8 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
      (flights, cuts, gaps) => {
        const items: FlowItem[] = [{ kind: 'open', flow: 1, client: 'c', server: 's', line: 1 }];
        let k = 0;
        for (const [c2s, recs] of flights) {
          const bytes = Uint8Array.from(recs.flatMap((r) => [...r]));
          for (let at = 0; at < bytes.length; k++) {
            const n = 1 + cuts[k % cuts.length]!;
            items.push({
              kind: 'data',
              flow: 1,
              dir: c2s ? 'c2s' : 's2c',
              bytes: bytes.subarray(at, at + n),
              afterGap: gaps[k % gaps.length]! && k % 3 === 0,
              line: items.length + 1,
            });
            at += n;
          }
        }
        items.push({ kind: 'close', flow: 1, client: 'c', server: 's', end: 'eof', bytes: { c2s: 0, s2c: 0 }, gaps: 0, line: items.length + 1 });
        const events = runTls(items);
        const bad = checkEvents(events, { lines: items.length }) ?? alertShape(events);
        assert.is(bad, undefined, bad);
      },
    ),
    { numRuns: runs(1500) },
  );
});

test('tls: random bytes in both directions, with random gaps, never throw', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 300 }), fc.boolean()), { maxLength: 30 }), (chunks) => {
      const items: FlowItem[] = [{ kind: 'open', flow: 3, client: 'c', server: 's', line: 1 }];
      chunks.forEach(([c2s, bytes, gap], i) => items.push({ kind: 'data', flow: 3, dir: c2s ? 'c2s' : 's2c', bytes, afterGap: gap, line: i + 2 }));
      items.push({ kind: 'close', flow: 3, client: 'c', server: 's', end: 'rst', bytes: { c2s: 0, s2c: 0 }, gaps: 0, line: chunks.length + 2 });
      const events = runTls(items);
      const bad = checkEvents(events, { lines: chunks.length + 2 }) ?? alertShape(events);
      assert.is(bad, undefined, bad);
    }),
    { numRuns: runs(1000) },
  );
});

test.run();

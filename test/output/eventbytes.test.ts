// The byte writer of NDJSON lines (lib/output/eventbytes.ts, lib/output/jsonbytes.ts): for every event of the
// project's captures and of ../shared, and for generated values of every kind, its bytes are
// `JSON.stringify(value) + '\n'` (`undefined\n` where JSON.stringify gives undefined).

import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_TYPES } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { EventBytes, PACKET, SHAPES, TLS_RECORD, type Shape } from '../../lib/output/eventbytes.js';
import { JSON_BYTES_DEPTH } from '../../lib/output/jsonbytes.js';
import { decodeAll } from '../../lib/pipeline.js';
import { CAPTURES, captureFiles, FIXTURES, haveShared, skipGroup } from '../support/shared.js';

const expected = (v: unknown): string => (JSON.stringify(v) ?? 'undefined') + '\n';

/** The line EventBytes writes for v, and that it wrote it after what was there. */
function written(w: EventBytes, v: unknown): string {
  const start = w.pos;
  w.line(v);
  return w.buf.toString('utf8', start, w.pos);
}

/** Counts, per shape, the events its writer took (so that a test can say the fast path was exercised). */
function shapeHits(events: readonly Record<string, unknown>[]): Map<Shape, number> {
  const hits = new Map<Shape, number>();
  for (const ev of events) {
    const s = SHAPES.find((x) => x.type === ev.type);
    if (s !== undefined && s.members(ev) >= 0) hits.set(s, (hits.get(s) ?? 0) + 1);
  }
  return hits;
}

/** Every event of a capture (with its key log beside it, when there is one, so that decrypted fields appear). */
function events(file: string): Record<string, unknown>[] {
  const keylog = file.replace(/\.(pcapng|pcap|txt)$/, '.keylog');
  const options = defaultOptions({ events: new Set(EVENT_TYPES), keylog: existsSync(keylog) ? [keylog] : [] });
  return decodeAll(readFileSync(file), options) as Record<string, unknown>[];
}

function sameAsStringify(files: readonly string[]): Map<Shape, number> {
  const w = new EventBytes(256);
  const hits = new Map<Shape, number>();
  for (const f of files) {
    const evs = events(f);
    for (const ev of evs) {
      const got = written(w, ev);
      if (got !== expected(ev)) assert.fixture(got, expected(ev), `${basename(f)}: ${JSON.stringify(ev).slice(0, 120)}`);
    }
    for (const [s, n] of shapeHits(evs)) hits.set(s, (hits.get(s) ?? 0) + n);
    w.pos = 0;
  }
  return hits;
}

const fixtureFiles = [...captureFiles(FIXTURES), ...['seed-trace1.txt', 'seed-trace2.txt'].map((f) => join(FIXTURES, '..', '..', 'data', f))];

test("eventbytes: every event of test/fixtures gives JSON.stringify's bytes, the fixed shapes' writers among them", () => {
  const hits = sameAsStringify(fixtureFiles.filter((f) => existsSync(f)));
  for (const s of SHAPES) assert.ok((hits.get(s) ?? 0) > 0, `no ${s.type} event of the fixtures was written by its shape's writer`);
});

if (haveShared) {
  test("eventbytes: every event of the ../shared captures gives JSON.stringify's bytes", () => {
    const hits = sameAsStringify(captureFiles(CAPTURES));
    assert.ok((hits.get(PACKET) ?? 0) > 1000 && (hits.get(TLS_RECORD) ?? 0) > 1000);
  });
} else skipGroup(false, "eventbytes: every event of the ../shared captures gives JSON.stringify's bytes", '../shared/captures absent');

/** A value for each key of a shape: distinct, so that a field read under another key's name shows. */
function fullEvent(s: Shape): Record<string, unknown> {
  const ev: Record<string, unknown> = { type: s.type };
  s.keys.forEach((k, i) => {
    ev[k] = i % 3 === 0 ? `${k}-value` : i % 3 === 1 ? 1000 + i : { [k]: [i, true] };
  });
  return ev;
}

test('eventbytes: each shape reads its fields under their own names, in its keys order', () => {
  const w = new EventBytes();
  for (const s of SHAPES) {
    const ev = fullEvent(s);
    assert.is(s.members(ev), 2 ** s.keys.length - 1, s.type);
    assert.is(written(w, ev), expected(ev), s.type);
  }
});

/** Events of a shape: some of its keys (in order or shuffled), some undefined, some extra, values of any kind. */
const shapedEvent = (s: Shape) =>
  fc
    .record({
      keep: fc.array(fc.boolean(), { minLength: s.keys.length, maxLength: s.keys.length }),
      values: fc.array(
        fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.nat({ max: 2 ** 32 + 5 }), fc.constant(undefined), fc.jsonValue(), fc.date()),
        {
          minLength: s.keys.length,
          maxLength: s.keys.length,
        },
      ),
      shuffle: fc.boolean(),
      extra: fc.option(fc.tuple(fc.string(), fc.jsonValue())),
      seed: fc.integer(),
    })
    .map(({ keep, values, shuffle, extra, seed }) => {
      let keys = s.keys.filter((_, i) => keep[i]);
      if (shuffle)
        keys = keys
          .map((k, i) => [k, (seed * (i + 7)) % 13] as const)
          .sort((a, b) => a[1] - b[1])
          .map((x) => x[0]);
      const ev: Record<string, unknown> = { type: s.type };
      for (const k of keys) ev[k] = values[s.keys.indexOf(k)];
      if (extra) ev[extra[0]] = extra[1];
      return ev;
    });

test("eventbytes: events of the fixed shapes with fields missing, undefined, reordered or added give JSON.stringify's bytes (property)", () => {
  const w = new EventBytes(64);
  for (const s of SHAPES) {
    fc.assert(
      fc.property(shapedEvent(s), (ev) => {
        assert.is(written(w, ev), expected(ev));
      }),
      { numRuns: 300 },
    );
  }
});

test("eventbytes: any value (strings with escapes, surrogates, numbers, nesting, boxed, dates, maps) gives JSON.stringify's bytes (property)", () => {
  const w = new EventBytes(64);
  const settings = {
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withDate: true,
    withTypedArray: true,
    withSparseArray: true,
    withNullPrototype: true,
    withObjectString: true,
    withUnicodeString: true,
  };
  fc.assert(
    fc.property(fc.anything(settings), (v) => {
      assert.is(written(w, v), expected(v));
      assert.is(
        written(w, { type: 'tls.handshake', v, certs: [v, { sha256: 'x', v }] }),
        expected({ type: 'tls.handshake', v, certs: [v, { sha256: 'x', v }] }),
      );
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-composite' }), (a, b) => {
      const ev = { type: 'packet', ts: a, src: b, [a]: b };
      assert.is(written(w, ev), expected(ev));
    }),
    { numRuns: 500 },
  );
});

test('eventbytes: the values JSON.stringify treats specially give its bytes', () => {
  const w = new EventBytes(16);
  const lone = '\ud800 \udc00 \udbff\udfff \udc00\ud800 end\ud83d';
  const controls = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).join('') + '"\\\u007f\u0080\u07ff\u0800\u2028\uffff';
  const toJSON = { toJSON: () => ({ replaced: true }) };
  const getter = Object.defineProperty({ type: 'packet' }, 'frame', { get: () => 7, enumerable: true });
  const hidden = Object.defineProperty({ type: 'packet', frame: 1 }, 'src', { value: 'x', enumerable: false });
  let deep: unknown = 'bottom';
  for (let i = 0; i < JSON_BYTES_DEPTH + 3; i++) deep = i % 2 ? [deep] : { d: deep };
  const values: unknown[] = [
    { type: 'packet', frame: 1, ts: lone, src: controls, dst: 'caf\u00e9 \u{1f600}' },
    {
      type: 'tls.record',
      frame: -0,
      length: NaN,
      flow: Infinity,
      captured: -Infinity,
      content_id: 1e21,
      version_id: 2 ** 53 + 2,
      after_plaintext: 5e-7,
    },
    {
      type: 'flow',
      frame: 4294967295,
      flow: 4294967296,
      gaps: -1,
      bytes: { c2s: 0.5, s2c: -2147483648 },
      end: [undefined, () => 1, Symbol('s'), null],
    },
    { type: 'tls.alert', frame: 1, fn: () => 1, sym: Symbol('s'), u: undefined, level: 'fatal' },
    { type: 'packet', '10': 'integer keys first', frame: 2 },
    { type: 'packet', frame: 1, nested: toJSON },
    { type: 'packet', frame: 1, src: toJSON, dst: { inner: toJSON } },
    { type: 'tls.handshake', certs: [toJSON, { sha256: 'cc', when: new Date(0), inner: toJSON }] },
    { type: 'packet', frame: new Date(0), src: Buffer.from([1, 2]), dst: new Map([[1, 2]]), proto: new String('tcp') },
    { ...toJSON, type: 'packet' },
    Object.assign(Object.create({ inherited: 1 }), { type: 'packet', frame: 3 }),
    Object.assign(Object.create(null), { type: 'packet', frame: 3 }),
    getter,
    hidden,
    ['packet', 1],
    deep,
    { type: 'tls.handshake', certs: [deep, toJSON, undefined, null, 'text', [1]] },
    undefined,
    () => 1,
    Symbol('s'),
    'top',
    12,
    null,
  ];
  for (const v of values) assert.is(written(w, v), expected(v), String(JSON.stringify(v)).slice(0, 80));
});

test('eventbytes: a prototype given toJSON is seen, and so is its removal', () => {
  const w = new EventBytes();
  const ev = { type: 'packet', frame: 1, bytes: { c2s: 1 } };
  const proto = Object.prototype as { toJSON?: unknown };
  try {
    proto.toJSON = () => 'from the prototype';
    assert.is(written(w, ev), expected(ev));
  } finally {
    delete proto.toJSON;
  }
  assert.is(written(w, ev), expected(ev));
});

test('eventbytes: what JSON.stringify throws on (a cycle, a bigint) is thrown, with nothing of that line written', () => {
  const w = new EventBytes();
  written(w, { type: 'packet', frame: 1 });
  const before = w.pos;
  const cyclic: Record<string, unknown> = { type: 'packet', frame: 1 };
  cyclic.bytes = { back: cyclic };
  assert.throws(() => w.line(cyclic), TypeError);
  assert.throws(() => w.line({ type: 'tls.record', length: 1n }), TypeError);
  assert.is(w.pos, before);
});

test("eventbytes: certificate descriptions written from their cached bytes give JSON.stringify's bytes, and a changed one is written anew", () => {
  const w = new EventBytes();
  const leaf = { subject: 'CN=a', san: ['a.test'], sha256: 'aa', is_ca: false };
  const ca = { subject: 'CN=ca "quoted" é', sha256: 'bb', path_len: 0, extensions: [{ oid: '2.5.29.19', critical: true }] };
  const ev = (certs: unknown[], extra: Record<string, unknown> = {}) => ({
    type: 'tls.handshake',
    frame: 3,
    flow: 0,
    msg: 'certificate',
    certs,
    ...extra,
    after: 'x',
  });
  const same = (e: unknown): void => assert.is(written(w, e), expected(e));
  for (let i = 0; i < 3; i++) same(ev([leaf, ca]));
  // The same description object, changed since its bytes were made.
  leaf.san = ['b.test'];
  same(ev([leaf, ca]));
  (ca as Record<string, unknown>).added = 1;
  same(ev([leaf, ca]));
  // Lists and objects inside a description changed in place.
  leaf.san.push('c.test');
  same(ev([leaf, ca]));
  ca.extensions[0]!.critical = false;
  same(ev([leaf, ca]));
  ca.extensions.push({ oid: '2.5.29.15', critical: true });
  same(ev([leaf, ca]));
  same(ev([{ ...leaf, sha256: 'bb' }]));
  same(ev([{ sha256: 'aa', subject: 'CN=a', san: leaf.san, is_ca: false }]));
  same(ev([{ sha256: 'aa', subject: undefined, san: leaf.san, is_ca: false }]));
  same(Object.freeze(ev([{ ...leaf }])));
  same({ type: 'tls.session', certs: [{ ...leaf }] });
  // The cache is used: a description's getter is read once to compare it, and once more only when it is written.
  let reads = 0;
  const counted = Object.defineProperty({ sha256: 'counted' }, 'subject', { enumerable: true, get: () => (reads++, 'CN=c') });
  same(ev([counted]));
  const first = reads;
  same(ev([counted]));
  assert.is(reads - first, 1 + 1, 'a cached description is read to compare it (and by JSON.stringify in same()), not written anew');
});

test.run();

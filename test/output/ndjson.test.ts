// NDJSON output (lib/output/ndjson.ts): the bytes are JSON.stringify(event) + '\n' for every event, as the
// ndjson package wrote them, however the lines fall into the output's chunks.

import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import ndjson from 'ndjson';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CERT_JSON_ENTRIES, EventBytes, NDJSON_BATCH_BYTES, ndjsonOut } from '../../lib/output/ndjson.js';

async function written(events: object[], out = ndjsonOut()): Promise<string> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from(events, { objectMode: true }),
    out,
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(Buffer.from(c));
        cb();
      },
    }),
  );
  return Buffer.concat(chunks).toString('utf8');
}

const expected = (events: object[]): string => events.map((e) => JSON.stringify(e) + '\n').join('');

test("ndjson: flat events with every kind of value give JSON.stringify's bytes", async () => {
  const events: object[] = [
    {
      type: 'packet',
      line: 12,
      ts: '12:00:00.000001',
      src: '10.0.0.1',
      dst: 'fe80::1',
      sport: 443,
      dport: 50000,
      proto: 'tcp',
      seq: 4294967295,
      ack: 0,
      flags: 'P.',
      win: 502,
      len: 1448,
      captured: 1448,
    },
    { type: 'anomaly', line: 3, code: 'x', message: 'quotes " and backslashes \\ and a tab \t and a NUL \u0000 and DEL \u007f' },
    { type: 'flow', client: 'caf\u00e9', server: '\u{1f600} emoji', lone: '\ud800 lone surrogate', sep: '\u2028' },
    { n0: 0, nneg: -5, nz: -0, f: 0.1, big: 1e21, huge: 2 ** 53, unsafe: 2 ** 53 + 2, tiny: 5e-7, nan: NaN, inf: -Infinity },
    { t: true, f: false, z: null, u: undefined, after: 'u is left out' },
    { '10': 'integer keys', '2': 'come first, ascending', b: 1, a: 2, 'key "quoted"': 3, ключ: 4 },
    {},
    { nested: { a: [1, 2, { b: 'c' }] }, list: [1, 'two', null] },
    { date: new Date(0), buf: Buffer.from([1, 2]) },
  ];
  assert.is(await written(events), expected(events));
});

test("ndjson: any flat object of strings, numbers, booleans and null gives JSON.stringify's bytes (property)", async () => {
  const value = fc.oneof(
    fc.string({ unit: 'grapheme-composite' }),
    fc.string({ unit: 'binary' }),
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.nat({ max: 2 ** 32 }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.dictionary(fc.string(), value), { maxLength: 20 }), async (events) => {
      assert.is(await written(events), expected(events));
    }),
    { numRuns: 200 },
  );
});

test('ndjson: events longer than a chunk, and many events across chunks, are written whole and in order', async () => {
  const long = { type: 'anomaly', message: 'x'.repeat(3 * NDJSON_BATCH_BYTES), more: 'é'.repeat(NDJSON_BATCH_BYTES) };
  const many = Array.from({ length: 5000 }, (_, i) => ({ type: 'packet', line: i, ts: `t${i}`, text: i % 7 === 0 ? 'ü' : 'a' }));
  const events = [...many.slice(0, 100), long, ...many.slice(100)];
  assert.is(await written(events), expected(events));
});

test("ndjson: the same bytes as the ndjson package's stringify", async () => {
  const events = [
    { type: 'packet', line: 1, src: '10.0.0.1', x: [1, { y: 'z' }] },
    { type: 'flow', a: 'b"c', n: -1.5 },
  ];
  assert.is(await written(events), await written(events, ndjson.stringify()));
});

test('ndjson: an event is written out without waiting for more events or for the end (live input)', async () => {
  const out = ndjsonOut();
  const got: string[] = [];
  out.on('data', (c: Buffer) => got.push(c.toString()));
  out.write({ type: 'packet', line: 1 });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(got, ['{"type":"packet","line":1}\n']);
  out.end();
});

test("ndjson: certificate events written from cached certificate text give JSON.stringify's bytes", () => {
  const j = new EventBytes();
  const leaf = { subject: 'CN=a', san: ['a.test'], sha256: 'aa', is_ca: false };
  const ca = { subject: 'CN=ca "quoted"', sha256: 'bb', path_len: 0, extensions: [{ oid: '2.5.29.19', critical: true }] };
  const ev = (certs: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'tls.handshake',
    frame: 3,
    flow: 0,
    dir: 's2c',
    msg_id: 11,
    msg: 'certificate',
    length: 9,
    certs,
    ...extra,
    after: 'x',
  });
  const same = (e: unknown): void => {
    const start = j.pos;
    j.line(e);
    assert.is(j.buf.toString('utf8', start, j.pos), JSON.stringify(e) + '\n');
  };
  for (let i = 0; i < 3; i++) same(ev([{ ...leaf }, { ...ca }]));
  // A description changed since its text was made is written as it is now, and the event keeps its list.
  const changed = { ...leaf, san: ['b.test'] };
  const e = ev([changed, { ...ca }]);
  same(e);
  assert.is((e.certs as unknown[])[0], changed);
  same(ev([{ ...leaf, extra: 1 }]));
  same(ev([{ sha256: 'aa', subject: 'CN=a', san: leaf.san, is_ca: false }]));
  same(ev([{ error: 'unreadable', length: 5, missing_bytes: 2 }, undefined, null, 'text', [1]]));
  same(ev([{ ...leaf }], { note: '"certs":"\u0000certs\u0000"' }));
  same(Object.freeze(ev([{ ...leaf }])));
  same({ ...ev([{ ...leaf }]), toJSON: () => 'own' });
  same({ type: 'tls.session', certs: [{ ...leaf }] });
  // More certificates than the cache holds: the oldest go, the text stays right.
  for (let i = 0; i < CERT_JSON_ENTRIES + 10; i++) same(ev([{ ...leaf, sha256: `k${i}` }]));
  same(ev([{ ...leaf }]));
});

test.run();

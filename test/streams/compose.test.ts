// The stages joined with stream.pipeline give the fused decoder's NDJSON byte for byte, on real captures cut into
// chunks of 1 byte, 7 bytes, random sizes and whole; a filter between two stages leaves the rest working; options
// from JavaScript take plain values and reject bad ones at construction.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { decodeStream, decoderEvents, EVENT_TYPES, type OptionsInput } from '../../lib/index.js';
import { TEXT_DEFAULT_SHOW } from '../../lib/output/text.js';
import * as streams from '../../lib/streams.js';
import { chunks, files, keylogOf, run } from '../support/streams.js';
import { CAPTURES, FIXTURES, ROOT, haveShared, haveTool, tcpdumpText, testIf } from '../support/shared.js';

const isCapture = (f: string): boolean => /\.(pcap|pcapng|cap)$/.test(f);

/** Fused and composed NDJSON of one input cut into `size`-byte chunks, with every event type. */
async function both(input: Buffer, size: number, o: OptionsInput): Promise<{ fused: Buffer; composed: Buffer }> {
  const opts = { events: EVENT_TYPES, ...o };
  const fused = await run(chunks(input, size), [decodeStream(opts), streams.ndjson()]);
  const composed = await run(chunks(input, size), [...streams.decodeStages(opts), streams.ndjson()]);
  return { fused, composed };
}

async function same(name: string, input: Buffer, size: number, o: OptionsInput = {}): Promise<number> {
  const { fused, composed } = await both(input, size, o);
  if (!fused.equals(composed)) {
    const a = fused.toString().split('\n');
    const b = composed.toString().split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    assert.unreachable(`${name}, ${size}-byte chunks: line ${i + 1} differs\nfused:    ${a[i]}\ncomposed: ${b[i]}`);
  }
  return fused.toString().split('\n').length - 1;
}

const fixtures = files(FIXTURES, isCapture);
const WHOLE = Number.MAX_SAFE_INTEGER;

test('streams: every fixture capture, whole and in 7-byte chunks, gives the fused NDJSON', async () => {
  let lines = 0;
  for (const f of fixtures) {
    const input = readFileSync(f);
    const o = { keylog: keylogOf(f) };
    lines += await same(f, input, WHOLE, o);
    if (input.length <= 300_000) await same(f, input, 7, o);
  }
  assert.ok(fixtures.length >= 20 && lines > 1000, `${fixtures.length} captures, ${lines} lines`);
});

test('streams: 1-byte chunks (a handful of captures, one with a pcapng secrets block)', async () => {
  const few = ['mtls12-nocert.pcap', 'tls13.pcap', 'decrypt/mtls13-nocert-dsb.pcapng', 'ipv6-tls12.pcap'].map((f) => join(FIXTURES, f));
  const dtls = files(join(FIXTURES, 'dtls'), isCapture).sort((a, b) => statSync(a).size - statSync(b).size)[0];
  for (const f of dtls ? [...few, dtls] : few) await same(f, readFileSync(f), 1, { keylog: keylogOf(f) });
});

test('streams: tcpdump text, hex excerpts included (the seed traces), in 1 and 7-byte chunks', async () => {
  for (const name of ['seed-trace1.txt', 'seed-trace2.txt']) {
    const input = readFileSync(join(ROOT, 'data', name));
    for (const size of [WHOLE, 7, 1]) await same(name, input, size);
  }
  const excerpt = (await both(readFileSync(join(ROOT, 'data', 'seed-trace2.txt')), WHOLE, {})).composed.toString();
  assert.ok(excerpt.includes('"excerpt":true') && excerpt.includes('"code":"excerpt"'), 'seed-trace2 decodes as an excerpt with its verdict');
});

testIf(haveTool('tcpdump'), 'tcpdump is not installed: text of the captures is not made')(
  'streams: lines() → textPackets() equals the fused decoder on -XX and -x text',
  async () => {
    for (const [name, flags] of [
      ['mtls12-ok', ['-nn', '-tt', '-XX']],
      ['netem-loss', ['-nn', '-x']],
      ['tls13', ['-nn', '-X']],
    ] as const) {
      const input = tcpdumpText(join(FIXTURES, `${name}.pcap`), [...flags]);
      for (const size of [WHOLE, 7]) {
        const opts = { events: EVENT_TYPES, input: 'text' as const };
        const fused = await run(chunks(input, size), [decodeStream(opts), streams.ndjson()]);
        const composed = await run(chunks(input, size), [
          streams.lines(opts),
          streams.textPackets(opts),
          streams.flows(opts),
          streams.tlsEvents(opts),
          streams.sessions(opts),
          streams.ndjson(),
        ]);
        assert.ok(fused.equals(composed), `${name} ${flags.join(' ')}, ${size}-byte chunks`);
        assert.ok(fused.length > 1000);
      }
    }
  },
);

test('streams: random chunk boundaries (property)', async () => {
  const inputs = ['mtls12-wrongca.pcap', 'resume13.pcap'].map((f) => readFileSync(join(FIXTURES, f)));
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 4096 }), async (which, size) => {
      const { fused, composed } = await both(inputs[which]!, size, {});
      return fused.equals(composed) && fused.length > 0;
    }),
    { numRuns: 20, seed: 14 },
  );
});

// The public captures: every one up to 256 KB whole, those up to 64 KB also in 7-byte chunks.
const shared = haveShared ? files(CAPTURES, isCapture).filter((f) => statSync(f).size <= 256 << 10) : [];
testIf(haveShared, '../shared/captures absent')('streams: ../shared/captures, whole and in 7-byte chunks, give the fused NDJSON', async () => {
  let seven = 0;
  for (const f of shared) {
    const input = readFileSync(f);
    await same(f, input, WHOLE, { keylog: keylogOf(f) });
    if (input.length <= 64 << 10) {
      await same(f, input, 7, { keylog: keylogOf(f) });
      seven++;
    }
  }
  assert.ok(shared.length >= 50 && seven >= 30, `${shared.length} whole, ${seven} in 7-byte chunks`);
});

test("streams: a host filter between packets and flows keeps that host's sessions, exactly as decoded alone", async () => {
  const input = readFileSync(join(FIXTURES, 'many-flows.pcap'));
  const all = (await run([input], [...streams.decodeStages({ events: ['tls.session'] }), streams.ndjson()]))
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { client: string; server: string });
  const client = all[0]!.client.replace(/:\d+$/, '');
  const port = all[0]!.client.replace(/^.*:/, '');
  // Only the packets of one connection (its client address and port) go on.
  const oneFlow = new Transform({
    objectMode: true,
    transform(item: { proto?: string; src?: string; sport?: number; dst?: string; dport?: number }, _enc, done) {
      const keep =
        item.proto === undefined || (item.src === client && String(item.sport) === port) || (item.dst === client && String(item.dport) === port);
      done(null, keep ? item : undefined);
    },
  });
  const o = { events: ['tls.session'] as const };
  const one = (await run([input], [streams.packets(o), oneFlow, streams.flows(o), streams.tlsEvents(o), streams.sessions(o), streams.ndjson()]))
    .toString()
    .trim()
    .split('\n');
  assert.ok(all.length > 3, `${all.length} sessions`);
  assert.is(one.length, 1);
  const a = JSON.parse(one[0]!) as Record<string, unknown>;
  const b = all[0] as unknown as Record<string, unknown>;
  // The flow number differs (the filter left the other flows out); everything else is the same verdict.
  assert.equal({ ...a, flow: 0 }, { ...b, flow: 0 });
});

test('streams: a filter between TLS events and sessions that drops records still gives each flow its verdict', async () => {
  const input = readFileSync(join(FIXTURES, 'mtls12-nocert.pcap'));
  const dropData = new Transform({
    objectMode: true,
    transform(ev: { type: string; content?: string }, _enc, done) {
      done(null, ev.type === 'tls.record' && ev.content === 'application_data' ? undefined : ev);
    },
  });
  const o = { events: ['tls.session'] };
  const got = (await run([input], [streams.packets(o), streams.flows(o), streams.tlsEvents(o), dropData, streams.sessions(o), streams.ndjson()]))
    .toString()
    .trim()
    .split('\n');
  assert.is(got.length, 1);
  const s = JSON.parse(got[0]!) as { client_cert_requested: unknown; client_cert_sent: unknown };
  assert.is(s.client_cert_requested, true);
  assert.is(s.client_cert_sent, false);
});

test('streams: a flow close event rebuilt by a filter (no FLOW_CLOSE) still closes the session', async () => {
  const input = readFileSync(join(FIXTURES, 'tls13.pcap'));
  const copy = new Transform({ objectMode: true, transform: (ev: object, _e, done) => done(null, JSON.parse(JSON.stringify(ev))) });
  const o = { events: ['tls.session'] };
  const got = (await run([input], [streams.packets(o), streams.flows(o), streams.tlsEvents(o), copy, streams.sessions(o), streams.ndjson()]))
    .toString()
    .trim()
    .split('\n');
  assert.is(got.length, 1);
  assert.is((JSON.parse(got[0]!) as { type: string }).type, 'tls.session');
});

test('streams: options take plain values: events as an array, keylog as one path', async () => {
  const input = readFileSync(join(FIXTURES, 'mtls12-nocert.pcap'));
  const fused = await run([input], [decodeStream({ events: ['tls.session'] }), streams.ndjson()]);
  assert.ok(fused.length > 0);
  assert.ok(
    fused
      .toString()
      .trim()
      .split('\n')
      .every((l) => (JSON.parse(l) as { type: string }).type === 'tls.session'),
  );
  assert.ok(streams.tlsEvents({ keylog: join(FIXTURES, 'mtls12-nocert.keylog') }));
});

test('streams: bad options are one clear error at construction', () => {
  const bad: [unknown, RegExp, typeof TypeError][] = [
    [{ events: 'tls.session' }, /option events: takes an array \(or Set\) of event types, or 'all', not 'tls.session'/, TypeError],
    [{ events: ['tls.sesion'] }, /option events: takes event types \(packet, flow, .*\), not 'tls.sesion'/, RangeError],
    [{ maxFlows: -1 }, /option maxFlows: takes a positive number, not -1/, RangeError],
    [{ maxFlows: '10' }, /option maxFlows: takes a number/, TypeError],
    [{ input: 'pcapng' }, /option input: takes auto, text, pcap, not 'pcapng'/, RangeError],
    [{ evnts: ['flow'] }, /option evnts: unknown option/, TypeError],
    [{ keylog: [1] }, /option keylog: takes a file path or an array of them/, TypeError],
  ];
  for (const [o, message, kind] of bad) {
    for (const make of [streams.packets, streams.sessions, decodeStream] as ((o: never) => unknown)[]) {
      try {
        make(o as never);
        assert.unreachable(`${JSON.stringify(o)} was accepted`);
      } catch (err) {
        assert.instance(err, kind, String(err));
        assert.match((err as Error).message, message);
      }
    }
  }
});

test('streams: a stage given the wrong items says which it takes', async () => {
  const input = readFileSync(join(FIXTURES, 'tls13.pcap'));
  try {
    await run([input], [streams.packets(), streams.tlsEvents(), streams.ndjson()]);
    assert.unreachable('packets went into tlsEvents()');
  } catch (err) {
    assert.instance(err, TypeError);
    assert.match((err as Error).message, /tlsEvents\(\) takes flow items and events \(from flows\(\)\), not a packet/);
  }
});

test('streams: the text, ECS and Mermaid stages after the composed stages write what they write after the fused decoder', async () => {
  const input = readFileSync(join(FIXTURES, 'mtls12-nocert.pcap'));
  const show = new Set(TEXT_DEFAULT_SHOW);
  const outputs: [string, () => Transform, OptionsInput][] = [
    ['text', () => streams.text(), { events: decoderEvents({ format: 'text' }, show) }],
    ['ecs', () => streams.ecs(), { events: decoderEvents({ format: 'ecs' }, show) }],
    ['mermaid', () => streams.mermaid(), { events: decoderEvents({ format: 'mermaid' }, show) }],
  ];
  for (const [name, make, o] of outputs) {
    const fused = await run([input], [decodeStream(o), make()]);
    const composed = await run([input], [...streams.decodeStages(o), make()]);
    assert.ok(fused.length > 200, `${name}: ${fused.length} bytes`);
    // ECS's event.created is the time the document was written.
    const written = (b: Buffer): string => b.toString().replace(/"created":"[^"]*"/g, '"created":""');
    assert.is(written(composed), written(fused), name);
  }
});

test.run();

// Randomised (seeded) connections: each direction's stream cut into segments of random sizes, sent with ACKs as
// a receiver would, then reordered locally, duplicated, re-sent with overlaps, and with some segments dropped.
// Whatever the mix, the bytes come out in order, and each dropped run is one gap of the right size.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Packet } from '../../lib/events.js';
import { ACK, Conn, FIN, PSH, SYN, clientHello, stream } from './build.js';
import { codes, reassemble } from './harness.js';
import { prng } from './mutate.js';

interface Plan {
  packets: Packet[];
  c2s: Uint8Array;
  s2c: Uint8Array;
  /** Dropped [start, end) ranges per direction, in stream positions. */
  dropped: { c2s: [number, number][]; s2c: [number, number][] };
}

/** One connection: handshake, alternating flights of segments with ACKs, FINs; then the capture is damaged. */
function plan(seed: number, damage: { reorder: boolean; dup: boolean; overlap: boolean; drop: boolean; wrap: boolean }): Plan {
  const rnd = prng(seed);
  const isnC = damage.wrap ? (0xffffffff - Math.floor(rnd() * 3000)) >>> 0 : Math.floor(rnd() * 2 ** 32);
  const isnS = damage.wrap ? (0xffffffff - Math.floor(rnd() * 3000)) >>> 0 : Math.floor(rnd() * 2 ** 32);
  const c = new Conn(isnC, isnS);
  const c2s = clientHello(2000 + Math.floor(rnd() * 6000));
  const s2c = stream(3000 + Math.floor(rnd() * 9000), seed & 0xff);
  const wire: Packet[] = [c.syn(), c.synAck(), c.pkt('c', 1, 1, ACK)];
  const sent = { c2s: 0, s2c: 0 };
  const dropped: Plan['dropped'] = { c2s: [], s2c: [] };
  const isData = new Set<Packet>();
  const dropSet = new Set<Packet>();
  const flight = (dir: 'c2s' | 's2c'): void => {
    const data = dir === 'c2s' ? c2s : s2c;
    const from = dir === 'c2s' ? 'c' : 's';
    const to = dir === 'c2s' ? 's' : 'c';
    const n = Math.min(data.length - sent[dir], 500 + Math.floor(rnd() * 3000));
    const stop = sent[dir] + n;
    while (sent[dir] < stop) {
      const size = Math.min(stop - sent[dir], 2 + Math.floor(rnd() * 1400));
      const p = c.pkt(from, 1 + sent[dir], 1 + sent[dir === 'c2s' ? 's2c' : 'c2s'], PSH | ACK, data.subarray(sent[dir], sent[dir] + size));
      wire.push(p);
      isData.add(p);
      if (damage.drop && rnd() < 0.08) {
        dropSet.add(p);
        dropped[dir].push([sent[dir], sent[dir] + size]);
      }
      if (damage.overlap && rnd() < 0.1 && sent[dir] > 0) {
        // A re-sent segment that overlaps what came before and after, with the same bytes.
        const back = Math.min(sent[dir], 1 + Math.floor(rnd() * 300));
        const end = Math.min(data.length, sent[dir] + size + Math.floor(rnd() * 200));
        if (end <= stop)
          wire.push(c.pkt(from, 1 + sent[dir] - back, 1 + sent[dir === 'c2s' ? 's2c' : 'c2s'], ACK, data.subarray(sent[dir] - back, end)));
      }
      sent[dir] += size;
    }
    // The receiver acknowledges what it got (it got everything: only the capture misses the dropped ones).
    wire.push(c.pkt(to, 1 + sent[dir === 'c2s' ? 's2c' : 'c2s'], 1 + sent[dir], ACK));
  };
  while (sent.c2s < c2s.length || sent.s2c < s2c.length) {
    if (sent.c2s < c2s.length) flight('c2s');
    if (sent.s2c < s2c.length) flight('s2c');
  }
  wire.push(c.pkt('c', 1 + c2s.length, 1 + s2c.length, FIN | ACK));
  wire.push(c.pkt('s', 1 + s2c.length, 2 + c2s.length, FIN | ACK));
  wire.push(c.pkt('c', 2 + c2s.length, 2 + s2c.length, ACK));

  let out = wire.filter((p) => !dropSet.has(p));
  if (damage.dup) {
    const d: Packet[] = [];
    for (const p of out) {
      d.push(p);
      if (rnd() < 0.1) d.push({ ...p });
    }
    out = d;
  }
  if (damage.reorder) {
    // Local reordering: each packet may move up to 3 places later.
    for (let i = out.length - 2; i >= 3; i--) {
      if (rnd() < 0.3) {
        const j = Math.min(out.length - 1, i + 1 + Math.floor(rnd() * 3));
        const [x] = out.splice(i, 1);
        out.splice(j, 0, x!);
      }
    }
  }
  void isData;
  void SYN;
  return { packets: out, c2s, s2c, dropped };
}

/** The stream without the dropped ranges, the number of maximal dropped runs, and the bytes they hold. */
function expected(data: Uint8Array, drops: [number, number][]): { bytes: Buffer; runs: number; missing: number } {
  const parts: Uint8Array[] = [];
  let at = 0;
  let runs = 0;
  let missing = 0;
  let lastEnd = -1;
  for (const [s, e] of drops) {
    if (s !== lastEnd) runs++;
    parts.push(data.subarray(at, s));
    missing += e - s;
    at = e;
    lastEnd = e;
  }
  parts.push(data.subarray(at));
  return { bytes: Buffer.concat(parts), runs, missing };
}

const CASES = 150;

test('property: reordered, duplicated, overlapping and wrapping segments reassemble exactly, with no gap', () => {
  for (let seed = 1; seed <= CASES; seed++) {
    const p = plan(seed, { reorder: true, dup: true, overlap: true, drop: false, wrap: seed % 2 === 0 });
    const run = reassemble(p.packets);
    assert.is(run.flows.size, 1, `seed ${seed}`);
    const f = run.flows.get(0)!;
    assert.ok(f.c2s.equals(Buffer.from(p.c2s)), `seed ${seed}: c2s`);
    assert.ok(f.s2c.equals(Buffer.from(p.s2c)), `seed ${seed}: s2c`);
    assert.is(f.close!.gaps, 0, `seed ${seed}`);
    assert.is(f.close!.end, 'fin', `seed ${seed}`);
    assert.equal(codes(f.anomalies, 'tcp.overlap_conflict'), [], `seed ${seed}`);
    assert.equal(codes(f.anomalies, 'tcp.gap'), [], `seed ${seed}`);
  }
});

test('property: reordering and loss at once: each dropped run is one tcp.gap of its size, and every other byte arrives in order', () => {
  let withGaps = 0;
  for (let seed = 1; seed <= CASES; seed++) {
    const p = plan(seed, { reorder: true, dup: seed % 3 === 0, overlap: false, drop: true, wrap: seed % 2 === 1 });
    const run = reassemble(p.packets);
    const f = run.flows.get(0)!;
    for (const dir of ['c2s', 's2c'] as const) {
      const want = expected(dir === 'c2s' ? p.c2s : p.s2c, p.dropped[dir]);
      assert.ok(f[dir].equals(want.bytes), `seed ${seed} ${dir}: bytes`);
      const gaps = codes(f.anomalies, 'tcp.gap').filter((a) => a.dir === dir);
      assert.is(gaps.length, want.runs, `seed ${seed} ${dir}: gap count`);
      assert.is(
        gaps.reduce((n, a) => n + (a.missing as number), 0),
        want.missing,
        `seed ${seed} ${dir}: missing bytes`,
      );
      assert.is(f.chunks.filter((x) => x[0] === dir && x[2]).length, gaps.filter((a) => !a.at_end).length, `seed ${seed} ${dir}: afterGap marks`);
      if (want.runs) withGaps++;
    }
  }
  assert.ok(withGaps > CASES / 2, 'most cases had losses');
});

test('property: random packets (any flags, sequence numbers, lengths, truncation, relative numbers) never throw, and every flow opens before its data and closes last with matching byte counts', () => {
  const rnd = prng(99);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ends: [string, number][] = [
    ['10.0.0.1', 1000],
    ['10.0.0.2', 443],
    ['10.0.0.3', 443],
    ['2001:db8::1', 1000],
  ];
  for (let round = 0; round < 40; round++) {
    const ps: Packet[] = [];
    const bases = [1000, 0xfffffff0, 5, 2 ** 31];
    for (let i = 0; i < 300; i++) {
      const [src, sport] = pick(ends);
      let [dst, dport] = pick(ends);
      if (dst === src) [dst, dport] = ends[(ends.findIndex((e) => e[0] === src) + 1) % ends.length]!;
      const len = rnd() < 0.4 ? 0 : Math.floor(rnd() * 3000);
      const captured = rnd() < 0.2 ? Math.floor(rnd() * len) : len;
      const p: Packet = {
        line: i + 1,
        time: i * (rnd() < 0.02 ? 400 : 0.01),
        ipVersion: src.includes(':') ? 6 : 4,
        src,
        dst,
        sport,
        dport,
        proto: 'tcp',
        seq: (pick(bases) + Math.floor(rnd() * 20000)) >>> 0,
        ack: (pick(bases) + Math.floor(rnd() * 20000)) >>> 0,
        flags: Math.floor(rnd() * 256),
        win: rnd() < 0.1 ? 0 : 1000,
        len,
        payload: stream(captured, i),
        truncated: captured < len,
      };
      if (rnd() < 0.1) p.seqRelative = true;
      ps.push(p);
    }
    const run = reassemble(ps, {
      maxFlows: 3,
      maxFlowBufferBytes: 5000,
      maxTotalBufferBytes: 12000,
      gapGracePackets: 1 + (round % 5),
      idleTimeout: 60,
    });
    for (const f of run.flows.values()) {
      assert.ok(f.close, `round ${round}: flow ${f.flow} closed`);
      assert.is(f.close!.bytes.c2s, f.c2s.length);
      assert.is(f.close!.bytes.s2c, f.s2c.length);
      assert.is(run.items.filter((x) => x.flow === f.flow).at(-1)!.kind, 'close');
    }
    for (const a of run.anomalies) assert.ok(typeof a.code === 'string' && typeof a.message === 'string');
  }
});

test.run();

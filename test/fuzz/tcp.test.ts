// Property tests (fast-check) of the reassembler (stage 2) over real streams: the packets of recorded TLS
// connections, locally reordered (each moved by up to a window of packets), duplicated, and with data segments
// dropped. Without drops each direction comes out exactly as recorded; with drops the bytes that come out are the
// recorded ones, in order, and each missing run is announced (afterGap, and tcp.gap with its size). Random packets
// of several flows, with random flags, numbers, truncation and times, never make it throw or break its item order.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ACK, FIN, PSH, RST, SYN, type Packet } from '../../lib/events.js';
import { testIf } from '../support/shared.js';
import { reassemble } from '../tcp/harness.js';
import { stage1 } from '../text/run.js';
import { checkEvents, haveFixtures, runs, fixtureText } from './support.js';

interface Real {
  name: string;
  packets: Packet[];
  c2s: Buffer;
  s2c: Buffer;
}

function real(name: string): Real {
  const packets = stage1(fixtureText(name, ['-nn', '-xx'])).packets;
  const r = reassemble(packets);
  const f = r.flows.get(0)!;
  return { name, packets, c2s: f.c2s, s2c: f.s2c };
}

/**
 * A local reordering: packet i goes to about i + shift[i] (shift < window), duplicates added, drops removed. The
 * three packets of the handshake stay first: a SYN seen after the peer acknowledged data is a new connection on
 * the same ports (port reuse, as Wireshark numbers streams), not a reordering.
 */
function damage(ps: Packet[], shifts: number[], dups: number[], drops: Set<number>): Packet[] {
  const keyed = ps.map((p, i) => ({ p, k: i < 3 ? i - 10 : i + (shifts[i % shifts.length] ?? 0) + i / 1e6 }));
  for (const d of dups) {
    const i = d % ps.length;
    keyed.push({ p: ps[i]!, k: i + (shifts[(d * 7) % shifts.length] ?? 0) + 0.5 });
  }
  return keyed
    .filter((_, i) => !drops.has(i))
    .sort((a, b) => a.k - b.k)
    .map((x, line) => ({ ...x.p, line: line + 1 }));
}

/** Checks that `got` chunks are `orig` with runs removed, announced by afterGap, and that the gaps add up. */
function subsequence(orig: Buffer, chunks: { bytes: Buffer; afterGap: boolean }[], gapBytes: number, where: string): void {
  let at = 0;
  for (const c of chunks) {
    const p = orig.indexOf(c.bytes, at);
    assert.ok(p >= at, `${where}: delivered bytes that are not the recorded ones at or after ${at}`);
    assert.is(c.afterGap, p > at, `${where}: afterGap at ${p} (expected from ${at})`);
    at = p + c.bytes.length;
  }
  assert.is(gapBytes, orig.length - chunks.reduce((n, c) => n + c.bytes.length, 0), `${where}: tcp.gap sizes add up to the bytes not delivered`);
}

{
  const fixtureTest = testIf(haveFixtures, 'fuzz/tcp: tcpdump or the own fixtures are absent');
  const streams = haveFixtures ? ['tls12-rsa', 'tls13', 'mtls12-ok'].map(real) : [];

  fixtureTest('tcp: reordered and duplicated packets of a real connection give exactly its recorded bytes', () => {
    fc.assert(
      fc.property(
        fc.nat(streams.length - 1),
        fc.array(fc.nat(6), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(1000), { maxLength: 10 }),
        (si, shifts, dups) => {
          const s = streams[si]!;
          const ps = damage(s.packets, shifts, dups, new Set());
          const r = reassemble(ps);
          assert.is(r.flows.size, 1, `${s.name}: one flow`);
          const f = r.flows.get(0)!;
          assert.ok(f.c2s.equals(s.c2s), `${s.name}: c2s bytes as recorded (${f.c2s.length} vs ${s.c2s.length})`);
          assert.ok(f.s2c.equals(s.s2c), `${s.name}: s2c bytes as recorded (${f.s2c.length} vs ${s.s2c.length})`);
          assert.is(r.anomalies.filter((a) => a.code === 'tcp.gap').length, 0, 'no gap is reported');
        },
      ),
      { numRuns: runs(150) },
    );
  });

  fixtureTest('tcp: with data segments dropped, the bytes that come out are the recorded ones in order, and every missing run is announced', () => {
    fc.assert(
      fc.property(
        fc.nat(streams.length - 1),
        fc.array(fc.nat(4), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(1000), { maxLength: 5 }),
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 6 }),
        (si, shifts, dups, dropPicks) => {
          const s = streams[si]!;
          const data = s.packets.map((p, i) => (p.len > 0 && !(p.flags & (SYN | FIN | RST)) ? i : -1)).filter((i) => i >= 0);
          const drops = new Set(dropPicks.map((d) => data[d % data.length]!));
          const ps = damage(s.packets, shifts, dups, drops);
          const chunks = { c2s: [] as { bytes: Buffer; afterGap: boolean }[], s2c: [] as { bytes: Buffer; afterGap: boolean }[] };
          const r = reassemble(ps);
          for (const it of r.items) if (it.kind === 'data') chunks[it.dir].push({ bytes: Buffer.from(it.bytes), afterGap: it.afterGap });
          for (const dir of ['c2s', 's2c'] as const) {
            const gaps = r.anomalies.filter((a) => a.code === 'tcp.gap' && a.dir === dir).reduce((n, a) => n + Number(a.missing), 0);
            subsequence(dir === 'c2s' ? s.c2s : s.s2c, chunks[dir], gaps, `${s.name} ${dir}`);
          }
          const bad = checkEvents(r.anomalies, { lines: ps.length });
          assert.is(bad, undefined, bad);
        },
      ),
      { numRuns: runs(150) },
    );
  });
}

test('tcp: random packets of a few flows (any flags, numbers, lengths, truncation, times) never throw and keep open → data → close', () => {
  const hosts = ['10.0.0.1', '10.0.0.2', '2001:db8::1'];
  const packet = fc.record({
    a: fc.nat(2),
    b: fc.nat(2),
    sport: fc.constantFrom(443, 40000, 40001),
    dport: fc.constantFrom(443, 40000),
    seq: fc.oneof(fc.nat(3000), fc.nat(0xffffffff), fc.constant(0xfffffff0)),
    ack: fc.oneof(fc.nat(3000), fc.nat(0xffffffff)),
    flags: fc.oneof(fc.constantFrom(SYN, SYN | ACK, ACK, PSH | ACK, FIN | ACK, RST, RST | ACK), fc.nat(255)),
    payload: fc.uint8Array({ maxLength: 200 }),
    extra: fc.nat(3),
    relative: fc.boolean(),
    time: fc.option(fc.nat(1000)),
  });
  fc.assert(
    fc.property(
      fc.array(packet, { maxLength: 80 }),
      fc.record({
        maxFlows: fc.integer({ min: 1, max: 4 }),
        maxFlowBufferBytes: fc.integer({ min: 1, max: 2000 }),
        maxTotalBufferBytes: fc.integer({ min: 1, max: 4000 }),
        idleTimeout: fc.integer({ min: 1, max: 500 }),
        gapGracePackets: fc.integer({ min: 1, max: 20 }),
      }),
      (raw, limits) => {
        const ps: Packet[] = raw.map((r, i) => {
          const p: Packet = {
            line: i + 1,
            ipVersion: 4,
            src: hosts[r.a]!,
            dst: hosts[r.b]!,
            sport: r.sport,
            dport: r.dport,
            proto: 'tcp',
            seq: r.seq,
            ack: r.ack,
            flags: r.flags,
            win: 100,
            len: r.payload.length + r.extra * 7,
            payload: r.payload,
            truncated: r.extra > 0,
          };
          if (r.time !== null) p.time = r.time;
          if (r.relative) p.seqRelative = true;
          return p;
        });
        const run = reassemble(ps, limits);
        const bad = checkEvents(run.anomalies, { lines: ps.length });
        assert.is(bad, undefined, bad);
        for (const f of run.flows.values()) assert.ok(f.close, `flow ${f.flow} closed at the end`);
      },
    ),
    { numRuns: runs(300) },
  );
});

test.run();

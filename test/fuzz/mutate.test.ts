// The mutation fuzzer over real capture text, fixed seed for CI: the recorded captures as tcpdump prints
// them (-XX, -x, -vv -X, -tt -xx), mutated by bit flips, changed hex digits, inserted and deleted bytes,
// truncation, binary junk lines, lines of megabytes, floods of hex lines with no summary, interleaved packets of
// two captures, dropped, repeated, swapped and spliced lines, and changed line endings; each case runs through the
// whole pipeline with every event type (and in random chunks, which must give the same events). `npm run fuzz`
// runs the same loop with random seeds for as long as it is asked to.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event } from '../../lib/events.js';
import { decodeAll } from '../../lib/pipeline.js';
import { testIf } from '../support/shared.js';
import { fuzzText, report } from './engine.js';
import { MUTATIONS, packetBlocks, splitLines, joinLines } from './mutate.js';
import { ALL_EVENTS, FLAG_SETS, FUZZ_CAPTURES, fixtureText, haveFixtures, runs, Rng, SEED } from './support.js';

{
  const fixtureTest = testIf(haveFixtures, 'fuzz/mutate: tcpdump or the own fixtures are absent');
  const bases = haveFixtures ? FUZZ_CAPTURES.flatMap((n) => FLAG_SETS.map((f) => fixtureText(n, f))) : [];

  fixtureTest('mutate: real capture text under every kind of mutation keeps every invariant, in-process (fixed seed)', () => {
    const stats = fuzzText(SEED, runs(500), { bases, kinds: MUTATIONS, maxMutations: 4, chunkEvery: 4 });
    assert.ok(stats.cases >= runs(500), `${stats.cases} cases`);
    assert.equal(stats.failures.map(report).slice(0, 3), [], `${stats.failures.length} failing cases`);
  });

  for (const kind of MUTATIONS) {
    fixtureTest(`mutate: ${kind} alone keeps every invariant`, () => {
      const stats = fuzzText(SEED + 1_000_003 * (MUTATIONS.indexOf(kind) + 1), runs(40), { bases, kinds: [kind], maxMutations: 3, chunkEvery: 2 });
      assert.equal(stats.failures.map(report).slice(0, 3), []);
    });
  }

  /** Per connection (client > server), the TLS events and the session facts, without lines, times and flow numbers. */
  function perConnection(events: Event[]): Map<string, unknown[]> {
    const names = new Map<number, string>();
    const out = new Map<string, unknown[]>();
    for (const e of events) {
      if (e.type === 'flow' && e.event === 'open') {
        names.set(e.flow as number, `${String(e.client)} > ${String(e.server)}`);
        out.set(`${String(e.client)} > ${String(e.server)}`, []);
      }
      if (e.type !== 'tls.handshake' && e.type !== 'tls.alert' && e.type !== 'tls.record' && e.type !== 'tls.session') continue;
      const { line: _l, ts: _t, flow, diagnoses, ...rest } = e;
      void _l;
      void _t;
      const key = names.get(flow as number)!;
      out.get(key)!.push(diagnoses ? { ...rest, diagnoses: (diagnoses as { code: string }[]).map((d) => d.code) } : rest);
    }
    return out;
  }

  fixtureTest('mutate: two captures interleaved packet by packet give each connection the same TLS events as each capture alone', () => {
    const rng = new Rng(SEED ^ 0x5eed);
    const names = FUZZ_CAPTURES;
    for (let round = 0; round < runs(12); round++) {
      const a = fixtureText(names[round % names.length]!, ['-nn', '-t', '-XX']);
      const b = fixtureText(names[(round * 3 + 1) % names.length]!, ['-nn', '-t', '-XX']);
      if (a === b) continue;
      const pa = packetBlocks(splitLines(a));
      const pb = packetBlocks(splitLines(b));
      const mixed: Buffer[] = [];
      for (let i = 0, j = 0; i < pa.length || j < pb.length; ) {
        if (j >= pb.length || (i < pa.length && rng.int(2) === 0)) mixed.push(...pa[i++]!);
        else mixed.push(...pb[j++]!);
      }
      const alone = new Map([...perConnection(decodeAll(a, ALL_EVENTS)), ...perConnection(decodeAll(b, ALL_EVENTS))]);
      const together = perConnection(decodeAll(joinLines(mixed), ALL_EVENTS));
      assert.equal([...together.keys()].sort(), [...alone.keys()].sort(), 'the same connections');
      for (const [k, evs] of alone) {
        assert.ok(
          evs.some((e) => (e as Event).type === 'tls.handshake'),
          `connection ${k} has handshake events to compare`,
        );
        assert.equal(together.get(k), evs, `connection ${k}`);
      }
    }
  });
}

test.run();

// --jobs: the NDJSON bytes of the worker threads (lib/parallel) equal the one-thread decoder's, on every fixture
// capture and text and the public captures, for several --events sets, in whole inputs and in chunks; a worker that
// fails ends the run with one error instead of a hang.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { flood } from '../../bench/flood.js';
import { decodeStream, type OptionsInput } from '../../lib/index.js';
import {
  BIG_INPUT_BYTES,
  BIG_START_FLOWS,
  BIG_START_ITEMS,
  decodeNdjson,
  pairWorker,
  START_FLOWS,
  START_ITEMS,
  START_ITEMS_PER_FLOW,
  WorkerPool,
  type ParallelTuning,
} from '../../lib/parallel/index.js';
import * as streams from '../../lib/streams.js';
import { chunks, files, keylogOf, run } from '../support/streams.js';
import { CAPTURES, FIXTURES, haveShared, testIf } from '../support/shared.js';

const isInput = (f: string): boolean => /\.(pcap|pcapng|cap|txt)$/.test(f);

/** The --events sets compared: the default, all, the verdicts alone, and packets with flows and anomalies. */
const EVENT_SETS: (OptionsInput['events'] | undefined)[] = [undefined, 'all', ['tls.session'], ['packet', 'flow', 'anomaly']];

const pool = new WorkerPool();

/** One thread against --jobs 2 (one worker, started at once, taking every flow and packet: the input whole) and
 *  --jobs 3 (two workers started at once, the main thread writing the packets and keeping half the flows) and, for the
 *  default and all events, --jobs 3 started after 7 flow items (the first flows stay in the main thread; the input
 *  in 4 KB chunks). Returns the lines compared. */
async function same(name: string, input: Buffer): Promise<number> {
  let lines = 0;
  for (const events of EVENT_SETS) {
    const o: OptionsInput = { keylog: keylogOf(name), ...(events ? { events } : {}) };
    const one = await run([input], [decodeStream({ ...o, jobs: 1 }), streams.ndjson()]);
    const runs: [number, ParallelTuning, Buffer[]][] = [
      [2, { startItems: 0, startFlows: 0, startEndedShare: 0, keepShare: -1, pool }, [input]],
      [3, { startItems: 0, startFlows: 0, startEndedShare: 0, keepShare: 0.5, pool }, [input]],
    ];
    if (events === undefined || events === 'all') runs.push([3, { startItems: 7, startFlows: 0, startEndedShare: 0, pool }, chunks(input, 4096)]);
    for (const [jobs, tuning, parts] of runs) {
      const got = await run(parts, [decodeNdjson({ ...o, jobs }, undefined, undefined, tuning)]);
      if (!got.equals(one)) {
        const a = one.toString().split('\n');
        const b = got.toString().split('\n');
        const i = a.findIndex((l, k) => l !== b[k]);
        assert.unreachable(
          `${name}, --events ${String(events ?? 'default')}, --jobs ${jobs}: line ${i + 1} differs\none thread: ${a[i]}\n--jobs ${jobs}:    ${b[i]}`,
        );
      }
    }
    lines += one.toString().split('\n').length - 1;
  }
  return lines;
}

test('parallel: every fixture capture and text gives the same NDJSON with --jobs 1, 2 and 3', async () => {
  const inputs = files(FIXTURES, isInput);
  let lines = 0;
  for (const f of inputs) lines += await same(f, readFileSync(f));
  assert.ok(inputs.length >= 60 && lines > 10000, `${inputs.length} inputs, ${lines} lines`);
});

testIf(haveShared, '../shared/captures absent')('parallel: ../shared/captures give the same NDJSON with --jobs 1, 2 and 3', async () => {
  const inputs = files(CAPTURES, isInput);
  let lines = 0;
  for (const f of inputs) lines += await same(f, readFileSync(f));
  assert.ok(inputs.length >= 100 && lines > 10000, `${inputs.length} inputs, ${lines} lines`);
});

test('parallel: a worker that stops mid-input ends the run with one error naming it', async () => {
  const input = readFileSync(join(FIXTURES, 'many-flows.pcap'));
  const tuning: ParallelTuning = { startItems: 0, startFlows: 0, startEndedShare: 0, keepShare: -1, onStart: (ws) => void ws[1]!.terminate() };
  let err: unknown;
  try {
    await run(chunks(input, 2048), [decodeNdjson({ jobs: 3 }, undefined, undefined, tuning)]);
  } catch (e) {
    err = e;
  }
  assert.instance(err, Error);
  assert.match((err as Error).message, /worker 2 of 2 stopped \(exit code \d+\) before the end of the input/);
});

/** Whether the workers start on `input` (by default many-flows.pcap: 20 connections one after another, several
 *  data items each, each ended by FIN) with `tuning`; the bytes must be those of one thread either way. */
async function startsOn(tuning: ParallelTuning, what: string, input = readFileSync(join(FIXTURES, 'many-flows.pcap'))): Promise<boolean> {
  const one = await run([input], [decodeNdjson({ jobs: 1 })]);
  let started = false;
  const two = await run([input], [decodeNdjson({ jobs: 2 }, undefined, undefined, { ...tuning, pool, onStart: () => void (started = true) })]);
  assert.ok(two.equals(one), `${what}: bytes differ`);
  return started;
}

test('parallel: workers start only once START_FLOWS connections were opened, whatever the items', async () => {
  // 10 connections start the workers, 64 (START_FLOWS) never do.
  assert.ok(await startsOn({ startItems: 0, startFlows: 10, startEndedShare: 0 }, 'startFlows 10'));
  assert.not.ok(await startsOn({ startItems: 0, startFlows: START_FLOWS, startEndedShare: 0 }, 'startFlows 64'));
});

test('parallel: a big input (inputBytes) starts the workers after BIG_START_ITEMS items and BIG_START_FLOWS flows', async () => {
  // many-flows.pcap: 20 connections that end, a few hundred items: too few for START_ITEMS, enough for the big input's.
  assert.not.ok(await startsOn({}, 'default thresholds'));
  assert.not.ok(await startsOn({ inputBytes: BIG_INPUT_BYTES - 1 }, 'just below BIG_INPUT_BYTES'));
  assert.ok(await startsOn({ inputBytes: BIG_INPUT_BYTES }, 'inputBytes BIG_INPUT_BYTES'));
  // Explicit thresholds still win over the big input's: 21 flows are more than the input opens.
  assert.not.ok(await startsOn({ inputBytes: BIG_INPUT_BYTES, startFlows: 21 }, 'startFlows 21'));
  assert.ok(BIG_START_ITEMS < START_ITEMS && BIG_START_FLOWS < START_FLOWS);
});

test('parallel: workers start only while the connections are short on average (START_ITEMS_PER_FLOW)', async () => {
  // One item per flow opened is never reached once the connections carry data.
  assert.not.ok(await startsOn({ startItems: 0, startFlows: 10, startEndedShare: 0, startItemsPerFlow: 1 }, 'startItemsPerFlow 1'));
  assert.ok(await startsOn({ startItems: 0, startFlows: 10, startEndedShare: 0, startItemsPerFlow: START_ITEMS_PER_FLOW }, 'startItemsPerFlow 64'));
});

test('parallel: workers start only once connections are seen to end (START_ENDED_SHARE), not under a flood', async () => {
  assert.ok(await startsOn({ startItems: 0, startFlows: 10 }, 'connections that end'));
  // 400 half-open connections, 100 at once, none ended: with the rule the main thread keeps them all.
  const dir = mkdtempSync(join(tmpdir(), 'tlsdump-flood-'));
  try {
    const file = join(dir, 'flood.pcap');
    await flood(file, { connections: 400, held: 3000, window: 100, seed: 5 });
    const input = readFileSync(file);
    assert.not.ok(await startsOn({ startItems: 0, startFlows: 10 }, 'a flood', input));
    assert.ok(await startsOn({ startItems: 0, startFlows: 10, startEndedShare: 0 }, 'a flood, startEndedShare 0', input));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parallel: once lib/tcp evicts a flow (a flood), the main thread keeps every new flow and the workers end early', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsdump-flood-'));
  try {
    const file = join(dir, 'flood.pcap');
    await flood(file, { connections: 400, held: 3000, window: 100, seed: 11 });
    const input = readFileSync(file);
    // 100 connections at once against a limit of 40 live flows: evictions from the first window on.
    const o: OptionsInput = { events: 'all', maxFlows: 40 };
    const one = await run([input], [decodeNdjson({ ...o, jobs: 1 })]);
    assert.match(one.toString(), /"end":"evicted"/);
    for (const jobs of [2, 3]) {
      const flows = { given: 0, kept: 0 };
      const exits: number[] = [];
      const tuning: ParallelTuning = {
        startItems: 0,
        startFlows: 0,
        startEndedShare: 0,
        keepShare: -1,
        flows,
        onStart: (ws) => ws.forEach((w, i) => w.once('exit', () => exits.push(i))),
      };
      // In chunks: the flood starts while the workers run. No pool: an ended worker is terminated, and that must
      // not read as a worker that stopped before the end of the input.
      const t = decodeNdjson({ ...o, jobs }, undefined, undefined, tuning);
      const parts: Buffer[] = [];
      t.on('data', (b: Buffer) => parts.push(b));
      for (const c of chunks(input, 8192)) if (!t.write(c)) await once(t, 'drain');
      // Every worker has ended before the end of the input (at most 2 s for the last answers).
      for (let i = 0; i < 200 && exits.length < jobs - 1; i++) await new Promise((r) => setTimeout(r, 10));
      if (exits.length < jobs - 1) t.destroy();
      assert.is(exits.length, jobs - 1, `--jobs ${jobs}: workers ended before the end of the input`);
      t.end();
      await finished(t);
      assert.ok(Buffer.concat(parts).equals(one), `--jobs ${jobs}: bytes differ`);
      // keepShare -1 gives the workers every flow until the flood; from it on the main thread keeps them all.
      assert.ok(flows.given > 0 && flows.kept > 300, `--jobs ${jobs}: ${flows.given} given, ${flows.kept} kept`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parallel: the main thread keeps its share of the flows, and the bytes agree', async () => {
  const input = readFileSync(join(FIXTURES, 'many-flows.pcap'));
  const one = await run([input], [decodeNdjson({ jobs: 1, events: 'all' })]);
  for (const keepShare of [-1, -0.5, 0, 0.25, 0.5, undefined]) {
    const flows = { given: 0, kept: 0 };
    const tuning: ParallelTuning = { startItems: 0, startFlows: 0, startEndedShare: 0, keepShare, flows, pool };
    const two = await run([input], [decodeNdjson({ jobs: 2, events: 'all' }, undefined, undefined, tuning)]);
    const all = flows.given + flows.kept;
    assert.ok(all >= 20, `keepShare ${keepShare}: ${all} flows`);
    // By error diffusion, the main thread keeps its share of the flows (none below 0) to within one.
    if (keepShare !== undefined)
      assert.ok(Math.abs(flows.kept - Math.max(0, keepShare) * all) <= 1, `keepShare ${keepShare}: ${flows.kept} of ${all} kept`);
    // By default the share starts at 0 (KEEP_SHARE_START) and never rises above MAX_SHARE (0): the main thread keeps
    // no flow once the workers run, since its isolate would compile their code again.
    else assert.ok(flows.kept === 0 && flows.given === all, `the default share: ${flows.kept} of ${all} kept`);
    assert.ok(two.equals(one), `keepShare ${keepShare}: bytes differ`);
  }
});

test('parallel: a connection goes to one worker both ways round, and connections spread over the workers', () => {
  const counts = [0, 0, 0, 0];
  for (let port = 40000; port < 42000; port++) {
    const w = pairWorker('10.1.2.3', port, '192.0.2.10', 443, 4);
    assert.is(pairWorker('192.0.2.10', 443, '10.1.2.3', port, 4), w);
    counts[w]!++;
  }
  for (const n of counts) assert.ok(n > 400 && n < 600, `${counts}`);
  assert.is(pairWorker('2001:db8::1', 50000, '2001:db8::2', 443, 3), pairWorker('2001:db8::2', 443, '2001:db8::1', 50000, 3));
});

test('parallel: jobs is checked like the other options', () => {
  assert.throws(() => decodeNdjson({ jobs: 0 }), /option jobs: takes a whole number of threads from 1 to 64, not 0/);
  assert.throws(() => decodeNdjson({ jobs: 1.5 }), /option jobs/);
});

test.after(async () => {
  await pool.close();
});

test.run();

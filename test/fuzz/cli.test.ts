// The fuzzer's invariants through the real command line: a sample of mutated capture texts and the
// hostile synthetic inputs, each piped into `node bin/tlsdump.js --events all` in a child process with a time
// budget: exit status 0, no signal, nothing on stderr, every stdout line one JSON object. And a line of 256 MB is
// skipped without being held: the child's peak RSS stays far below the line's size.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, testIf } from '../support/shared.js';
import { hostileInputs } from './hostile.js';
import { mutate, MUTATIONS } from './mutate.js';
import { cliProblem, runCli } from './cli.js';
import { ALL_EVENTS, FLAG_SETS, FUZZ_CAPTURES, fixtureText, haveFixtures, Rng, runs, SEED } from './support.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');

{
  const fixtureTest = testIf(haveFixtures, 'fuzz/cli: tcpdump or the own fixtures are absent');
  fixtureTest('cli: mutated capture texts piped into tlsdump: exit 0, nothing on stderr, one JSON object per line, within the time budget', () => {
    const bases = haveFixtures ? FUZZ_CAPTURES.flatMap((n) => FLAG_SETS.map((f) => fixtureText(n, f))) : [];
    for (let i = 0; i < runs(12); i++) {
      const rng = new Rng(SEED * 7919 + i);
      const m = mutate(rng, rng.pick(bases), bases, MUTATIONS, 1 + rng.int(4), ALL_EVENTS.maxLineBytes);
      const r = runCli(m.input);
      assert.is(cliProblem(r), undefined, `case ${i} [${m.kinds.join(', ')}]: ${cliProblem(r)}`);
    }
  });
}

{
  const fixtureTest = testIf(haveFixtures, 'fuzz/cli: tcpdump or the own fixtures are absent');
  fixtureTest(
    'cli: mutated capture texts in --format text and --format ecs: exit 0, nothing on stderr, ECS lines are JSON, text holds no control character',
    () => {
      const bases = FUZZ_CAPTURES.flatMap((n) => FLAG_SETS.map((f) => fixtureText(n, f)));
      for (let i = 0; i < runs(4); i++) {
        const rng = new Rng(SEED * 104729 + i);
        const m = mutate(rng, rng.pick(bases), bases, MUTATIONS, 1 + rng.int(4), ALL_EVENTS.maxLineBytes);
        for (const format of ['text', 'ecs']) {
          const r = runCli(m.input, ['--format', format]);
          const what = `case ${i} [${m.kinds.join(', ')}] --format ${format}`;
          assert.ok(r.status === 0 && !r.signal && r.stderr === '', `${what}: exit ${r.status} ${r.signal ?? ''} ${r.stderr.slice(0, 300)}`);
          if (format === 'ecs') for (const l of r.stdout.split('\n').filter(Boolean)) assert.type(JSON.parse(l), 'object', what);
          else assert.not.ok(/[\x00-\x08\x0b-\x1f\x7f]/.test(r.stdout), `${what}: a control character in the text output`);
        }
      }
    },
  );
}

test('cli: hostile synthetic inputs (huge claims, floods, junk) piped into tlsdump keep the command-line invariants', () => {
  for (const h of hostileInputs(SEED)) {
    const r = runCli(h.input);
    assert.is(cliProblem(r), undefined, `${h.name}: ${cliProblem(r)}`);
  }
});

test('cli: a line of 256 MB is skipped with input.line_too_long and never held whole (peak RSS far below its size)', async () => {
  const size = 256 << 20;
  const child = spawn(process.execPath, ['--import', join(ROOT, 'dist', 'test', 'fuzz', 'rss.js'), BIN, '--events', 'anomaly'], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  const chunk = Buffer.alloc(1 << 20, 0x41);
  const write = (b: Buffer): Promise<void> => new Promise((resolve) => (child.stdin.write(b) ? resolve() : child.stdin.once('drain', resolve)));
  await write(Buffer.from('12:00:00.000001 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0\n'));
  for (let n = 0; n < size; n += chunk.length) await write(chunk);
  await write(Buffer.from('\nafter\n'));
  child.stdin.end();
  const status = await done;
  assert.is(status, 0);
  const events = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { code: string; line: number; message: string });
  assert.ok(
    events.some((e) => e.code === 'input.line_too_long' && e.line === 2 && e.message.includes(String(size))),
    JSON.stringify(events),
  );
  const rss = Number(/tlsdump-peak-rss (\d+)/.exec(err)?.[1]);
  // Holding the line would take at least its 256 MB on top of Node's own ~50 MB; skipping it peaks near 100 MB.
  assert.ok(rss > 0 && rss < size * 0.8, `peak RSS ${(rss / 2 ** 20).toFixed(0)} MB for a ${size / 2 ** 20} MB line`);
});

test.run();

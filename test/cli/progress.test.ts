// The progress line: on stderr only, forced by --progress, off by --no-progress, shown by default on a
// terminal (run under script(1), which gives the child a pseudo-terminal) and never when stderr is a pipe; stdout
// stays the same NDJSON either way.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progressText } from '../../lib/progress.js';
import { FIXTURES, ROOT, haveTool, testIf } from '../support/shared.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');
const CAPTURE = join(FIXTURES, 'many-flows.pcap');
const ERASE = '\r\x1b[K';

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
}

test('the line: bytes of the total, rate, connections, time left', () => {
  const s = progressText(250e6, 1e9, 2, 1234);
  assert.is(s, 'tlsdump: 250.0 MB of 1.00 GB (25%), 125.0 MB/s, 1234 connections, 6 s left');
  assert.is(progressText(3e6, undefined, 1, 1), 'tlsdump: 3.0 MB, 3.0 MB/s, 1 connection');
  assert.ok(progressText(1e9, 1e9, 10, 5).endsWith('5 connections'), 'nothing left at the end');
});

test('--progress: a line on stderr, erased at the end; stdout unchanged', () => {
  const plain = run(['--events', 'all', CAPTURE]);
  const withLine = run(['--progress', '--events', 'all', CAPTURE]);
  assert.is(withLine.status, 0);
  assert.is(withLine.stdout, plain.stdout);
  assert.ok(withLine.stderr.startsWith('\rtlsdump: '), JSON.stringify(withLine.stderr.slice(0, 40)));
  assert.match(withLine.stderr, /MB of .* MB\/s, \d+ connections?/);
  assert.ok(withLine.stderr.endsWith(ERASE));
  assert.not.match(withLine.stderr, /\n/);
});

test('stderr not a terminal and no --progress: nothing on stderr', () => {
  const r = run([CAPTURE]);
  assert.is(r.status, 0);
  assert.is(r.stderr, '');
});

testIf(haveTool('script'), 'script(1) not installed')(
  'on a terminal: shown by default, not with --no-progress nor when stdout is the terminal',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlsdump-progress-'));
    try {
      const tty = (flags: string) => {
        const out = join(dir, 'out.ndjson');
        // script runs the command on a pseudo-terminal; stdout goes to a file, so what script prints is stderr.
        const r = spawnSync('script', ['-qec', `"${process.execPath}" "${BIN}" ${flags} "${CAPTURE}" > "${out}"`, '/dev/null'], { encoding: 'utf8' });
        return { term: r.stdout, out: readFileSync(out, 'utf8') };
      };
      const plain = run([CAPTURE]).stdout;
      const shown = tty('');
      assert.match(shown.term, /tlsdump: .* connections?/);
      assert.ok(shown.term.endsWith(ERASE));
      assert.is(shown.out, plain);
      // stdout on the same terminal: its lines would land inside the progress line, so none is drawn.
      const both = spawnSync('script', ['-qec', `"${process.execPath}" "${BIN}" --summary "${CAPTURE}"`, '/dev/null'], { encoding: 'utf8' });
      assert.not.match(both.stdout, /tlsdump: /);
      assert.match(both.stdout, /"tls\.session"/);
      const off = tty('--no-progress');
      assert.is(off.term, '');
      assert.is(off.out, plain);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.run();

// Stage 1 through the command line, end to end: `tlsdump --events packet FILE` prints one JSON object per
// line and nothing else, and exits 0, whatever the text holds.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIXTURES, haveShared, haveTool, ROOT, SHARED, tcpdumpText, testIf } from '../support/shared.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');
const dir = mkdtempSync(join(tmpdir(), 'tlsdump-text-'));

function run(args: string[]): { status: number | null; lines: Record<string, unknown>[]; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = r.stdout.split('\n').filter((l) => l !== '');
  const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, lines, stdout: r.stdout, stderr: r.stderr };
}

// tcpdump's text of an own capture in four forms, and the seed article: each registered as skipped where absent.
const canText = haveTool('tcpdump');
const FORMS = [['-XX'], ['-x', '-tt'], ['-X', '-v'], ['-A']];
const textFile = (flags: string[]): string => {
  const f = join(dir, `tls12-rsa${flags.join('')}.txt`);
  if (!existsSync(f)) writeFileSync(f, tcpdumpText(join(FIXTURES, 'tls12-rsa.pcap'), ['-nn', ...flags]));
  return f;
};
const texts: [string, boolean, string, () => string][] = [
  ...FORMS.map(
    (flags) =>
      [`tcpdump -nn ${flags.join(' ')}`, canText, 'text/cli: tcpdump is not installed', () => textFile(flags)] as [
        string,
        boolean,
        string,
        () => string,
      ],
  ),
  ['the seed article', haveShared, 'text/cli: ../shared/seed is absent', () => join(SHARED, 'seed', '000_f61e09c4f4cda515.txt')],
];

for (const [what, ok, why, file] of texts) {
  testIf(ok, why)(`cli: --events packet on ${what} prints JSON lines only and exits 0`, () => {
    const r = run(['--events', 'packet', file()]);
    assert.is(r.status, 0, r.stderr);
    assert.ok(r.lines.length > 0, 'some packets');
    for (const ev of r.lines) {
      assert.is(ev.type, 'packet');
      assert.type(ev.line, 'number');
      assert.type(ev.src, 'string');
      assert.type(ev.seq, 'number');
    }
  });
}

testIf(canText, 'text/cli: tcpdump is not installed')('cli: tcpdump -A text gives the input.no_hex anomaly on stdout, naming -XX, and exit 0', () => {
  const r = run(['--events', 'anomaly', textFile(['-A'])]);
  assert.is(r.status, 0);
  const noHex = r.lines.filter((e) => e.code === 'input.no_hex');
  assert.is(noHex.length, 1);
  assert.match(String(noHex[0]!.message), /-XX/);
});

testIf(canText, 'text/cli: tcpdump is not installed')('cli: the packet events of -XX text carry the contract fields', () => {
  const r = run(['--events', 'packet', textFile(['-XX'])]);
  const first = r.lines[0]!;
  for (const k of ['type', 'line', 'ts', 'src', 'dst', 'sport', 'dport', 'proto', 'seq', 'ack', 'flags', 'len']) assert.ok(k in first, k);
  assert.is(first.flags, 'S');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();

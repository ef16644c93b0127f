// Stage 1 through the command line, end to end: `tlsdump --events packet FILE` prints one JSON object per
// line and nothing else, and exits 0, whatever the text holds.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIXTURES, haveShared, haveTool, ROOT, SHARED, skipping, tcpdumpText } from '../support/shared.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');
const dir = mkdtempSync(join(tmpdir(), 'tlsdump-text-'));

function run(args: string[]): { status: number | null; lines: Record<string, unknown>[]; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = r.stdout.split('\n').filter((l) => l !== '');
  const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, lines, stdout: r.stdout, stderr: r.stderr };
}

const texts: [string, string][] = [];
if (haveTool('tcpdump') && existsSync(join(FIXTURES, 'tls12-rsa.pcap'))) {
  for (const flags of [['-XX'], ['-x', '-tt'], ['-X', '-v'], ['-A']]) {
    const f = join(dir, `tls12-rsa${flags.join('')}.txt`);
    writeFileSync(f, tcpdumpText(join(FIXTURES, 'tls12-rsa.pcap'), ['-nn', ...flags]));
    texts.push([`tcpdump -nn ${flags.join(' ')}`, f]);
  }
} else skipping('text/cli: tcpdump or the own fixtures are absent');
if (haveShared) texts.push(['the seed article', join(SHARED, 'seed', '000_f61e09c4f4cda515.txt')]);

for (const [what, file] of texts) {
  test(`cli: --events packet on ${what} prints JSON lines only and exits 0`, () => {
    const r = run(['--events', 'packet', file]);
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

if (texts.length > 0) {
  test('cli: tcpdump -A text gives the input.no_hex anomaly on stdout, naming -XX, and exit 0', () => {
    const file = texts.find(([w]) => w.endsWith('-A'))?.[1];
    if (!file) return;
    const r = run(['--events', 'anomaly', file]);
    assert.is(r.status, 0);
    const noHex = r.lines.filter((e) => e.code === 'input.no_hex');
    assert.is(noHex.length, 1);
    assert.match(String(noHex[0]!.message), /-XX/);
  });
}

test('cli: the packet events of -XX text carry the contract fields', () => {
  const file = texts.find(([w]) => w.endsWith('-XX'))?.[1];
  if (!file) return;
  const r = run(['--events', 'packet', file]);
  const first = r.lines[0]!;
  for (const k of ['type', 'line', 'ts', 'src', 'dst', 'sport', 'dport', 'proto', 'seq', 'ack', 'flags', 'len']) assert.ok(k in first, k);
  assert.is(first.flags, 'S');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();

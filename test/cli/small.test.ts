import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveTool, ROOT, skipping } from '../support/shared.js';

// Small things a new user hit: empty input, a terminal on stdin, --summary with --events, the report's
// addresses, and the order of input.no_hex.

const BIN = join(ROOT, 'bin', 'tlsdump.js');
const tmp = mkdtempSync(join(tmpdir(), 'tlsdump-small-'));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('empty input: exit 0, nothing on stdout, one line on stderr saying so (stdin and a file)', () => {
  const a = run([], '');
  assert.is(a.code, 0);
  assert.is(a.stdout, '');
  assert.is(a.stderr, 'tlsdump: stdin is empty: nothing to decode\n');
  const empty = join(tmp, 'empty.txt');
  writeFileSync(empty, '');
  const b = run(['--format', 'text', empty]);
  assert.is(b.code, 0);
  assert.is(b.stdout, '');
  assert.is(b.stderr, `tlsdump: '${empty}' is empty: nothing to decode\n`);
  // Input that is not empty gives no such word.
  assert.is(run([], 'hello\n').stderr, '');
});

test('--summary with --events, in either order, is one line and exit 2', () => {
  for (const args of [
    ['--summary', '--events', 'tls.alert'],
    ['--events', 'all', '--summary'],
  ]) {
    const r = run(args, '');
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stdout, '');
    assert.is(r.stderr, 'tlsdump: --summary and --events both choose the events to emit: give one (--summary is --events tls.session)\n');
  }
  assert.is(run(['--summary', '--summary'], '').code, 0);
});

const tty = haveTool('script') ? test : test.skip;
if (!haveTool('script')) skipping('a terminal on stdin: script(1) is not installed to give the CLI a terminal');
tty('a terminal on stdin: tlsdump says on stderr that it is reading stdin', () => {
  // script(1) gives the command a terminal; its stdin at EOF ends it at once.
  const r = spawnSync('script', ['-qc', `"${process.execPath}" "${BIN}"`, '/dev/null'], { encoding: 'utf8', cwd: ROOT, input: '' });
  assert.match(r.stdout, /tlsdump: reading tcpdump text or a pcap from stdin \(the terminal\); end it with Ctrl-D, or give a FILE/);
  // Not on a pipe.
  assert.not.match(run([], '').stderr, /reading/);
});

test('report: IPv6 addresses are shown whole, with their port, however long', () => {
  const client = '[2001:db8:1234:5678:9abc:def0:1234:5678]:51234';
  const server = '[2001:db8::443]:443';
  const session = { type: 'tls.session', flow: 0, client, server, version: 'TLS 1.3', established: true, diagnoses: [] };
  const r = run(['report'], JSON.stringify(session) + '\n');
  assert.is(r.code, 0);
  const row = r.stdout.split('\n')[1]!;
  assert.ok(row.includes(`${client}  `), row);
  assert.ok(row.includes(`${server}  `), row);
  // Short addresses still line up in their columns.
  const v4 = run(['report'], JSON.stringify({ ...session, client: '10.0.0.1:5', server: '10.0.0.2:443' }) + '\n');
  const [head, line] = v4.stdout.split('\n');
  assert.is(line!.indexOf('10.0.0.2:443'), head!.indexOf('server'));
});

test('text without hex: input.no_hex comes first, before the gaps its summary-only packets leave', () => {
  // tcpdump -nn of mtls12-nocert.pcap: summaries only.
  const text = [
    '10:25:05.911638 IP 10.99.0.1.53696 > 10.99.0.2.4442: Flags [S], seq 2387134405, win 64240, options [mss 1460,sackOK,TS val 3681339357 ecr 0,nop,wscale 7], length 0',
    '10:25:05.911675 IP 10.99.0.2.4442 > 10.99.0.1.53696: Flags [S.], seq 2341417091, ack 2387134406, win 65160, options [mss 1460,sackOK,TS val 4203779786 ecr 3681339357,nop,wscale 7], length 0',
    '10:25:05.911689 IP 10.99.0.1.53696 > 10.99.0.2.4442: Flags [.], ack 1, win 63, options [nop,nop,TS val 3681339357 ecr 4203779786], length 0',
    '10:25:05.911859 IP 10.99.0.1.53696 > 10.99.0.2.4442: Flags [P.], seq 1:318, ack 1, win 63, options [nop,nop,TS val 3681339357 ecr 4203779786], length 317',
    '10:25:05.912743 IP 10.99.0.2.4442 > 10.99.0.1.53696: Flags [.], seq 1:1449, ack 318, win 64, options [nop,nop,TS val 4203779787 ecr 3681339357], length 1448',
    '10:25:05.913698 IP 10.99.0.2.4442 > 10.99.0.1.53696: Flags [F.], seq 1449, ack 318, win 64, options [nop,nop,TS val 4203779788 ecr 3681339358], length 0',
    '10:25:05.913777 IP 10.99.0.1.53696 > 10.99.0.2.4442: Flags [F.], seq 318, ack 1450, win 69, options [nop,nop,TS val 3681339359 ecr 4203779788], length 0',
    '',
  ].join('\n');
  const r = run(['--events', 'anomaly'], text);
  assert.is(r.code, 0);
  const codes = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { code: string }).code);
  assert.is(codes[0], 'input.no_hex', codes.join(', '));
  assert.ok(codes.includes('tcp.gap'), 'the gaps are still reported, after it');
});

test.run();

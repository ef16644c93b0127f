import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/shared.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');

function run(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonLines(out: string): unknown[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

test('cli: a missing file gives one line on stderr and exit status 2', () => {
  const r = run(['/nonexistent/dump.txt']);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /no such file/);
});

test('cli: a bad option or event type gives one line on stderr and exit status 2', () => {
  for (const args of [['--bogus'], ['--events', 'nope'], ['--max-flows', 'x'], ['--events']]) {
    const r = run(args, '');
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, args.join(' '));
    assert.ok(!/at .*\.js/.test(r.stderr), 'no stack trace');
  }
});

test('cli: --keylog decrypts (repeatable), --data-preview shows data, and a bad key log or value is one line and status 2', () => {
  const pcap = join(ROOT, 'test', 'fixtures', 'decrypt', 'mtls13-nocert.pcap');
  const keys = join(ROOT, 'test', 'fixtures', 'decrypt', 'mtls13-nocert.keylog');
  const other = join(ROOT, 'test', 'fixtures', 'tls12-rsa.keylog');
  const r = run(['--keylog', other, `--keylog=${keys}`, '--summary', pcap]);
  assert.is(r.code, 0, r.stderr);
  const s = jsonLines(r.stdout)[0] as Record<string, unknown>;
  assert.equal([s.client_cert_requested, s.client_cert_sent], [true, false]);
  const d = run(['--keylog', keys, '--events', 'tls.data', '--data-preview', '5', pcap]);
  assert.equal(
    jsonLines(d.stdout).map((e) => (e as { preview?: string }).preview),
    ['GET /'],
  );
  for (const args of [['--keylog', '/nonexistent/keys.log', pcap], ['--keylog', keys, '--data-preview', 'x', pcap], ['--keylog']]) {
    const e = run(args, '');
    assert.is(e.code, 2, args.join(' '));
    assert.is(e.stdout, '', args.join(' '));
    assert.is(e.stderr.trim().split('\n').length, 1, args.join(' '));
  }
});

test('cli: --help shows every option with an example, --version prints the version', () => {
  const h = run(['--help']);
  assert.is(h.code, 0);
  for (const flag of ['--events', '--max-line-bytes', '--idle-timeout', '--max-flow-buffer', '--max-flows']) assert.ok(h.stdout.includes(flag), flag);
  assert.match(h.stdout, /examples:/);
  const v = run(['--version']);
  assert.match(v.stdout, /^tlsdump \d+\.\d+\.\d+/);
});

test('cli: binary junk and prose on stdin give only JSON lines and exit status 0', () => {
  const junk = Buffer.alloc(20000);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + (i >> 3)) & 0xff;
  const r = run(['--events', 'all'], Buffer.concat([Buffer.from('hello there\n\t0x0000:  zz\n'), junk]));
  assert.is(r.code, 0);
  jsonLines(r.stdout);
});

test('cli: the bundled seed trace (npm start) decodes to JSON lines', () => {
  const r = run(['--events', 'all', join(ROOT, 'data', 'seed-trace1.txt')]);
  assert.is(r.code, 0, r.stderr);
  const events = jsonLines(r.stdout) as { type: string }[];
  assert.ok(
    events.some((e) => e.type === 'packet'),
    'packets',
  );
});

test.run();

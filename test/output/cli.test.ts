import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, haveTool, ROOT, testIf, tcpdumpText } from '../support/shared.js';
import { loadAllowed, loadEcsFields, validateEcs } from './ecs-fields.js';
import { hostileCapture, RAW_CONTROL } from './mutate.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');
const SEED = join(ROOT, 'data', 'seed-trace1.txt');
const canText = haveTool('tcpdump');
const haveFixtures = existsSync(join(FIXTURES, 'many-flows.pcap'));
const tmp = mkdtempSync(join(tmpdir(), 'tlsdump-cli-out-'));

function run(args: string[], input?: string | Buffer, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 28, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

function oneLineError(r: { code: number | null; stdout: string; stderr: string }, what: string, pattern: RegExp): void {
  assert.is(r.code, 2, what);
  assert.is(r.stdout, '', what);
  assert.is(lines(r.stderr).length, 1, `${what}: ${r.stderr}`);
  assert.match(r.stderr, pattern, what);
  assert.ok(!/at .*\.js/.test(r.stderr), 'no stack trace');
}

test('cli --format text: the seed trace as a block with its verdict and diagnoses, no colour when stdout is not a terminal', () => {
  const r = run(['--format', 'text', SEED]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^flow 0 {2}216\.182\.45\.246:63875 → 64\.233\.169\.99:443/m);
  assert.match(r.stdout, /verdict {2}established · TLS 1\.0/);
  // The trace carries no date: its expired certificates are named at info level, with the date used.
  assert.match(r.stdout, /info {5}cert_expired: the capture date is unknown .* before today \(\d{4}-\d\d-\d\d\)/);
  assert.ok(!r.stdout.includes('ERROR'), 'no error-level diagnosis against the clock of the run');
  assert.ok(!r.stdout.includes('\u001b'), 'no escape sequences');
  assert.is(r.stderr, '');
});

testIf(haveTool('script'), 'script(1) absent: terminal colour test')(
  'cli --format text: colours on a terminal (run under script(1)), none with NO_COLOR set',
  () => {
    const tty = (env: string) =>
      spawnSync('script', ['-qc', `${env} "${process.execPath}" "${BIN}" --summary --format text "${SEED}"`, '/dev/null'], {
        encoding: 'utf8',
        cwd: ROOT,
      });
    const on = tty('');
    assert.is(on.status, 0);
    assert.ok(on.stdout.includes('\u001b[32mestablished\u001b[39m'), JSON.stringify(on.stdout.slice(0, 200)));
    const off = tty('NO_COLOR=1');
    assert.ok(off.stdout.includes('established'));
    assert.ok(!off.stdout.includes('\u001b['), 'NO_COLOR: no escape sequences');
  },
);

test('cli --format text --summary (or --events tls.session) shows only the header and verdict of each connection', () => {
  const a = run(['--format', 'text', '--summary', SEED]);
  const b = run(['--format', 'text', '--events', 'tls.session', SEED]);
  assert.is(a.code, 0);
  // cert_expired messages name the day of the run when the trace has no date.
  const now = /\(\d{4}-\d\d-\d\d(?:T[\d:.]+Z)?\)/g;
  assert.is(a.stdout.replace(now, '(now)'), b.stdout.replace(now, '(now)'));
  assert.ok(!a.stdout.includes('record '));
  assert.match(a.stdout, /verdict/);
});

test('cli --explain implies --format text and shows byte positions; with another format it is a usage error', () => {
  const r = run(['--explain', SEED]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes('ContentType 0x16 (22, handshake) at line 27, TCP payload +0'));
  oneLineError(run(['--explain', '--format', 'ecs', SEED]), '--explain --format ecs', /--explain goes with --format text/);
  oneLineError(run(['--format', 'xml', SEED]), '--format xml', /--format takes ndjson, text, ecs/);
});

test('cli --format ecs: one valid ECS document per tls.session, and --events with it is a usage error (--summary is accepted)', () => {
  const fields = loadEcsFields();
  const allowed = loadAllowed();
  const input = haveFixtures && canText ? tcpdumpText(join(FIXTURES, 'many-flows.pcap'), ['-nn', '-XX', '-tt']) : Buffer.from('');
  const src = haveFixtures && canText ? input : SEED;
  const ecs = run(['--format', 'ecs', ...(haveFixtures && canText ? [] : [SEED])], haveFixtures && canText ? input : undefined);
  const sessions = run(['--summary', ...(haveFixtures && canText ? [] : [SEED])], haveFixtures && canText ? input : undefined);
  assert.is(ecs.code, 0, ecs.stderr);
  const docs = lines(ecs.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(docs.length, lines(sessions.stdout).length);
  assert.ok(docs.length >= 1);
  for (const d of docs) assert.equal(validateEcs(d, fields, allowed), []);
  if (src !== SEED) {
    // -tt gives epoch times: @timestamp is the capture's time, not the time of processing.
    for (const d of docs) assert.match(String(d['@timestamp']), /^2026-/);
  }
  assert.is(run(['--format', 'ecs', '--summary', SEED]).code, 0);
  oneLineError(run(['--format', 'ecs', '--events', 'all', SEED]), '--format ecs --events', /takes no --events/);
});

testIf(canText && existsSync(join(FIXTURES, 'mtls12-ok.pcap')), 'tcpdump or test/fixtures absent: hostile names via the CLI')(
  'cli: a hostile server name and certificate subject reach the terminal escaped in --format text and --explain, and JSON-escaped in NDJSON and ECS',
  () => {
    const text = tcpdumpText(hostileCapture(join(FIXTURES, 'mtls12-ok.pcap')), ['-nn', '-XX']);
    for (const args of [
      ['--format', 'text'],
      ['--explain', '--events', 'all'],
      ['--events', 'all'],
      ['--format', 'ecs'],
    ]) {
      const r = run(args, text);
      assert.is(r.code, 0, args.join(' '));
      const body = args.includes('text') || args.includes('--explain') ? r.stdout : r.stdout.replace(/\n/g, '');
      assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(body), `${args.join(' ')}: raw C0 control characters`);
      if (args.includes('text') || args.includes('--explain') || args.includes('ecs'))
        assert.ok(!RAW_CONTROL.test(body), `${args.join(' ')}: raw control characters`);
    }
  },
);

/** Runs tlsdump and saves its stdout in the temporary folder. */
function save(name: string, args: string[], input?: Buffer | string): string {
  const r = run(args, input);
  assert.is(r.code, 0, r.stderr);
  const file = join(tmp, name);
  writeFileSync(file, r.stdout);
  return file;
}

test('cli report: a table row per connection of saved NDJSON, from a file or stdin, whatever events were saved', () => {
  const seedAll = save('seed-all.ndjson', ['--events', 'all', SEED]);
  const r = run(['report', seedAll]);
  assert.is(r.code, 0, r.stderr);
  const rows = lines(r.stdout);
  assert.match(rows[0]!, /^flow +client +server +version +established +cert req\/sent +worst diagnosis$/);
  assert.match(rows[1]!, /^0 +216\.182\.45\.246:63875 +64\.233\.169\.99:443 +TLS 1\.0 +yes +no\/no +warning weak_protocol$/);
  assert.match(r.stdout, /1 connection: 1 established, 0 failed, 0 other/);
  const viaStdin = run(['report'], run([SEED]).stdout);
  assert.is(viaStdin.stdout, r.stdout, 'default events on stdin give the same table');
  const ecs = run(['report'], run(['--format', 'ecs', SEED]).stdout);
  assert.match(ecs.stdout, /no tls\.session events among 1 values read/, 'an ECS file is not an event file, and it is said');
});

testIf(haveFixtures && canText, 'tcpdump or test/fixtures absent: report over many flows')(
  'cli report: a row per connection of a recorded capture with many flows, and the failed mTLS one',
  () => {
    const many = save('many.ndjson', ['--summary'], tcpdumpText(join(FIXTURES, 'many-flows.pcap'), ['-nn', '-XX']));
    const m = run(['report', many]);
    const sessions = lines(run(['--summary'], tcpdumpText(join(FIXTURES, 'many-flows.pcap'), ['-nn', '-XX'])).stdout).length;
    assert.is(lines(m.stdout).filter((l) => /^\d+ /.test(l) && !/connections?:/.test(l)).length, sessions);
    assert.match(m.stdout, new RegExp(`${sessions} connections: `));
    const failed = save('nocert.ndjson', [], tcpdumpText(join(FIXTURES, 'mtls12-nocert.pcap'), ['-nn', '-XX']));
    assert.match(run(['report', failed]).stdout, /no +yes\/no +error client_cert_not_sent/);
  },
);

test('cli report: bad JSON, a missing file or an unknown option give one line on stderr and exit status 2; no sessions is said', () => {
  const bad = join(tmp, 'bad.ndjson');
  writeFileSync(bad, '{"type":"tls.session","flow":0}\n{"type": nope}\n');
  const r = run(['report', bad]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^tlsdump: report: .*bad\.ndjson is not NDJSON/);
  assert.is(lines(r.stderr).length, 1);
  oneLineError(run(['report', '/nonexistent/events.ndjson']), 'missing', /no such file/);
  oneLineError(run(['report', '--bogus']), 'option', /unknown option/);
  const none = run(['report'], '{"type":"anomaly","code":"x","message":"y"}\n');
  assert.is(none.code, 0);
  assert.match(none.stdout, /no tls\.session events among 1 values read/);
});

test('cli --help lists --format, --explain and the report subcommand with examples', () => {
  const h = run(['--help']);
  assert.is(h.code, 0);
  for (const s of ['--format FORMAT', '--explain', 'tlsdump report', 'e.g. tlsdump --format ecs', 'e.g. tlsdump --explain'])
    assert.ok(h.stdout.includes(s), s);
  assert.is(run(['report', '--help']).stdout, h.stdout);
  for (const line of h.stdout.split('\n').filter((l) => l.startsWith('  --'))) {
    assert.match(line, /^ {2}--[a-z-]+( [A-Z]+)?( |$)/, `a flag runs into its text: ${line}`);
  }
});

test.run();

// The CLI on capture files: a pcap or pcapng file, the same on stdin, and a live stream (`tcpdump -U -w - |
// tlsdump`): events come out as the packets arrive, before the input ends.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, ROOT, haveTool, testIf } from '../support/shared.js';
import { pcapFile, readPcap } from './build.js';
import { editcap } from './support.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');
const PCAP = join(FIXTURES, 'tls12-rsa.pcap');

function run(args: string[], input?: Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, cwd: ROOT, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

const lines = (out: string): Record<string, unknown>[] =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

testIf(haveTool('editcap'), 'editcap not installed: pcapng on stdin')(
  'cli: a pcap file, the same pcap on stdin and its pcapng conversion give the same events',
  () => {
    const file = run(['--events', 'all', PCAP]);
    assert.is(file.code, 0);
    assert.is(file.stderr, '');
    const evs = lines(file.stdout);
    assert.ok(evs.some((e) => e.type === 'packet' && e.frame === 1 && typeof e.ts === 'string' && /Z$/.test(e.ts)));
    assert.ok(evs.some((e) => e.type === 'tls.handshake' && e.msg === 'client_hello'));
    assert.ok(evs.some((e) => e.type === 'tls.session'));
    assert.ok(evs.every((e) => e.line === undefined));
    const stdin = run(['--events', 'all'], readFileSync(PCAP));
    assert.is(stdin.code, 0);
    assert.is(stdin.stdout, file.stdout);
    const dash = run(['--events', 'all', '-'], readFileSync(PCAP));
    assert.is(dash.stdout, file.stdout);
    const ng = run(['--events', 'all'], editcap(PCAP, 'pcapng'));
    assert.is(ng.code, 0);
    assert.is(ng.stdout, file.stdout);
  },
);

test('cli: --events packet < x.pcap prints one packet event per frame with frame and ts', () => {
  const r = run(['--events', 'packet'], readFileSync(PCAP));
  assert.is(r.code, 0);
  const evs = lines(r.stdout);
  const { recs } = readPcap(readFileSync(PCAP));
  assert.equal(
    evs.map((e) => e.frame),
    recs.map((_, i) => i + 1),
  );
  const first = recs[0]!;
  assert.is(evs[0]!.ts, new Date(first.sec * 1000).toISOString().slice(0, 19) + '.' + String(first.frac).padStart(6, '0') + 'Z');
});

test('cli: --input text reads a pcap as text (nothing decodes), --input pcap reads text as a capture (pcap.malformed), a bad kind exits 2', () => {
  const asText = run(['--input', 'text', '--events', 'packet,anomaly'], readFileSync(PCAP));
  assert.is(asText.code, 0);
  assert.ok(lines(asText.stdout).every((e) => e.type === 'anomaly' && String(e.code).startsWith('input.')));
  const asPcap = run(['--input=pcap'], Buffer.from('12:00:00.000000 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0\n'));
  assert.is(asPcap.code, 0);
  assert.equal(
    lines(asPcap.stdout).map((e) => e.code),
    ['pcap.malformed'],
  );
  const bad = run(['--input', 'pcapng'], Buffer.alloc(0));
  assert.is(bad.code, 2);
  assert.is(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /--input takes text, pcap or auto/);
  assert.match(run(['--help']).stdout, /--input KIND/);
});

test('cli: live input (tcpdump -U -w -): events come out as packets arrive, before the input ends', async () => {
  const { linkType, recs } = readPcap(readFileSync(PCAP));
  // the ClientHello is in one of the first frames: write up to it, then wait for its event with stdin still open
  const child = spawn(process.execPath, [BIN, '--events', 'tls.handshake'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const seen = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no event within 10 s of the first packets; got ${JSON.stringify(out)}`)), 10000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
  });
  const head = pcapFile([], { linkType });
  child.stdin.write(head.subarray(0, 24));
  // frames one at a time, as tcpdump -U writes them
  const cut = 6;
  for (const r of recs.slice(0, cut)) child.stdin.write(pcapFile([r], { linkType }).subarray(24));
  const first = JSON.parse((await seen).split('\n')[0]!) as Record<string, unknown>;
  assert.is(first.msg, 'client_hello');
  assert.ok(typeof first.frame === 'number' && first.frame <= cut);
  assert.is(child.exitCode, null, 'still running: the input has not ended');
  for (const r of recs.slice(cut)) child.stdin.write(pcapFile([r], { linkType }).subarray(24));
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.is(code, 0);
  const all = lines(out);
  const file = lines(run(['--events', 'tls.handshake', PCAP]).stdout);
  assert.equal(all, file);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event } from '../../lib/events.js';
import { TextFormatter, TEXT_DEFAULT_SHOW } from '../../lib/output/text.js';
import { FIXTURES, haveTool, ROOT, skipping, tcpdumpText } from '../support/shared.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');
const canText = haveTool('tcpdump');
/** Generous: the machine is shared; the test waits for output, it does not time it. */
const WAIT_MS = 20000;

/** Waits until `pred` holds for the text read so far from a child's stdout, or fails after WAIT_MS. */
function waitFor(read: () => string, pred: (s: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      if (pred(read())) resolve();
      else if (Date.now() - start > WAIT_MS) reject(new Error(`timed out waiting for ${what}; output so far:\n${read()}`));
      else setTimeout(tick, 25);
    };
    tick();
  });
}

/** A block's lines with the `(continued)` headers of a drained block taken out, to compare with the file output. */
function joined(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.endsWith('(continued)'));
}

test('text drain(): an open block writes its lines so far, the rest and the verdict follow under a (continued) header', () => {
  const show = new Set(TEXT_DEFAULT_SHOW);
  const evs: Event[] = [
    { type: 'flow', line: 1, flow: 0, event: 'open', client: '10.0.0.1:1', server: '10.0.0.2:443' },
    { type: 'tls.handshake', line: 2, flow: 0, dir: 'c2s', msg_id: 1, msg: 'client_hello', length: 10, version: 'TLS 1.2', cipher_ids: [] },
    { type: 'tls.alert', line: 3, flow: 0, dir: 's2c', level_id: 2, level: 'fatal', description_id: 40, description: 'handshake_failure' },
  ];
  let out = '';
  const f = new TextFormatter({ show, explain: false, color: false }, (s) => (out += s));
  for (const ev of evs) f.push(ev);
  assert.is(out, '');
  f.drain();
  assert.match(out, /^flow 0  10\.0\.0\.1:1 → 10\.0\.0\.2:443  \(opened line 1\)\n.*client_hello.*\n.*alert fatal handshake_failure/);
  const first = out;
  f.drain();
  assert.is(out, first, 'nothing new, nothing written');
  f.push({
    type: 'flow',
    line: 4,
    flow: 0,
    event: 'close',
    client: '10.0.0.1:1',
    server: '10.0.0.2:443',
    end: 'fin',
    bytes: { c2s: 1, s2c: 1 },
    gaps: 0,
  });
  f.push({ type: 'tls.session', line: 4, flow: 0, client: '10.0.0.1:1', server: '10.0.0.2:443', established: false, alerts: [], diagnoses: [] });
  f.end();
  assert.match(
    out.slice(first.length),
    /^flow 0  10\.0\.0\.1:1 → 10\.0\.0\.2:443  \(continued\)\n.*closed \(fin\).*\n {2}verdict {2}NOT established/,
  );
});

const live = canText ? test : test.skip;
if (!canText) skipping('text streams live: tcpdump is not installed (it makes the text of the capture)');

live(
  'text streams: a handshake stalled after the server alert, fed live through a pipe kept open, shows its messages before the input ends',
  async () => {
    const text = tcpdumpText(join(FIXTURES, 'mtls12-nocert.pcap'), ['-nn', '-XX']).toString('latin1');
    const lines = text.split('\n');
    // Everything up to the packet carrying the server's alert: the summary line of the FIN after it is where we stop.
    const fin = lines.findIndex((l, i) => i > 0 && /Flags \[F\.\]/.test(l));
    assert.ok(fin > 0);
    const head = lines.slice(0, fin).join('\n') + '\n';
    const child = spawn(process.execPath, [BIN, '--format', 'text'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stdin.write(head);
    try {
      await waitFor(
        () => out,
        (s) => /alert fatal handshake_failure/.test(s),
        'the alert line',
      );
      // The connection is shown as it stands: the CertificateRequest, the empty Certificate, the alert; no verdict yet.
      assert.match(out, /certificate_request types rsa_sign/);
      assert.match(out, /C→S {4}certificate \(empty: no certificate sent\)/);
      assert.not.match(out, /verdict/);
      assert.is(child.exitCode, null, 'still reading');
    } finally {
      child.stdin.end(lines.slice(fin).join('\n'));
    }
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.is(code, 0);
    assert.match(out, /flow 0 {2}10\.99\.0\.1:\d+ → 10\.99\.0\.2:4442 {2}\(continued\)\n/);
    assert.match(out, /verdict {2}NOT established/);
    // Apart from the (continued) header, the lines are those of the same text read from a file.
    const file = join(mkdtempSync(join(tmpdir(), 'tlsdump-live-')), 'nocert.txt');
    writeFileSync(file, text, 'latin1');
    const whole = spawnSync(process.execPath, [BIN, '--format', 'text', file], { encoding: 'utf8', cwd: ROOT });
    assert.equal(joined(out), joined(whole.stdout));
  },
);

test('text from a regular file is never split into (continued) parts', () => {
  const r = spawnSync(process.execPath, [BIN, '--format', 'text', join(FIXTURES, 'many-flows.pcap')], { encoding: 'utf8', cwd: ROOT });
  assert.is(r.status, 0);
  assert.not.match(r.stdout, /\(continued\)/);
  assert.is(r.stdout.match(/^flow \d+ /gm)?.length, 20);
});

test.run();

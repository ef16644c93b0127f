// tlsdump --jobs from the command line: the same stdout with 1 and 2 threads on an input large enough for the
// workers to start (START_ITEMS), and a wrong --jobs is a usage error.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { START_ITEMS } from '../../lib/parallel/index.js';
import { FIXTURES, ROOT, haveTool, tcpdumpText, testIf } from '../support/shared.js';

const BIN = join(ROOT, 'bin', 'tlsdump.js');

function tlsdump(args: string[], input?: Buffer) {
  return spawnSync(process.execPath, [BIN, ...args], { input, maxBuffer: 1 << 28 });
}

testIf(haveTool('tcpdump'), 'tcpdump is not installed: no text input is made')(
  'parallel cli: --jobs 2 writes the bytes of --jobs 1 on an input that starts the workers',
  () => {
    const one = Buffer.concat(
      ['many-flows', 'netem-reorder', 'mtls12-nocert', 'tls13'].map((n) => tcpdumpText(join(FIXTURES, `${n}.pcap`), ['-nn', '-tt', '-XX'])),
    );
    const parts: Buffer[] = [];
    for (let i = 0; i < 16; i++) parts.push(one);
    const input = Buffer.concat(parts);
    const a = tlsdump(['--jobs', '1', '--events', 'all'], input);
    const b = tlsdump(['--jobs', '2', '--events', 'all'], input);
    assert.is(a.status, 0, a.stderr.toString());
    assert.is(b.status, 0, b.stderr.toString());
    const lines = a.stdout.toString().trim().split('\n');
    // Each packet with payload gives the TCP stage one data item at most: far more than START_ITEMS here.
    const withPayload = lines.filter((l) => l.startsWith('{"type":"packet"') && !l.includes('"captured":0')).length;
    assert.ok(withPayload > 2 * START_ITEMS, `${withPayload} packets with payload`);
    assert.ok(a.stdout.equals(b.stdout), 'stdout differs between --jobs 1 and --jobs 2');
  },
);

test('parallel cli: --jobs takes a whole number from 1 to 64', () => {
  for (const bad of ['0', '1.5', 'x', '65']) {
    const r = tlsdump(['--jobs', bad, join(FIXTURES, 'tls13.pcap')]);
    assert.is(r.status, 2);
    assert.match(r.stderr.toString(), new RegExp(`--jobs takes a number of threads from 1 to 64, not '${bad.replace('.', '\\.')}'`));
  }
});

test.run();

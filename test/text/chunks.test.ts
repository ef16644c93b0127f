// Chunk boundaries: the same text fed in chunks of every size from 1 to 64 bytes gives the same packets and
// events, in the same order, as the text in one piece.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ether, ipv4, tcp } from '../net/build.js';
import { FIXTURES, haveShared, haveTool, SHARED, testIf, tcpdumpText } from '../support/shared.js';
import { bareDump, hexDump } from './render.js';
import { plain, stage1 } from './run.js';

const inputs: [string, Buffer][] = [];

// Always available: text made here, in the forms that need state across lines.
const A = '10.1.1.1';
const B = '10.2.2.2';
const syn = ipv4(A, B, tcp(40000, 443, { seq: 1000, flags: 0x02, win: 65535 }));
const data = ipv4(A, B, tcp(40000, 443, { seq: 1001, ack: 5001, flags: 0x18, payload: new Uint8Array(77).fill(0x41) }));
inputs.push([
  'made-up 3.x, -v, excerpts and prose',
  Buffer.from(
    `23:45:25.000001 ${A}.40000 > ${B}.443: S 1000:1000(0) win 65535\n` +
      bareDump(syn) +
      `\r\nSome prose, then a summary without hex:\n\nIP ${B}.443 > ${A}.40000: S 5000:5000(0) ack 1001 win 5672\n` +
      `04:03:38.498935 IP (tos 0x0, ttl 61, id 63271, offset 0, flags [DF], proto TCP (6), length 60)\n    ${A}.40000 > ${B}.443: Flags [P.], seq 1:78, ack 1, win 29200, length 77\n` +
      hexDump(ether(0x0800, data), { ascii: true }) +
      '   ^^^^\n' +
      hexDump(ether(0x0800, data), { ascii: true }).split('\n')[2] +
      '\n' +
      `IP ${B}.443 > ${A}.40000: Flags [P.], seq 1:41, ack 78, win 100, length 40\nthe data without headers:\n` +
      hexDump(ipv4(B, A, tcp(443, 40000, { payload: new Uint8Array(40).fill(0x42) })))
        .split('\n')
        .slice(2)
        .join('\n')
        .replace(/^\t0x0020:  (\S+ ){4}/, '\t0x0020:' + ' '.repeat(22)),
    'latin1',
  ),
]);

// The seed article (from ../shared) and tcpdump's text of own captures are registered as skipped where absent.
const more: [string, string | undefined, () => Uint8Array][] = [
  ['the seed article', haveShared ? undefined : '../shared/seed is absent', () => readFileSync(join(SHARED, 'seed', '000_f61e09c4f4cda515.txt'))],
  [
    'tcpdump -nn -XX of an own capture',
    haveTool('tcpdump') ? undefined : 'tcpdump is not installed',
    () => tcpdumpText(join(FIXTURES, 'tls12-rsa.pcap'), ['-nn', '-XX']),
  ],
  [
    'tcpdump -nn -vv -X -ttt of an own capture',
    haveTool('tcpdump') ? undefined : 'tcpdump is not installed',
    () => tcpdumpText(join(FIXTURES, 'ipv6-tls12.pcap'), ['-nn', '-vv', '-X', '-ttt']),
  ],
];

for (const [what, absent, load] of [...inputs.map(([w, t]) => [w, undefined, () => t] as const), ...more]) {
  testIf(absent === undefined, `text/chunks: ${absent}`)(`chunks: ${what} gives identical packets and events in chunks of 1 to 64 bytes`, () => {
    const text = load();
    const whole = JSON.stringify(stage1(text).all.map(plain));
    assert.ok(stage1(text).packets.length > 0);
    for (let size = 1; size <= 64; size++) {
      const got = JSON.stringify(stage1(text, size).all.map(plain));
      if (got !== whole) assert.fixture(got, whole, `chunk size ${size}`);
    }
  });
}

test.run();

// The fast path for full hex lines (TextPackets.lines, offered by LineSplitter before it looks for each line's
// end) gives exactly what line() gives for the same text: the same packets, bytes and events in the same
// order, whatever the chunking, on real tcpdump text and on text damaged at random places.

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event, Packet } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { TextPackets } from '../../lib/text/index.js';
import { LineSplitter, type LineSink } from '../../lib/text/lines.js';
import { ether, ipv4, tcp } from '../net/build.js';
import { FIXTURES, haveTool, testIf, tcpdumpText } from '../support/shared.js';
import { hexDump } from './render.js';
import { rng } from '../support/rng.js';

/** Packets (payload as hex) and events of stage 1, in output order, as comparable text. */
function run(input: Buffer, chunk: number, fast: boolean): string[] {
  const out: string[] = [];
  const opts = defaultOptions();
  const tp = new TextPackets(
    opts,
    (p: Packet) => out.push(JSON.stringify({ ...p, payload: Buffer.from(p.payload).toString('hex') })),
    (e: Event) => out.push(JSON.stringify(e)),
  );
  // Without lines(), the splitter hands every line to line(): the reference.
  const sink: LineSink = fast ? tp : { line: (b, s, e) => tp.line(b, s, e), overlong: (n) => tp.overlong(n) };
  const ls = new LineSplitter(opts.maxLineBytes, sink);
  if (chunk <= 0) ls.push(input);
  else for (let i = 0; i < input.length; i += chunk) ls.push(input.subarray(i, i + chunk));
  ls.end();
  tp.end();
  return out;
}

function same(name: string, input: Buffer, chunks: number[]): void {
  const ref = run(input, 0, false);
  for (const c of chunks) assert.equal(run(input, c, true), ref, `${name}, chunks of ${c || 'all'} bytes`);
}

const A = '10.1.1.1';
const B = '10.2.2.2';
const made = Buffer.from(
  [
    `12:00:00.000001 IP ${A}.40000 > ${B}.443: Flags [P.], seq 1:301, ack 1, win 502, length 300\n` +
      hexDump(ether(0x0800, ipv4(A, B, tcp(40000, 443, { seq: 1, ack: 1, flags: 0x18, payload: new Uint8Array(300).map((_, i) => i * 7) }))), {
        ascii: true,
      }),
    `12:00:00.000002 IP ${B}.443 > ${A}.40000: Flags [.], ack 301, win 502, length 0\n` +
      hexDump(ether(0x0800, ipv4(B, A, tcp(443, 40000, { seq: 1, ack: 301, flags: 0x10 }))), { ascii: false }),
  ].join(''),
  'latin1',
);

test('text fast path: full hex lines give the same packets and events as line(), in any chunking (made-up -X and -x text)', () => {
  same('made-up', made, [0, 1, 2, 3, 7, 49, 50, 67, 68, 69, 4096]);
});

test('text fast path: text damaged at random places (a character changed, removed or doubled, a CR added) gives the same as line()', () => {
  const rand = rng(6);
  const pool = ' \t\r\n0123456789abcdefABCDEFxX:.g\u00ff';
  for (let k = 0; k < 400; k++) {
    const b = Array.from(made);
    for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
      const at = Math.floor(rand() * b.length);
      const what = rand();
      if (what < 0.5) b[at] = pool.charCodeAt(Math.floor(rand() * pool.length));
      else if (what < 0.75) b.splice(at, 1);
      else b.splice(at, 0, b[at]!);
    }
    same(`damage #${k}`, Buffer.from(b), [0, 5, 68]);
  }
});

const own = ['tls12-rsa.pcap', 'ipv6-tls12.pcap', 'many-flows.pcap', 'netem-reorder.pcap'].map((f) => join(FIXTURES, f));
testIf(haveTool('tcpdump'), 'text/fastpath: tcpdump is not installed, real text is not compared')(
  'text fast path: tcpdump -XX, -xx, -X and -x text of recorded captures gives the same as line()',
  () => {
    for (const pcap of own) {
      for (const flags of [
        ['-nn', '-XX'],
        ['-nn', '-xx'],
        ['-nn', '-X'],
        ['-nn', '-x'],
        ['-nn', '-vv', '-XX'],
      ]) {
        same(`${pcap} ${flags.join(' ')}`, tcpdumpText(pcap, flags), [0, 997]);
      }
    }
  },
);

test.run();

// Damaged text never throws and never yields an impossible packet: random bytes, and real tcpdump text with
// characters, lines and prose broken at random.

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Packet } from '../../lib/events.js';
import { FIXTURES, haveTool, testIf, tcpdumpText } from '../support/shared.js';
import { stage1 } from './run.js';

let seed = 20240601;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return (seed >>> 8) % n;
};

function sane(p: Packet, lines: number): void {
  assert.ok(p.line! >= 1 && p.line! <= lines, `line ${p.line} within 1..${lines}`);
  assert.ok(p.payload.length <= p.len, `captured ${p.payload.length} <= len ${p.len} at line ${p.line}`);
  assert.ok(p.sport >= 0 && p.sport <= 65535 && p.dport >= 0 && p.dport <= 65535);
  assert.ok(p.seq >= 0 && p.seq <= 0xffffffff && p.ack >= 0 && p.ack <= 0xffffffff);
  assert.ok(p.src.length > 0 && p.dst.length > 0);
}

test('robust: random bytes and random hex-looking lines never throw', () => {
  for (let round = 0; round < 200; round++) {
    const parts: string[] = [];
    for (let i = 0; i < 40; i++) {
      const kind = rnd(4);
      if (kind === 0) parts.push(Array.from({ length: rnd(90) }, () => String.fromCharCode(rnd(256))).join(''));
      else if (kind === 1)
        parts.push(
          `\t0x${rnd(0x400).toString(16).padStart(4, '0')}:  ` +
            Array.from({ length: rnd(9) }, () => rnd(0x10000).toString(16).padStart(4, '0')).join(' '),
        );
      else if (kind === 2)
        parts.push(
          `1${rnd(10)}:0${rnd(10)}:00.${rnd(999999)} IP 10.0.${rnd(3)}.1.${rnd(70000)} > 10.0.0.${rnd(300)}.443: Flags [${'SFRP.'[rnd(5)]}], seq ${rnd(1e9)}:${rnd(1e9)}, ack ${rnd(1e9)}, win 1, length ${rnd(2000)}`,
        );
      else parts.push(`\t0x0000:  4${rnd(16).toString(16)}00 ${rnd(0x10000).toString(16).padStart(4, '0')} 0000 4000 4006 0000 0a00 0001`);
    }
    const text = parts.join(rnd(2) ? '\n' : '\r\n');
    const { packets } = stage1(Buffer.from(text, 'latin1'), 1 + rnd(100));
    for (const p of packets) sane(p, text.split('\n').length);
  }
});

const canText = haveTool('tcpdump');
const real = canText ? tcpdumpText(join(FIXTURES, 'tls12-rsa.pcap'), ['-nn', '-XX']).toString('latin1').split('\n') : [];
testIf(canText, 'text/robust: tcpdump is not installed')(
  'robust: real -XX text with characters flipped, lines dropped, repeated or swapped, and prose inserted never throws',
  () => {
    for (let round = 0; round < 300; round++) {
      const lines = real.slice();
      for (let k = 0; k < 1 + rnd(8); k++) {
        const i = rnd(lines.length);
        const l = lines[i]!;
        switch (rnd(6)) {
          case 0:
            lines[i] = l.slice(0, rnd(l.length + 1)) + String.fromCharCode(rnd(128)) + l.slice(rnd(l.length + 1));
            break;
          case 1:
            lines.splice(i, 1);
            break;
          case 2:
            lines.splice(i, 0, l);
            break;
          case 3:
            lines.splice(i, 0, 'Look at the bytes below: 0x0030 is where it starts');
            break;
          case 4:
            lines[i] = lines[rnd(lines.length)]!;
            break;
          default:
            lines[i] = '    ' + l.slice(0, rnd(l.length + 1));
        }
      }
      const { packets } = stage1(lines.join('\n'), rnd(3) ? 0 : 1 + rnd(64));
      for (const p of packets) sane(p, lines.length);
    }
  },
);

test.run();

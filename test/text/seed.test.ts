// The whole seed article (a tcpdump 3.x trace pasted into a web page, with prose, markers, repeated lines and
// excerpts between the packets) through stage 1. The expected packets are read off the article: its first
// trace is one connection, numbered relative to the client's ISN 2327361744 and the server's 306717471 (both
// printed in its SYN and SYN-ACK); its second trace is excerpts with no IP or TCP headers at all.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ACK, FIN, PSH, RST, SYN, type Packet } from '../../lib/events.js';
import { haveShared, SHARED, testIf } from '../support/shared.js';
import { codes, stage1 } from './run.js';

const SEED = join(SHARED, 'seed', '000_f61e09c4f4cda515.txt');
const CLIENT = '216.182.45.246';
const SERVER = '64.233.169.99';
const C_ISN = 2327361744;
const S_ISN = 306717471;

type Row = [line: number, from: 'c' | 's', flags: number, seq: number, ack: number | null, len: number, captured: number];

/**
 * Every packet of the first trace, in the article's order. seq/ack relative to the sender's/receiver's ISN;
 * pure ACKs print no seq, so theirs is what the sender sent up to then. `. 1:1419(1418)` is shown twice, first
 * alone (line 188), then again with its hex (line 202): one packet, in the first place, with the bytes.
 */
const TRACE1: Row[] = [
  [59, 'c', SYN, 0, null, 0, 0],
  [71, 's', SYN | ACK, 0, 1, 0, 0],
  [74, 'c', ACK, 1, 1, 0, 0],
  [77, 'c', PSH | ACK, 1, 1, 142, 142],
  [177, 's', ACK, 1, 143, 0, 0],
  [180, 's', PSH | ACK, 1419, 143, 300, 300], // its data comes at line 322, "minus the IP and TCP headers"
  [185, 'c', ACK, 143, 1, 0, 0],
  [202, 's', ACK, 1, 143, 1418, 1418],
  [195, 'c', ACK, 143, 1719, 0, 0],
  [372, 'c', PSH | ACK, 143, 1719, 139, 139],
  [400, 's', ACK, 1719, 282, 0, 0],
  [405, 'c', PSH | ACK, 282, 1719, 59, 59],
  [436, 's', ACK, 1719, 341, 0, 0],
  [439, 's', PSH | ACK, 1719, 341, 59, 59],
  [468, 'c', PSH | ACK, 341, 1778, 90, 90],
  [479, 's', ACK, 1778, 431, 0, 0],
  [481, 'c', PSH | ACK, 431, 1778, 74, 74],
  [491, 's', ACK, 1778, 505, 0, 0],
  [497, 's', FIN | ACK, 2215, 505, 0, 0],
  [506, 'c', ACK, 505, 1778, 0, 0],
  [511, 's', PSH | ACK, 1778, 505, 437, 28], // "(most encrypted data not shown)": the hex stops at 0x0050
  [526, 'c', ACK, 505, 2216, 0, 0],
  [529, 'c', PSH | ACK, 505, 2216, 37, 37],
  [544, 'c', FIN | ACK, 542, 2216, 0, 0],
  [546, 's', RST, 2216, null, 0, 0],
  [548, 's', RST, 2216, null, 0, 0],
];

function expected(r: Row): unknown[] {
  const [line, from, flags, seq, ack, len, captured] = r;
  const c = from === 'c';
  return [
    line,
    c ? CLIENT : SERVER,
    c ? 63875 : 443,
    c ? SERVER : CLIENT,
    c ? 443 : 63875,
    flags,
    ((c ? C_ISN : S_ISN) + seq) >>> 0,
    ack === null ? 0 : ((c ? S_ISN : C_ISN) + ack) >>> 0,
    len,
    captured,
  ];
}

function actual(p: Packet): unknown[] {
  return [p.line, p.src, p.sport, p.dst, p.dport, p.flags, p.seq, p.ack, p.len, p.payload.length];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const seeded = testIf(haveShared, 'text/seed: ../shared/seed is absent');
const text = haveShared ? readFileSync(SEED) : Buffer.alloc(0);
const lines = text.toString('utf8').split('\n');
const run = stage1(text);

seeded('seed: the first trace gives every packet with the right ports, flags, absolute seq/ack and lengths', () => {
  assert.equal(run.packets.map(actual), TRACE1.map(expected));
  for (const p of run.packets) assert.not.ok(p.seqRelative, `line ${p.line} has absolute numbers`);
});

seeded('seed: packets shown only by their summary have no bytes and are marked truncated; the others carry their bytes', () => {
  for (const p of run.packets) {
    const summaryOnly = p.payload.length === 0 && !/0x0000:/.test(lines[p.line!]!);
    if (summaryOnly) assert.ok(p.truncated, `line ${p.line}`);
  }
  const at = (line: number): Packet => run.packets.find((p) => p.line === line)!;
  assert.is(hex(at(77).payload).slice(0, 10), '808c010301'); // SSLv2 ClientHello
  assert.is(hex(at(202).payload).slice(0, 12), '160301004a02'); // ServerHello record
  assert.is(hex(at(372).payload).slice(0, 12), '160301008610'); // ClientKeyExchange
  assert.is(hex(at(405).payload).slice(0, 22), '1403010001011603010030');
  assert.ok(at(511).truncated);
});

seeded('seed: the "data minus the IP and TCP headers" block completes the out-of-order packet it matches', () => {
  const ooo = run.packets.find((p) => p.line === 180)!;
  assert.is(ooo.payload.length, 300);
  assert.is(hex(ooo.payload).slice(0, 16), 'a024a02286206874');
  assert.is(hex(ooo.payload).slice(-18), '16030100040e000000'); // the ServerHelloDone record
  assert.not.ok(ooo.truncated);
});

seeded('seed: no packet comes from prose, and each prose run gives one input.unparsed at its first line', () => {
  for (const p of run.packets) assert.match(lines[p.line! - 1]!, /IP \d+\.\d+\.\d+\.\d+\.\d+ > \d+\.\d+\.\d+\.\d+\.\d+: /, `line ${p.line}`);
  const unparsed = run.events.filter((e) => e.code === 'input.unparsed');
  assert.ok(unparsed.length > 10);
  for (const e of unparsed) {
    const l = lines[e.line! - 1]!.trim();
    assert.not.match(l, /^0x[0-9a-f]{4}:/, `line ${e.line} is not hex`);
    assert.not.match(l, /^IP \d/, `line ${e.line} is not a summary`);
  }
  assert.ok(
    unparsed.some((e) => lines[e.line! - 1]!.trim() === '^^^^'),
    'a ^^^^ marker line is reported',
  );
  const first = unparsed[0]!;
  assert.is(first.line, 1);
});

seeded('seed: the second trace (12 excerpts without headers) gives no packets, one input.orphan_hex per excerpt', () => {
  const second = lines.findIndex((l) => l.includes('A connection that uses a "client" certificate')) + 1;
  assert.ok(second > 548);
  assert.not.ok(run.packets.some((p) => p.line! >= second));
  const orphans = run.events.filter((e) => e.code === 'input.orphan_hex' && e.line! >= second);
  assert.is(orphans.length, 12);
  assert.ok(orphans.every((e) => /0x0030|0x0034|0x0170|0x0380|0x04c0|0x05b0|0x05c0/.test(String(e.message))));
});

seeded('seed: output keeps line order, and no input.no_hex', () => {
  assert.not.ok(codes(run.events).includes('input.no_hex'));
  const evLines = run.events.map((e) => e.line!);
  assert.equal(
    evLines,
    [...evLines].sort((a, b) => a - b),
  );
});

test.run();
